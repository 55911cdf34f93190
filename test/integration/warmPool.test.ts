/**
 * Warm pools (issue 14) on real govc + vcsim and the fake BIG-IP: the pool fills, a scale-out takes a running or a
 * stopped warm VM, the pool refills, a warm VM that fails its health check is replaced, a new template drains the
 * pool, scale-in returns a VM to a short pool, and an unfinished refill (a crash) is cleaned up by identity and mark.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ownerMark } from '../../src/integrations/govc.js';
import { findRequest } from '../../src/store/requests.js';
import { claimAddress } from '../../src/store/leases.js';
import { warmLeasesIn } from '../../src/store/warm.js';
import type { Service, ServiceInput } from '../../src/config.js';
import { blockText, viewProblems } from '../fakes/slack.js';
import { alertPayload, service } from '../helpers/bot.js';
import { freePort, waitFor } from '../helpers/net.js';
import { healthTarget, startStack, type Stack } from '../helpers/stack.js';
import { createServer } from 'node:http';

let stack: Stack | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await stack?.stop();
  stack = undefined;
});

const SD_TOKEN = 'test-sd-token-0123456789abcdef';

function warmService(subnet: number, port: number, state: 'running' | 'stopped', extra: Partial<ServiceInput> = {}): Service {
  return service({
    name: 'web-server',
    channel: 'C0SERVICE1',
    network: { ipPool: { start: `127.0.${subnet}.10`, end: `127.0.${subnet}.20` }, netmask: '255.255.255.0', gateway: `127.0.${subnet}.1`, dns: [`127.0.${subnet}.2`], conflictCheck: 'none' },
    healthCheck: { type: 'tcp', port, timeout: '20s' },
    f5: { pool: 'web-server-pool', partition: 'Common', port },
    approval: { mode: 'manual', autoApproveAfter: '10m', approvers: [] },
    scaling: { min: 0, max: 3, cooldown: '0s' },
    warmPool: { size: 1, state },
    ...extra,
  });
}

async function start(s: Service, extra: Parameters<typeof startStack>[0]['executor'] = {}) {
  stack = await startStack({
    services: [s],
    executor: { warm: { retryAfterMs: 100, checkEveryMs: 0, shutdownTimeoutMs: 3000 }, shutdownTimeoutMs: 3000, drainPollMs: 50, ...extra },
    bot: { env: { PROMETHEUS_SD_TOKEN: SD_TOKEN } },
  });
  return stack;
}

/** Ticks until the pool has `n` ready VMs and nothing runs. */
async function warmed(st: Stack, n = 1) {
  return waitFor(async () => {
    await st.tb.bot.tick();
    await st.executor.idle();
    const w = warmLeasesIn(st.tb.store.data, 'web-server');
    return w.length === n ? w : undefined;
  }, 60_000, `${n} warm VM(s)`);
}

async function sd(st: Stack) {
  const r = await fetch(`${st.tb.url}/sd/prometheus?service=web-server`, { headers: { authorization: `Bearer ${SD_TOKEN}` } });
  return (await r.json()) as Array<{ targets: string[]; labels: Record<string, string> }>;
}

const members = (st: Stack) => [...(st.f5.state.pools.get('/Common/web-server-pool')?.members.keys() ?? [])];

async function scaleOutApproved(st: Stack) {
  const r = await st.tb.webhook(alertPayload({ service: 'web-server' }));
  expect(r.json.alerts[0].outcome).toBe('created');
  await st.tb.settle();
  const id = r.json.alerts[0].requestId as string;
  const pending = findRequest(st.tb.store, id)!;
  const card = blockText(st.tb.slack.messages.find((m) => m.ts === pending.card!.ts)!.blocks);
  await st.tb.click('approve_scale', id);
  await st.tb.settle();
  await st.tb.bot.deps.runner.idle();
  return { request: findRequest(st.tb.store, id)!, pendingCard: card };
}

/**
 * The pool filled, then `freeze` (no refill from then on), then a scale-out that takes the warm VM: the pool is
 * short, so a scale-in will return its VM. Returns the pool as it was filled.
 */
async function takenWithoutRefill(st: Stack, freeze: () => void) {
  const filled = await warmed(st);
  freeze();
  expect((await scaleOutApproved(st)).request.state).toBe('succeeded');
  await st.executor.idle();
  expect(warmLeasesIn(st.tb.store.data, 'web-server')).toEqual([]);
  return filled;
}

