/**
 * Break-glass while Slack is down: the fake Slack answers 503 to every post and update, an alert
 * arrives and its card cannot be posted, the operator finds the request with the built CLI
 * (`node dist/cli.js requests list`) and approves it through the running bot; the dry-run
 * scale-out runs, the audit names cli:alice with the reason and /healthz says Slack is degraded
 * (still 200). Then Slack recovers and the card appears with the final state.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { findRequest } from '../../src/store/requests.js';
import { blockText } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { ensureBuilt } from '../helpers/botProcess.js';
import { waitFor } from '../helpers/net.js';

const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const run = promisify(execFile);

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

async function cli(dataDir: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], { env: { PATH: process.env.PATH, DATA_DIR: dataDir }, timeout: 30_000 });
    return { code: 0, stdout, stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, stdout: x.stdout ?? '', stderr: x.stderr ?? '' };
  }
}

describe('break-glass: Slack answers 503 throughout', () => {
  it('the CLI lists and approves the request through the running bot, the scale-out runs, and the card catches up when Slack is back', async () => {
    ensureBuilt();
    const t = await startBot({ services: [service()] });
    tb = t;
    for (const m of ['chat.postMessage', 'chat.update']) t.slack.failNext(m, 503, { times: 1000 });
    const health = async () => { const r = await fetch(`${t.url}/healthz`); return { status: r.status, json: (await r.json()) as Record<string, unknown> }; };

    const id = (await t.webhook(alertPayload())).json.alerts[0].requestId as string;
    await waitFor(() => t.slack.calls.some((c) => c.method === 'chat.postMessage' && c.args._fault === 503), 10_000, 'the card post to fail');
    expect(findRequest(t.store, id)!.card).toBeUndefined();

    const list = await cli(t.dataDir, 'requests', 'list');
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+web-server\\s+out\\s+pending\\s+\\S+\\s+-\\s+not posted`));

    const approve = await cli(t.dataDir, 'requests', 'approve', id, '--as', 'alice', '--reason', 'slack down');
    expect(approve.code, approve.stderr).toBe(0);
    expect(approve.stdout).toContain(`${id}: approved by cli:alice`);

    // The bot ran the scale-out (dry run) with no card in Slack.
    await waitFor(() => findRequest(t.store, id)?.state === 'succeeded', 20_000, 'the scale-out to succeed');
    expect(t.slack.messages).toEqual([]);
    expect(t.store.data.audit).toContainEqual(expect.objectContaining({ actor: 'cli:alice', action: 'request.approve', target: id, detail: 'slack down' }));
    const h = await health();
    expect(h.status).toBe(200);
    expect(h.json).toMatchObject({ status: 'ok', store: 'ok', slack: 'degraded', lastError: 'HTTP 503' });

    const show = await cli(t.dataDir, 'requests', 'show', id);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stdout).toContain('state      succeeded');
    expect(show.stdout).toContain('decision   approved by cli:alice at 2026-11-26T14:22:00.000Z — slack down');
    expect(show.stdout).toContain('card       not posted');
    expect(show.stdout).toMatch(/clone\s+done/);

    // Slack is back: the surface's backoff retries the post, which renders the stored (final) state.
    t.slack.clearFaults();
    const card = await waitFor(() => t.slack.messages.find((m) => !m.thread_ts && m.channel === 'C0SERVICE1'), 90_000, 'the card to be posted');
    await waitFor(() => findRequest(t.store, id)?.card, 10_000, 'the card to be recorded');
    const text = blockText(t.slack.messages.find((m) => m.ts === card.ts)!.blocks);
    expect(text).toContain('Approved by cli:alice at 14:22 UTC — slack down');
    expect(text).toContain('[DRY RUN] Scaled out web-server');
    expect(text).toContain('*web-server-1* (127.0.10.10) joined /Common/web-server-pool');
    await waitFor(async () => (await health()).json.slack === 'ok', 10_000, 'slack ok');
    expect(t.slack.violations).toEqual([]);
  }, 150_000);
});
