/**
 * Policies re-checked at the moment a run starts (issue 11, item 4): approve, auto-approve, retry,
 * `/autoscale scale` and a recovered approved request all pass one run-start check against the
 * live F5 pool and the store. Instance counts come from real govc + vcsim and the fake BIG-IP;
 * the store-only policies (cooldown, rate, freeze) run on the dry-run executor.
 */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { cloneArgs, customizeArgs } from '../../src/integrations/govc.js';
import { findRequest } from '../../src/store/requests.js';
import { Store } from '../../src/store/store.js';
import { DryRunExecutor } from '../../src/workflows/dryRun.js';
import { StepError, type Executor, type RunContext } from '../../src/workflows/ports.js';
import type { VCenter } from '../../src/workflows/vmPorts.js';
import { blockText, buttons, FakeSlack } from '../fakes/slack.js';
import { alertPayload, service, startBot, TestClock, type TestBot } from '../helpers/bot.js';
import { freePort, waitFor } from '../helpers/net.js';
import { healthTarget, startStack, type Stack } from '../helpers/stack.js';

let tb: TestBot | undefined;
let stack: Stack | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
  await stack?.stop();
  stack = undefined;
  for (const c of closers.splice(0)) await c();
});

/** The dry-run executor, except that its first run fails the way a refused clone does. */
class FailsFirstRun implements Executor {
  readonly kind = 'dry-run' as const;
  private failures = 1;
  private readonly inner = new DryRunExecutor({ cloneArgs, customizeArgs });
  async run(ctx: RunContext): Promise<void> {
    if (this.failures-- > 0) throw new StepError('clone', 'failed', 'govc: the clone was refused (injected)');
    return this.inner.run(ctx);
  }
}

const cardOf = (t: TestBot, id: string) => t.slack.messages.find((m) => m.ts === findRequest(t.store, id)!.card!.ts)!;

async function fire(t: TestBot, name = 'web-server'): Promise<string> {
  const r = await t.webhook(alertPayload({ service: name }));
  expect(r.json.alerts[0].outcome).toBe('created');
  await t.settle();
  return r.json.alerts[0].requestId as string;
}

/** A failed scale-out (its first run fails), then a scale-out that succeeds, on the dry-run executor. */
async function failedThenSucceeded(t: TestBot): Promise<{ failed: string; succeeded: string }> {
  const failed = await fire(t);
  await t.click('approve_scale', failed, 'U0APPROVE1');
  await t.settle();
  expect(findRequest(t.store, failed)!.state).toBe('failed');
  t.clock.advance(60_000);
  const succeeded = await fire(t);
  await t.click('approve_scale', succeeded, 'U0APPROVE1');
  await t.settle();
  expect(findRequest(t.store, succeeded)!.state).toBe('succeeded');
  t.clock.advance(60_000);
  return { failed, succeeded };
}

