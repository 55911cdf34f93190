/** The built bot (`node dist/index.js`) as a child process, so tests can SIGKILL and SIGTERM it for real. */
import { spawn, type ChildProcess, execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Service } from '../../src/config.js';
import type { StoreData } from '../../src/store/types.js';
import { freePort, waitFor } from './net.js';
import { SIGNING_SECRET, WEBHOOK_TOKEN } from './bot.js';

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
