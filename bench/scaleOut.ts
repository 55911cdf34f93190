/**
 * Issue 3's scale-out figures, on govc + vcsim started with vCenter-like method delays and the fake
 * BIG-IP, each new VM's address answered at once by a TCP listener on its 127.0.x.10:
 *
 *  (a) approve → member registered (F5 addMember returned), split into time inside govc/F5 calls
 *      and the bot's own overhead (total − the union of the call intervals). The executor gets the
 *      VCenter and LoadBalancer ports wrapped by a timing proxy; the inventory (card previews) gets
 *      the bare ones, so only the run's calls are counted. Median of 3 runs, one service each.
 *  (b) 10 services approved at once vs 10 approved one after another (each waits for the previous
 *      run to finish): wall time from the first click to the last finished run.
 *
 * The bot runs in this process (real Bolt, store, runner, LocalExecutor) with production settings
 * where they matter: the system clock, card updates at most 1/s, Slack acked before processing.
 */
import { existsSync } from 'node:fs';
import { systemClock } from '../src/clock.js';
import type { Service } from '../src/config.js';
import { F5Client } from '../src/integrations/f5.js';
import { LiveInventory } from '../src/integrations/inventory.js';
import { findRequest } from '../src/store/requests.js';
import type { ScaleRequest } from '../src/store/types.js';
import { LocalExecutor } from '../src/workflows/scaleOut.js';
import type { LoadBalancer, VCenter } from '../src/workflows/vmPorts.js';
import { startFakeF5 } from '../test/fakes/f5.js';
import { alertPayload, service, startBot, type TestBot } from '../test/helpers/bot.js';
import { freePort } from '../test/helpers/net.js';
import { healthTarget } from '../test/helpers/stack.js';
import { GOVC_BIN, startVcsim, VCSIM_BIN } from '../test/helpers/vcsim.js';
import type { Figure } from './report.js';
import { median, until, unionLength } from './stats.js';

const METHOD_DELAY = { CloneVM_Task: 3000, PowerOnVM_Task: 1000, CustomizeVM_Task: 500 };
const TEMPLATE = 'bench-template';
const SINGLE_RUNS = 3;
const FLEET = 10;
const RUN_TIMEOUT_MS = 120_000;

export interface Call { port: 'govc' | 'f5'; method: string; start: number; end: number }

/** The port with every method timed: each call's interval (performance.now) is appended to `calls`. */
export function timed<T extends object>(target: T, port: Call['port'], calls: Call[]): T {
  return new Proxy(target, {
    get(t, prop) {
      const v: unknown = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      return (...args: unknown[]) => {
        const start = performance.now();
        const record = () => calls.push({ port, method: String(prop), start, end: performance.now() });
        const out: unknown = (v as (...a: unknown[]) => unknown).apply(t, args);
        if (out instanceof Promise) return out.finally(record);
        record();
        return out;
      };
    },
  });
}

function benchService(name: string, subnet: number, port: number): Service {
  const net = `127.0.${subnet}`;
  return service({
    name,
    channel: 'C0BENCHSCALE',
    template: TEMPLATE,
    network: { ipPool: { start: `${net}.10`, end: `${net}.20` }, netmask: '255.255.255.0', gateway: `${net}.1`, dns: [`${net}.2`], conflictCheck: 'none' },
    healthCheck: { type: 'tcp', port, timeout: '2m' },
    f5: { pool: `${name}-pool`, partition: 'Common', port },
    approval: { mode: 'manual', autoApproveAfter: '10m', approvers: [] },
  });
}

/** Fires the alert and waits for the card: what an approver would click. */
export async function card(tb: TestBot, name: string): Promise<string> {
  const r = await tb.webhook(alertPayload({ service: name }));
  const id = r.json?.alerts?.[0]?.requestId as string | undefined;
  if (r.status !== 200 || r.json.alerts[0].outcome !== 'created' || !id) throw new Error(`no request for ${name}: ${r.status} ${JSON.stringify(r.json)}`);
  await until(() => findRequest(tb.store, id)?.card, 10_000, `the card of ${name}`);
  return id;
}

export async function approve(tb: TestBot, id: string): Promise<void> {
  const r = await tb.click('approve_scale', id, 'U0ADMIN01');
  if (r.status !== 200) throw new Error(`approve ${id}: HTTP ${r.status} ${r.text}`);
}

export async function finished(tb: TestBot, id: string): Promise<ScaleRequest> {
  const r = await until(() => {
    const x = findRequest(tb.store, id);
    return x && (x.state === 'succeeded' || x.state === 'failed') ? x : undefined;
  }, RUN_TIMEOUT_MS, `run ${id} to finish`, 5);
  if (r.state !== 'succeeded') {
    const a = r.attempts[r.attempts.length - 1];
    throw new Error(`${r.service}: run failed at ${a?.error?.step}: ${a?.error?.message}`);
  }
  return r;
}

interface Split { total: number; calls: number; overhead: number; timeline: string }