describe('a retry passes the run-start check (store policies, dry-run)', () => {
  it('is refused inside the cooldown: the request stays failed, the clicker and the card say why', async () => {
    tb = await startBot({ services: [service({ scaling: { min: 1, max: 6, cooldown: '10m' } })], executors: { 'dry-run': new FailsFirstRun() } });
    const { failed } = await failedThenSucceeded(tb);
    await tb.click('retry_scale', failed, 'U0APPROVE2');
    await tb.settle();
    const r = findRequest(tb.store, failed)!;
    expect(r.state).toBe('failed');
    expect(r.attempts).toHaveLength(1);
    expect(r.blocked).toMatchObject({ code: 'cooldown', until: '2026-11-26T14:33:00.000Z' });
    expect(tb.slack.ephemerals('U0APPROVE2').at(-1)!.text).toContain('The retry of the scale-out of web-server was not started: web-server finished a scale-out at');
    const card = cardOf(tb, failed);
    expect(blockText(card.blocks)).toContain('Not now:* web-server finished a scale-out at 14:23. Scaling becomes possible at 14:33 UTC (in 9 minutes)');
    expect(buttons(card.blocks).map((b) => b.action_id)).toEqual(['retry_scale']);
    expect(tb.store.data.requests.filter((x) => x.state === 'succeeded')).toHaveLength(1);
  });

  it('is refused over scaling.maxPerHour', async () => {
    tb = await startBot({ services: [service({ scaling: { min: 1, max: 6, cooldown: '0s', maxPerHour: 1 } })], executors: { 'dry-run': new FailsFirstRun() } });
    const { failed } = await failedThenSucceeded(tb);
    await tb.click('retry_scale', failed, 'U0APPROVE1');
    await tb.settle();
    const r = findRequest(tb.store, failed)!;
    expect(r.state).toBe('failed');
    expect(r.attempts).toHaveLength(1);
    expect(r.blocked?.code).toBe('rate_limit');
    expect(blockText(cardOf(tb, failed).blocks)).toContain('web-server already scaled out 1 times in the last hour (limit 1)');
    expect(tb.slack.ephemerals('U0APPROVE1').at(-1)!.text).toContain('already scaled out 1 times in the last hour');
  });

  it('asks for an explicit confirmation in a change freeze, and runs only once it is given', async () => {
    const frozen = { scaling: { min: 1, max: 6, cooldown: '10m', freeze: [{ cron: '0 14 * * *', duration: '2h', reason: 'release window' }] } };
    tb = await startBot({ services: [service(frozen)], executors: { 'dry-run': new FailsFirstRun() } });
    const id = await fire(tb);
    await tb.click('approve_scale_frozen', id, 'U0APPROVE1');
    await tb.settle();
    expect(findRequest(tb.store, id)!.state).toBe('failed');

    await tb.click('retry_scale', id, 'U0APPROVE1');
    await tb.settle();
    expect(findRequest(tb.store, id)!.state).toBe('failed');
    expect(findRequest(tb.store, id)!.attempts).toHaveLength(1);
    const eph = tb.slack.ephemerals('U0APPROVE1').at(-1)!;
    expect(eph.text).toContain('web-server is in a change freeze until 16:00 UTC. Retry anyway?');
    expect(buttons(eph.blocks).map((b) => [b.action_id, b.value])).toEqual([['retry_scale_frozen', id]]);

    await tb.click('retry_scale_frozen', id, 'U0APPROVE1');
    await tb.settle();
    const r = findRequest(tb.store, id)!;
    expect(r.state).toBe('succeeded');
    expect(r.attempts).toHaveLength(2);
    expect(r.events.find((e) => e.type === 'retry')).toMatchObject({ by: 'U0APPROVE1', fact: { code: 'confirmed_frozen' } });
  });
});

describe('a request approved before a restart', () => {
  it('is checked when the next start takes it up: inside the cooldown it becomes blocked instead of running', async () => {
    const clock = new TestClock();
    const slack = await new FakeSlack().start(); // the same workspace before and after the restart
    closers.push(() => slack.stop());
    const first = await startBot({ services: [service({ scaling: { min: 1, max: 6, cooldown: '10m' } })], clock, slack });
    const done = await fire(first);
    await first.click('approve_scale', done, 'U0APPROVE1');
    await first.settle();
    expect(findRequest(first.store, done)!.state).toBe('succeeded');
    await first.webhook(alertPayload({ status: 'resolved' }));
    const next = await fire(first);
    const dataDir = first.dataDir;
    await first.stop({ keepData: true });
    // What a crash between the decision and the start leaves behind: approved, no attempt.
    const store = await Store.open(dataDir);
    await store.mutate((d) => {
      const r = d.requests.find((x) => x.id === next)!;
      r.state = 'approved';
      delete r.blocked;
      r.decision = { kind: 'approved', by: 'U0APPROVE1', at: clock.now().toISOString() };
    });
    await store.flush();
    clock.advance(2 * 60_000);

    tb = await startBot({ dataDir, clock, slack });
    await tb.settle();
    const r = findRequest(tb.store, next)!;
    expect(r.state).toBe('blocked');
    expect(r.attempts).toHaveLength(0);
    expect(r.blocked).toMatchObject({ code: 'cooldown' });
    expect(blockText(cardOf(tb, next).blocks)).toContain('Scaling becomes possible at 14:32 UTC (in 8 minutes)');
    expect(tb.slack.thread(r.card!.ts).map((m) => m.text)).toContainEqual(expect.stringMatching(/^:no_entry: Not started after the restart: web-server finished a scale-out at (Nov 26, )?14:22\.$/));
    rmSync(dataDir, { recursive: true, force: true });
  });
});

