/**
 * The card's chart from a real Prometheus (Debian's): it scrapes a node-exporter stand-in with the scrape job the bot's
 * own PLG generator writes, and the chart is drawn from the same expressions the generated rules use.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mergePrometheus } from '../../src/integrations/plg/merge.js';
import { serviceExpressions } from '../../src/integrations/plg/render.js';
import { requestChart } from '../../src/workflows/requestChart.js';
import { service, startBot, WEBHOOK_TOKEN } from '../helpers/bot.js';
import { freePort, waitFor } from '../helpers/net.js';
import { fakeNodeExporter } from '../helpers/nodeExporter.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/integrations/chart/metricChart.js';
import { decodePng } from '../helpers/png.js';
import { startPrometheus, type RunningServer } from '../helpers/prometheus.js';

const SD_TOKEN = 'test-sd-token-0123456789abcdef';
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

let prometheus: RunningServer;
let svc: ReturnType<typeof service>;

beforeAll(async () => {
  const exporterPort = await freePort();
  const exporter = fakeNodeExporter();
  await exporter.listen(exporterPort);
  cleanup.push(() => new Promise((r) => exporter.server.close(r)));
  svc = service({ monitoring: { targets: [`127.0.0.1:${exporterPort}`], cpuThreshold: 80, memoryThreshold: 85, scrapeInterval: '1s', evaluationInterval: '1s' } });
  const dir = mkdtempSync(join(tmpdir(), 'chart-prom-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const promFile = join(dir, 'prometheus.yml');
  const base = ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'scrape_configs: []', ''].join('\n');
  // The generated job takes its targets from the bot's GET /sd/prometheus.
  const bot = await startBot({ services: [svc], env: { PROMETHEUS_SD_TOKEN: SD_TOKEN } });
  cleanup.push(() => bot.stop());
  writeFileSync(promFile, mergePrometheus(base, svc, { botPublicUrl: bot.url, webhookToken: WEBHOOK_TOKEN, sdToken: SD_TOKEN, rulesFileRef: join(dir, 'rules.yml') }));
  prometheus = await startPrometheus(promFile);
  cleanup.push(() => prometheus.stop());
}, 120_000);

describe('the card chart from a real Prometheus', () => {
  it('draws the rules\' CPU and memory expressions over the last hour as a PNG of the chart size', { timeout: 90_000 }, async () => {
    const { cpuBusy } = serviceExpressions(svc);
    // rate() over [5m] needs two samples of the counter: a few scrapes at 1 s.
    await waitFor(async () => {
      const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(cpuBusy)}`);
      return ((await res.json()) as { data: { result: unknown[] } }).data.result.length > 0;
    }, 60_000, 'the CPU expression to have a value');
    const now = new Date();
    const chart = await requestChart({ prometheusUrl: prometheus.url, service: svc, direction: 'out', alertStartsAt: new Date(now.getTime() - 60_000).toISOString(), now, locale: 'ko', timeZone: 'Asia/Seoul' });
    expect(chart.ok).toBe(true);
    if (!chart.ok) return;
    const png = decodePng(chart.png);
    expect([png.width, png.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
  });

  it('says no_data for a service Prometheus has never scraped', async () => {
    const other = service({ name: 'never-scraped' });
    const chart = await requestChart({ prometheusUrl: prometheus.url, service: other, direction: 'out', now: new Date(), locale: 'en', timeZone: 'UTC' });
    expect(chart).toEqual({ ok: false, reason: 'no_data' });
  });

  it('gives up at its deadline when Prometheus hangs, and says unreachable when nothing listens', async () => {
    const hung: Server = createServer(() => undefined); // accepts, never answers
    await new Promise<void>((r) => hung.listen(0, '127.0.0.1', r));
    cleanup.push(() => { hung.closeAllConnections(); return new Promise((r) => hung.close(r)); });
    const url = `http://127.0.0.1:${(hung.address() as AddressInfo).port}`;
    expect(await requestChart({ prometheusUrl: url, service: svc, direction: 'out', now: new Date(), locale: 'en', timeZone: 'UTC', deadlineMs: 300 })).toEqual({ ok: false, reason: 'timeout' });
    expect(await requestChart({ prometheusUrl: `http://127.0.0.1:${await freePort()}`, service: svc, direction: 'out', now: new Date(), locale: 'en', timeZone: 'UTC' })).toEqual({ ok: false, reason: 'unreachable' });
  });
});
