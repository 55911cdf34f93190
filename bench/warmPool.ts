/**
 * Issue 14's figures, side by side in one run on one vcsim, one fake F5 and one time scale:
 * approve → F5 member for a cold clone, a warm `stopped` VM and a warm `running` VM, and the user's
 * old pipeline (bench/oldPipeline.ts) from its start to its F5 add.
 *
 * Time scale 1/20 of a real vCenter: vcsim's -method-delay makes a clone 3 s (60 s real), a
 * customization 0.5 s (10 s), a power-on 1 s (20 s); the guest model (bench/guestBoot.ts) answers
 * 2 s (40 s real) after its VM was powered on; the old pipeline's fixed waits and ping timeouts are
 * scaled by the same 1/20. The bot's own timings (health-check backoff 1, 2, 4 … s) are its real
 * code, not scaled: in this 1/20 world they count 20× heavier than on a real vCenter.
 *
 * Warm pools are written against ../shared/CONTRACT.md (`warmPool: { size, state }`, warm VMs on
 * GET /sd/prometheus labelled warm="true"). A build without them gets "not measured", never a figure.
 */
import { existsSync } from 'node:fs';
import { systemClock } from '../src/clock.js';
import { serviceSchema, type Service } from '../src/config.js';
import { F5Client } from '../src/integrations/f5.js';
import { LiveInventory } from '../src/integrations/inventory.js';
import { LocalExecutor } from '../src/workflows/scaleOut.js';
import type { LoadBalancer, VCenter } from '../src/workflows/vmPorts.js';
import { startFakeF5 } from '../test/fakes/f5.js';
import { service, startBot, type TestBot } from '../test/helpers/bot.js';
import { freePort } from '../test/helpers/net.js';
import { GOVC_BIN, startVcsim, VCSIM_BIN, VCSIM_POOL } from '../test/helpers/vcsim.js';
import { bootedVCenter, GuestModel } from './guestBoot.js';
import { runOldPipeline } from './oldPipeline.js';
import type { Figure } from './report.js';
import { approve, card, finished, timed, type Call } from './scaleOut.js';
import { median, sleep } from './stats.js';

export const SCALE = 1 / 20;
const METHOD_DELAY = { CloneVM_Task: 60_000 * SCALE, CustomizeVM_Task: 10_000 * SCALE, PowerOnVM_Task: 20_000 * SCALE };
const BOOT_MS = 40_000 * SCALE;
const ROUNDS = 3;
const TEMPLATE = 'warm-bench-template';
/** How long a warm VM may take to become ready before the build is taken not to have warm pools. */
const WARM_READY_BOUND_MS = 45_000;
const SD_TOKEN = 'bench-sd-token-0123456789';

export const TIME_SCALE_NOTE =
  `time scale (warm section): 1/20 of a real vCenter — vcsim -method-delay CloneVM_Task:${METHOD_DELAY.CloneVM_Task},` +
  `CustomizeVM_Task:${METHOD_DELAY.CustomizeVM_Task},PowerOnVM_Task:${METHOD_DELAY.PowerOnVM_Task} (ms; 60 s, 10 s, 20 s real); ` +
  `guest answers ${BOOT_MS} ms after power-on (40 s real); old pipeline's sleeps and ping timeouts × 1/20. Multiply seconds by 20 for real time.`;

type WarmState = 'stopped' | 'running';

function benchService(name: string, subnet: number, port: number, warm?: WarmState): Service {
  const net = `127.0.${subnet}`;
  const s = service({
    name,
    channel: 'C0BENCHWARM',
    template: TEMPLATE,
    // conflictCheck none: on loopback every address refuses a connection, which the tcp probe rightly
    // counts as "taken"; the bot's parallel probe (1 s timeout) is therefore not in its figure.
    network: { ipPool: { start: `${net}.10`, end: `${net}.20` }, netmask: '255.255.255.0', gateway: `${net}.1`, dns: [`${net}.2`], conflictCheck: 'none' },
    healthCheck: { type: 'tcp', port, timeout: '2m' },
    f5: { pool: `${name}-pool`, partition: 'Common', port },
    approval: { mode: 'manual', autoApproveAfter: '10m', approvers: [] },
    scaling: { min: 0, max: 6, cooldown: '0s' },
  });
  // Not in this branch's Service type until warm pools land; the contract names the field.
  return (warm ? { ...s, warmPool: { size: 1, state: warm } } : s) as Service;
}

interface SdGroup { targets: string[]; labels: Record<string, string> }

