/** The safety policies of issue 7, on the dry-run executor (fast): cooldowns, rate limit, freeze, settle. */
import { rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { findRequest } from '../../src/store/requests.js';
import { blockText, buttons } from '../fakes/slack.js';
import { alertPayload, service, startBot, TestClock, type TestBot } from '../helpers/bot.js';

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

async function fire(t: TestBot, opts: Parameters<typeof alertPayload>[0] = {}) {
  const r = await t.webhook(alertPayload(opts));
  await t.settle();
  return findRequest(t.store, r.json.alerts[0].requestId)!;
}

const text = (t: TestBot, id: string) => blockText(t.slack.messages.find((m) => m.ts === findRequest(t.store, id)!.card!.ts)!.blocks);

describe('cooldowns', () => {
  it('are kept in the store, so a restart honours them', async () => {
    const clock = new TestClock();
    const first = await startBot({ services: [service({ approval: { mode: 'auto' }, scaling: { min: 1, max: 6, cooldown: '10m' } })], clock });
    expect((await fire(first)).state).toBe('succeeded');
    await first.webhook(alertPayload({ status: 'resolved' }));
    const dataDir = first.dataDir;
    await first.stop({ keepData: true });
    clock.advance(5 * 60_000);
    tb = await startBot({ dataDir, clock });
    const r = await fire(tb);
    expect(r.state).toBe('blocked');
    expect(r.blocked?.code).toBe('cooldown');
    expect(text(tb, r.id)).toContain('Scaling becomes possible at 14:32 UTC (in 5 minutes)');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('are separate for scale-out and scale-in', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'auto' }, scaling: { min: 0, max: 6, cooldown: '10m', cooldownIn: '30m' } })] });
    await tb.store.mutate((d) => { Object.assign(d.leases, { '127.0.10.10': { ip: '127.0.10.10', service: 'web-server', requestId: 'old', state: 'in-use', vmName: 'web-server-1', at: '2026-11-26T10:00:00Z' }, '127.0.10.11': { ip: '127.0.10.11', service: 'web-server', requestId: 'old2', state: 'in-use', vmName: 'web-server-2', at: '2026-11-26T11:00:00Z' } }); });
    expect((await fire(tb, { direction: 'in', alertname: 'LowCPU' })).state).toBe('succeeded');
    await tb.webhook(alertPayload({ direction: 'in', alertname: 'LowCPU', status: 'resolved' }));
    tb.clock.advance(15 * 60_000);
    // 15 minutes later a scale-out is fine (its own cooldown has no history) but a scale-in waits for 30m.
    expect((await fire(tb)).state).toBe('succeeded');
    await tb.webhook(alertPayload({ status: 'resolved' }));
    const r = await fire(tb, { direction: 'in', alertname: 'LowCPU' });
    expect(r.blocked).toMatchObject({ code: 'cooldown' });
    expect(r.blocked!.until).toBe('2026-11-26T14:52:00.000Z');
  });
});

describe('rate limit', () => {
  it('allows at most scaling.maxPerHour scale-outs per service per hour', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'auto' }, scaling: { min: 1, max: 20, cooldown: '0s', maxPerHour: 2 } })] });
    for (let i = 0; i < 2; i++) {
      expect((await fire(tb)).state).toBe('succeeded');
      await tb.webhook(alertPayload({ status: 'resolved' }));
      tb.clock.advance(60_000);
    }
    const r = await fire(tb);
    expect(r.blocked).toMatchObject({ code: 'rate_limit' });
    expect(text(tb, r.id)).toContain('already scaled out 2 times in the last hour (limit 2)');
    expect(buttons(tb.slack.messages.find((m) => m.ts === r.card!.ts)!.blocks)).toHaveLength(0);
  });
});