/** approve → addMember returned, and the calls made in between. */
async function oneScaleOut(tb: TestBot, calls: Call[], name: string): Promise<Split> {
  const id = await card(tb, name);
  const from = calls.length;
  const t0 = performance.now();
  await approve(tb, id);
  const r = await finished(tb, id);
  const mine = calls.slice(from).filter((c) => c.start >= t0);
  const added = mine.find((c) => c.port === 'f5' && c.method === 'addMember');
  if (!added) throw new Error(`${name}: no F5 addMember call was seen`);
  const window = mine.filter((c) => c.end <= added.end);
  const total = added.end - t0;
  const inCalls = unionLength(window.map((c) => [c.start, c.end] as const));
  let cursor = t0;
  const timeline = window
    .sort((a, b) => a.start - b.start)
    .map((c) => {
      const gap = c.start - cursor;
      cursor = Math.max(cursor, c.end);
      return `+${gap.toFixed(0)} ${c.port}.${c.method} ${(c.end - c.start).toFixed(0)}`;
    })
    .join(', ');
  const steps = r.attempts[0]!.steps.map((s) => `${s.name} ${s.durationMs}`).join(', ');
  return { total, calls: inCalls, overhead: total - inCalls, timeline: `steps (ms): ${steps}\n    calls (+gap before, ms): ${timeline}` };
}

export async function scaleOut(log: (line: string) => void): Promise<Figure[]> {
  for (const bin of [GOVC_BIN, VCSIM_BIN]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup-test-deps.sh (builds govc and vcsim into .tools/bin)`);
  }
  const port = await freePort();
  const single = Array.from({ length: SINGLE_RUNS }, (_, i) => benchService(`one-${i}`, 40 + i, port));
  const seq = Array.from({ length: FLEET }, (_, i) => benchService(`seq-${i}`, 50 + i, port));
  const par = Array.from({ length: FLEET }, (_, i) => benchService(`par-${i}`, 70 + i, port));
  const services = [...single, ...seq, ...par];

  const closers: Array<() => Promise<void>> = [];
  try {
    const vcsim = await startVcsim({ methodDelay: METHOD_DELAY });
    closers.push(() => vcsim.stop());
    await vcsim.makeTemplate(TEMPLATE);
    const f5 = await startFakeF5({ pools: services.map((s) => ({ name: s.f5.pool, partition: s.f5.partition })) });
    closers.push(() => f5.stop());
    const lb = new F5Client({ servers: [f5.url], username: 'admin', password: 'f5-test-password' });
    closers.push(() => lb.close());
    for (const s of services) {
      const t = await healthTarget(s.network.ipPool.start, port);
      closers.push(() => t.close());
    }
    const calls: Call[] = [];
    const tb = await startBot({
      services,
      env: { GOVC_URL: vcsim.url },
      clock: systemClock,
      minCardUpdateIntervalMs: 1000,
      processBeforeResponse: false,
      build: (store) => ({
        executors: {
          local: new LocalExecutor({
            store, clock: systemClock,
            vcenter: timed<VCenter>(vcsim.govc, 'govc', calls),
            lb: timed<LoadBalancer>(lb, 'f5', calls),
          }),
        },
        inventory: new LiveInventory(store, vcsim.govc, lb),
      }),
    });
    closers.push(() => tb.stop());

    // (a) one scale-out at a time
    const splits: Split[] = [];
    for (const s of single) {
      const sp = await oneScaleOut(tb, calls, s.name);
      splits.push(sp);
      log(`  ${s.name}: approve → member ${sp.total.toFixed(0)} ms = calls ${sp.calls.toFixed(0)} ms + bot ${sp.overhead.toFixed(0)} ms (${((sp.overhead / sp.total) * 100).toFixed(1)}%)`);
      log(`    ${sp.timeline}`);
    }

    // (b) ten one after another, then ten at once
    const seqIds: string[] = [];
    for (const s of seq) seqIds.push(await card(tb, s.name));
    const tSeq = performance.now();
    for (const id of seqIds) {
      await approve(tb, id);
      await finished(tb, id);
    }
    const seqMs = performance.now() - tSeq;
    log(`  ${FLEET} one after another: ${(seqMs / 1000).toFixed(1)} s`);

    const parIds: string[] = [];
    for (const s of par) parIds.push(await card(tb, s.name));
    const before = calls.length;
    const tPar = performance.now();
    await Promise.all(parIds.map((id) => approve(tb, id)));
    const done = await Promise.all(parIds.map((id) => finished(tb, id)));
    const parMs = performance.now() - tPar;
    const clones = calls.slice(before).filter((c) => c.method === 'clone');
    const mostAtOnce = Math.max(...clones.map((c) => clones.filter((o) => o.start < c.end && o.end > c.start).length));
    log(`  ${FLEET} at once: ${(parMs / 1000).toFixed(1)} s (${mostAtOnce} clones in vCenter at the same moment; ` +
      `slowest run ${Math.max(...done.map((r) => Date.parse(r.finishedAt!) - Date.parse(r.attempts[0]!.startedAt))) } ms)`);

    const total = median(splits.map((s) => s.total));
    const inCalls = median(splits.map((s) => s.calls));
    const overhead = median(splits.map((s) => s.overhead));
    const overheadShare = median(splits.map((s) => s.overhead / s.total));
    return [
      { figure: 'scale-out: approve → F5 member registered', value: total / 1000, unit: 's' },
      { figure: 'scale-out: time inside govc/F5 calls', value: inCalls / 1000, unit: 's', baseline: total / 1000, ratio: inCalls / total },
      { figure: 'scale-out: bot overhead (ratio = share of total)', value: overhead, unit: 'ms', baseline: total, ratio: overheadShare, target: { on: 'ratio', op: '<', limit: 0.1 } },
      { figure: `scale-out: ${FLEET} services one after another`, value: seqMs / 1000, unit: 's' },
      { figure: `scale-out: ${FLEET} services at once (ratio = speedup)`, value: parMs / 1000, unit: 's', baseline: seqMs / 1000, ratio: seqMs / parMs, target: { on: 'ratio', op: '>=', limit: 5 } },
    ];
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  }
}
