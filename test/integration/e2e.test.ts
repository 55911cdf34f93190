/**
 * End to end with real software: a real Prometheus scrapes endpoints this test controls (node-exporter-style counters
 * that look hot), with the scrape job, rule and route the bot's own PLG generator produced; the job finds its targets
 * through the bot's GET /sd/prometheus; a real Alertmanager delivers to the bot; the card appears on the fake Slack
 * with the metric chart drawn from that Prometheus in its thread; a signed Approve; govc on vcsim; the fake F5. The new
 * VM (its own fake exporter on its own 127.x address) becomes a target of the service's job. Then both exporters cool
 * down, the alert resolves, and the thread says so. No hand-written alert JSON here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../src/clock.js';
import { CHART_HEIGHT, CHART_WIDTH } from '../../src/integrations/chart/metricChart.js';
import { mergeAlertmanager, mergePrometheus, mergeRules } from '../../src/integrations/plg/merge.js';
import { findRequest } from '../../src/store/requests.js';
import { blockText, buttons } from '../fakes/slack.js';
import { service, WEBHOOK_TOKEN } from '../helpers/bot.js';
import { startAlertmanager } from '../helpers/alertmanager.js';
import { freePort, waitFor } from '../helpers/net.js';
import { fakeNodeExporter } from '../helpers/nodeExporter.js';
import { decodePng } from '../helpers/png.js';
import { startPrometheus, type RunningServer } from '../helpers/prometheus.js';
import { healthTarget, startStack, type Stack } from '../helpers/stack.js';

const SD_TOKEN = 'test-sd-token-0123456789abcdef';
const VM_IP = '127.0.28.10'; // the first address of the service's pool: web-server-1's
const JOB = 'autoscale-web-server';
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

interface Target { labels: Record<string, string>; health: string; scrapeUrl: string }

async function targetsOf(prometheus: RunningServer, job: string): Promise<Target[]> {
  const res = await fetch(`${prometheus.url}/api/v1/targets?state=active`);
  const body = (await res.json()) as { data: { activeTargets: Target[] } };
  return body.data.activeTargets.filter((t) => t.labels.job === job);
}

/** How many instances the rules' CPU average is over right now (the series inside its avg()). */
async function instancesInCpuAverage(prometheus: RunningServer): Promise<number> {
  const expr = `count(rate(node_cpu_seconds_total{job="${JOB}",mode="idle"}[5m]))`;
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { data: { result: Array<{ value: [number, string] }> } };
  return Number(body.data.result[0]?.value[1] ?? 0);
}

/** Evaluates an expression now; its result series. */
async function query(prometheus: RunningServer, expr: string): Promise<unknown[]> {
  const res = await fetch(`${prometheus.url}/api/v1/query?query=${encodeURIComponent(expr)}`);
  const body = (await res.json()) as { status: string; data?: { result: unknown[] } };
  expect(body.status, expr).toBe('success');
  return body.data!.result;
}

const secondsSince = (t: number): string => ((Date.now() - t) / 1000).toFixed(1);

