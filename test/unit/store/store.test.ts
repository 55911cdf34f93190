/**
 * The store's file handling: one writer at a time across processes, atomic writes, owner-only
 * modes, retention into the archive, and opening files written by older versions.
 */
import { execFile, spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { HOT_MS, readArchivedRequest } from '../../../src/store/archive.js';
import { Store } from '../../../src/store/store.js';
import type { ScaleRequest } from '../../../src/store/types.js';
import { lastScaled } from '../../../src/workflows/policy.js';
import { service, TestClock } from '../../helpers/bot.js';
import { ensureBuilt } from '../../helpers/botProcess.js';

const ROOT = new URL('../../../', import.meta.url).pathname;
const DIST = join(ROOT, 'dist');
const run = promisify(execFile);
const DAY = 86_400_000;

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });
beforeAll(() => ensureBuilt());

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'store-'));
  dirs.push(d);
  return d;
}

const mode = (f: string) => (statSync(f).mode & 0o777).toString(8);

/** Runs an ES module snippet in its own node process, with the built store importable. */
function child(code: string, env: Record<string, string> = {}): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, ['--input-type=module', '-e', code], { env: { ...process.env, DIST, ...env }, timeout: 60_000 });
}

function finished(id: string, o: Partial<ScaleRequest> & { finishedAt: string }): ScaleRequest {
  return {
    id, service: 'web-server', direction: 'out', state: 'succeeded', executor: 'local', source: 'alert',
    alert: { name: 'HighCPU', labels: { service: 'web-server' }, description: 'x'.repeat(200) },
    fireCount: 1, lastFiredAt: o.finishedAt, createdAt: o.finishedAt, updatedAt: o.finishedAt,
    preview: { instances: 2, instancesSource: 'f5', min: 1, max: 6, template: 't', vmName: 'web-server-3', ip: '127.0.10.13', f5Pool: 'p', checks: [] },
    attempts: [{ n: 1, startedAt: o.finishedAt, finishedAt: o.finishedAt, outcome: 'succeeded', steps: [], undone: [] }],
    events: [{ at: o.finishedAt, type: 'finished', detail: 'succeeded' }],
    ...o,
  };
}