async function warmIps(tb: TestBot, name: string): Promise<string[]> {
  const r = await fetch(`${tb.url}/sd/prometheus?service=${name}`, { headers: { authorization: `Bearer ${SD_TOKEN}` } });
  if (!r.ok) return [];
  const groups = (await r.json()) as SdGroup[];
  return groups.filter((g) => g.labels.warm === 'true').flatMap((g) => g.targets.map((t) => t.split(':')[0]!));
}

/** The IP of a ready warm VM (running: its guest answers; stopped: booted once and off now), or undefined within the bound. */
async function warmReady(tb: TestBot, guests: GuestModel, name: string, state: WarmState, deadline: number): Promise<string | undefined> {
  while (performance.now() < deadline) {
    const ips = await warmIps(tb, name).catch(() => []);
    const ready = ips.find((ip) => (state === 'running' ? guests.state(ip) === 'up' : guests.bootedAndStopped(ip)));
    if (ready) return ready;
    await sleep(200);
  }
  return undefined;
}

/** approve → the F5 addMember call returned; the member's address too. */
async function approveToMember(tb: TestBot, calls: Call[], name: string): Promise<{ ms: number; ip: string; steps: string }> {
  const id = await card(tb, name);
  const t0 = performance.now();
  const from = calls.length;
  await approve(tb, id);
  const r = await finished(tb, id);
  const added = calls.slice(from).find((c) => c.port === 'f5' && c.method === 'addMember' && c.start >= t0);
  if (!added) throw new Error(`${name}: no F5 addMember call was seen`);
  const ip = r.attempts.at(-1)?.result?.ip ?? '?';
  return { ms: added.end - t0, ip: String(ip), steps: r.attempts.at(-1)!.steps.map((s) => `${s.name} ${s.durationMs}`).join(', ') };
}