/** `/autoscale scale in`, its card approved, the run finished: the scale-in request. */
async function scaleInApproved(st: Stack) {
  expect((await st.tb.command('scale in web-server', 'U0ADMIN01')).status).toBe(200);
  const inReq = await waitFor(() => st.tb.store.data.requests.find((x) => x.direction === 'in' && x.card), 10_000, 'the scale-in card');
  await st.tb.click('approve_scale', inReq.id);
  await st.tb.settle();
  await st.tb.bot.deps.runner.idle();
  return findRequest(st.tb.store, inReq.id)!;
}

describe('warm pools on vcsim and the fake F5', () => {
  it('running: fills the pool outside F5, a scale-out takes the warm VM (health → F5 add) and the pool refills', async () => {
    const port = await freePort();
    const s = warmService(41, port, 'running');
    for (const ip of ['127.0.41.10', '127.0.41.11']) closers.push((await healthTarget(ip, port)).close);
    const st = await start(s);
    const [w] = await warmed(st);
    expect(w).toMatchObject({ ip: '127.0.41.10', vmName: 'web-server-1', state: 'warm', warm: { state: 'running' }, template: { name: s.template } });
    const info = await st.vcsim.govc.vmInfo(w!.vm!);
    expect(info).toMatchObject({ moref: w!.vm!.moref, powerState: 'poweredOn', ipAddress: '127.0.41.10' });
    expect(info?.annotation).toContain(ownerMark('web-server', w!.requestId));
    expect(w!.requestId).toMatch(/^wp-web-server-/);
    // Not serving, not an instance; listed for Prometheus with warm="true".
    expect(members(st)).toEqual([]);
    expect(await st.tb.bot.deps.inventory.instances(s)).toEqual({ count: 0, source: 'f5' });
    expect(await sd(st)).toEqual([{ targets: ['127.0.41.10:9100'], labels: { service: 'web-server', vm: 'web-server-1', managed_by: 'vm-autoscale-bot', warm: 'true', warm_state: 'running' } }]);
    // Listed where operators look: /autoscale status and App Home.
    expect((await st.tb.command('status')).json.text).toContain(':fire: *web-server* warm pool: 1 of 1 ready (running): web-server-1');
    await st.tb.event({ type: 'app_home_opened', user: 'U0READER1', channel: 'D0HOME', tab: 'home' });
    const home = st.tb.slack.callsOf('views.publish').at(-1)!.args.view;
    expect(viewProblems(home)).toEqual([]);
    expect(blockText(home.blocks)).toContain('· warm pool 1/1 (running)');

    const { request: r, pendingCard } = await scaleOutApproved(st);
    expect(pendingCard).toContain('*How the VM is made*\nFrom the warm pool: web-server-1 (running) — expected in about 5s');
    expect(r.state).toBe('succeeded');
    expect(r.attempts[0]!.steps.map((x) => [x.name, x.state])).toEqual([['take-warm', 'done'], ['health', 'done'], ['f5-add', 'done']]);
    expect(r.attempts[0]!.result).toEqual({ vmName: 'web-server-1', ip: '127.0.41.10', member: `127.0.41.10:${port}` });
    expect(members(st)).toEqual([`127.0.41.10:${port}`]);
    // The same VM, by identity, now serving.
    expect(st.tb.store.data.leases['127.0.41.10']).toMatchObject({ state: 'in-use', vmName: 'web-server-1', vm: w!.vm, requestId: r.id });
    const card = blockText(st.tb.slack.messages.find((m) => m.ts === r.card!.ts)!.blocks);
    expect(card).toContain('Take a ready VM from the warm pool');
    expect(card).not.toContain('Clone from template');

    // Refilled in the background: a new VM, the next name and address, again outside F5.
    const [refill] = await warmed(st);
    expect(refill).toMatchObject({ ip: '127.0.41.11', vmName: 'web-server-2', warm: { state: 'running' } });
    expect(refill!.vm!.moref).not.toBe(w!.vm!.moref);
    expect(members(st)).toEqual([`127.0.41.10:${port}`]);
    const sdNow = await sd(st);
    expect(sdNow.map((g) => [g.targets[0], g.labels.warm])).toEqual([['127.0.41.10:9100', undefined], ['127.0.41.11:9100', 'true']]);
    expect(st.tb.store.data.audit.map((a) => a.action)).toEqual(expect.arrayContaining(['warm.ready', 'warm.take']));
  }, 120_000);

  it('stopped: the warm VM was booted once and is off; a scale-out powers it on, waits for the guest, checks health, adds it', async () => {
    const port = await freePort();
    const s = warmService(42, port, 'stopped');
    for (const ip of ['127.0.42.10', '127.0.42.11']) closers.push((await healthTarget(ip, port)).close);
    const st = await start(s);
    const [w] = await warmed(st);
    expect(w).toMatchObject({ ip: '127.0.42.10', warm: { state: 'stopped' } });
    expect(w!.warm!.bootMs).toBeGreaterThanOrEqual(0);
    expect((await st.vcsim.govc.vmInfo(w!.vm!))?.powerState).toBe('poweredOff');
    const { request: r, pendingCard } = await scaleOutApproved(st);
    expect(pendingCard).toContain('From the warm pool: web-server-1 (stopped)');
    expect(r.state).toBe('succeeded');
    expect(r.attempts[0]!.steps.map((x) => x.name)).toEqual(['take-warm', 'power-on', 'wait-ip', 'health', 'f5-add']);
    expect((await st.vcsim.govc.vmInfo(w!.vm!))?.powerState).toBe('poweredOn');
    expect(members(st)).toEqual([`127.0.42.10:${port}`]);
  }, 120_000);

  it('with no warm VM ready the scale-out clones as before, and says so on the card in Korean', async () => {
    const port = await freePort();
    // A freeze holds the refill: the pool stays empty.
    const s = warmService(43, port, 'running', { locale: 'ko' });
    stack = await startStack({ services: [s], executor: { warm: { retryAfterMs: 60_000, checkEveryMs: 0, frozen: () => true } } });
    const st = stack;
    closers.push((await healthTarget('127.0.43.10', port)).close);
    const { request: r, pendingCard } = await scaleOutApproved(st);
    expect(pendingCard).not.toContain('웜 풀에서');
    expect(pendingCard).toContain('*다음 VM*');
    expect(r.state).toBe('succeeded');
    expect(r.attempts[0]!.steps.map((x) => x.name)).toEqual(['reserve-ip', 'name', 'clone', 'customize', 'power-on', 'wait-ip', 'health', 'f5-add']);
    // A freeze holds the refill: no warm VM was made meanwhile.
    expect(warmLeasesIn(st.tb.store.data, 'web-server')).toEqual([]);
  }, 120_000);

  it('replaces a warm VM that fails its health check (destroyed by identity), and drains the pool when the template changes', async () => {
    const port = await freePort();
    const s = warmService(44, port, 'running');
    s.healthCheck = { type: 'http', port, path: '/healthz', expectStatus: 200, timeout: '20s' };
    let failNext = 0;
    const srv = createServer((_q, res) => { res.statusCode = failNext > 0 ? (failNext--, 503) : 200; res.end(); });
    await new Promise<void>((r) => srv.listen(port, '127.0.44.10', () => r()));
    closers.push(() => new Promise<void>((r) => srv.close(() => r())));
    stack = await startStack({
      services: [s], templates: [s.template, 'web-server-template-v2'],
      executor: { warm: { retryAfterMs: 100, checkEveryMs: 0, recheckAfterMs: 50, shutdownTimeoutMs: 3000 } },
    });
    const st = stack;
    const [first] = await warmed(st);
    failNext = 1; // one failed probe: forgiven, the VM stays
    await st.tb.bot.tick();
    await st.executor.idle();
    expect(warmLeasesIn(st.tb.store.data, 'web-server').map((l) => l.vm!.moref)).toEqual([first!.vm!.moref]);
    failNext = 2; // the next two probes fail: the pool's check sees a sick VM (one failure alone is forgiven)
    await st.tb.bot.tick();
    await st.executor.idle();
    await waitFor(async () => (await st.vcsim.govc.lookup(first!.vm!).catch(() => undefined)) === undefined || undefined, 20_000, 'the sick VM destroyed');
    const [second] = await warmed(st);
    expect(second!.vm!.moref).not.toBe(first!.vm!.moref);
    expect(second!.ip).toBe('127.0.44.10');
    expect(st.tb.store.data.audit.find((a) => a.action === 'warm.discard')?.detail).toContain('health check failed twice');

    // A new template: the pool drains the old VM and refills from the new one.
    const changed = { ...s, template: 'web-server-template-v2' };
    await st.tb.store.mutate((d) => { d.services['web-server']!.config = changed; });
    const [third] = await waitFor(async () => {
      await st.tb.bot.tick();
      await st.executor.idle();
      const w = warmLeasesIn(st.tb.store.data, 'web-server');
      return w.length === 1 && w[0]!.template?.name === 'web-server-template-v2' ? w : undefined;
    }, 60_000, 'the pool refilled from the new template');
    expect(await st.vcsim.govc.lookup(second!.vm!).catch(() => undefined)).toBeUndefined();
    expect(third!.vm!.moref).not.toBe(second!.vm!.moref);
  }, 150_000);

  it('scale-in returns the VM to a short pool (out of F5, stopped, address kept) instead of destroying it', async () => {
    const port = await freePort();
    const s = warmService(45, port, 'stopped');
    closers.push((await healthTarget('127.0.45.10', port)).close);
    let frozen = false;
    const st = await start(s, { warm: { retryAfterMs: 100, checkEveryMs: 0, shutdownTimeoutMs: 3000, frozen: () => frozen } });
    const [w] = await takenWithoutRefill(st, () => { frozen = true; });
    const done = await scaleInApproved(st);
    expect(done.preview.vmName).toBe('web-server-1');
    expect(done.state).toBe('succeeded');
    expect(done.attempts[0]!.steps.map((x) => x.name)).toEqual(['f5-disable', 'drain', 'f5-remove', 'shutdown', 'warm-return']);
    expect(members(st)).toEqual([]);
    expect(st.tb.store.data.leases['127.0.45.10']).toMatchObject({ state: 'warm', vm: w!.vm, warm: { state: 'stopped' } });
    expect((await st.vcsim.govc.vmInfo(w!.vm!))?.powerState).toBe('poweredOff');
  }, 150_000);

  it('a VM a scale-in returned stopped to a running pool is powered on and checked healthy again', async () => {
    const port = await freePort();
    const s = warmService(49, port, 'running');
    closers.push((await healthTarget('127.0.49.10', port)).close);
    let frozen = false;
    const st = await start(s, { warm: { retryAfterMs: 100, checkEveryMs: 0, shutdownTimeoutMs: 3000, frozen: () => frozen } });
    const [w] = await takenWithoutRefill(st, () => { frozen = true; });
    expect((await scaleInApproved(st)).attempts[0]!.steps.map((x) => x.name)).toEqual(['f5-disable', 'drain', 'f5-remove', 'shutdown', 'warm-return']);
    // The return kicks a pass: the running pool boots it (power on, guest IP, health) and keeps it running.
    const [back] = await waitFor(async () => {
      await st.executor.idle();
      const l = warmLeasesIn(st.tb.store.data, 'web-server');
      return l.length === 1 && l[0]!.warm?.state === 'running' ? l : undefined;
    }, 30_000, 'the returned VM running again');
    expect(back!.vm).toEqual(w!.vm);
    expect((await st.vcsim.govc.vmInfo(w!.vm!))?.powerState).toBe('poweredOn');
    expect(members(st)).toEqual([]);
  }, 150_000);

  it('drains the pool when the service drops warmPool, and when the service is removed', async () => {
    const port = await freePort();
    const s = warmService(50, port, 'running', { warmPool: { size: 2, state: 'running' } });
    for (const ip of ['127.0.50.10', '127.0.50.11']) closers.push((await healthTarget(ip, port)).close);
    const st = await start(s);
    const two = await warmed(st, 2);
    // size 2 → 1: the newest goes.
    await st.tb.store.mutate((d) => { d.services['web-server']!.config = { ...s, warmPool: { size: 1, state: 'running' } }; });
    await st.tb.bot.tick();
    await st.executor.idle();
    expect(warmLeasesIn(st.tb.store.data, 'web-server').map((l) => l.vm!.moref)).toEqual([two[0]!.vm!.moref]);
    expect(await st.vcsim.govc.lookup(two[1]!.vm!).catch(() => undefined)).toBeUndefined();
    // The service is removed: its warm VM is destroyed by identity and its address released.
    await st.tb.store.mutate((d) => { delete d.services['web-server']; });
    await st.tb.bot.tick();
    await st.executor.idle();
    expect(warmLeasesIn(st.tb.store.data, 'web-server')).toEqual([]);
    expect(await st.vcsim.govc.lookup(two[0]!.vm!).catch(() => undefined)).toBeUndefined();
    expect(st.tb.store.data.leases['127.0.50.10']).toBeUndefined();
    expect(st.tb.store.data.audit.filter((a) => a.action === 'warm.discard').map((a) => a.detail?.split(' (')[0])).toEqual([
      'the pool keeps 1', 'its service was removed, or is not run by this executor',
    ]);
  }, 120_000);

  it('refills one clone at a time per service and never past scaling.max + size VMs in all', async () => {
    const port = await freePort();
    const s = warmService(47, port, 'running', { scaling: { min: 0, max: 2, cooldown: '0s' }, warmPool: { size: 2, state: 'running' } });
    for (const ip of ['127.0.47.10', '127.0.47.11', '127.0.47.12']) closers.push((await healthTarget(ip, port)).close);
    let inFlight = 0;
    let most = 0;
    stack = await startStack({
      services: [s],
      executor: { warm: { retryAfterMs: 100, checkEveryMs: 0 } },
      vcenter: (real) => {
        const w = Object.create(real) as typeof real;
        w.clone = async (p, sig) => {
          most = Math.max(most, ++inFlight);
          try { await real.clone(p, sig); } finally { inFlight--; }
        };
        return w;
      },
    });
    const st = stack;
    // Two members serve already (the operator's own VMs): max 2 + size 2 = 4 in all, so the pool fills to 2 …
    await st.lb.addMember('web-server-pool', 'Common', '127.0.47.201', port);
    await st.lb.addMember('web-server-pool', 'Common', '127.0.47.202', port);
    await warmed(st, 2);
    expect(most).toBe(1);
    // … and a third serving VM leaves room for one warm VM only: the pool does not refill what a scale-out takes.
    await st.lb.addMember('web-server-pool', 'Common', '127.0.47.203', port);
    const taken = await st.executor.warm.take(st.tb.store.data.services['web-server']!.config, 'sr-test-take-1');
    expect(taken?.vmName).toBe('web-server-1');
    await st.executor.idle();
    await st.tb.bot.tick();
    await st.executor.idle();
    // 3 serving + the taken one (not serving yet) + 1 warm = 5, past max 2 + size 2: the pool makes no VM.
    expect(warmLeasesIn(st.tb.store.data, 'web-server')).toHaveLength(1);
    expect((await st.vcsim.govc.listVms({ prefix: 'web-server' })).filter((n) => /^web-server-\d+$/.test(n))).toHaveLength(2);
  }, 120_000);

  it('cleans up a refill a crash left unfinished: the VM carrying the refill\'s mark is destroyed, the address released', async () => {
    const port = await freePort();
    const s = warmService(46, port, 'running');
    closers.push((await healthTarget('127.0.46.10', port)).close);
    closers.push((await healthTarget('127.0.46.11', port)).close);
    const st = await start(s, { warm: { retryAfterMs: 100, checkEveryMs: 0, cleanupGraceMs: 0 } });
    await warmed(st);
    // What a crash mid-refill leaves: a reserved refill lease with its name, and a VM of the refill's mark (no identity recorded).
    const stale = 'wp-web-server-crashed1';
    await st.vcsim.govc.clone({ template: s.template, name: 'web-server-7', ...s.vcenter, annotation: ownerMark('web-server', stale) });
    const orphan = await st.vcsim.govc.vmInfo('web-server-7');
    // And a VM at a refill's path that is NOT the refill's (another mark): left alone.
    await st.tb.store.mutate((d) => {
      d.leases['127.0.46.15'] = { ip: '127.0.46.15', service: 'web-server', requestId: stale, state: 'reserved', at: new Date().toISOString(), vmName: 'web-server-7', refill: { startedAt: new Date(Date.now() - 600_000).toISOString() } };
    });
    await claimAddress(st.tb.store, 'web-server', 'wp-web-server-foreign', ['127.0.46.16'], new Date().toISOString(), { refill: { startedAt: new Date().toISOString() } });
    await st.tb.store.mutate((d) => { d.leases['127.0.46.16']!.vmName = 'web-server-1'; }); // web-server-1 is the pool's own warm VM, another refill's mark
    await st.tb.bot.tick();
    await st.executor.idle();
    expect(await st.vcsim.govc.lookup({ path: orphan!.path!, moref: orphan!.moref!, uuid: orphan!.uuid! }).catch(() => undefined)).toBeUndefined();
    expect(st.tb.store.data.leases['127.0.46.15']).toBeUndefined();
    expect(st.tb.store.data.audit.find((a) => a.action === 'warm.refill.discard')?.target).toBe('web-server/web-server-7');
    // Not proven its own: the VM stays, and so does the lease (nothing else takes the address meanwhile).
    expect(st.tb.store.data.leases['127.0.46.16']).toBeDefined();
    expect(warmLeasesIn(st.tb.store.data, 'web-server')).toHaveLength(1);
    expect((await st.vcsim.govc.vmInfo('web-server-1'))?.powerState).toBe('poweredOn');
  }, 120_000);
});
