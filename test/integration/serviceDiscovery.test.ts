/**
 * The bot as Prometheus' service discovery, with Debian's real Prometheus: the scrape job is the one the bot's own PLG
 * generator writes (http_sd at the bot, bearer token), the VMs are cloned by govc on vcsim and put into the fake F5,
 * and each VM's node exporter is a stand-in listening on the VM's own 127.x address.
 * After a scale-out the new VM is a target of the service's job and the rules' CPU average includes it; after a
 * scale-in it is gone.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergePrometheus, mergeRules } from '../../src/integrations/plg/merge.js';
import { serviceExpressions } from '../../src/integrations/plg/render.js';
import { findRequest } from '../../src/store/requests.js';
import { alertPayload, service, WEBHOOK_TOKEN } from '../helpers/bot.js';
import { freePort, waitFor } from '../helpers/net.js';
import { fakeNodeExporter } from '../helpers/nodeExporter.js';
import { startPrometheus, type RunningServer } from '../helpers/prometheus.js';
import { healthTarget, startStack, type Stack } from '../helpers/stack.js';

const SD_TOKEN = 'test-sd-token-0123456789abcdef';
const VM_IP = '127.0.30.10';

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

/** Per-instance CPU busy %, the same expression as the rules' without the avg(). */
const perInstanceBusy = (job: string) => `100 * (1 - rate(node_cpu_seconds_total{job="${job}",mode="idle"}[5m]))`;

/** The average and each instance's value, evaluated by Prometheus at the same instant. */
async function atOneInstant(prometheus: RunningServer, avgExpr: string, eachExpr: string): Promise<{ avg: number; each: Record<string, number> } | undefined> {
  const time = (Date.now() / 1000).toFixed(3);
  const get = async (expr: string) => {
    const res = await fetch(`${prometheus.url}/api/v1/query?time=${time}&query=${encodeURIComponent(expr)}`);
    return ((await res.json()) as { data: { result: Array<{ metric: Record<string, string>; value: [number, string] }> } }).data.result;
  };
  const [avg, each] = await Promise.all([get(avgExpr), get(eachExpr)]);
  if (!avg[0] || each.length === 0) return undefined;
  return { avg: Number(avg[0].value[1]), each: Object.fromEntries(each.map((r) => [r.metric.instance!, Number(r.value[1])])) };
}

