/** The local executor on real govc + vcsim and the fake BIG-IP. */
import { afterEach, describe, expect, it } from 'vitest';
import { findRequest } from '../../src/store/requests.js';
import { leasesOf } from '../../src/store/leases.js';
import type { VCenter } from '../../src/workflows/vmPorts.js';
import { blockText, buttons } from '../fakes/slack.js';
import { alertPayload, service } from '../helpers/bot.js';
import { freePort } from '../helpers/net.js';
import { healthTarget, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await stack?.stop();
  stack = undefined;
});

async function svcWithTarget(name: string, subnet: number, opts: { healthTimeout?: string; type?: 'tcp' | 'http' } = {}) {
  const port = await freePort();
  const s = service({
    name,
    channel: 'C0SERVICE1',
    network: { ipPool: { start: `127.0.${subnet}.10`, end: `127.0.${subnet}.20` }, netmask: '255.255.255.0', gateway: `127.0.${subnet}.1`, dns: [`127.0.${subnet}.2`], conflictCheck: 'none' },
    healthCheck: { type: opts.type ?? 'tcp', port, path: '/healthz', expectStatus: 200, timeout: opts.healthTimeout ?? '20s' },
    f5: { pool: `${name}-pool`, partition: 'Common', port },
    approval: { mode: 'auto' },
  });
  return s;
}

async function scaleOut(st: Stack, name = 'web-server') {
  const r = await st.tb.webhook(alertPayload({ service: name }));
  expect(r.json.alerts[0].outcome).toBe('created');
  await st.tb.settle();
  return findRequest(st.tb.store, r.json.alerts[0].requestId)!;
}

const cardText = (st: Stack, id: string) => {
  const r = findRequest(st.tb.store, id)!;
  return blockText(st.tb.slack.messages.find((m) => m.ts === r.card!.ts)!.blocks);
};

describe('scale-out on vcsim and the fake F5', () => {
  it('clones, customizes, powers on, checks health and adds the pool member', async () => {
    const s = await svcWithTarget('web-server', 11, { type: 'http' });
    stack = await startStack({ services: [s] });
    const t = await healthTarget('127.0.11.10', s.healthCheck.port, 'http');
    closers.push(t.close);
    const r = await scaleOut(stack);
    expect(r.state).toBe('succeeded');
    const a = r.attempts[0]!;
    expect(a.steps.map((x) => [x.name, x.state])).toEqual([
      ['reserve-ip', 'done'], ['name', 'done'], ['clone', 'done'], ['customize', 'done'], ['power-on', 'done'], ['wait-ip', 'done'], ['health', 'done'], ['f5-add', 'done'],
    ]);
    const info = await stack.vcsim.govc.vmInfo('web-server-1');
    expect(info?.powerState).toBe('poweredOn');
    expect(info?.ipAddress).toBe('127.0.11.10');
    const member = stack.f5.state.pools.get('/Common/web-server-pool')!.members.get(`127.0.11.10:${s.f5.port}`);
    expect(member?.address).toBe('127.0.11.10');
    expect(leasesOf(stack.tb.store, 'web-server')).toEqual([expect.objectContaining({ ip: '127.0.11.10', state: 'in-use', vmName: 'web-server-1' })]);
    const text = cardText(stack, r.id);
    expect(text).toContain('Scaled out web-server');
    expect(text).toContain(`*web-server-1* (127.0.11.10) joined /Common/web-server-pool as 127.0.11.10:${s.f5.port}`);
    expect(text).toMatch(/Clone from template \(\d+(ms|s)\)/);
    // The next scale-out sees one more instance and the next name and address.
    const preview = await stack.tb.bot.deps.inventory.instances(s);
    expect(preview).toEqual({ count: 1, source: 'f5' });
    expect(await stack.tb.bot.deps.inventory.nextVmName(s)).toBe('web-server-2');
  });

  it('writes only to the ACTIVE unit of an HA pair and runs config-sync to the device group', async () => {
    const s = await svcWithTarget('web-server', 12);
    s.f5.deviceGroup = 'dg-web';
    stack = await startStack({ services: [s], haPair: true });
    closers.push((await healthTarget('127.0.12.10', s.healthCheck.port)).close);
    const r = await scaleOut(stack);
    expect(r.state).toBe('succeeded');
    expect(stack.f5b!.writes()).toHaveLength(0);
    expect(stack.f5.writes().map((w) => `${w.method} ${w.path}`)).toEqual(expect.arrayContaining([
      'POST /mgmt/tm/ltm/pool/~Common~web-server-pool/members', 'POST /mgmt/tm/cm',
    ]));
    expect(stack.f5.state.syncs).toEqual(['dg-web']);
    // config-sync copied the member to the standby unit.
    expect(stack.f5b!.state.pools.get('/Common/web-server-pool')!.members.size).toBe(1);
  });

  it('adds the member on the unit that became ACTIVE during the run, never on the one that just turned standby', async () => {
    const s = await svcWithTarget('web-server', 15);
    let failOver = () => {};
    // The HA pair fails over while vCenter clones: the F5 unit the bot read at card time is standby by the f5-add step.
    const failingOverDuringClone = (real: VCenter): VCenter => {
      const w = Object.create(real) as VCenter;
      w.clone = async (p, sig) => {
        await real.clone(p, sig);
        failOver();
      };
      return w;
    };
    stack = await startStack({ services: [s], haPair: true, vcenter: failingOverDuringClone });
    const { f5, f5b } = stack;
    failOver = () => {
      f5.setFailover('STANDBY');
      f5b!.setFailover('ACTIVE');
    };
    closers.push((await healthTarget('127.0.15.10', s.healthCheck.port)).close);
    const r = await scaleOut(stack);
    expect(r.state).toBe('succeeded');
    expect(f5.writesWhileStandby()).toEqual([]);
    expect(f5b!.writes().map((w) => `${w.method} ${w.path} ${w.failover}`)).toEqual(['POST /mgmt/tm/ltm/pool/~Common~web-server-pool/members ACTIVE']);
    expect([...f5b!.state.pools.get('/Common/web-server-pool')!.members.keys()]).toEqual([`127.0.15.10:${s.f5.port}`]);
  });

  it('runs two services in parallel', async () => {
    const a = await svcWithTarget('alpha', 13);
    const b = await svcWithTarget('beta', 14);
    let inFlight = 0;
    let most = 0;
    const counting = (real: VCenter): VCenter => {
      const w = Object.create(real) as VCenter;
      w.clone = async (p, sig) => {
        most = Math.max(most, ++inFlight);
        try { await real.clone(p, sig); } finally { inFlight--; }
      };
      return w;
    };
    stack = await startStack({ services: [a, b], vcsimDelay: { CloneVM_Task: 1500 }, vcenter: counting });
    closers.push((await healthTarget('127.0.13.10', a.healthCheck.port)).close, (await healthTarget('127.0.14.10', b.healthCheck.port)).close);
    await Promise.all([stack.tb.webhook(alertPayload({ service: 'alpha' })), stack.tb.webhook(alertPayload({ service: 'beta' }))]);
    await stack.tb.settle();
    const [ra, rb] = stack.tb.store.data.requests;
    expect([ra!.state, rb!.state]).toEqual(['succeeded', 'succeeded']);
    expect(most).toBe(2); // both clones were in vCenter at once
  });
});

