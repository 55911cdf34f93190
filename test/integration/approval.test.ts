import { afterEach, describe, expect, it } from 'vitest';
import { findRequest } from '../../src/store/requests.js';
import { blockText, buttons } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

function card(t: TestBot) {
  const cards = t.slack.topLevel('C0SERVICE1');
  expect(cards).toHaveLength(1);
  return cards[0]!;
}

describe('an alert for a known service', () => {
  it('posts one approval card with what fired, what will happen and the buttons', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'timeout', autoApproveAfter: '10m', approvers: ['U0APPROVE1'] } })] });
    const res = await tb.webhook(alertPayload());
    expect(res.status).toBe(200);
    expect(res.json.alerts[0]).toMatchObject({ service: 'web-server', outcome: 'created' });
    await tb.settle();
    const c = card(tb);
    const text = blockText(c.blocks);
    expect(text).toContain('Scale out web-server?');
    expect(text).toContain('HighCPU');
    expect(text).toContain('CPU above 80% for 5 minutes');
    expect(text).toContain('avg CPU busy 91% over 3 instances');
    expect(text).toContain('<http://prometheus.local:9090/graph?g0.expr=cpu|source>');
    expect(text).toContain('|Alertmanager>');
    expect(text).toContain('web-server-template');
    expect(text).toContain('web-server-1');
    expect(text).toContain('127.0.10.10');
    expect(text).toContain('/Common/web-server-pool');
    expect(text).toContain('<@U0APPROVE1>');
    expect(text).toContain('Auto-approves at 14:32 UTC (in 10 minutes)');
    const b = buttons(c.blocks);
    expect(b.map((x) => [x.action_id, x.style])).toEqual([['approve_scale', 'primary'], ['reject_scale', 'danger']]);
    const id = res.json.alerts[0].requestId;
    for (const x of b) {
      expect(x.value).toBe(id);
      expect(x.confirm?.title?.text).toBeTruthy();
    }
  });
});