// --- instance counts from the live F5 pool: real govc + vcsim and the fake BIG-IP ---

async function liveService(name: string, subnet: number, over: Parameters<typeof service>[0] = {}) {
  const port = await freePort();
  return service({
    name,
    network: { ipPool: { start: `127.0.${subnet}.10`, end: `127.0.${subnet}.20` }, netmask: '255.255.255.0', gateway: `127.0.${subnet}.1`, dns: [], conflictCheck: 'none' },
    healthCheck: { type: 'tcp', port, timeout: '20s' },
    f5: { pool: `${name}-pool`, partition: 'Common', port },
    ...over,
  });
}

/** Real govc, except that the first power-on fails the way govc does (the run rolls back). */
function powerOnFailsOnce(real: VCenter): VCenter {
  const wrapper = Object.create(real) as VCenter;
  let failed = false;
  wrapper.powerOn = async (...args: Parameters<VCenter['powerOn']>) => {
    if (!failed) {
      failed = true;
      throw Object.assign(new Error('govc: ServerFaultCode: A general system error occurred: injected'), { code: 'failed' });
    }
    return real.powerOn(...args);
  };
  return wrapper;
}

/** A member some other process (or person) put in the pool: it counts as an instance. */
async function addForeignMember(st: Stack, s: ReturnType<typeof service>, ip: string) {
  await st.lb.addMember(s.f5.pool, s.f5.partition, ip, s.f5.port);
}

const vmsOf = async (st: Stack, prefix: string) => (await st.vcsim.govc.listVms({ prefix })).filter((n) => n.startsWith(`${prefix}-`));
const members = (st: Stack, s: ReturnType<typeof service>) => [...st.f5.state.pools.get(`/${s.f5.partition}/${s.f5.pool}`)!.members.keys()];
const stackCard = (st: Stack, id: string) => cardOf(st.tb, id);

describe('retry and approval against the live F5 pool', () => {
  it('starts at most one scale-out when an old failed request is retried while a newer one is approved', async () => {
    const s = await liveService('web-server', 41, { scaling: { min: 1, max: 6, cooldown: '10m' } });
    stack = await startStack({ services: [s], vcenter: powerOnFailsOnce });
    closers.push((await healthTarget('127.0.41.10', s.healthCheck.port)).close);
    const old = await fire(stack.tb);
    await stack.tb.click('approve_scale', old, 'U0APPROVE1');
    await stack.tb.settle();
    expect(findRequest(stack.tb.store, old)!.state).toBe('failed');
    expect(await vmsOf(stack, 'web-server')).toEqual([]);
    const newer = await fire(stack.tb);

    await Promise.all([stack.tb.click('retry_scale', old, 'U0APPROVE1'), stack.tb.click('approve_scale', newer, 'U0APPROVE2')]);
    await stack.tb.settle();

    expect(await vmsOf(stack, 'web-server')).toEqual(['web-server-1']);
    expect(members(stack, s)).toEqual([`127.0.41.10:${s.f5.port}`]);
    const states = [findRequest(stack.tb.store, old)!.state, findRequest(stack.tb.store, newer)!.state];
    expect(states.filter((x) => x === 'succeeded')).toHaveLength(1);
    // The one that lost is told, privately, that it did not start and why.
    const told = [...stack.tb.slack.ephemerals('U0APPROVE1'), ...stack.tb.slack.ephemerals('U0APPROVE2')].map((e) => e.text);
    expect(told.filter((t) => /was not started: web-server already has a scale-out in flight/.test(t))).toHaveLength(1);
  });

  it('refuses a retry at max instances and says so on the card; nothing is cloned', async () => {
    const s = await liveService('web-server', 42, { scaling: { min: 1, max: 2, cooldown: '10m' } });
    stack = await startStack({ services: [s], vcenter: powerOnFailsOnce });
    const id = await fire(stack.tb);
    await stack.tb.click('approve_scale', id, 'U0APPROVE1');
    await stack.tb.settle();
    expect(findRequest(stack.tb.store, id)!.state).toBe('failed');
    await addForeignMember(stack, s, '127.0.42.30');
    await addForeignMember(stack, s, '127.0.42.31');

    await stack.tb.click('retry_scale', id, 'U0APPROVE1');
    await stack.tb.settle();
    const r = findRequest(stack.tb.store, id)!;
    expect(r.state).toBe('failed');
    expect(r.attempts).toHaveLength(1);
    expect(stack.tb.slack.ephemerals('U0APPROVE1').at(-1)!.text).toContain('was not started: web-server already runs 2 of at most 2 instances');
    const text = blockText(stackCard(stack, id).blocks);
    expect(text).toContain('Not now:* web-server already runs 2 of at most 2 instances.');
    expect(text).toContain('2 / 2 (min 1, from f5)');
    expect(await vmsOf(stack, 'web-server')).toEqual([]);
  });

  it('auto-approval looks at the pool when it runs: a member added after the card was drawn makes it refuse', async () => {
    const s = await liveService('web-server', 43, { scaling: { min: 1, max: 2, cooldown: '10m' }, approval: { mode: 'timeout', autoApproveAfter: '10m', approvers: [] } });
    stack = await startStack({ services: [s] });
    await addForeignMember(stack, s, '127.0.43.30');
    const id = await fire(stack.tb);
    expect(blockText(stackCard(stack, id).blocks)).toContain('1 / 2 (min 1, from f5)');
    await addForeignMember(stack, s, '127.0.43.31');

    stack.tb.clock.advance(10 * 60_000);
    await stack.tb.bot.tick();
    await stack.tb.settle();
    const r = findRequest(stack.tb.store, id)!;
    expect(r.state).toBe('blocked');
    expect(r.decision).toBeUndefined();
    expect(r.blocked).toMatchObject({ code: 'max_instances' });
    const card = stackCard(stack, id);
    expect(blockText(card.blocks)).toContain('Not now:* web-server already runs 2 of at most 2 instances.');
    expect(blockText(card.blocks)).toContain('2 / 2 (min 1, from f5)');
    expect(buttons(card.blocks)).toHaveLength(0);
    expect(await vmsOf(stack, 'web-server')).toEqual([]);
  });
});

