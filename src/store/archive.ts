/**
 * Where finished requests go: DATA_DIR/archive/requests-YYYY-MM.jsonl (by the month they
 * finished), append-only, one request per line; when a request changes after it was archived (a
 * late "alert resolved"), its new version is appended and the last line of an id wins.
 *
 * db.json holds only the requests that still change (open, anything that finished within HOT_MS,
 * and a failed one past the retention whose card still offers Retry), so a write costs the same with a year of history as with
 * none. The bot keeps the requests that finished within the retention in memory (read back from
 * the archive when it starts) for its views and its policies; older ones live only in the archive.
 */
import { migrateRequest } from './migrate.js';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { parseDuration } from '../duration.js';
import { OPEN_STATES, type ScaleRequest, type ServiceRecord } from './types.js';

/** A finished request stays in db.json this long: late events (settle, resolved) land on it cheaply. */
export const HOT_MS = 3_600_000;
export const DEFAULT_RETENTION = '30d';
const MIN_RETENTION_MS = 86_400_000;
/** maxPerHour looks back one hour. */
const RATE_WINDOW_MS = 3_600_000;

export function archiveDir(dataDir: string): string {
  return join(dataDir, 'archive');
}

export function archiveFileFor(dataDir: string, finishedAt: string): string {
  return join(archiveDir(dataDir), `requests-${finishedAt.slice(0, 7)}.jsonl`);
}

const retentionSchema = z
  .string()
  .trim()
  .default(DEFAULT_RETENTION)
  .transform((s, ctx) => {
    const ms = parseDuration(s);
    if (ms === undefined || ms < MIN_RETENTION_MS || ms > 3650 * 86_400_000) {
      ctx.addIssue({ code: 'custom', message: `STORE_RETENTION: "${s}" is not a duration between 1d and 3650d (e.g. 30d)` });
      return z.NEVER;
    }
    return ms;
  });

/** STORE_RETENTION (default 30d): how long finished requests stay in the bot's memory before only the archive has them. */
export function retentionFromEnv(env: NodeJS.ProcessEnv): { ok: true; ms: number } | { ok: false; message: string } {
  const r = retentionSchema.safeParse(env.STORE_RETENTION || undefined);
  return r.success ? { ok: true, ms: r.data } : { ok: false, message: r.error.issues.map((i) => i.message).join('; ') };
}

function finishedAtOf(r: ScaleRequest): string {
  return r.finishedAt ?? r.updatedAt;
}

/**
 * The longest look-back of any policy (src/workflows/policy.ts: cooldown, cooldownIn, maxPerHour's
 * hour): requests inside it are never dropped from memory, whatever the retention says.
 */
export function policyLookBackMs(services: Record<string, ServiceRecord>): number {
  let longest = RATE_WINDOW_MS;
  for (const { config } of Object.values(services)) {
    for (const d of [config.scaling.cooldown, config.scaling.cooldownIn]) {
      const ms = d ? parseDuration(d) : undefined;
      if (ms !== undefined && ms > longest) longest = ms;
    }
  }
  return longest;
}

export type Placement = 'hot' | 'kept' | 'dropped';

/**
 * hot: written to db.json. kept: in memory and in the archive, not in db.json. dropped: only in the
 * archive. A failed request that is the newest of its service and direction is never dropped, its
 * card still offers Retry: past the retention it goes back to db.json (the archive is read back
 * only for the retention window).
 */
export function placeRequests(requests: readonly ScaleRequest[], now: number, keepMs: number): Placement[] {
  // Compared as ISO strings (what the bot writes): this runs on every write, over every request in memory.
  const hotCut = new Date(now - HOT_MS).toISOString();
  const keepCut = new Date(now - keepMs).toISOString();
  const out: Placement[] = new Array<Placement>(requests.length);
  for (let i = 0; i < requests.length; i++) {
    const r = requests[i]!;
    let at = finishedAtOf(r);
    if (OPEN_STATES.includes(r.state)) { out[i] = 'hot'; continue; }
    if (at.length !== 24 || at[23] !== 'Z') {
      const t = Date.parse(at);
      if (Number.isNaN(t)) { out[i] = 'hot'; continue; } // no usable time: stay where it is safe
      at = new Date(t).toISOString();
    }
    if (at > hotCut) out[i] = 'hot';
    else if (at > keepCut) out[i] = 'kept';
    else out[i] = r.state === 'failed' && isNewestOf(requests, i) ? 'hot' : 'dropped';
  }
  return out;
}

function isNewestOf(requests: readonly ScaleRequest[], i: number): boolean {
  const r = requests[i]!;
  for (let j = i + 1; j < requests.length; j++) if (requests[j]!.service === r.service && requests[j]!.direction === r.direction) return false;
  return true;
}

/**
 * Cheap stand-in for "did this request change since it was archived": every change of a request
 * adds an event or changes its state, card or resolution. Compared field by field, no allocation:
 * it runs on every write for every request kept in memory.
 */
export interface Fingerprint { state: string; updatedAt: string; events: number; attempts: number; card: string | undefined; resolved: string | undefined }

export function fingerprint(r: ScaleRequest): Fingerprint {
  return { state: r.state, updatedAt: r.updatedAt, events: r.events.length, attempts: r.attempts.length, card: r.card?.ts, resolved: r.alertResolvedAt };
}

export function sameFingerprint(f: Fingerprint | undefined, r: ScaleRequest): boolean {
  return !!f && f.state === r.state && f.updatedAt === r.updatedAt && f.events === r.events.length && f.attempts === r.attempts.length && f.card === r.card?.ts && f.resolved === r.alertResolvedAt;
}

async function archiveFiles(dataDir: string): Promise<string[]> {
  const names = await readdir(archiveDir(dataDir)).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return [] as string[];
    throw e;
  });
  return names.filter((n) => /^requests-\d{4}-\d{2}\.jsonl$/.test(n)).sort();
}

function parseLines(text: string, into: Map<string, ScaleRequest>): void {
  for (const line of text.split('\n')) {
    if (!line) continue;
    try {
      const r = JSON.parse(line) as ScaleRequest;
      // Lines carry no schema version: a line written before schema 3 gets its facts back (idempotent on newer ones).
      if (r && typeof r.id === 'string') into.set(r.id, migrateRequest(r));
    } catch {
      // A torn last line (crash mid-append): the request is still in db.json, which is written after the archive.
    }
  }
}

/** The archived requests that finished at or after `since` (the newest version of each), oldest first. */
export async function readArchivedSince(dataDir: string, since: number): Promise<ScaleRequest[]> {
  const fromMonth = new Date(since).toISOString().slice(0, 7);
  const out = new Map<string, ScaleRequest>();
  for (const name of await archiveFiles(dataDir)) {
    if (name.slice(9, 16) < fromMonth) continue;
    parseLines(await readFile(join(archiveDir(dataDir), name), 'utf8'), out);
  }
  return [...out.values()].filter((r) => Date.parse(finishedAtOf(r)) >= since);
}

/** One archived request by id, newest month first (for `requests show` of an old id). */
export async function readArchivedRequest(dataDir: string, id: string): Promise<ScaleRequest | undefined> {
  for (const name of (await archiveFiles(dataDir)).reverse()) {
    const text = await readFile(join(archiveDir(dataDir), name), 'utf8');
    if (!text.includes(`"id":"${id}"`)) continue;
    const found = new Map<string, ScaleRequest>();
    parseLines(text, found);
    const r = found.get(id);
    if (r) return r;
  }
  return undefined;
}
