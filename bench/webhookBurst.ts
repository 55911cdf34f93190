/**
 * Issue 2's figure: a burst of 1000 Alertmanager webhooks (20 services × 50 repeats, 50 in flight,
 * keep-alive) against the built bot as a child process (dry-run, approval manual) with the fake
 * Slack in this process, compared with a bare node:http server that only parses the same JSON.
 *
 * Each run starts a fresh process with a fresh store, warms it up with 200 requests for a separate
 * set of 20 services (their cards are posted and their updates flushed before the burst), then
 * fires the burst. Bare and bot runs alternate; the report gives the median of 3 runs of each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { FakeSlack } from '../test/fakes/slack.js';
import { applyServices } from '../test/helpers/botProcess.js';
import { alertPayload, service, SIGNING_SECRET, WEBHOOK_TOKEN } from '../test/helpers/bot.js';
import { freePort, waitFor } from '../test/helpers/net.js';
import type { Figure } from './report.js';
import { median, percentile, sleep, until } from './stats.js';

const ROOT = new URL('../', import.meta.url).pathname;
const SERVICES = 20;
const REPEATS = 50;
const IN_FLIGHT = 50;
const WARMUP_REQUESTS = 200;
const RUNS = 3;
/** Pause between warm-up and burst: the bot's coalesced card updates (≤ 1/s per card) go out. */
const SETTLE_MS = 1_500;

interface Item { service: string; body: string }

interface BurstResult {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  /** Bot only. */
  cardP50?: number;
  cardP99?: number;
  cards?: number;
  outcomes?: Record<string, number>;
}

interface Target {
  url: string;
  stop(): Promise<void>;
}

const names = (prefix: string) => Array.from({ length: SERVICES }, (_, i) => `${prefix}-${String(i).padStart(2, '0')}`);
const channelOf = (name: string) => `C0${name.replace(/[^a-z0-9]/g, '').toUpperCase()}`;

/** The burst in Alertmanager's order of delivery: every service fires, then fires again, 50 times. */
function items(services: string[], repeats: number): Item[] {
  const bodies = services.map((s) => ({ service: s, body: JSON.stringify(alertPayload({ service: s })) }));
  const out: Item[] = [];
  for (let r = 0; r < repeats; r++) out.push(...bodies);
  return out;
}

/** Sends `list` with `inFlight` requests outstanding at a time over the pool's keep-alive connections. */
async function drive(pool: Pool, list: Item[], inFlight: number) {
  const latencies = new Array<number>(list.length);
  const bodies = new Array<string>(list.length);
  const firstSent = new Map<string, number>();
  let errors = 0;
  let next = 0;
  const headers = { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' };
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= list.length) return;
      const it = list[i]!;
      if (!firstSent.has(it.service)) firstSent.set(it.service, Date.now());
      const t = performance.now();
      try {
        const res = await pool.request({ path: '/alertmanager', method: 'POST', headers, body: it.body });
        bodies[i] = await res.body.text();
        latencies[i] = performance.now() - t;
        if (res.statusCode !== 200) errors++;
      } catch {
        latencies[i] = performance.now() - t;
        errors++;
      }
    }
  };
  const t0 = performance.now();
  await Promise.all(Array.from({ length: inFlight }, worker));
  const wallMs = performance.now() - t0;
  return { latencies, bodies, firstSent, errors, rps: (list.length / wallMs) * 1000 };
}

/** One pool per target for warm-up and burst: the burst runs on warm keep-alive connections. */
function keepAlivePool(url: string): Pool {
  return new Pool(url, { connections: IN_FLIGHT, pipelining: 1, keepAliveTimeout: 30_000 });
}