/** Wraps real govc so that one method fails the way govc does (exit 1, a message on stderr). */
function failing(method: keyof VCenter, message = 'govc: ServerFaultCode: A general system error occurred: injected') {
  return (real: VCenter): VCenter => {
    const wrapper = Object.create(real) as VCenter;
    (wrapper as unknown as Record<string, unknown>)[method] = async () => {
      throw Object.assign(new Error(message), { code: 'failed' });
    };
    return wrapper;
  };
}

describe('a failing step rolls back what was done', () => {
  async function failedRun(st: Stack) {
    const r = await scaleOut(st);
    expect(r.state).toBe('failed');
    return r;
  }

  async function expectNothingLeft(st: Stack, port: number) {
    expect(await st.vcsim.govc.exists('web-server-1')).toBe(false);
    expect(st.f5.state.pools.get('/Common/web-server-pool')!.members.has(`127.0.15.10:${port}`)).toBe(false);
    expect(leasesOf(st.tb.store, 'web-server')).toEqual([]);
  }

  for (const step of ['customize', 'powerOn', 'waitForIp'] as const) {
    it(`at ${step}: destroys the VM, releases the IP and offers Retry`, async () => {
      const s = await svcWithTarget('web-server', 15);
      stack = await startStack({ services: [s], vcenter: failing(step) });
      const r = await failedRun(stack);
      const a = r.attempts[0]!;
      expect(a.error?.message).toContain('injected');
      expect(a.undone).toEqual([{ code: 'destroy_vm', vm: 'web-server-1' }, { code: 'release_ip', ip: '127.0.15.10' }]);
      await expectNothingLeft(stack, s.f5.port);
      const text = cardText(stack, r.id);
      expect(text).toContain('failed');
      expect(text).toContain('injected');
      expect(text).toContain('Undone:* powered off and destroyed web-server-1; released 127.0.15.10');
      expect(buttons(stack.tb.slack.messages.find((m) => m.ts === r.card!.ts)!.blocks).map((b) => [b.action_id, b.value])).toEqual([['retry_scale', r.id]]);
    });
  }

  it('destroys only its own VM: a VM of the same name in another folder stays powered on', async () => {
    const s = await svcWithTarget('web-server', 15);
    let foreign = '';
    stack = await startStack({
      services: [s],
      vcenter: (real) => {
        const w = Object.create(real) as VCenter;
        // While the run customizes, someone else's web-server-1 appears in another folder; then customize fails.
        w.customize = async () => {
          foreign = await stack!.vcsim.placeVm('/DC0/vm/other-team', 'web-server-1', { powerOn: true });
          throw Object.assign(new Error('govc: injected customization failure'), { code: 'failed' });
        };
        return w;
      },
    });
    const r = await failedRun(stack);
    expect(r.attempts[0]!.undone).toEqual([{ code: 'destroy_vm', vm: 'web-server-1' }, { code: 'release_ip', ip: '127.0.15.10' }]);
    expect(await stack.vcsim.govc.vmAt('/DC0/vm/web-server-1')).toBeUndefined();
    expect(await stack.vcsim.govc.vmAt(foreign)).toMatchObject({ name: 'web-server-1', powerState: 'poweredOn' });
  });

  it('records the identity of the VM on the clone step and on the lease', async () => {
    const s = await svcWithTarget('web-server', 16);
    stack = await startStack({ services: [s] });
    closers.push((await healthTarget('127.0.16.10', s.healthCheck.port)).close);
    const r = await scaleOut(stack);
    expect(r.state).toBe('succeeded');
    const vm = await stack.vcsim.govc.vmAt('/DC0/vm/web-server-1');
    expect(r.attempts[0]!.steps.find((x) => x.name === 'clone')!.data).toMatchObject({ vmPath: '/DC0/vm/web-server-1', vmMoref: vm!.moref, vmUuid: vm!.uuid });
    expect(leasesOf(stack.tb.store, 'web-server')[0]!.vm).toEqual({ path: '/DC0/vm/web-server-1', moref: vm!.moref, uuid: vm!.uuid, instanceUuid: vm!.instanceUuid });
    expect(vm!.annotation).toBe(`vm-autoscale-bot: service=web-server request=${r.id}`);
  });

  it('at clone (template missing in vCenter): names the govc error and releases the IP', async () => {
    const s = await svcWithTarget('web-server', 15);
    stack = await startStack({ services: [s], templates: ['some-other-template'] });
    const r = await failedRun(stack);
    expect(r.attempts[0]!.error).toMatchObject({ step: 'clone' });
    expect(r.attempts[0]!.error!.message).toMatch(/not found/);
    await expectNothingLeft(stack, s.f5.port);
  });

  it('at health (nothing answers): rolls back after the health timeout', async () => {
    const s = await svcWithTarget('web-server', 15, { healthTimeout: '2s' });
    stack = await startStack({ services: [s] });
    const r = await failedRun(stack);
    expect(r.attempts[0]!.error).toMatchObject({ step: 'health', code: 'unhealthy' });
    await expectNothingLeft(stack, s.f5.port);
  });

  it('at f5-add (F5 answers 500): removes the member if added, destroys the VM, releases the IP; Retry then succeeds', async () => {
    const s = await svcWithTarget('web-server', 15);
    s.approval.mode = 'manual';
    stack = await startStack({ services: [s] });
    closers.push((await healthTarget('127.0.15.10', s.healthCheck.port)).close);
    const created = await stack.tb.webhook(alertPayload());
    await stack.tb.settle();
    stack.f5.failNext(1, 500, { code: 500, message: '01070734:3: Configuration error: injected', errorStack: [], apiError: 3 }, { method: 'POST' });
    await stack.tb.click('approve_scale', created.json.alerts[0].requestId);
    await stack.tb.settle();
    const r = findRequest(stack.tb.store, created.json.alerts[0].requestId)!;
    expect(r.state).toBe('failed');
    expect(r.attempts[0]!.error).toMatchObject({ step: 'f5-add' });
    expect(r.attempts[0]!.error!.message).toContain('Configuration error: injected');
    await expectNothingLeft(stack, s.f5.port);
    await stack.tb.click('retry_scale', r.id);
    await stack.tb.settle();
    const again = findRequest(stack.tb.store, r.id)!;
    expect(again.state).toBe('succeeded');
    expect(again.attempts).toHaveLength(2);
    expect(cardText(stack, r.id)).toContain('Attempt 2 of 2');
  });

  it('fails clearly when the pool is exhausted', async () => {
    const s = await svcWithTarget('web-server', 15);
    s.network.ipPool = { start: '127.0.15.10', end: '127.0.15.10' };
    stack = await startStack({ services: [s] });
    await stack.tb.store.mutate((d) => { d.leases['127.0.15.10'] = { ip: '127.0.15.10', service: 'web-server', requestId: 'other', state: 'in-use', vmName: 'x', at: '2026-01-01T00:00:00Z' }; });
    const r = await failedRun(stack);
    expect(r.attempts[0]!.error).toMatchObject({ step: 'reserve-ip', code: 'pool_exhausted' });
    expect(cardText(stack, r.id)).toContain('no free address in 127.0.15.10–127.0.15.10');
  });
});