describe('writing db.json', () => {
  it('never leaves unparsable JSON when two processes write it at the same time', async () => {
    const dir = tempDir();
    const file = join(dir, 'db.json');
    writeFileSync(file, '{}');
    // Each child rewrites the file 150 times with a different ~200 KB document; meanwhile we read it.
    const writer = (n: number) => child(`
      const { writeFileAtomic } = await import(process.env.DIST + '/store/atomicFile.js');
      const doc = JSON.stringify({ writer: ${n}, filler: 'x'.repeat(200000) });
      for (let i = 0; i < 150; i++) await writeFileAtomic(${JSON.stringify(file)}, doc);
    `);
    let reads = 0;
    const bad: string[] = [];
    let done = false;
    const writers = Promise.all([writer(1), writer(2)]).finally(() => { done = true; });
    while (!done) {
      const text = readFileSync(file, 'utf8');
      try { JSON.parse(text); } catch { bad.push(text.slice(0, 40)); }
      reads++;
      await new Promise((r) => setImmediate(r));
    }
    await writers;
    expect(bad).toEqual([]);
    expect(reads).toBeGreaterThan(10);
    expect([1, 2]).toContain(JSON.parse(readFileSync(file, 'utf8')).writer);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('loses no change when two processes apply changes one after another under the DATA_DIR lock', async () => {
    const dir = tempDir();
    const writer = (name: string) => child(`
      const { Store } = await import(process.env.DIST + '/store/store.js');
      for (let i = 0; i < 15; i++) {
        const s = await Store.open(${JSON.stringify(dir)}, { role: 'cli', lockWaitMs: 30000 });
        await s.mutate((d) => { d.notices['${name}-' + i] = 'x'; });
        await s.close();
      }
    `);
    await Promise.all([writer('a'), writer('b')]);
    const notices = Object.keys(JSON.parse(readFileSync(join(dir, 'db.json'), 'utf8')).notices);
    expect(notices).toHaveLength(30);
    expect(existsSync(join(dir, 'db.lock'))).toBe(false);
  });

  it('refuses a second writer while one holds DATA_DIR, naming the holder, and takes over at once from one that was killed', async () => {
    const dir = tempDir();
    const holder = spawn(process.execPath, ['--input-type=module', '-e', `
      const { Store } = await import(process.env.DIST + '/store/store.js');
      await Store.open(${JSON.stringify(dir)});
      process.stdout.write('open\\n');
      setInterval(() => {}, 1000);
    `], { env: { ...process.env, DIST }, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((r) => holder.stdout!.once('data', () => r()));
    const refused = await child(`
      const { Store } = await import(process.env.DIST + '/store/store.js');
      try { await Store.open(${JSON.stringify(dir)}, { role: 'cli', lockWaitMs: 300 }); console.log('opened'); }
      catch (e) { console.log(e.code + ': ' + e.message); }
    `);
    expect(refused.stdout).toMatch(new RegExp(`^locked: .*db\\.lock is held by the bot \\(pid ${holder.pid}`));
    holder.kill('SIGKILL');
    await new Promise((r) => holder.once('exit', r));
    expect(existsSync(join(dir, 'db.lock'))).toBe(true); // SIGKILL leaves it behind
    const t = Date.now();
    const store = await Store.open(dir, { lockWaitMs: 0 });
    expect(Date.now() - t).toBeLessThan(5000); // no stale period to sit out (a bound, not a speed assertion)
    await store.close();
  });

  it('writes db.json, audit.jsonl and the archive for the owner only, and tightens files an older version left 0644', async () => {
    const dir = tempDir();
    writeFileSync(join(dir, 'db.json'), JSON.stringify({ schemaVersion: 1, services: {}, requests: [], leases: {}, templates: {}, audit: [], notices: {} }));
    writeFileSync(join(dir, 'audit.jsonl'), '');
    chmodSync(join(dir, 'db.json'), 0o644);
    chmodSync(join(dir, 'audit.jsonl'), 0o644);
    const clock = new TestClock(Date.parse('2026-11-26T12:00:00Z'));
    const store = await Store.open(dir, { clock, retentionMs: DAY });
    expect(mode(join(dir, 'db.json'))).toBe('600');
    expect(mode(join(dir, 'audit.jsonl'))).toBe('600');
    await store.mutate((d) => {
      d.requests.push(finished('sr-old', { finishedAt: '2026-11-20T10:00:00Z' }), finished('sr-new', { finishedAt: '2026-11-26T11:59:00Z' }));
      d.audit.push({ at: 'now', actor: 'test', action: 'x' });
    });
    expect(mode(join(dir, 'db.json'))).toBe('600');
    expect(mode(join(dir, 'archive', 'requests-2026-11.jsonl'))).toBe('600');
    expect(mode(join(dir, 'archive'))).toBe('700');
    await store.close();
  });
});

describe('retention', () => {
  it('moves finished requests past the retention to the archive and keeps open, recent and still-needed ones', async () => {
    const dir = tempDir();
    const now = Date.parse('2026-11-26T12:00:00Z');
    const clock = new TestClock(now);
    const ago = (ms: number) => new Date(now - ms).toISOString();
    const store = await Store.open(dir, { clock, retentionMs: 10 * DAY });
    await store.mutate((d) => {
      // web-server's cooldown is 3 days; api's cooldown is 20 days, longer than the retention.
      d.services['web-server'] = { config: service({ scaling: { min: 1, max: 6, cooldown: '3d' } }), updatedAt: ago(0), updatedBy: 'test' };
      d.services.api = { config: service({ name: 'api', scaling: { min: 1, max: 6, cooldown: '20d' } }), updatedAt: ago(0), updatedBy: 'test' };
      d.requests.push( // in creation order, as the bot adds them
        finished('sr-ancient', { finishedAt: ago(60 * DAY) }),
        finished('sr-failed-old', { state: 'failed', direction: 'in', finishedAt: ago(40 * DAY) }),
        finished('sr-api-last', { service: 'api', finishedAt: ago(15 * DAY) }),
        finished('sr-last-week', { finishedAt: ago(7 * DAY) }),
        finished('sr-minutes-ago', { finishedAt: ago(10 * 60_000) }),
        { ...finished('sr-pending', { finishedAt: ago(5 * 60_000) }), state: 'pending', finishedAt: undefined, attempts: [] },
      );
    });
    const disk = () => JSON.parse(readFileSync(join(dir, 'db.json'), 'utf8')) as { requests: ScaleRequest[] };
    const ids = (rs: readonly ScaleRequest[]) => rs.map((r) => r.id).sort();

    // db.json: what still changes — the open request, the failed one whose card offers Retry, the one that just finished.
    expect(ids(disk().requests)).toEqual(['sr-failed-old', 'sr-minutes-ago', 'sr-pending']);
    // Memory: also what finished within the retention, and api's last success, which its 20-day cooldown still needs.
    expect(ids(store.data.requests)).toEqual(['sr-api-last', 'sr-failed-old', 'sr-last-week', 'sr-minutes-ago', 'sr-pending']);
    expect(lastScaled(store.data.requests, 'api', 'out')?.toISOString()).toBe(ago(15 * DAY));
    // The archive has every finished request that left db.json, the ancient one included.
    const archived = readdirSync(join(dir, 'archive')).flatMap((f) => readFileSync(join(dir, 'archive', f), 'utf8').trim().split('\n')).map((l) => JSON.parse(l).id);
    expect(archived.sort()).toEqual(['sr-ancient', 'sr-api-last', 'sr-last-week']);
    expect(await readArchivedRequest(dir, 'sr-ancient')).toMatchObject({ id: 'sr-ancient', state: 'succeeded', alert: { name: 'HighCPU' } });

    // A restart reads the same set back (the ancient one stays in the archive only).
    await store.close();
    const again = await Store.open(dir, { clock, retentionMs: 10 * DAY });
    expect(ids(again.data.requests)).toEqual(['sr-api-last', 'sr-failed-old', 'sr-last-week', 'sr-minutes-ago', 'sr-pending']);
    expect(again.data.requests.map((r) => r.id)).toEqual(store.data.requests.map((r) => r.id)); // creation order kept

    // A change to an archived request (a late "resolved") is archived again and survives a restart.
    await again.mutate((d) => {
      const r = d.requests.find((x) => x.id === 'sr-last-week')!;
      r.alertResolvedAt = ago(0);
      r.events.push({ at: ago(0), type: 'resolved' });
      r.updatedAt = ago(0);
    });
    await again.close();
    const third = await Store.open(dir, { clock, retentionMs: 10 * DAY });
    expect(third.data.requests.find((r) => r.id === 'sr-last-week')?.alertResolvedAt).toBe(ago(0));
    // The one that finished minutes ago leaves db.json once it is older than an hour.
    clock.advance(HOT_MS);
    await third.mutate(() => undefined);
    expect(ids(disk().requests)).toEqual(['sr-failed-old', 'sr-pending']);
    await third.close();
  });

  it('opens a db.json an older version wrote (every request inside, audit inside) and moves the old ones out', async () => {
    const dir = tempDir();
    const now = Date.parse('2026-11-26T12:00:00Z');
    const old = {
      schemaVersion: 1,
      services: { 'web-server': { config: service(), updatedAt: '2026-01-01T00:00:00Z', updatedBy: 'cli' } },
      requests: Array.from({ length: 40 }, (_, i) => finished(`sr-${String(i).padStart(2, '0')}`, { finishedAt: new Date(now - (40 - i) * DAY).toISOString() })),
      leases: {},
      templates: {},
      audit: [{ at: '2026-01-01T00:00:00Z', actor: 'cli', action: 'service.create', target: 'web-server' }],
      notices: {},
    };
    writeFileSync(join(dir, 'db.json'), JSON.stringify(old), { mode: 0o644 });
    const store = await Store.open(dir, { clock: new TestClock(now) });
    expect(Object.keys(store.data.services)).toEqual(['web-server']);
    // 30 days of retention: the 29 newest stay in memory (one finished exactly 30 days ago falls out).
    expect(store.data.requests).toHaveLength(29);
    expect(store.data.requests[0]!.id).toBe('sr-11');
    const disk = JSON.parse(readFileSync(join(dir, 'db.json'), 'utf8'));
    expect(disk.requests).toEqual([]);
    expect(disk.services['web-server'].config.name).toBe('web-server');
    expect(readdirSync(join(dir, 'archive')).sort()).toEqual(['requests-2026-10.jsonl', 'requests-2026-11.jsonl']);
    expect(statSync(join(dir, 'db.json')).size).toBeLessThan(JSON.stringify(old).length / 10);
    await store.close();
  });
});

describe('read-only opens', () => {
  it('neither lock nor write: `services list` works while another process holds DATA_DIR and leaves db.json as it was', async () => {
    const dir = tempDir();
    const store = await Store.open(dir);
    await store.mutate((d) => { d.services['web-server'] = { config: service(), updatedAt: 'now', updatedBy: 'test' }; });
    const before = { text: readFileSync(join(dir, 'db.json'), 'utf8'), mtime: statSync(join(dir, 'db.json')).mtimeMs };
    const { stdout } = await run(process.execPath, [join(DIST, 'cli.js'), 'services', 'list'], { env: { ...process.env, DATA_DIR: dir } });
    expect(stdout).toMatch(/^NAME .*\nweb-server /);
    expect(readFileSync(join(dir, 'db.json'), 'utf8')).toBe(before.text);
    expect(statSync(join(dir, 'db.json')).mtimeMs).toBe(before.mtime);
    await store.close();
  });
});
