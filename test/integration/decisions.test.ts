import { afterEach, describe, expect, it } from 'vitest';
import { findRequest } from '../../src/store/requests.js';
import { blockText, buttons } from '../fakes/slack.js';
import { alertPayload, service, startBot, TestClock, type TestBot } from '../helpers/bot.js';

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

async function fire(t: TestBot): Promise<string> {
  const r = await t.webhook(alertPayload());
  expect(r.json.alerts[0].outcome).toBe('created');
  await t.settle();
  return r.json.alerts[0].requestId as string;
}

const cardOf = (t: TestBot) => t.slack.topLevel('C0SERVICE1')[0]!;

describe('deciding on a card', () => {
  it('approval by an allowed approver updates the same message and hands the request to the executor', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'manual', approvers: ['U0APPROVE1'] } })] });
    const id = await fire(tb);
    expect((await tb.click('approve_scale', id, 'U0APPROVE1')).status).toBe(200);
    await tb.settle();
    expect(tb.slack.topLevel('C0SERVICE1')).toHaveLength(1);
    const c = cardOf(tb);
    const text = blockText(c.blocks);
    expect(text).toContain('Approved by <@U0APPROVE1> at 14:22 UTC');
    expect(buttons(c.blocks)).toHaveLength(0);
    expect(text).toContain('[DRY RUN] Scaled out web-server');
    const r = findRequest(tb.store, id)!;
    expect(r.state).toBe('succeeded');
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0]!.plan!.join('\n')).toMatch(/govc vm\.clone -vm web-server-template -on=false .* web-server-1/);
    const thread = tb.slack.thread(c.ts).map((m) => m.text).join('\n');
    expect(thread).toContain('Clone from template');
    expect(thread).toContain('vm.clone');
    expect(r.events.map((e) => e.type)).toEqual(expect.arrayContaining(['created', 'approved', 'attempt-started', 'step', 'finished']));
  });

  it('tells a non-approver privately that they may not approve, and changes nothing', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'manual', approvers: ['U0APPROVE1', 'U0APPROVE2'] } })] });
    const id = await fire(tb);
    const before = JSON.stringify(cardOf(tb).blocks);
    await tb.click('approve_scale', id, 'U0RANDOM01');
    await tb.click('reject_scale', id, 'U0RANDOM01');
    await tb.settle();
    const eph = tb.slack.ephemerals('U0RANDOM01');
    expect(eph).toHaveLength(2);
    expect(eph[0]!.text).toContain('You are not an approver for web-server (approvers: <@U0APPROVE1>, <@U0APPROVE2>)');
    expect(findRequest(tb.store, id)!.state).toBe('pending');
    expect(JSON.stringify(cardOf(tb).blocks)).toBe(before);
    expect(tb.slack.callsOf('views.open')).toHaveLength(0);
  });

  it('records who rejected, when, and the reason given in the modal', async () => {
    tb = await startBot({ services: [service()] });
    const id = await fire(tb);
    await tb.click('reject_scale', id, 'U0APPROVE1');
    const opened = tb.slack.callsOf('views.open');
    expect(opened).toHaveLength(1);
    const view = opened[0]!.args.view;
    expect(view.private_metadata).toBe(id);
    tb.clock.advance(60_000);
    await tb.submitView({ callback_id: view.callback_id, private_metadata: id, state: { values: { reason: { reason: { type: 'plain_text_input', value: 'load test, not real traffic' } } } } }, 'U0APPROVE1');
    await tb.settle();
    const r = findRequest(tb.store, id)!;
    expect(r.state).toBe('rejected');
    expect(r.decision).toMatchObject({ kind: 'rejected', by: 'U0APPROVE1', reason: 'load test, not real traffic', at: '2026-11-26T14:23:00.000Z' });
    const text = blockText(cardOf(tb).blocks);
    expect(text).toContain('Rejected by <@U0APPROVE1> at 14:23 UTC — load test, not real traffic');
    expect(buttons(cardOf(tb).blocks)).toHaveLength(0);
    expect(r.attempts).toHaveLength(0);
  });

  it('starts exactly one run when two approvers click at once', async () => {
    tb = await startBot({ services: [service()] });
    const id = await fire(tb);
    await Promise.all([tb.click('approve_scale', id, 'U0APPROVE1'), tb.click('approve_scale', id, 'U0APPROVE2'), tb.click('approve_scale', id, 'U0APPROVE3')]);
    await tb.settle();
    const r = findRequest(tb.store, id)!;
    expect(r.attempts).toHaveLength(1);
    expect(r.events.filter((e) => e.type === 'approved')).toHaveLength(1);
    // The two later clicks are told the current state.
    const told = tb.slack.ephemerals().map((e) => e.text);
    expect(told).toHaveLength(2);
    for (const t of told) expect(t).toMatch(/already (approved|running|done)/);
  });

  it('starts exactly one run when a click races the auto-approve tick', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'timeout', autoApproveAfter: '10m' } })] });
    const id = await fire(tb);
    tb.clock.advance(10 * 60_000);
    await Promise.all([tb.bot.tick(), tb.click('approve_scale', id, 'U0APPROVE1'), tb.bot.tick()]);
    await tb.settle();
    const r = findRequest(tb.store, id)!;
    expect(r.attempts).toHaveLength(1);
    expect(r.events.filter((e) => e.type === 'approved' || e.type === 'auto-approved')).toHaveLength(1);
  });

  it('answers a click on a decided card with its current state', async () => {
    tb = await startBot({ services: [service()] });
    const id = await fire(tb);
    await tb.click('approve_scale', id, 'U0APPROVE1');
    await tb.settle();
    await tb.click('reject_scale', id, 'U0APPROVE2');
    await tb.settle();
    expect(tb.slack.ephemerals('U0APPROVE2')[0]!.text).toContain('is already done by <@U0APPROVE1>');
    expect(findRequest(tb.store, id)!.state).toBe('succeeded');
  });
});

