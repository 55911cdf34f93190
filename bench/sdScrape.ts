/**
 * Issue 13's SD figure: GET /sd/prometheus under 100 concurrent scrapes, for 20 services × 50 VMs the bot manages
 * (1,000 leases) plus each service's configured targets. The built bot runs as a child process (as in production;
 * its store seeded before it starts), the load comes from this process over 100 keep-alive connections, as 100
 * Prometheus jobs would scrape. Each request asks for one service (`?service=…`, as the generated jobs do); a second
 * figure asks for everything.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { claimAddress, markLeaseInUse } from '../src/store/leases.js';
import { upsertServices } from '../src/store/services.js';
import { Store } from '../src/store/store.js';
import { FakeSlack } from '../test/fakes/slack.js';
import { service } from '../test/helpers/bot.js';
import { spawnBot } from '../test/helpers/botProcess.js';
import type { Figure } from './report.js';
import { percentile } from './stats.js';

const SERVICES = 20;
const VMS = 50;
const IN_FLIGHT = 100;
const REQUESTS = 5_000;
const TOKEN = 'bench-sd-token-0123456789abcdef';

async function drive(pool: Pool, paths: string[]): Promise<{ latencies: number[]; errors: number; seconds: number }> {
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const headers = { authorization: `Bearer ${TOKEN}` };
  const t0 = performance.now();
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= paths.length) return;
      const t = performance.now();
      const res = await pool.request({ path: paths[i]!, method: 'GET', headers });
      await res.body.text();
      latencies.push(performance.now() - t);
      if (res.statusCode !== 200) errors++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
  return { latencies, errors, seconds: (performance.now() - t0) / 1000 };
}

export async function sdScrape(log: (line: string) => void): Promise<Figure[]> {
  const services = Array.from({ length: SERVICES }, (_, i) => service({
    name: `svc-${String(i).padStart(2, '0')}`,
    network: { ipPool: { start: `127.0.${100 + i}.10`, end: `127.0.${100 + i}.250` }, netmask: '255.255.255.0', gateway: `127.0.${100 + i}.1`, dns: [], conflictCheck: 'none' },
    monitoring: { targets: [`127.0.${100 + i}.5:9100`, `127.0.${100 + i}.6:9100`] },
  }));
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-sd-'));
  const slack = await new FakeSlack().start();
  try {
    const store = await Store.open(dataDir);
    const at = new Date().toISOString();
    await upsertServices(store, services, 'bench', at);
    for (const [i, s] of services.entries()) {
      for (let v = 0; v < VMS; v++) {
        const ip = `127.0.${100 + i}.${10 + v}`;
        await claimAddress(store, s.name, `sr-bench-${i}-${v}`, [ip], at);
        await markLeaseInUse(store, s.name, ip, `${s.name}-${v + 1}`, at);
      }
    }
    await store.flush();
    await store.close();
    const bot = await spawnBot({ DATA_DIR: dataDir, SLACK_API_URL: slack.url, PROMETHEUS_SD_TOKEN: TOKEN, LOG_LEVEL: 'warn' });
    const tb = { url: bot.url, stop: async () => { bot.child.kill('SIGTERM'); await bot.exited; } };
    const pool = new Pool(tb.url, { connections: IN_FLIGHT, pipelining: 1 });
    try {
      const one = (n: number) => Array.from({ length: n }, (_, i) => `/sd/prometheus?service=${services[i % SERVICES]!.name}`);
      await drive(pool, one(1_000)); // warm-up
      const perService = await drive(pool, one(REQUESTS));
      const all = await drive(pool, Array.from({ length: 1_000 }, () => '/sd/prometheus'));
      log(`  per service: ${REQUESTS} requests in ${perService.seconds.toFixed(2)} s, ${perService.errors} errors; everything: 1000 requests, ${all.errors} errors`);
      if (perService.errors || all.errors) throw new Error(`${perService.errors + all.errors} requests did not answer 200`);
      return [
        { figure: `SD ?service=… p50 (100 in flight, ${SERVICES}×${VMS} VMs)`, value: percentile(perService.latencies, 50), unit: 'ms' },
        { figure: `SD ?service=… p99 (100 in flight, ${SERVICES}×${VMS} VMs)`, value: percentile(perService.latencies, 99), unit: 'ms', target: { on: 'value', op: '<', limit: 10 } },
        { figure: 'SD ?service=… throughput', value: REQUESTS / perService.seconds, unit: 'req/s' },
        { figure: `SD all services p99 (1,040 targets per answer)`, value: percentile(all.latencies, 99), unit: 'ms' },
      ];
    } finally {
      await pool.close();
      await tb.stop();
    }
  } finally {
    await slack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