function profileArgs(label: string): string[] {
  const dir = process.env.BENCH_CPU_PROF;
  return dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${label}-${Date.now()}.cpuprofile`] : [];
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
  await exited;
  clearTimeout(killer);
}

async function startBare(): Promise<Target> {
  const child = spawn(process.execPath, [...profileArgs('bare'), '--import', 'tsx', join(ROOT, 'bench/bareServer.ts')], {
    cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve((JSON.parse(line) as { port: number }).port);
    });
    child.once('exit', (code) => reject(new Error(`bare server exited (${code})`)));
  });
  return { url: `http://127.0.0.1:${port}`, stop: () => stopChild(child) };
}

async function startBot(slack: FakeSlack, dataDir: string): Promise<Target> {
  const port = await freePort();
  const child = spawn(process.execPath, [...profileArgs('bot'), join(ROOT, 'dist/index.js')], {
    cwd: dataDir, // no .env there
    env: {
      PATH: process.env.PATH ?? '',
      SLACK_BOT_TOKEN: 'xoxb-bench-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      SLACK_API_URL: slack.url,
      ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      HOST: '127.0.0.1',
      PORT: String(port),
      DATA_DIR: dataDir,
      LOG_LEVEL: 'info', // the production default; its lines go to /dev/null
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<never>((_, reject) => child.once('exit', (code) => reject(new Error(`bot exited (${code}): ${stderr}`))));
  exited.catch(() => undefined);
  await Promise.race([waitFor(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok, 20_000, 'the bot to serve'), exited]);
  return { url, stop: () => stopChild(child) };
}

const postsTo = (slack: FakeSlack, channels: Set<string>) =>
  slack.callsOf('chat.postMessage').filter((c) => channels.has(String(c.args.channel)) && !c.args.thread_ts);

async function runBare(): Promise<BurstResult> {
  const bare = await startBare();
  const pool = keepAlivePool(bare.url);
  try {
    await drive(pool, items(names('warm'), WARMUP_REQUESTS / SERVICES), IN_FLIGHT);
    await sleep(SETTLE_MS);
    const r = await drive(pool, items(names('burst'), REPEATS), IN_FLIGHT);
    return { rps: r.rps, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99), errors: r.errors };
  } finally {
    await pool.close();
    await bare.stop();
  }
}

async function runBot(): Promise<BurstResult> {
  const slack = await new FakeSlack().start();
  const dataDir = mkdtempSync(join(tmpdir(), 'autoscale-bench-'));
  const warm = names('warm');
  const burst = names('burst');
  // Each service its own pool (services apply refuses pools that share addresses).
  applyServices(dataDir, [...warm, ...burst].map((name, i) => service({
    name, channel: channelOf(name), approval: { mode: 'manual', autoApproveAfter: '10m', approvers: [] },
    network: { ipPool: { start: `127.0.${100 + i}.10`, end: `127.0.${100 + i}.50` }, netmask: '255.255.255.0', gateway: `127.0.${100 + i}.1`, dns: [], conflictCheck: 'none' },
  })));
  const bot = await startBot(slack, dataDir);
  const pool = keepAlivePool(bot.url);
  try {
    const warmChannels = new Set(warm.map(channelOf));
    await drive(pool, items(warm, WARMUP_REQUESTS / SERVICES), IN_FLIGHT);
    await until(() => postsTo(slack, warmChannels).length >= SERVICES, 15_000, 'the warm-up cards');
    await sleep(SETTLE_MS); // coalesced "fired again" updates of the warm-up cards (≤ 1/s per card) go out
    const burstChannels = new Set(burst.map(channelOf));
    const r = await drive(pool, items(burst, REPEATS), IN_FLIGHT);
    await until(() => postsTo(slack, burstChannels).length >= SERVICES, 15_000, 'the burst cards').catch(() => undefined);
    await sleep(300); // a 21st card, if the bot made one, would show by now
    const posts = postsTo(slack, burstChannels);
    const cardLatency = burst.flatMap((s) => {
      const post = posts.find((c) => c.args.channel === channelOf(s));
      const sent = r.firstSent.get(s);
      return post && sent !== undefined ? [post.at - sent] : [];
    });
    const outcomes: Record<string, number> = {};
    for (const b of r.bodies) {
      try {
        for (const a of (JSON.parse(b) as { alerts?: Array<{ outcome: string }> }).alerts ?? []) outcomes[a.outcome] = (outcomes[a.outcome] ?? 0) + 1;
      } catch {
        outcomes.unparsable = (outcomes.unparsable ?? 0) + 1;
      }
    }
    return {
      rps: r.rps, p50: percentile(r.latencies, 50), p99: percentile(r.latencies, 99), errors: r.errors,
      cardP50: percentile(cardLatency, 50), cardP99: percentile(cardLatency, 99), cards: posts.length, outcomes,
    };
  } finally {
    await pool.close();
    await bot.stop();
    await slack.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

export async function webhookBurst(log: (line: string) => void): Promise<Figure[]> {
  const bare: BurstResult[] = [];
  const bot: BurstResult[] = [];
  // The client (this process) is JIT-cold at first and would make run 1 slower than runs 2 and 3 for
  // both servers: one unrecorded round first.
  const cold = await runBare();
  log(`  client warm-up (not counted): ${cold.rps.toFixed(0)} req/s`);
  for (let i = 1; i <= RUNS; i++) {
    const b = await runBare();
    bare.push(b);
    log(`  run ${i} bare: ${b.rps.toFixed(0)} req/s, p50 ${b.p50.toFixed(1)} ms, p99 ${b.p99.toFixed(1)} ms, errors ${b.errors}`);
    const r = await runBot();
    bot.push(r);
    log(`  run ${i} bot:  ${r.rps.toFixed(0)} req/s, p50 ${r.p50.toFixed(1)} ms, p99 ${r.p99.toFixed(1)} ms, errors ${r.errors}, ` +
      `cards ${r.cards}, alert→card p50 ${r.cardP50?.toFixed(0)} ms p99 ${r.cardP99?.toFixed(0)} ms, outcomes ${JSON.stringify(r.outcomes)}`);
  }
  const m = (xs: BurstResult[], k: keyof BurstResult) => median(xs.map((x) => Number(x[k])));
  const botRps = m(bot, 'rps');
  const bareRps = m(bare, 'rps');
  const botErrors = bot.reduce((n, r) => n + r.errors, 0);
  // Every run must post exactly 20 cards: report the run furthest from 20.
  const cards = bot.map((r) => r.cards ?? 0).reduce((worst, c) => (Math.abs(c - SERVICES) > Math.abs(worst - SERVICES) ? c : worst));
  return [
    { figure: 'webhook burst: throughput (vs bare node:http)', value: botRps, unit: 'req/s', baseline: bareRps, ratio: botRps / bareRps, target: { on: 'ratio', op: '>=', limit: 0.5 } },
    { figure: 'webhook burst: latency p50 (vs bare)', value: m(bot, 'p50'), unit: 'ms', baseline: m(bare, 'p50'), ratio: m(bot, 'p50') / m(bare, 'p50') },
    { figure: 'webhook burst: latency p99 (vs bare)', value: m(bot, 'p99'), unit: 'ms', baseline: m(bare, 'p99'), ratio: m(bot, 'p99') / m(bare, 'p99'), target: { on: 'value', op: '<', limit: 25 } },
    { figure: 'webhook burst: non-200 answers (3 runs)', value: botErrors, unit: 'count', target: { on: 'value', op: '=', limit: 0 } },
    { figure: 'webhook burst: alert-to-card p50', value: m(bot, 'cardP50'), unit: 'ms' },
    { figure: 'webhook burst: alert-to-card p99', value: m(bot, 'cardP99'), unit: 'ms' },
    { figure: 'webhook burst: cards posted (every run)', value: cards, unit: 'count', target: { on: 'value', op: '=', limit: SERVICES } },
  ];
}
