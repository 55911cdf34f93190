/**
 * Alert text is not ours: through the real webhook route, Bolt and the fake Slack, an alert whose
 * summary, labels or URLs carry `<!channel>`, `|`, `>` or a javascript: URL yields a card whose
 * mrkdwn has no live mention or command and links only to http(s).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { waitFor } from '../helpers/net.js';

let tb: TestBot;

const svc = (name: string, n: number) =>
  service({
    name,
    network: { ipPool: { start: `127.0.${20 + n}.10`, end: `127.0.${20 + n}.50` }, netmask: '255.255.255.0', gateway: `127.0.${20 + n}.1`, dns: [`127.0.${20 + n}.2`], conflictCheck: 'none' },
  });

beforeAll(async () => {
  tb = await startBot({ services: [svc('web-a', 1), svc('web-b', 2), svc('web-c', 3)] });
});
afterAll(async () => {
  await tb?.stop();
});

/** Every mrkdwn string of a message, confirm dialogs included. */
function mrkdwnOf(x: unknown, out: string[] = []): string[] {
  if (Array.isArray(x)) x.forEach((y) => mrkdwnOf(y, out));
  else if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    if (o.type === 'mrkdwn' && typeof o.text === 'string') out.push(o.text);
    Object.values(o).forEach((v) => mrkdwnOf(v, out));
  }
  return out;
}

/** Every `<…>` Slack would interpret in the text: only http(s) links and user mentions are allowed. */
function controlSequences(text: string): string[] {
  return [...text.matchAll(/<([^>]*)>/g)].map((m) => m[1]!);
}
const allowed = (seq: string) => /^https?:\/\/[^<>|\s]+\|[^<>|]+$/.test(seq) || /^@[UW][A-Z0-9]+$/.test(seq);

async function cardFor(serviceName: string, mutate: (p: any) => void): Promise<{ mrkdwn: string[]; requestId: string }> {
  const p: any = alertPayload({ service: serviceName, alertname: 'HighCPU<!here>' });
  mutate(p);
  const res = await tb.webhook(p);
  expect(res.status).toBe(200);
  const requestId = res.json.alerts[0].requestId as string;
  expect(res.json.alerts[0].outcome).toBe('created'); // the alert is kept; only a bad URL is dropped
  await tb.settle();
  const msg = await waitFor(() => tb.slack.messages.find((m) => !m.thread_ts && JSON.stringify(m.blocks ?? []).includes(requestId)), 10_000, `the card of ${serviceName}`);
  return { mrkdwn: mrkdwnOf(msg.blocks), requestId };
}

describe('alert text in the approval card', () => {
  it('shows a summary of <!channel> as text and drops a generatorURL that would close the link early', async () => {
    const { mrkdwn, requestId } = await cardFor('web-a', (p) => {
      p.alerts[0].annotations.summary = '<!channel> wake up';
      p.alerts[0].annotations.description = 'see <https://evil.example|here> & <@U0VICTIM1>';
      p.alerts[0].generatorURL = 'http://x|<!channel>>';
    });
    const text = mrkdwn.join('\n');
    expect(text).not.toContain('<!channel>');
    expect(text).not.toContain('<!here>');
    expect(text).toContain('&lt;!channel&gt; wake up');
    expect(text).toContain('HighCPU&lt;!here&gt;');
    expect(text).not.toContain('|source>'); // no link left for the dropped URL
    expect(controlSequences(text).filter((s) => !allowed(s))).toEqual([]);
    expect(controlSequences(text)).not.toContain('@U0VICTIM1');
    expect(tb.store.data.requests.find((r) => r.id === requestId)!.alert!.generatorURL).toBeUndefined();
  });

  it('never links a javascript: generatorURL or externalURL', async () => {
    const { mrkdwn } = await cardFor('web-b', (p) => {
      p.alerts[0].generatorURL = 'javascript:alert(1)';
      p.externalURL = 'javascript:alert(2)//http://alertmanager.local';
    });
    const text = mrkdwn.join('\n');
    expect(text).not.toMatch(/javascript:/i);
    expect(controlSequences(text).filter((s) => !allowed(s))).toEqual([]);
  });

  it('keeps an http URL with | and > in its query as one link that cannot be escaped from', async () => {
    const { mrkdwn } = await cardFor('web-c', (p) => {
      p.alerts[0].generatorURL = 'http://127.0.0.1:9090/graph?g0.expr=a|b>c<!channel>';
    });
    const text = mrkdwn.join('\n');
    expect(text).not.toContain('<!channel>');
    expect(text).toContain('<http://127.0.0.1:9090/graph?g0.expr=a%7Cb&gt;c&lt;!channel&gt;|source>');
    expect(controlSequences(text).filter((s) => !allowed(s))).toEqual([]);
  });
});

describe('alert text in other messages', () => {
  it('shows an unknown service label of <!channel> as text in the notice', async () => {
    const r = await tb.webhook(alertPayload({ service: '<!channel>', alertname: 'Boom|<!everyone>' }));
    expect(r.json.alerts[0].outcome).toBe('unknown_service');
    await tb.settle();
    const notice = await waitFor(() => tb.slack.topLevel('C0DEFAULT1').find((m) => m.text?.includes('does not know')), 10_000, 'the notice');
    expect(notice.text).toContain('&lt;!channel&gt;');
    expect(notice.text).not.toMatch(/<!(channel|everyone)>/);
  });
});

