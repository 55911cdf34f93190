/** The govc wrapper against a real vcsim (one per test), with the govc 0.24 built by scripts/setup-test-deps.sh. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Govc, GovcError, identityOf, type CloneParams, type VmIdentity } from '../../src/integrations/govc.js';
import { freePort } from '../helpers/net.js';
import { GOVC_BIN, startVcsim, VCSIM_POOL, type Vcsim } from '../helpers/vcsim.js';

const TEMPLATE = 'web-server-template';
const placement = (name: string): CloneParams => ({
  template: TEMPLATE,
  name,
  datacenter: 'DC0',
  folder: '/DC0/vm',
  pool: VCSIM_POOL,
  datastore: 'LocalDS_0',
  network: 'VM Network',
});

/** The identity of the VM at `path`, as the clone step records it. */
async function idOf(govc: Govc, path: string): Promise<VmIdentity> {
  const id = identityOf(await govc.vmAt(path));
  if (!id) throw new Error(`no VM at ${path}`);
  return id;
}

async function rejection(p: Promise<unknown>): Promise<GovcError> {
  const e = await p.then(() => undefined, (err: unknown) => err);
  expect(e).toBeInstanceOf(GovcError);
  return e as GovcError;
}

describe('Govc against vcsim', () => {
  let sim: Vcsim;
  beforeEach(async () => {
    sim = await startVcsim();
    await sim.makeTemplate(TEMPLATE);
  });
  afterEach(async () => {
    await sim.stop();
  });

  it('clones a template powered off, customizes a static IP, powers on and reads the IP back', async () => {
    const { govc } = sim;
    await govc.clone(placement('web-server-1'));

    const cloned = await govc.vmInfo('/DC0/vm/web-server-1');
    expect(cloned).toMatchObject({ name: 'web-server-1', path: '/DC0/vm/web-server-1', powerState: 'poweredOff', template: false });

    const id = await idOf(govc, '/DC0/vm/web-server-1');
    expect(id).toMatchObject({ path: '/DC0/vm/web-server-1', moref: expect.stringMatching(/^vm-\d+$/), uuid: cloned?.uuid, instanceUuid: cloned?.instanceUuid });
    await govc.customize({
      vm: id, ip: '127.0.10.21', netmask: '255.255.255.0', gateway: '127.0.10.1',
      dns: ['127.0.0.53', '127.0.0.54'], hostname: 'web-server-1',
    });
    await govc.powerOn(id);
    await expect(govc.waitForIp(id, 10_000)).resolves.toBe('127.0.10.21');

    const info = await govc.vmInfo('web-server-1');
    expect(info).toMatchObject({ name: 'web-server-1', powerState: 'poweredOn', ipAddress: '127.0.10.21', template: false });
    expect(info?.guestIps).toContain('127.0.10.21');
    await expect(govc.guestIps(['web-server-1', 'no-such-vm'])).resolves.toEqual(new Set(['127.0.10.21']));
  });

  it('lists the template as a template and the clones as VMs', async () => {
    const { govc } = sim;
    await govc.clone(placement('web-server-1'));
    await govc.clone(placement('web-server-2'));

    await expect(govc.listTemplates()).resolves.toEqual([TEMPLATE]);
    const vms = await govc.listVms({ folder: '/DC0/vm' });
    expect(vms).toEqual(expect.arrayContaining(['web-server-1', 'web-server-2', 'DC0_H0_VM0']));
    expect(vms).not.toContain(TEMPLATE);
    await expect(govc.listVms({ prefix: 'web-server' })).resolves.toEqual(['web-server-1', 'web-server-2']);
    await expect(govc.vmInfo(TEMPLATE)).resolves.toMatchObject({ template: true, powerState: 'poweredOff' });
  });

  it('acts on one VM by identity when another VM of the same name lives in another folder, and refuses the bare name', async () => {
    const { govc } = sim;
    await govc.clone({ ...placement('web-7'), folder: undefined });
    const other = await sim.placeVm('/DC0/vm/other-team', 'web-7', { powerOn: true });
    const mine = await idOf(govc, '/DC0/vm/web-7');
    await expect(govc.findByName('web-7')).resolves.toEqual(expect.arrayContaining(['/DC0/vm/web-7', other]));
    await expect(govc.vmInfo('web-7')).rejects.toMatchObject({ code: 'ambiguous', message: expect.stringContaining(other) });

    await govc.powerOn(mine);
    await govc.powerOff(mine);
    await govc.destroy(mine);
    await expect(govc.vmAt('/DC0/vm/web-7')).resolves.toBeUndefined();
    await expect(govc.vmAt(other)).resolves.toMatchObject({ name: 'web-7', powerState: 'poweredOn' });
  });

  it('refuses to act on a recorded identity when another VM now has its path', async () => {
    const { govc } = sim;
    await govc.clone(placement('web-server-1'));
    const first = await idOf(govc, '/DC0/vm/web-server-1');
    await govc.destroy(first);
    await govc.clone(placement('web-server-1'));
    await expect(govc.destroy(first)).rejects.toMatchObject({ code: 'identity_mismatch' });
    await expect(govc.exists('/DC0/vm/web-server-1')).resolves.toBe(true);
  });

  it('refuses a second clone onto an existing name with a duplicate_name error', async () => {
    await sim.govc.clone(placement('web-server-1'));
    const err = await rejection(sim.govc.clone(placement('web-server-1')));
    expect(err.code).toBe('duplicate_name');
    expect(err.exitCode).toBe(1);
    expect(err.args).toEqual(sim.govc.cloneArgs(placement('web-server-1')));
    expect(err.message).not.toMatch(/govc: /);
  });

  it('destroys a VM, and destroying it again is fine', async () => {
    const { govc } = sim;
    await govc.clone(placement('web-server-1'));
    const id = await idOf(govc, '/DC0/vm/web-server-1');
    await govc.powerOn(id);
    await govc.destroy(id);
    await govc.destroy(id);
    await expect(govc.exists('web-server-1')).resolves.toBe(false);
    await expect(govc.exists(TEMPLATE)).resolves.toBe(true);
  });

  it('maps a VM that does not exist to not_found, and vm.info of one to undefined', async () => {
    const err = await rejection(sim.govc.powerOn({ path: '/DC0/vm/no-such-vm', moref: 'vm-1', uuid: 'x' }));
    expect(err.code).toBe('not_found');
    expect(err.message).toBe('no VM at /DC0/vm/no-such-vm (vm-1)');
    await expect(sim.govc.vmInfo('no-such-vm')).resolves.toBeUndefined();
    await expect(sim.govc.vmAt('/DC0/vm/no-such-vm')).resolves.toBeUndefined();
  });

  it('treats power-off of a powered-off VM and power-on of a powered-on VM as success', async () => {
    const { govc } = sim;
    await govc.clone(placement('web-server-1'));
    const id = await idOf(govc, '/DC0/vm/web-server-1');
    await govc.powerOff(id);
    await govc.powerOn(id);
    await govc.powerOn(id);
    await expect(govc.vmInfo('web-server-1')).resolves.toMatchObject({ powerState: 'poweredOn' });
  });

  it('returns undefined when no IP appears within the wait (a VM without customization)', async () => {
    await sim.govc.clone(placement('web-server-1'));
    const id = await idOf(sim.govc, '/DC0/vm/web-server-1');
    await sim.govc.powerOn(id);
    const started = Date.now();
    await expect(sim.govc.waitForIp(id, 1500)).resolves.toBeUndefined();
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(1000);
    expect(elapsed).toBeLessThan(10_000);
  });
});