describe('end to end: Prometheus → Alertmanager → bot → Slack → vcsim + F5 → Prometheus', () => {
  it('scales out on a real alert, charts it, scrapes the new VM, and reports when the alert clears', { timeout: 300_000 }, async () => {
    const t0 = Date.now();
    // The instance that was there before the bot (a configured target) and the new VM's exporter: both hot.
    const configuredPort = await freePort();
    const configured = fakeNodeExporter();
    await configured.listen(configuredPort);
    cleanup.push(() => new Promise((r) => configured.server.close(r)));
    const exporterPort = await freePort(VM_IP);
    const vmExporter = fakeNodeExporter();
    await vmExporter.listen(exporterPort, VM_IP);
    cleanup.push(() => new Promise((r) => vmExporter.server.close(r)));

    const appPort = await freePort();
    const svc = service({
      network: { ipPool: { start: VM_IP, end: '127.0.28.20' }, netmask: '255.255.255.0', gateway: '127.0.28.1', dns: [], conflictCheck: 'none' },
      healthCheck: { type: 'tcp', port: appPort, timeout: '20s' },
      f5: { pool: 'web-server-pool', partition: 'Common', port: appPort },
      monitoring: {
        targets: [`127.0.0.1:${configuredPort}`], exporterPort, sdRefreshInterval: '1s',
        cpuThreshold: 80, memoryThreshold: 85, for: '2s', scaleInFor: '1h',
        scrapeInterval: '1s', evaluationInterval: '1s', groupWait: '1s', groupInterval: '1s', repeatInterval: '1h',
      },
    });
    // The bot needs PROMETHEUS_URL at start, Prometheus needs the bot's URL in its config: pick Prometheus' port first.
    // The real clock: the chart asks Prometheus for the last hour before "now".
    const promPort = await freePort();
    const stack: Stack = await startStack({
      services: [svc],
      bot: { clock: systemClock, env: { PROMETHEUS_SD_TOKEN: SD_TOKEN, PROMETHEUS_URL: `http://127.0.0.1:${promPort}`, GRAFANA_URL: 'http://127.0.0.1:3000' } },
    });
    cleanup.push(() => stack.stop());
    cleanup.push((await healthTarget(VM_IP, appPort)).close);

    // The monitoring config: minimal base files merged with what the bot generates for the service.
    const dir = mkdtempSync(join(tmpdir(), 'e2e-plg-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // The scrape job asks the bot for its targets (GET /sd/prometheus): the configured exporter, then web-server-1.
    const settings = { botPublicUrl: stack.tb.url, webhookToken: WEBHOOK_TOKEN, sdToken: SD_TOKEN };
    const amFile = join(dir, 'alertmanager.yml');
    writeFileSync(amFile, mergeAlertmanager('route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n', svc, settings));
    const alertmanager: RunningServer = await startAlertmanager(amFile);
    cleanup.push(() => alertmanager.stop());
    const rulesFile = join(dir, 'rules.yml');
    writeFileSync(rulesFile, mergeRules('groups: []\n', svc));
    const promFile = join(dir, 'prometheus.yml');
    const base = [
      'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
      'alerting:', '  alertmanagers:', '    - static_configs:', `        - targets: ['127.0.0.1:${alertmanager.port}']`,
      'rule_files:', `  - ${rulesFile}`, 'scrape_configs: []', '',
    ].join('\n');
    writeFileSync(promFile, mergePrometheus(base, svc, { ...settings, rulesFileRef: rulesFile }));
    const prometheus: RunningServer = await startPrometheus(promFile, { port: promPort });
    cleanup.push(() => prometheus.stop());
    const started = Date.now();

    // Before the scale-out the job's only target is the configured one, found through the bot's SD answer.
    await waitFor(async () => (await targetsOf(prometheus, JOB)).some((t) => t.health === 'up'), 60_000, 'the configured target to be up');
    expect((await targetsOf(prometheus, JOB)).map((t) => t.labels.instance)).toEqual([`127.0.0.1:${configuredPort}`]);

    // Hot: the card appears in the service's channel, from the real alert.
    const card = await waitFor(() => stack.tb.slack.topLevel('C0SERVICE1')[0], 90_000, 'the approval card');
    console.log(`card ${secondsSince(started)} s after Prometheus started`);
    const text = blockText(card.blocks);
    expect(text).toContain('Scale out web-server?');
    expect(text).toContain('AutoscaleScaleOut');
    expect(text).toContain('web-server-1');
    const approve = buttons(card.blocks).find((b) => b.action_id === 'approve_scale')!;
    const id = approve.value;
    expect(findRequest(stack.tb.store, id)!.alert?.generatorURL).toContain(`:${prometheus.port}/graph`);

    // The card's Grafana link opens Explore on queries that this Prometheus answers for the service's job.
    const grafana = /<(http:\/\/127\.0\.0\.1:3000\/explore\?[^|>]+)\|Grafana>/.exec(text);
    expect(grafana, text).not.toBeNull();
    const left = JSON.parse(new URL(grafana![1]!.replace(/&amp;/g, '&')).searchParams.get('left')!) as { queries: Array<{ expr: string }> };
    expect(left.queries.length).toBeGreaterThan(0);
    for (const q of left.queries) {
      expect(q.expr).toContain(`job="${JOB}"`);
      expect(await query(prometheus, q.expr), q.expr).toHaveLength(1);
    }

    // The chart: a PNG of the chart size in the card's thread, drawn from this Prometheus' data (with no data, or no
    // answer, the thread would get a "No chart this time" note instead).
    const complete = await waitFor(() => stack.tb.slack.callsOf('files.completeUploadExternal')[0], 30_000, 'the chart upload');
    expect(complete.args.channel_id).toBe('C0SERVICE1');
    expect(complete.args.thread_ts).toBe(card.ts);
    expect(complete.args.files[0].title).toBe('web-server: CPU and memory, last hour');
    const png = decodePng(stack.tb.slack.callsOf('upload')[0]!.args.bytes as Buffer);
    expect([png.width, png.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
    expect(stack.tb.slack.thread(card.ts).some((m) => m.text?.includes('No chart'))).toBe(false);

    // Approve: web-server-1 is cloned on vcsim with 127.0.28.10, passes its health check, joins F5.
    await stack.tb.click('approve_scale', id, 'U0APPROVE1');
    await stack.tb.settle();
    const r = findRequest(stack.tb.store, id)!;
    expect(r.state).toBe('succeeded');
    expect((await stack.vcsim.govc.vmInfo('web-server-1'))?.ipAddress).toBe(VM_IP);
    expect(stack.f5.state.pools.get('/Common/web-server-pool')!.members.has(`${VM_IP}:${appPort}`)).toBe(true);
    const scaledOut = Date.now();

    // The new VM is a target of the service's job within an SD refresh, scraped at its own address.
    const joined = await waitFor(async () => (await targetsOf(prometheus, JOB)).find((t) => t.labels.instance === `${VM_IP}:${exporterPort}` && t.health === 'up'), 30_000, 'web-server-1 as an up target');
    console.log(`web-server-1 an up target ${secondsSince(scaledOut)} s after the scale-out finished`);
    expect(joined.labels).toMatchObject({ job: JOB, service: 'web-server', vm: 'web-server-1', managed_by: 'vm-autoscale-bot' });
    expect(joined.scrapeUrl).toBe(`http://${VM_IP}:${exporterPort}/metrics`);
    expect((await targetsOf(prometheus, JOB)).map((t) => t.labels.instance).sort()).toEqual([`127.0.0.1:${configuredPort}`, `${VM_IP}:${exporterPort}`]);

    // The alert's CPU average now covers web-server-1 too, so it is its exporter's cooling, with the original's, that clears it.
    await waitFor(async () => (await instancesInCpuAverage(prometheus)) === 2, 30_000, 'the CPU average over both instances');

    // Cool down, both: Prometheus resolves the alert, Alertmanager sends the resolve, the thread says so.
    configured.setHot(false);
    vmExporter.setHot(false);
    const cooled = Date.now();
    await waitFor(() => stack.tb.slack.thread(card.ts).some((m) => m.text?.includes('alert cleared')), 150_000, 'the "alert cleared" reply');
    console.log(`alert cleared ${secondsSince(cooled)} s after both exporters cooled down; whole test ${secondsSince(t0)} s`);
    const cleared = stack.tb.slack.thread(card.ts).find((m) => m.text?.includes('alert cleared'))!;
    expect(cleared.text).toMatch(/alert cleared \d+ min after web-server-1 joined/);
    expect(stack.tb.slack.topLevel('C0SERVICE1')).toHaveLength(1);
    expect(stack.tb.slack.violations).toEqual([]);
  });
});
