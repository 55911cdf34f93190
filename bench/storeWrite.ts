/**
 * Issue 11's store figures: the cost of one store write with an empty store (20 services, no
 * history) and with a year of history (the same 20 services, 15,000 finished requests), measured
 * side by side in one run (the writes alternate between the two stores), and db.json's size.
 *
 * The year is written the way an older version kept it — every request inside db.json — and then
 * opened, so the figures include what opening does to such a file (retention: finished requests
 * go to the archive; those of the last 30 days stay in memory).
 */
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Clock } from '../src/clock.js';
import { Store } from '../src/store/store.js';
import { emptyData, type ScaleRequest, type ServiceRecord, type StepName } from '../src/store/types.js';
import { service } from '../test/helpers/bot.js';
import type { Figure } from './report.js';
import { median } from './stats.js';

const SERVICES = 20;
const HISTORY = 15_000;
const WRITES = 300;
const YEAR_MS = 365 * 86_400_000;
const STEPS: StepName[] = ['reserve-ip', 'name', 'clone', 'customize', 'power-on', 'wait-ip', 'health', 'f5-add'];

function services(at: string): Record<string, ServiceRecord> {
  const out: Record<string, ServiceRecord> = {};
  for (let i = 0; i < SERVICES; i++) {
    const name = `svc-${String.fromCharCode(97 + i)}`;
    out[name] = {
      config: service({ name, network: { ipPool: { start: `127.0.${100 + i}.10`, end: `127.0.${100 + i}.60` }, netmask: '255.255.255.0', gateway: `127.0.${100 + i}.1`, dns: [], conflictCheck: 'none' } }),
      updatedAt: at,
      updatedBy: 'bench',
    };
  }
  return out;
}

/** A finished request as the bot leaves it: alert snapshot, preview, one attempt's journal, events. */
function finishedRequest(i: number, at: string): ScaleRequest {
  const svc = `svc-${String.fromCharCode(97 + (i % SERVICES))}`;
  // About 4 % failed and 9 % rejected, spread over the services (the service is i % SERVICES).
  const state = i % 23 === 0 ? 'failed' : i % 11 === 0 ? 'rejected' : 'succeeded';
  const vm = `${svc}-${i}`;
  const ip = `127.0.${100 + (i % SERVICES)}.${10 + (i % 50)}`;
  return {
    id: `sr-${at.replace(/[-:TZ.]/g, '').slice(0, 14)}-${i.toString(16).padStart(6, '0')}`,
    service: svc, direction: i % 3 === 0 ? 'in' : 'out', state, executor: 'local', source: 'alert',
    alert: {
      name: 'HighCPU', fingerprint: `fp${i}`, summary: 'CPU above 80% for 5 minutes', description: 'avg CPU busy 91% over 3 instances',
      startsAt: at, generatorURL: 'http://prometheus.local:9090/graph?g0.expr=cpu', labels: { alertname: 'HighCPU', service: svc, autoscale: 'out', severity: 'warning' },
    },
    fireCount: 1 + (i % 3), lastFiredAt: at, createdAt: at, updatedAt: at, finishedAt: at,
    decision: { kind: state === 'rejected' ? 'rejected' : 'approved', by: 'U0ADMIN01', at },
    card: { channel: 'C0SERVICE1', ts: `1700000000.${String(i).padStart(6, '0')}` },
    preview: { instances: 3, instancesSource: 'f5', min: 1, max: 6, template: `${svc}-template`, vmName: vm, ip, f5Pool: `${svc}-pool`, checks: [{ ok: true, code: 'template_present', template: 'tpl' }, { ok: true, code: 'ips_free', free: 40, size: 50 }] },
    attempts: state === 'rejected' ? [] : [{
      n: 1, startedAt: at, finishedAt: at, outcome: state === 'failed' ? 'failed' : 'succeeded', undone: [],
      steps: STEPS.map((name) => ({ name, state: 'done' as const, startedAt: at, finishedAt: at, durationMs: 1200, data: { vmName: vm, ip } })),
      result: { vmName: vm, ip, member: `${ip}:80` },
    }],
    events: [
      { at, type: 'created' }, { at, type: 'approved', by: 'U0ADMIN01' }, { at, type: 'attempt-started', detail: 'attempt 1' },
      ...STEPS.map((s) => ({ at, type: 'step' as const, detail: `${s} done` })), { at, type: 'finished', detail: state },
    ],
  };
}