describe('change freeze', () => {
  const frozen = { scaling: { min: 1, max: 6, cooldown: '10m', freeze: [{ cron: '0 14 * * *', duration: '2h', reason: 'release window' }] } };

  it('says "frozen until" on the card and never auto-approves', async () => {
    tb = await startBot({ services: [service({ ...frozen, approval: { mode: 'timeout', autoApproveAfter: '1m' } })] });
    const r = await fire(tb);
    expect(text(tb, r.id)).toContain('Frozen until 16:00 UTC (in 2 hours)');
    expect(text(tb, r.id)).toContain('Auto-approval waits for the freeze to end (it was due at 14:23 UTC)');
    tb.clock.advance(10 * 60_000);
    await tb.bot.tick();
    expect(findRequest(tb.store, r.id)!.state).toBe('pending');
    tb.clock.advance(2 * 3_600_000);
    await tb.bot.tick();
    await tb.settle();
    expect(findRequest(tb.store, r.id)!.decision?.by).toBe('auto');
  });

  it('asks for confirmation before a manual approve during a freeze', async () => {
    tb = await startBot({ services: [service(frozen)] });
    const r = await fire(tb);
    await tb.click('approve_scale', r.id, 'U0APPROVE1');
    expect(findRequest(tb.store, r.id)!.state).toBe('pending');
    const eph = tb.slack.ephemerals('U0APPROVE1')[0]!;
    expect(eph.text).toContain('change freeze');
    expect(buttons(eph.blocks).map((b) => b.action_id)).toEqual(['approve_scale_frozen']);
    await tb.click('approve_scale_frozen', r.id, 'U0APPROVE1');
    await tb.settle();
    expect(findRequest(tb.store, r.id)!.decision).toMatchObject({ kind: 'approved', by: 'U0APPROVE1' });
  });
});

describe('settle check', () => {
  it('says in the thread when the alert cleared after the scale-out', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'auto' } })] });
    const r = await fire(tb);
    expect(r.state).toBe('succeeded');
    tb.clock.advance(6 * 60_000);
    const res = await tb.webhook(alertPayload({ status: 'resolved' }));
    expect(res.json.alerts[0]).toMatchObject({ outcome: 'resolved', requestId: r.id });
    await tb.settle();
    expect(tb.slack.thread(r.card!.ts).map((m) => m.text)).toContain(':large_green_circle: alert cleared 6 min after web-server-1 joined.');
  });

  it('says "still firing" when the alert has not cleared within scaling.settle', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'auto' }, scaling: { min: 1, max: 6, cooldown: '10m', settle: '15m' } })] });
    const r = await fire(tb);
    expect(r.state).toBe('succeeded');
    tb.clock.advance(14 * 60_000);
    await tb.bot.tick();
    await tb.settle();
    expect(tb.slack.thread(r.card!.ts).some((m) => m.text?.includes('still firing'))).toBe(false);
    tb.clock.advance(2 * 60_000);
    await tb.bot.tick();
    await tb.bot.tick();
    await tb.settle();
    expect(tb.slack.thread(r.card!.ts).filter((m) => m.text?.includes('still firing — consider another scale-out'))).toHaveLength(1);
  });
});

describe('scale-in cards', () => {
  it('name the VM to remove and refuse to go below the minimum', async () => {
    tb = await startBot({ services: [service({ scaling: { min: 1, max: 6, cooldown: '10m' } })] });
    await tb.store.mutate((d) => { Object.assign(d.leases, { '127.0.10.14': { ip: '127.0.10.14', service: 'web-server', requestId: 'old', state: 'in-use', vmName: 'web-server-4', at: '2026-11-26T10:00:00Z' }, '127.0.10.13': { ip: '127.0.10.13', service: 'web-server', requestId: 'older', state: 'in-use', vmName: 'web-server-3', at: '2026-11-26T09:00:00Z' } }); });
    const r = await fire(tb, { direction: 'in', alertname: 'LowCPU' });
    expect(r.state).toBe('pending');
    expect(text(tb, r.id)).toContain('Scale in web-server? Remove web-server-4 (127.0.10.14)');
    await tb.store.mutate((d) => { delete d.leases['127.0.10.13']; });
    await tb.webhook(alertPayload({ direction: 'in', alertname: 'LowCPU', status: 'resolved' }));
    const again = await fire(tb, { direction: 'in', alertname: 'LowCPU' });
    expect(again.blocked).toMatchObject({ code: 'min_instances' });
  });
});
