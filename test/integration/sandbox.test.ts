/**
 * `npm run sandbox` without Slack credentials: a newcomer fires the printed alert, gets the
 * `requests approve` line for the new card, runs it, and the scale-out completes on vcsim.
 */
import { execFile, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { WEBHOOK_TOKEN } from '../helpers/bot.js';
import { ensureBuilt, readStore } from '../helpers/botProcess.js';
import { waitFor } from '../helpers/net.js';

const ROOT = new URL('../../', import.meta.url).pathname;
const run = promisify(execFile);
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('npm run sandbox', () => {
  it('prints the requests approve line for a new card, and running it scales out without Slack', async () => {
    ensureBuilt();
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, USER: 'newcomer', ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN, LOG_LEVEL: 'warn' };
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/sandbox.ts'], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { out += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { out += d; });
    const exited = new Promise((r) => child.once('exit', r));
    let dataDir: string | undefined;
    // Stop the sandbox first, then remove its data: it writes db.json until it has exited.
    cleanup.push(async () => {
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 15_000))]);
      if (child.exitCode === null) { child.kill('SIGKILL'); await exited; }
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    const url = (await waitFor(() => /bot\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1], 60_000, 'the sandbox to start'));
    const dir = (dataDir = /data in (\S+)\)/.exec(out)![1]!);
    const alert = /-d '(\{.*\})'/.exec(out)![1]!;
    const res = await fetch(`${url}/alertmanager`, { method: 'POST', headers: { authorization: `Bearer ${WEBHOOK_TOKEN}`, 'content-type': 'application/json' }, body: alert });
    expect(res.status).toBe(200);
    const id = ((await res.json()) as { alerts: Array<{ requestId: string }> }).alerts[0]!.requestId;

    const line = await waitFor(() => out.split('\n').find((l) => l.includes(`requests approve ${id}`)), 15_000, 'the approve line');
    expect(line.trim()).toBe(`DATA_DIR=${dir} node dist/cli.js requests approve ${id} --as newcomer --reason sandbox`);
    const { stdout } = await run(process.execPath, ['dist/cli.js', 'requests', 'approve', id, '--as', 'newcomer', '--reason', 'sandbox'], { cwd: ROOT, env: { PATH: process.env.PATH, DATA_DIR: dir } });
    expect(stdout).toContain(`${id}: approved by cli:newcomer`);
    const done = await waitFor(() => {
      try {
        const r = readStore(dir).requests.find((x) => x.id === id);
        return r && ['succeeded', 'failed'].includes(r.state) ? r : undefined;
      } catch { return undefined; }
    }, 60_000, 'the scale-out to end');
    expect(done.state, out).toBe('succeeded');
    expect(done.decision).toMatchObject({ by: 'cli:newcomer', reason: 'sandbox' });
  }, 150_000);
});
