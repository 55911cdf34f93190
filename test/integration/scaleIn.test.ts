/** Scale-in with drain on vcsim and the fake F5. */
import { afterEach, describe, expect, it } from 'vitest';
import { stepDetailText } from '../../src/cards/facts.js';
import { leasesOf } from '../../src/store/leases.js';
import { findRequest } from '../../src/store/requests.js';
import type { VCenter } from '../../src/workflows/vmPorts.js';
import { blockText } from '../fakes/slack.js';
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

async function setup(subnet: number, opts: { drainTimeout?: string; vcenter?: (v: VCenter) => VCenter } = {}): Promise<{ st: Stack; member: string }> {
  const port = await freePort();
  const s = service({
    network: { ipPool: { start: `127.0.${subnet}.10`, end: `127.0.${subnet}.20` }, netmask: '255.255.255.0', gateway: `127.0.${subnet}.1`, dns: [], conflictCheck: 'none' },
    healthCheck: { type: 'tcp', port, timeout: '20s' },
    f5: { pool: 'web-server-pool', partition: 'Common', port },
    scaling: { min: 0, max: 6, cooldown: '0s', drainTimeout: opts.drainTimeout ?? '10s' },
  });
  const st = await startStack({ services: [s], vcenter: opts.vcenter, executor: { drainPollMs: 50, shutdownTimeoutMs: 3000 } });
  stack = st;
  closers.push((await healthTarget(`127.0.${subnet}.10`, port)).close);
  // Scale out first, by approving the card.
  const out = await st.tb.webhook(alertPayload());
  await st.tb.click('approve_scale', out.json.alerts[0].requestId);
  await st.tb.settle();
  expect(findRequest(st.tb.store, out.json.alerts[0].requestId)!.state).toBe('succeeded');
  await st.tb.webhook(alertPayload({ status: 'resolved' }));
  return { st, member: `127.0.${subnet}.10:${port}` };
}

async function scaleInCard(st: Stack) {
  const r = await st.tb.webhook(alertPayload({ direction: 'in', alertname: 'LowCPU' }));
  expect(r.json.alerts[0].outcome).toBe('created');
  await st.tb.settle();
  return r.json.alerts[0].requestId as string;
}

const memberOf = (st: Stack, m: string) => st.f5.state.pools.get('/Common/web-server-pool')!.members.get(m);