describe('/autoscale scale out against the live F5 pool', () => {
  it('is refused at max, telling the one who asked why; a card approved after the pool filled up is refused too', async () => {
    const full = await liveService('web-full', 44, { scaling: { min: 1, max: 1, cooldown: '10m' } });
    const filling = await liveService('web-filling', 45, { scaling: { min: 1, max: 2, cooldown: '10m' } });
    stack = await startStack({ services: [full, filling] });
    await addForeignMember(stack, full, '127.0.44.30');
    await addForeignMember(stack, filling, '127.0.45.30');

    const before = stack.tb.slack.responses.length;
    await stack.tb.command('scale out web-full');
    await waitFor(() => stack!.tb.slack.responses.length > before, 10_000, 'the refusal');
    expect(stack.tb.slack.responses[before]!.body.text).toBe(
      'The scale-out of web-full cannot start now: web-full already runs 1 of at most 1 instances. Its card says so in the channel.',
    );
    await stack.tb.settle();
    expect(stack.tb.store.data.requests.find((r) => r.service === 'web-full')!.state).toBe('blocked');

    await stack.tb.command('scale out web-filling');
    await waitFor(() => stack!.tb.store.data.requests.some((r) => r.service === 'web-filling' && r.card), 10_000, 'the card');
    const id = stack.tb.store.data.requests.find((r) => r.service === 'web-filling')!.id;
    expect(findRequest(stack.tb.store, id)!.state).toBe('pending');
    await addForeignMember(stack, filling, '127.0.45.31');
    await stack.tb.click('approve_scale', id, 'U0APPROVE1');
    await stack.tb.settle();
    const r = findRequest(stack.tb.store, id)!;
    expect(r.state).toBe('blocked');
    expect(r.attempts).toHaveLength(0);
    expect(stack.tb.slack.ephemerals('U0APPROVE1').at(-1)!.text).toBe(
      'The scale-out of web-filling was not started: web-filling already runs 2 of at most 2 instances. The card says why.',
    );
    expect(blockText(stackCard(stack, id).blocks)).toContain('Not now:* web-filling already runs 2 of at most 2 instances.');
    expect(await vmsOf(stack, 'web-full')).toEqual([]);
    expect(await vmsOf(stack, 'web-filling')).toEqual([]);
  });
});