export async function warmPools(log: (line: string) => void): Promise<Figure[]> {
  for (const bin of [GOVC_BIN, VCSIM_BIN]) {
    if (!existsSync(bin)) throw new Error(`${bin} is missing: run scripts/setup-test-deps.sh`);
  }
  log(`  ${TIME_SCALE_NOTE}`);
  const port = await freePort();
  const cold = Array.from({ length: ROUNDS }, (_, i) => benchService(`cold-${i}`, 100 + i, port));
  const warmStopped = benchService('warm-stopped', 110, port, 'stopped');
  const warmRunning = benchService('warm-running', 111, port, 'running');
  const oldPools = Array.from({ length: ROUNDS }, (_, i) => ({ name: `old-${i}`, subnet: 120 + i }));

  const closers: Array<() => Promise<void>> = [];
  try {
    const vcsim = await startVcsim({ methodDelay: METHOD_DELAY });
    closers.push(() => vcsim.stop());
    await vcsim.makeTemplate(TEMPLATE);
    const f5 = await startFakeF5({ pools: [...cold, warmStopped, warmRunning].map((s) => s.f5.pool).concat(oldPools.map((o) => `${o.name}-pool`)) });
    closers.push(() => f5.stop());
    const lb = new F5Client({ servers: [f5.url], username: 'admin', password: 'f5-test-password' });
    closers.push(() => lb.close());
    const guests = new GuestModel(port, BOOT_MS, log);
    closers.push(() => guests.close());

    const calls: Call[] = [];
    const start = (services: Service[]) => startBot({
      services,
      env: { GOVC_URL: vcsim.url, PROMETHEUS_SD_TOKEN: SD_TOKEN },
      clock: systemClock,
      minCardUpdateIntervalMs: 1000,
      processBeforeResponse: false,
      build: (store) => ({
        executors: {
          local: new LocalExecutor({
            store, clock: systemClock,
            vcenter: timed<VCenter>(bootedVCenter(vcsim.govc, guests, log), 'govc', calls),
            lb: timed<LoadBalancer>(lb, 'f5', calls),
          }),
        },
        inventory: new LiveInventory(store, vcsim.govc, lb),
      }),
    });
    let tb: TestBot;
    let warmRejected: string | undefined;
    try {
      tb = await start([...cold, warmStopped, warmRunning]);
    } catch (e) {
      warmRejected = (e as Error).message.split('\n')[0];
      log(`  the bot refused services with warmPool (${warmRejected}); warm cases not measured`);
      tb = await start(cold);
    }
    closers.push(() => tb.stop());

    // Warm VMs fill in the background from the start; wait for them first so no fill overlaps the cold runs.
    // The build supports warm pools when its service schema keeps the field (this branch's strips or rejects it).
    const schemaKeeps = (svc: Service): boolean => {
      const parsed = serviceSchema.safeParse(svc);
      return parsed.success && (parsed.data as { warmPool?: unknown }).warmPool !== undefined;
    };
    const supported = (name: string) => !warmRejected && schemaKeeps(name === warmStopped.name ? warmStopped : warmRunning);
    const deadline = performance.now() + WARM_READY_BOUND_MS;
    const readyStopped = supported(warmStopped.name) ? await warmReady(tb, guests, warmStopped.name, 'stopped', deadline) : undefined;
    const readyRunning = supported(warmRunning.name) ? await warmReady(tb, guests, warmRunning.name, 'running', deadline) : undefined;
    log(`  warm VMs ready: stopped ${readyStopped ?? 'none'}, running ${readyRunning ?? 'none'}` +
      (supported(warmStopped.name) ? '' : ' (this build\'s service schema has no warmPool field)'));

    // Cold clone and old pipeline, alternating, same vcsim and fake F5.
    const coldMs: number[] = [];
    const oldMs: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const c = await approveToMember(tb, calls, cold[i]!.name);
      coldMs.push(c.ms);
      log(`  cold-${i}: approve → member ${c.ms.toFixed(0)} ms (${c.ip}; steps ms: ${c.steps})`);
      const o = oldPools[i]!;
      const net = `127.0.${o.subnet}`;
      const r = await runOldPipeline({
        govcBin: GOVC_BIN, govcEnv: vcsim.processEnv, template: TEMPLATE, vmName: `${o.name}-vm`,
        folder: '/DC0/vm', pool: VCSIM_POOL, datastore: 'LocalDS_0',
        ipPool: { start: `${net}.10`, end: `${net}.20` }, netmask: '255.255.255.0', gateway: `${net}.1`, dns: [`${net}.2`],
        probePort: port,
        f5: { url: f5.url, username: 'admin', password: 'f5-test-password', pool: `${o.name}-pool`, partition: 'Common', port },
        scale: SCALE,
        onEvent: (e) => { if (e.kind === 'powered-on') guests.poweredOn(e.ip); },
      });
      if (!f5.state.pools.get(`/Common/${o.name}-pool`)?.members.has(r.member)) throw new Error(`old pipeline: ${r.member} is not in the F5 pool after it`);
      oldMs.push(r.totalMs);
      log(`  old-${i}: start → member ${r.totalMs.toFixed(0)} ms (${r.ip}; ${r.stages.map((s) => `${s.stage} ${s.ms.toFixed(0)}`).join(', ')}; ${r.bootPings} boot ping(s))`);
    }

    const warmCase = async (svc: Service, ready: string | undefined, state: WarmState): Promise<number | string> => {
      if (!ready) return supported(svc.name) ? `not measured (no warm VM ready within ${WARM_READY_BOUND_MS / 1000} s)` : 'not measured (warm pools not on this build)';
      const w = await approveToMember(tb, calls, svc.name);
      log(`  warm ${state}: approve → member ${w.ms.toFixed(0)} ms (${w.ip}; steps ms: ${w.steps})`);
      if (w.ip !== ready) return `not measured (the scale-out took ${w.ip}, not the warm VM ${ready})`;
      return w.ms;
    };
    const ws = await warmCase(warmStopped, readyStopped, 'stopped');
    const wr = await warmCase(warmRunning, readyRunning, 'running');

    const coldS = median(coldMs) / 1000;
    const oldS = median(oldMs) / 1000;
    const figures: Figure[] = [
      { figure: 'old pipeline (1/20 time): start → F5 member (scan, clone, sleep, ping, F5 add)', value: oldS, unit: 's' },
      { figure: 'bot cold clone (1/20 time): approve → F5 member (ratio = old / bot)', value: coldS, unit: 's', baseline: oldS, ratio: oldS / coldS, target: { on: 'ratio', op: '>=', limit: 1 } },
    ];
    const warmFigure = (state: WarmState, v: number | string, peer: 'cold' | 'old', limit: number): Figure => {
      const base = peer === 'cold' ? coldS : oldS;
      const what = `warm ${state}${peer === 'old' ? ' vs old pipeline' : ''}`;
      if (typeof v === 'string') return { figure: `${what}: ${v}`, value: null, unit: 's', baseline: base, ratio: null, target: { on: 'ratio', op: '>=', limit } };
      return { figure: `${what} (1/20 time): approve → F5 member (ratio = ${peer} / warm)`, value: v / 1000, unit: 's', baseline: base, ratio: base / (v / 1000), target: { on: 'ratio', op: '>=', limit } };
    };
    figures.push(warmFigure('stopped', ws, 'cold', 2), warmFigure('running', wr, 'cold', 30), warmFigure('running', wr, 'old', 30));
    return figures;
  } finally {
    for (const c of closers.reverse()) await c().catch(() => undefined);
  }
}
