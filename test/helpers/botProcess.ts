/** The built bot (`node dist/index.js`) as a child process, so tests can SIGKILL and SIGTERM it for real. */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Service } from '../../src/config.js';
import type { StoreData } from '../../src/store/types.js';
import { freePort, waitFor } from './net.js';
import { SIGNING_SECRET, WEBHOOK_TOKEN } from './bot.js';
import { startFakeF5, type FakeF5 } from '../fakes/f5.js';
import { FakeSlack } from '../fakes/slack.js';
import { GOVC_BIN, startVcsim, type Vcsim } from './vcsim.js';

const ROOT = new URL('../../', import.meta.url).pathname;

export function ensureBuilt(): void {
  if (!existsSync(join(ROOT, 'dist/index.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' });
}

export function applyServices(dataDir: string, services: Service[]): void {
  const file = join(dataDir, 'services.yml');
  writeFileSync(file, stringify({ services }));
  execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'services', 'apply', '-f', file], { env: { ...process.env, DATA_DIR: dataDir } });
}

export function readStore(dataDir: string): StoreData {
  return JSON.parse(readFileSync(join(dataDir, 'db.json'), 'utf8')) as StoreData;
}

export interface BotProcess {
  url: string;
  child: ChildProcess;
  output(): string;
  exited: Promise<number | null>;
  webhook(body: unknown): Promise<Response>;
}

export async function spawnBot(env: Record<string, string>): Promise<BotProcess> {
  ensureBuilt();
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'dist/index.js')], {
    cwd: env.DATA_DIR, // no .env there
    env: {
      PATH: process.env.PATH ?? '',
      SLACK_BOT_TOKEN: 'xoxb-test-token',
      SLACK_SIGNING_SECRET: SIGNING_SECRET,
      ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
      HOST: '127.0.0.1',
      PORT: String(port),
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { out += d; });
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const url = `http://127.0.0.1:${port}`;
  await Promise.race([
    waitFor(async () => (await fetch(`${url}/healthz`).catch(() => undefined))?.ok, 20_000, 'the bot to serve'),
    exited.then((code) => { throw new Error(`bot exited (${code}) before serving:\n${out}`); }),
  ]);
  return {
    url, child, exited, output: () => out,
    webhook: (body) => fetch(`${url}/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify(body) }),
  };
}

/** What a test of the bot as a process stands on: vcsim, a fake BIG-IP, a fake Slack, a DATA_DIR with the services. */
export interface ProcessWorld {
  vcsim: Vcsim;
  f5: FakeF5;
  slack: FakeSlack;
  dataDir: string;
  /** The bot's environment: DATA_DIR, Slack, govc and F5, all on this machine. */
  env: Record<string, string>;
  /** Spawns the bot; the cleanup SIGKILLs it (if still running) and waits for it to exit. */
  start(): Promise<BotProcess>;
}

/**
 * Starts vcsim (with `vcsimDelay`) and the services' templates, a fake BIG-IP with their pools and a fake Slack, and
 * applies the services into a fresh DATA_DIR; every piece is stopped or removed by `cleanup` (run in reverse).
 */
export async function startProcessWorld(
  cleanup: Array<() => Promise<unknown> | unknown>, o: { services: Service[]; vcsimDelay?: Record<string, number>; dirPrefix: string },
): Promise<ProcessWorld> {
  const vcsim = await startVcsim({ methodDelay: o.vcsimDelay ?? {} });
  cleanup.push(() => vcsim.stop());
  for (const t of new Set(o.services.map((s) => s.template))) await vcsim.makeTemplate(t);
  const f5 = await startFakeF5({ pools: [...new Set(o.services.map((s) => s.f5.pool))] });
  cleanup.push(() => f5.stop());
  const slack = await new FakeSlack().start();
  cleanup.push(() => slack.stop());
  const dataDir = mkdtempSync(join(tmpdir(), o.dirPrefix));
  cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));
  applyServices(dataDir, o.services);
  const env = {
    DATA_DIR: dataDir, SLACK_API_URL: slack.url, GOVC_BIN, ...vcsim.processEnv,
    F5_SERVERS: f5.url, F5_USERNAME: 'admin', F5_PASSWORD: 'f5-test-password',
  };
  const start = async () => {
    const p = await spawnBot(env);
    cleanup.push(() => { if (p.child.exitCode === null) p.child.kill('SIGKILL'); return p.exited; });
    return p;
  };
  return { vcsim, f5, slack, dataDir, env, start };
}