describe('scale-in', () => {
  it('disables the member, drains it, removes it, shuts the guest down, destroys the VM and releases the IP', async () => {
    const st = await setup(18);
    const id = await scaleInCard(st.st);
    const card = () => blockText(st.st.tb.slack.messages.find((m) => m.ts === findRequest(st.st.tb.store, id)!.card!.ts)!.blocks);
    expect(card()).toContain('Scale in web-server? Remove web-server-1 (127.0.18.10)');
    st.st.f5.setCurConns('web-server-pool', 'Common', st.member, 3);
    setTimeout(() => st.st.f5.setCurConns('web-server-pool', 'Common', st.member, 0), 400);
    await st.st.tb.click('approve_scale', id);
    await st.st.tb.settle();
    const r = findRequest(st.st.tb.store, id)!;
    expect(r.state).toBe('succeeded');
    expect(r.attempts[0]!.steps.map((x) => x.name)).toEqual(['f5-disable', 'drain', 'f5-remove', 'shutdown', 'destroy', 'release-ip']);
    expect(r.attempts[0]!.steps.find((x) => x.name === 'drain')!.fact).toMatchObject({ code: 'drained', seconds: expect.any(Number) });
    // The member took no new connections before it went: PATCH user-disabled, then DELETE.
    const writes = st.st.f5.writes().map((w) => w.method);
    expect(writes.slice(-2)).toEqual(['PATCH', 'DELETE']);
    expect(memberOf(st.st, st.member)).toBeUndefined();
    expect(await st.st.vcsim.govc.exists('web-server-1')).toBe(false);
    expect(leasesOf(st.st.tb.store, 'web-server')).toEqual([]);
    expect(card()).toContain('*web-server-1* (127.0.18.10) was removed');
  });

  it('removes the member anyway when connections stay open past drainTimeout, and says so', async () => {
    const st = await setup(19, { drainTimeout: '1s' });
    const id = await scaleInCard(st.st);
    st.st.f5.setCurConns('web-server-pool', 'Common', st.member, 2);
    await st.st.tb.click('approve_scale', id);
    await st.st.tb.settle();
    const r = findRequest(st.st.tb.store, id)!;
    expect(r.state).toBe('succeeded');
    expect(r.attempts[0]!.steps.find((x) => x.name === 'drain')!.fact).toEqual({ code: 'drain_timed_out', connections: 2, timeoutMs: 1000 });
    expect(stepDetailText('en', r.attempts[0]!.steps.find((x) => x.name === 'drain')!)).toBe('2 connection(s) still open after 1s; removing anyway');
  });

  it('puts the member back and re-enables it when a step fails before the VM is gone', async () => {
    let failDestroy = false;
    const flaky = (real: VCenter): VCenter => {
      const w = Object.create(real) as VCenter;
      w.destroy = async (vm, sig) => {
        if (failDestroy) throw Object.assign(new Error('govc: ServerFaultCode: injected destroy failure'), { code: 'failed' });
        return real.destroy(vm, sig);
      };
      return w;
    };
    const st = await setup(23, { vcenter: flaky });
    failDestroy = true;
    const id = await scaleInCard(st.st);
    await st.st.tb.click('approve_scale', id);
    await st.st.tb.settle();
    const r = findRequest(st.st.tb.store, id)!;
    expect(r.state).toBe('failed');
    expect(r.attempts[0]!.undone).toEqual([{ code: 'power_on_vm', vm: 'web-server-1' }, { code: 'readd_member', member: st.member }, { code: 'reenable_member', member: st.member }]);
    expect(memberOf(st.st, st.member)?.session).toBe('user-enabled');
    expect((await st.st.vcsim.govc.vmInfo('web-server-1'))?.powerState).toBe('poweredOn');
    expect(leasesOf(st.st.tb.store, 'web-server')).toHaveLength(1);
  });

  it('removes a VM of its lease by identity, leaving a same-named VM in another folder running', async () => {
    const st = await setup(24);
    const other = await st.st.vcsim.placeVm('/DC0/vm/other-team', 'web-server-1', { powerOn: true });
    const id = await scaleInCard(st.st);
    await st.st.tb.click('approve_scale', id);
    await st.st.tb.settle();
    expect(findRequest(st.st.tb.store, id)!.state).toBe('succeeded');
    expect(await st.st.vcsim.govc.vmAt('/DC0/vm/web-server-1')).toBeUndefined();
    expect(await st.st.vcsim.govc.vmAt(other)).toMatchObject({ powerState: 'poweredOn' });
  });

  it('touches nothing for a lease without a recorded identity (db.json of schema 1) until an operator adopts the VM by its mark', async () => {
    const st = await setup(25);
    const ip = '127.0.25.10';
    const lease = st.st.tb.store.data.leases[ip]!;
    // As a lease written by the previous version: no identity, and a VM without the bot's mark.
    await st.st.tb.store.mutate((d) => { delete d.leases[ip]!.vm; });
    await st.st.vcsim.govcRun(['vm.change', '-vm.ipath', '/DC0/vm/web-server-1', '-annotation', 'built by hand in 2025']);
    const id = await scaleInCard(st.st);
    await st.st.tb.click('approve_scale', id);
    await st.st.tb.settle();
    const r = findRequest(st.st.tb.store, id)!;
    expect(r.state).toBe('failed');
    expect(r.attempts[0]!.error).toMatchObject({ step: 'f5-disable', code: 'unproven_vm' });
    expect(r.attempts[0]!.error!.message).toContain(`vm-autoscale-bot: service=web-server request=${lease.requestId}`);
    expect(memberOf(st.st, st.member)?.session).toBe('user-enabled');
    expect(await st.st.vcsim.govc.vmAt('/DC0/vm/web-server-1')).toMatchObject({ powerState: 'poweredOn' });

    // The operator checks the VM and writes the line the message names; Retry then removes it.
    await st.st.vcsim.govcRun(['vm.change', '-vm.ipath', '/DC0/vm/web-server-1', '-annotation', `vm-autoscale-bot: service=web-server request=${lease.requestId}`]);
    await st.st.tb.click('retry_scale', id);
    await st.st.tb.settle();
    expect(findRequest(st.st.tb.store, id)!.state).toBe('succeeded');
    expect(await st.st.vcsim.govc.vmAt('/DC0/vm/web-server-1')).toBeUndefined();
    expect(leasesOf(st.st.tb.store, 'web-server')).toEqual([]);
  });
});