describe('Govc limits and failures', () => {
  const sims: Vcsim[] = [];
  afterEach(async () => {
    await Promise.all(sims.splice(0).map((s) => s.stop()));
  });

  it('kills govc at the per-call timeout', async () => {
    const sim = await startVcsim({ methodDelay: { PowerOnVM_Task: 20_000 } });
    sims.push(sim);
    const govc = new Govc({ bin: GOVC_BIN, env: sim.env, timeoutMs: 1000 });
    const vm0 = await idOf(govc, '/DC0/vm/DC0_H0_VM0');
    await govc.powerOff(vm0);
    const started = Date.now();
    const err = await rejection(govc.powerOn(vm0));
    expect(err.code).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('kills govc when the caller aborts', async () => {
    const sim = await startVcsim({ methodDelay: { CloneVM_Task: 20_000 } });
    sims.push(sim);
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    const started = Date.now();
    const err = await rejection(sim.govc.clone({ template: 'DC0_H0_VM0', name: 'slow', pool: VCSIM_POOL }, ac.signal));
    expect(err.code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(8000);
  });

  it('maps a wrong password to auth, without the password in the error', async () => {
    const sim = await startVcsim({ credentials: { username: 'bot', password: 'right-password-1' } });
    sims.push(sim);
    const govc = new Govc({ bin: GOVC_BIN, env: { ...sim.env, GOVC_PASSWORD: 'wrong-password-2' } });
    const err = await rejection(govc.listTemplates());
    expect(err.code).toBe('auth');
    expect(`${err.message} ${err.stderr}`).not.toContain('wrong-password-2');

    await expect(sim.govc.listTemplates()).resolves.toEqual([]);
  });

  it('maps an unreachable vCenter to connection', async () => {
    const port = await freePort();
    const govc = new Govc({ bin: GOVC_BIN, env: { GOVC_URL: `https://127.0.0.1:${port}/sdk`, GOVC_INSECURE: true } });
    const err = await rejection(govc.listVms());
    expect(err.code).toBe('connection');
  });
});
