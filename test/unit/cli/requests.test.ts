/**
 * `requests list|show|approve|reject|retry` against a bot running in this process (its admin
 * socket in its DATA_DIR), on the dry-run executor: the decisions are the bot's, every policy
 * applies, and a bad or refused command exits 2 and changes nothing.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { archiveDir } from '../../../src/store/archive.js';
import { StoreInventory } from '../../../src/integrations/storeInventory.js';
import { findRequest } from '../../../src/store/requests.js';
import { upsertServices } from '../../../src/store/services.js';
import { Store } from '../../../src/store/store.js';
import type { ScaleRequest } from '../../../src/store/types.js';
import { blockText } from '../../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../../helpers/bot.js';
import { waitFor } from '../../helpers/net.js';

let tb: TestBot | undefined;
let out: string[];
let err: string[];
const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };
const cleanup: string[] = [];

beforeEach(() => {
  out = [];
  err = [];
});
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
  for (const d of cleanup.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function cli(...argv: string[]): Promise<number> {
  out = [];
  err = [];
  return runCli(argv, io);
}

async function botWithCard(overrides: Parameters<typeof service>[0] = {}): Promise<{ t: TestBot; id: string }> {
  const t = await startBot({ services: [service(overrides)] });
  tb = t;
  process.env.DATA_DIR = t.dataDir;
  const res = await t.webhook(alertPayload());
  await t.settle();
  return { t, id: res.json.alerts[0].requestId as string };
}

const auditOf = (t: TestBot, id: string) => t.store.data.audit.filter((a) => a.target === id);

describe('requests list and show', () => {
  it('lists the open request with its service, direction, state and whether its card is posted, and shows its journal', async () => {
    const { id } = await botWithCard();
    expect(await cli('requests', 'list')).toBe(0);
    const text = out.join('\n');
    expect(text).toMatch(new RegExp(`${id}\\s+web-server\\s+out\\s+pending\\s+\\S+\\s+-\\s+posted`));

    expect(await cli('requests', 'show', id)).toBe(0);
    const shown = out.join('\n');
    expect(shown).toContain(`request    ${id}`);
    expect(shown).toContain('state      pending');
    expect(shown).toMatch(/Z\s+created/);
    expect(shown).toContain('alert HighCPU');
  });

  it('shows an archived request from the archive, and an unknown id exits 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'requests-show-'));
    cleanup.push(dir);
    const store = await Store.open(dir);
    await store.close();
    process.env.DATA_DIR = dir;
    const old: ScaleRequest = {
      id: 'sr-20261001120000-abcdef', service: 'web-server', direction: 'out', state: 'succeeded', executor: 'dry-run', source: 'alert', fireCount: 1,
      lastFiredAt: '2026-10-01T12:00:00Z', createdAt: '2026-10-01T12:00:00Z', updatedAt: '2026-10-01T12:03:00Z', finishedAt: '2026-10-01T12:03:00Z',
      decision: { kind: 'approved', by: 'U0ADMIN01', at: '2026-10-01T12:01:00Z' },
      preview: { instances: 2, instancesSource: 'f5', min: 1, max: 6, template: 't', vmName: 'web-server-3', ip: '127.0.10.12', f5Pool: 'p', checks: [] },
      attempts: [{ n: 1, startedAt: '2026-10-01T12:01:00Z', finishedAt: '2026-10-01T12:03:00Z', outcome: 'succeeded', undone: [],
        steps: [{ name: 'clone', state: 'done', startedAt: '2026-10-01T12:01:00Z', finishedAt: '2026-10-01T12:02:30Z', durationMs: 90_000, fact: { code: 'vm_named', vm: 'web-server-3' } }] }],
      events: [{ at: '2026-10-01T12:00:00Z', type: 'created' }, { at: '2026-10-01T12:01:00Z', type: 'approved', by: 'U0ADMIN01' }],
    };
    mkdirSync(archiveDir(dir), { recursive: true });
    writeFileSync(join(archiveDir(dir), 'requests-2026-10.jsonl'), `${JSON.stringify(old)}\n`);

    expect(await cli('requests', 'show', old.id)).toBe(0);
    const shown = out.join('\n');
    expect(shown).toContain(`${old.id}  (from the archive)`);
    expect(shown).toMatch(/clone\s+done\s+1m30s\s+web-server-3/);
    expect(shown).toContain('approved by U0ADMIN01 at 2026-10-01T12:01:00Z');

    expect(await cli('requests', 'show', 'sr-20261001120000-000000')).toBe(2);
    expect(err.join('\n')).toContain('no request sr-20261001120000-000000');
  });
});

describe('requests approve|reject|retry', () => {
  it('approves through the running bot as cli:<name> with the reason, even where the service names other approvers', async () => {
    const { t, id } = await botWithCard({ approval: { mode: 'manual', autoApproveAfter: '10m', approvers: ['U0BOSS001'] } });
    expect(await cli('requests', 'approve', id, '--as', 'alice', '--reason', 'slack down')).toBe(0);
    expect(out.join('\n')).toContain(`${id}: approved by cli:alice`);
    await t.settle();
    const r = findRequest(t.store, id)!;
    expect(r.state).toBe('succeeded');
    expect(r.decision).toMatchObject({ kind: 'approved', by: 'cli:alice', reason: 'slack down' });
    expect(auditOf(t, id)).toContainEqual(expect.objectContaining({ actor: 'cli:alice', action: 'request.approve', detail: 'slack down' }));
    // The card says who and why (a name, not a broken mention).
    expect(blockText(t.slack.messages.find((m) => m.ts === r.card!.ts)!.blocks)).toContain('Approved by cli:alice at 14:22 UTC — slack down');
  });

  it('exits 2 naming the missing --as or --reason, and changes nothing', async () => {
    const { t, id } = await botWithCard();
    const auditBefore = t.store.data.audit.length;
    expect(await cli('requests', 'approve', id, '--reason', 'slack down')).toBe(2);
    expect(err.join('\n')).toContain('--as NAME is required');
    expect(await cli('requests', 'reject', id, '--as', 'alice')).toBe(2);
    expect(err.join('\n')).toContain('--reason TEXT is required');
    expect(await cli('requests', 'approve', id, '--as', 'alice', '--reason', '   ')).toBe(2);
    expect(err.join('\n')).toContain('--reason TEXT is required');
    expect(await cli('requests', 'approve', id, '--as', 'alice; rm', '--reason', 'x')).toBe(2);
    expect(err.join('\n')).toContain('as: letters, digits');
    expect(findRequest(t.store, id)!.state).toBe('pending');
    expect(t.store.data.audit.length).toBe(auditBefore);
  });

  it('rejects with the reason, and a second decision exits 2 saying it is already decided', async () => {
    const { t, id } = await botWithCard();
    expect(await cli('requests', 'reject', id, '--as', 'bob', '--reason', 'false alarm')).toBe(0);
    expect(findRequest(t.store, id)!.decision).toMatchObject({ kind: 'rejected', by: 'cli:bob', reason: 'false alarm' });
    expect(await cli('requests', 'approve', id, '--as', 'alice', '--reason', 'oops')).toBe(2);
    expect(err.join('\n')).toContain('is already rejected by cli:bob. Nothing was changed.');
  });

  it('a policy refuses the approve at decision time: exit 2 with the reason, the request is blocked and nothing runs', async () => {
    // F5 says 2 members when the card is drawn; by the time the operator approves, someone added 4 more (max 6).
    let live = 2;
    const t = await startBot({
      services: [service()],
      build: (store) => {
        const base = new StoreInventory(store);
        return { inventory: { instances: async () => ({ count: live, source: 'f5' as const }), nextVmName: (s) => base.nextVmName(s), previewIp: (s) => base.previewIp(s), preflight: (s, d) => base.preflight(s, d) } };
      },
    });
    tb = t;
    process.env.DATA_DIR = t.dataDir;
    const id = (await t.webhook(alertPayload())).json.alerts[0].requestId as string;
    await t.settle();
    expect(findRequest(t.store, id)!.state).toBe('pending');
    live = 6;

    expect(await cli('requests', 'approve', id, '--as', 'alice', '--reason', 'slack down')).toBe(2);
    expect(err.join('\n')).toContain('The scale-out of web-server was not started: web-server already runs 6 of at most 6 instances.');
    await t.settle();
    const r = findRequest(t.store, id)!;
    expect(r).toMatchObject({ state: 'blocked', blocked: { code: 'max_instances' } });
    expect(r.attempts).toEqual([]);
    expect(auditOf(t, id).some((a) => a.action === 'request.approve')).toBe(false);
  });

  it('a request a cooldown blocked when its card was drawn: approve exits 2 and says why and until when', async () => {
    const { t, id } = await botWithCard();
    expect(await cli('requests', 'approve', id, '--as', 'alice', '--reason', 'first')).toBe(0);
    await t.settle();
    await t.webhook(alertPayload({ status: 'resolved' }));
    const second = (await t.webhook(alertPayload({ fingerprint: 'ffff000011112222' }))).json.alerts[0].requestId as string;
    await t.settle();
    expect(findRequest(t.store, second)).toMatchObject({ state: 'blocked', blocked: { code: 'cooldown' } });

    expect(await cli('requests', 'approve', second, '--as', 'alice', '--reason', 'again')).toBe(2);
    expect(err.join('\n')).toContain('is already blocked. Nothing was changed.');
    expect(err.join('\n')).toMatch(/not now: web-server finished a scale-out at (Nov 26, )?14:22; scaling becomes possible at 2026-11-26T14:32:00\.000Z/);
    expect(findRequest(t.store, second)!.state).toBe('blocked');
    expect(auditOf(t, second).some((a) => a.actor === 'cli:alice')).toBe(false);
  });

  it('in a change freeze, needs --confirm-frozen, then records the confirmation next to the reason', async () => {
    const { t, id } = await botWithCard({ scaling: { min: 1, max: 6, cooldown: '10m', freeze: [{ cron: '0 14 * * *', duration: '2h', reason: 'release window' }] } });
    expect(await cli('requests', 'approve', id, '--as', 'alice', '--reason', 'incident')).toBe(2);
    expect(err.join('\n')).toContain('web-server is in a change freeze until');
    expect(err.join('\n')).toContain('run it again with --confirm-frozen');
    expect(findRequest(t.store, id)!.state).toBe('pending');

    expect(await cli('requests', 'approve', id, '--as', 'alice', '--reason', 'incident', '--confirm-frozen')).toBe(0);
    await t.settle();
    expect(findRequest(t.store, id)!.state).toBe('succeeded');
    expect(auditOf(t, id)).toContainEqual(expect.objectContaining({ actor: 'cli:alice', action: 'request.approve', detail: 'incident; confirmed during a change freeze' }));
  });

  it('retries a failed request through the bot, as cli:<name> with the reason', async () => {
    const { t, id } = await botWithCard();
    // A failed run: the dry-run executor cannot fail, so the request is marked failed the way a run ends.
    await t.store.mutate((d) => {
      const r = d.requests.find((x) => x.id === id)!;
      r.state = 'failed';
      r.finishedAt = '2026-11-26T14:22:00.000Z';
    });
    expect(await cli('requests', 'retry', id, '--as', 'carol', '--reason', 'vcenter is back')).toBe(0);
    await t.settle();
    expect(findRequest(t.store, id)!.state).toBe('succeeded');
    expect(auditOf(t, id)).toContainEqual(expect.objectContaining({ actor: 'cli:carol', action: 'request.retry', detail: 'vcenter is back' }));
  });

  it('refuses when no bot runs: a decision needs the bot to run it, and nothing is written', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'requests-nobot-'));
    cleanup.push(dir);
    const store = await Store.open(dir);
    await upsertServices(store, [service()], 'test', '2026-11-26T14:00:00Z');
    await store.close();
    process.env.DATA_DIR = dir;
    expect(await cli('requests', 'approve', 'sr-20261126142200-abcdef', '--as', 'alice', '--reason', 'slack down')).toBe(2);
    expect(err.join('\n')).toContain('no bot is running on this DATA_DIR');
    const after = await Store.open(dir, { readOnly: true });
    expect(after.data.audit.filter((a) => a.actor === 'cli:alice')).toEqual([]);
  });
});

describe('/healthz while Slack is down', () => {
  it('stays 200 and says slack degraded after a failed call, ok again after one succeeds', async () => {
    const t = await startBot({ services: [service()] });
    tb = t;
    const health = async () => { const r = await fetch(`${t.url}/healthz`); return { status: r.status, json: (await r.json()) as Record<string, unknown> }; };
    expect(await health()).toMatchObject({ status: 200, json: { status: 'ok', slack: 'ok' } });
    t.slack.failNext('chat.postMessage', 503, { times: 1000 });
    await t.webhook(alertPayload());
    await waitFor(async () => (await health()).json.slack === 'degraded', 10_000, 'slack degraded');
    expect(await health()).toMatchObject({ status: 200, json: { status: 'ok', slack: 'degraded', lastError: 'HTTP 503' } });
    t.slack.clearFaults();
    await waitFor(async () => (await health()).json.slack === 'ok', 20_000, 'slack ok again');
  });
});