async function timeWrite(store: Store, i: number): Promise<number> {
  const t = performance.now();
  await store.mutate((d) => { d.notices.bench = String(i); });
  return performance.now() - t;
}

export async function storeWrite(log: (line: string) => void): Promise<Figure[]> {
  const emptyDir = mkdtempSync(join(tmpdir(), 'autoscale-bench-store-empty-'));
  const yearDir = mkdtempSync(join(tmpdir(), 'autoscale-bench-store-year-'));
  try {
    const now = Date.now();
    const clock: Clock = { now: () => new Date(now) };
    const at = new Date(now).toISOString();
    const year = { ...emptyData(), services: services(at) };
    // Oldest first, evenly over the year; the newest finished an hour and a bit ago.
    year.requests = Array.from({ length: HISTORY }, (_, i) => finishedRequest(i, new Date(now - 3_700_000 - ((HISTORY - 1 - i) * YEAR_MS) / HISTORY).toISOString()));
    const oldFormat = JSON.stringify(year);
    writeFileSync(join(yearDir, 'db.json'), oldFormat);
    writeFileSync(join(emptyDir, 'db.json'), JSON.stringify({ ...emptyData(), services: services(at) }));

    const t0 = performance.now();
    const withYear = await Store.open(yearDir, { clock });
    const openMs = performance.now() - t0;
    const empty = await Store.open(emptyDir, { clock });
    const archiveBytes = readdirSync(join(yearDir, 'archive')).reduce((n, f) => n + statSync(join(yearDir, 'archive', f)).size, 0);
    log(`  year of history: ${(oldFormat.length / 1048576).toFixed(1)} MiB as an older version kept it; opened (retention applied) in ${openMs.toFixed(0)} ms; ${withYear.data.requests.length} requests in memory, archive ${(archiveBytes / 1048576).toFixed(1)} MiB`);

    // Side by side: warm up, then alternate, so both see the same machine at the same moment.
    for (let i = 0; i < 20; i++) { await timeWrite(empty, i); await timeWrite(withYear, i); }
    const a: number[] = [];
    const b: number[] = [];
    for (let i = 0; i < WRITES; i++) {
      a.push(await timeWrite(empty, i));
      b.push(await timeWrite(withYear, i));
    }
    const ma = median(a);
    const mb = median(b);
    const sizeEmpty = statSync(join(emptyDir, 'db.json')).size;
    const sizeYear = statSync(join(yearDir, 'db.json')).size;
    log(`  one write: empty store median ${ma.toFixed(2)} ms, with a year ${mb.toFixed(2)} ms; db.json ${(sizeEmpty / 1024).toFixed(1)} KiB vs ${(sizeYear / 1024).toFixed(1)} KiB`);
    await empty.close();
    await withYear.close();
    return [
      { figure: 'store write: year of history (20 services, 15,000 finished) vs empty store, median', value: mb, unit: 'ms', baseline: ma, ratio: mb / ma, target: { on: 'ratio', op: '<=', limit: 1.5 } },
      { figure: 'store: db.json size with a year of history (vs as an older version kept it)', value: sizeYear / 1024, unit: 'KiB', baseline: oldFormat.length / 1024, ratio: sizeYear / oldFormat.length },
      { figure: 'store: db.json size, empty store (20 services)', value: sizeEmpty / 1024, unit: 'KiB' },
      { figure: 'store: open with a year in an older db.json (retention moves it to the archive)', value: openMs, unit: 'ms' },
    ];
  } finally {
    rmSync(emptyDir, { recursive: true, force: true });
    rmSync(yearDir, { recursive: true, force: true });
  }
}
