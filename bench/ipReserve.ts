/**
 * Issue 3c's figures: reserving an address in a /20 pool that already holds 4,000 leases, with the
 * store write included (reserveAddress resolves once the lease is on disk), and 50 concurrent
 * reservations in that pool.
 *
 * The 4,000 leases hold the first 4,000 addresses of the pool — the worst case for the scan, which
 * starts at the pool's first address. Each timed reservation is released afterwards (untimed) so
 * every one of the 200 sees the same 4,000 leases. The store also holds the audit entries that
 * leasing 4,000 addresses leaves behind.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { intToIp, ipToInt } from '../src/ipv4.js';
import { appendAudit } from '../src/store/audit.js';
import { releaseAddress } from '../src/store/leases.js';
import { upsertServices } from '../src/store/services.js';
import { Store } from '../src/store/store.js';
import type { StoreData } from '../src/store/types.js';
import { defaultProber, reserveAddress } from '../src/workflows/reserveIp.js';
import { service } from '../test/helpers/bot.js';
import type { Figure } from './report.js';
import { percentile } from './stats.js';

const HELD = 4_000;
const SEQUENTIAL = 200;
const CONCURRENT = 50;

export async function ipReserve(log: (line: string) => void): Promise<Figure[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'autoscale-bench-ip-'));
  try {
    const store = await Store.open(dataDir);
    // 127.0.16.0/20, minus the network, gateway and broadcast addresses: 4,093 usable.
    const svc = service({
      name: 'big-pool',
      network: { ipPool: { start: '127.0.16.2', end: '127.0.31.254' }, netmask: '255.255.240.0', gateway: '127.0.16.1', dns: ['127.0.16.1'], conflictCheck: 'none' },
    });
    const at = () => new Date().toISOString();
    await upsertServices(store, [svc], 'bench', at());
    const first = ipToInt(svc.network.ipPool.start);
    await store.mutate((d) => {
      const held = d.leases;
      for (let i = 0; i < HELD; i++) {
        const ip = intToIp(first + i);
        held[ip] = { ip, service: svc.name, requestId: `seed-${i}`, vmName: `big-pool-${i + 1}`, state: 'in-use', at: at() };
        appendAudit(d, { at: at(), actor: 'bot', action: 'ip.reserve', target: `${svc.name}/${ip}`, detail: `seed-${i}` });
      }
    });
    log(`  store: ${HELD} leases, db.json ${(statSync(join(dataDir, 'db.json')).size / 1024).toFixed(0)} KiB`);
    const deps = () => ({ store, at: at(), guestIps: new Set<string>(), probe: defaultProber });

    const times: number[] = [];
    for (let i = 0; i < SEQUENTIAL; i++) {
      const id = `bench-seq-${i}`;
      const t = performance.now();
      const lease = await reserveAddress(deps(), svc, id);
      times.push(performance.now() - t);
      if (lease.ip !== intToIp(first + HELD)) throw new Error(`reservation ${i} got ${lease.ip}, expected the first free address ${intToIp(first + HELD)}`);
      await releaseAddress(store, svc.name, lease.ip, at(), id);
    }
    const p50 = percentile(times, 50);
    const p99 = percentile(times, 99);
    log(`  ${SEQUENTIAL} sequential reservations: p50 ${p50.toFixed(2)} ms, p99 ${p99.toFixed(2)} ms, max ${Math.max(...times).toFixed(2)} ms`);

    const t0 = performance.now();
    const leases = await Promise.all(Array.from({ length: CONCURRENT }, (_, i) => reserveAddress(deps(), svc, `bench-par-${i}`)));
    const wallMs = performance.now() - t0;
    const distinct = new Set(leases.map((l) => l.ip));
    const onDisk = JSON.parse(readFileSync(join(dataDir, 'db.json'), 'utf8')) as StoreData;
    const reservedOnDisk = Object.values(onDisk.leases).filter((l) => l.service === svc.name && l.requestId.startsWith('bench-par-')).length;
    const clashes = leases.filter((l) => ipToInt(l.ip) < first + HELD).length;
    log(`  ${CONCURRENT} concurrent reservations: ${distinct.size} distinct, ${reservedOnDisk} on disk, ${clashes} on held addresses, ${wallMs.toFixed(1)} ms for all`);

    return [
      { figure: 'IP reserve, /20 with 4,000 leases: median', value: p50, unit: 'ms', target: { on: 'value', op: '<', limit: 20 } },
      { figure: 'IP reserve, /20 with 4,000 leases: p99', value: p99, unit: 'ms', target: { on: 'value', op: '<', limit: 20 } },
      { figure: `IP reserve: ${CONCURRENT} concurrent, distinct addresses`, value: clashes === 0 && reservedOnDisk === CONCURRENT ? distinct.size : 0, unit: 'count', target: { on: 'value', op: '=', limit: CONCURRENT } },
      { figure: `IP reserve: ${CONCURRENT} concurrent, wall time for all`, value: wallMs, unit: 'ms' },
    ];
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}
