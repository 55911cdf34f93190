/**
 * The card's metric chart, as a user sees it: a PNG in the card's thread (files.uploadV2), after the card, never
 * delaying it. Prometheus here is a local stand-in answering query_range, so the slow and failing cases can be made on
 * purpose; the E2E test draws the chart from the real Prometheus.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/integrations/chart/metricChart.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { decodePng } from '../helpers/png.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** query_range answering one rising series, or hanging when `hang`. */
async function prometheusStandIn(opts: { hang?: boolean } = {}): Promise<string> {
  const server: Server = createServer((req, res) => {
    if (opts.hang) return; // accepts and never answers
    const url = new URL(req.url ?? '/', 'http://x');
    const start = Number(url.searchParams.get('start'));
    const end = Number(url.searchParams.get('end'));
    const values: Array<[number, string]> = [];
    for (let t = start; t <= end; t += 60) values.push([t, String(40 + (50 * (t - start)) / (end - start))]);
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ status: 'success', data: { resultType: 'matrix', result: [{ metric: {}, values }] } }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanup.push(() => { server.closeAllConnections(); return new Promise((r) => server.close(r)); });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function bot(env: Record<string, string>, locale?: 'ko'): Promise<TestBot> {
  const tb = await startBot({ services: [service(locale ? { locale } : {})], env, chartDeadlineMs: 500 });
  cleanup.push(() => tb.stop());
  return tb;
}

const uploads = (tb: TestBot) => tb.slack.callsOf('upload');

describe('the metric chart with the approval card', () => {
  it('posts the chart into the card\'s thread as a PNG of the chart size', async () => {
    const tb = await bot({ PROMETHEUS_URL: await prometheusStandIn() });
    expect((await tb.webhook(alertPayload())).status).toBe(200);
    await tb.settle();
    const card = tb.slack.topLevel('C0SERVICE1')[0]!;
    const [complete] = tb.slack.callsOf('files.completeUploadExternal');
    expect(complete?.args.channel_id).toBe('C0SERVICE1');
    expect(complete?.args.thread_ts).toBe(card.ts);
    expect(complete?.args.files[0].title).toBe('web-server: CPU and memory, last hour');
    const png = decodePng(uploads(tb)[0]!.args.bytes as Buffer);
    expect([png.width, png.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    expect(tb.slack.violations).toEqual([]);
  });

  it('titles the chart in Korean for a service whose cards are Korean', async () => {
    const tb = await bot({ PROMETHEUS_URL: await prometheusStandIn() }, 'ko');
    await tb.webhook(alertPayload());
    await tb.settle();
    expect(tb.slack.callsOf('files.completeUploadExternal')[0]?.args.files[0].title).toBe('web-server: 최근 1시간 CPU·메모리');
  });

  it('never delays the card for a Prometheus that hangs: the card comes first, then a note says why there is no chart', async () => {
    const tb = await bot({ PROMETHEUS_URL: await prometheusStandIn({ hang: true }) });
    await tb.webhook(alertPayload());
    await tb.settle();
    const card = tb.slack.topLevel('C0SERVICE1')[0]!;
    expect(card).toBeDefined();
    const thread = tb.slack.thread(card.ts).map((m) => m.text);
    expect(thread).toContain('_No chart this time: Prometheus did not answer in time_');
    expect(uploads(tb)).toEqual([]);
  });

  it('says so in Korean when Prometheus cannot be reached', async () => {
    const tb = await bot({ PROMETHEUS_URL: 'http://127.0.0.1:1' }, 'ko');
    await tb.webhook(alertPayload());
    await tb.settle();
    const card = tb.slack.topLevel('C0SERVICE1')[0]!;
    expect(tb.slack.thread(card.ts).map((m) => m.text)).toContain('_이번에는 그래프가 없습니다: Prometheus에 연결할 수 없습니다_');
  });

  it('draws nothing and says nothing about charts without PROMETHEUS_URL', async () => {
    const tb = await bot({});
    await tb.webhook(alertPayload());
    await tb.settle();
    expect(tb.slack.callsOf('files.getUploadURLExternal')).toEqual([]);
    const card = tb.slack.topLevel('C0SERVICE1')[0]!;
    expect(tb.slack.thread(card.ts).some((m) => /chart/i.test(m.text ?? ''))).toBe(false);
  });
});