describe('Prometheus finds the VMs the bot creates through GET /sd/prometheus', () => {
  it('scrapes a scaled-out VM within one SD refresh, averages it into the rules\' CPU, and drops it after the scale-in', { timeout: 240_000 }, async () => {
    // The instance that existed before the bot (a configured target): idle. The VM's exporter: busy.
    const configuredPort = await freePort();
    const configured = fakeNodeExporter({ hot: false });
    await configured.listen(configuredPort);
    cleanup.push(() => new Promise((r) => configured.server.close(r)));
    const exporterPort = await freePort();
    const vmExporter = fakeNodeExporter({ hot: true });
    await vmExporter.listen(exporterPort, VM_IP);
    cleanup.push(() => new Promise((r) => vmExporter.server.close(r)));

    const appPort = await freePort();
    const svc = service({
      network: { ipPool: { start: VM_IP, end: '127.0.30.20' }, netmask: '255.255.255.0', gateway: '127.0.30.1', dns: [], conflictCheck: 'none' },
      healthCheck: { type: 'tcp', port: appPort, timeout: '20s' },
      f5: { pool: 'web-server-pool', partition: 'Common', port: appPort },
      scaling: { min: 0, max: 6, cooldown: '0s', drainTimeout: '5s' },
      monitoring: {
        targets: [`127.0.0.1:${configuredPort}`], exporterPort, sdRefreshInterval: '1s', scrapeInterval: '1s', evaluationInterval: '1s',
        for: '1h', scaleInFor: '1h', // the alerts are driven by hand here; Prometheus only has to see the instances
      },
    });
    const stack: Stack = await startStack({ services: [svc], bot: { env: { PROMETHEUS_SD_TOKEN: SD_TOKEN } }, executor: { drainPollMs: 50, shutdownTimeoutMs: 3000 } });
    cleanup.push(() => stack.stop());
    cleanup.push((await healthTarget(VM_IP, appPort)).close);

    // prometheus.yml as `plg push` would write it: the bot's merge of the generated job (and the rules) into a base file.
    const dir = mkdtempSync(join(tmpdir(), 'sd-prom-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const rulesFile = join(dir, 'rules.yml');
    writeFileSync(rulesFile, mergeRules('groups: []\n', svc));
    const promFile = join(dir, 'prometheus.yml');
    const base = ['global:', '  scrape_interval: 1s', '  evaluation_interval: 1s', 'rule_files:', `  - ${rulesFile}`, 'scrape_configs: []', ''].join('\n');
    writeFileSync(promFile, mergePrometheus(base, svc, { botPublicUrl: stack.tb.url, webhookToken: WEBHOOK_TOKEN, sdToken: SD_TOKEN, rulesFileRef: rulesFile }));
    const prometheus = await startPrometheus(promFile);
    cleanup.push(() => prometheus.stop());
    const job = 'autoscale-web-server';
    const { cpuBusy } = serviceExpressions(svc);

    // Before: the job's only instance is the configured target, from the SD answer; the average is its (idle) CPU.
    await waitFor(async () => (await targetsOf(prometheus, job)).some((t) => t.health === 'up'), 60_000, 'the configured target to be up');
    expect((await targetsOf(prometheus, job)).map((t) => t.labels.instance)).toEqual([`127.0.0.1:${configuredPort}`]);
    // The average the rules read equals the configured instance's own value (one instance), evaluated at one instant.
    // (Values, not thresholds: a series younger than the [5m] window has its rate() scaled down by Prometheus'
    // extrapolation, so a new idle counter reads as busy for its first minutes.)
    const before = await waitFor(() => atOneInstant(prometheus, cpuBusy, perInstanceBusy(job)), 60_000, 'the CPU average over the configured target');
    expect(Object.keys(before.each)).toEqual([`127.0.0.1:${configuredPort}`]);
    expect(before.avg).toBeCloseTo(before.each[`127.0.0.1:${configuredPort}`]!, 6);

    // Scale out on vcsim: web-server-1 gets 127.0.30.10, passes its health check, joins F5.
    const out = await stack.tb.webhook(alertPayload());
    const outId = out.json.alerts[0].requestId as string;
    await stack.tb.click('approve_scale', outId, 'U0APPROVE1');
    await stack.tb.settle();
    expect(findRequest(stack.tb.store, outId)!.state).toBe('succeeded');
    const scaledOut = Date.now();

    const joined = await waitFor(async () => (await targetsOf(prometheus, job)).find((t) => t.labels.instance === `${VM_IP}:${exporterPort}` && t.health === 'up'), 30_000, 'the new VM as a target');
    console.log(`web-server-1 was an up target ${((Date.now() - scaledOut) / 1000).toFixed(1)} s after the scale-out finished (SD refresh 1s, scrape 1s)`);
    expect(joined.labels).toMatchObject({ job, service: 'web-server', vm: 'web-server-1', managed_by: 'vm-autoscale-bot' });
    expect(joined.scrapeUrl).toBe(`http://${VM_IP}:${exporterPort}/metrics`);

    // The rules' CPU average now includes the VM: at one instant it is the mean of both instances' values.
    const after = await waitFor(async () => {
      const r = await atOneInstant(prometheus, cpuBusy, perInstanceBusy(job));
      return r && Object.keys(r.each).length === 2 ? r : undefined;
    }, 60_000, 'the CPU average to include the new VM');
    expect(Object.keys(after.each).sort()).toEqual([`127.0.0.1:${configuredPort}`, `${VM_IP}:${exporterPort}`]);
    const mean = (after.each[`127.0.0.1:${configuredPort}`]! + after.each[`${VM_IP}:${exporterPort}`]!) / 2;
    expect(after.avg).toBeCloseTo(mean, 6);
    expect(after.each[`${VM_IP}:${exporterPort}`]).toBeGreaterThan(90); // the busy VM pulls the average up

    // Scale in: web-server-1 leaves F5 and vCenter, and the next SD refresh drops it.
    const scaleIn = await stack.tb.webhook(alertPayload({ direction: 'in', alertname: 'LowCPU' }));
    const inId = scaleIn.json.alerts[0].requestId as string;
    await stack.tb.click('approve_scale', inId, 'U0APPROVE1');
    await stack.tb.settle();
    expect(findRequest(stack.tb.store, inId)!.state).toBe('succeeded');
    await waitFor(async () => !(await targetsOf(prometheus, job)).some((t) => t.labels.instance === `${VM_IP}:${exporterPort}`), 30_000, 'the removed VM to leave the targets');
    expect((await targetsOf(prometheus, job)).map((t) => t.labels.instance)).toEqual([`127.0.0.1:${configuredPort}`]);
  });
});