describe('approval modes', () => {
  it('mode auto approves at once and still posts the card as the record', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'auto' } })] });
    const id = await fire(tb);
    const r = findRequest(tb.store, id)!;
    expect(r.decision).toMatchObject({ kind: 'approved', by: 'auto' });
    expect(r.state).toBe('succeeded');
    const text = blockText(cardOf(tb).blocks);
    expect(text).toContain('Auto-approved at 14:22 UTC');
    expect(buttons(cardOf(tb).blocks)).toHaveLength(0);
  });

  it('mode timeout auto-approves when the deadline passes, not before', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'timeout', autoApproveAfter: '10m' } })] });
    const id = await fire(tb);
    tb.clock.advance(9 * 60_000 + 59_000);
    await tb.bot.tick();
    expect(findRequest(tb.store, id)!.state).toBe('pending');
    tb.clock.advance(1000);
    await tb.bot.tick();
    await tb.settle();
    expect(findRequest(tb.store, id)!.decision).toMatchObject({ by: 'auto', at: '2026-11-26T14:32:00.000Z' });
    expect(blockText(cardOf(tb).blocks)).toContain('Auto-approved at 14:32 UTC');
  });

  it('approves on start-up what fell due while the bot was down', async () => {
    const clock = new TestClock();
    const first = await startBot({ services: [service({ approval: { mode: 'timeout', autoApproveAfter: '10m' } })], clock });
    const id = await fire(first);
    const dataDir = first.dataDir;
    await first.stop({ keepData: true });
    clock.advance(30 * 60_000);
    tb = await startBot({ dataDir, clock });
    await tb.settle();
    const r = findRequest(tb.store, id)!;
    expect(r.decision).toMatchObject({ by: 'auto', kind: 'approved' });
    expect(r.state).toBe('succeeded');
    const { rmSync } = await import('node:fs');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('formats times in BOT_TIMEZONE', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'timeout', autoApproveAfter: '10m' } })], env: { BOT_TIMEZONE: 'Asia/Seoul' } });
    await fire(tb);
    expect(blockText(cardOf(tb).blocks)).toContain('Auto-approves at 23:32 (Asia/Seoul) (in 10 minutes)');
  });
});
