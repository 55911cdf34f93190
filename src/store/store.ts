/**
 * The store: DATA_DIR/db.json with a schema version, written by one process at a time.
 *
 * One writer. Whoever opens the store for writing holds DATA_DIR/db.lock (src/store/lock.ts) until
 * `close()`: the bot for as long as it runs, the CLI for one change when no bot runs. While the
 * bot runs, the CLI's mutating commands reach it over DATA_DIR/admin.sock (src/admin/) and the bot
 * applies them to its own copy, so nobody ever writes back a stale copy and the bot needs no
 * watching of the file for changes made by others.
 *
 * Every change goes through `mutate(fn)`, and only the named transitions of src/store/ call it
 * (requests.ts, decisions.ts, runs.ts, silences.ts, watches.ts, leases.ts, warm.ts, services.ts, …):
 * every other layer holds a `StoreView`, which reads but has no `mutate`, and calls those functions
 * with plain values. `fn` runs synchronously on the live data, so mutations are atomic and totally
 * ordered (JS runs one at a time): "the first terminal write wins" is just an `if` inside `fn`, and a
 * transition that throws (an illegal move, see `moveTo`) before it changes anything writes nothing. Durability is a group commit: mutations made while a write is in flight are written
 * together by the next write, and each caller's promise settles when the write holding its change
 * lands. If a write fails, memory is restored to the last state that reached the disk and every
 * caller whose change was not written gets the error (the webhook answers 503, Alertmanager retries).
 *
 * Small file. db.json holds only requests that still change; finished ones go to the append-only
 * archive (src/store/archive.ts) and stay in memory for the retention (STORE_RETENTION, default
 * 30 days, never less than the longest policy look-back). The complete audit trail is audit.jsonl;
 * the in-memory tail is for the bot's own views and is not written to db.json.
 */
import { readFile, mkdir, copyFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Low, type Adapter } from 'lowdb';
import { systemClock, type Clock } from '../clock.js';
import { archiveFileFor, fingerprint, placeRequests, policyLookBackMs, readArchivedSince, sameFingerprint, type Fingerprint } from './archive.js';
import { appendFileOwnerOnly, tightenMode, writeFileAtomic } from './atomicFile.js';
import { acquireLock, type DataDirLock, type LockHolder } from './lock.js';
import { migrateLeases, migrateRequest } from './migrate.js';
import { emptyData, SCHEMA_VERSION, type AuditEntry, type ScaleRequest, type StoreData } from './types.js';

export class StoreError extends Error {
  constructor(
    readonly code: 'corrupt' | 'unwritable' | 'version' | 'locked',
    message: string,
    options?: { cause?: unknown; holder?: LockHolder },
  ) {
    super(message, options);
    this.name = 'StoreError';
    this.holder = options?.holder;
  }

  /** For `locked`: who holds DATA_DIR/db.lock. */
  readonly holder: LockHolder | undefined;
}

export interface OpenOptions {
  /** For commands that only read (services list, renders): no lock, no write, `mutate` refuses. */
  readOnly?: boolean;
  clock?: Clock;
  /** How long finished requests stay in memory (STORE_RETENTION); default 30 days. */
  retentionMs?: number;
  /** Who takes the lock, and how long to wait for a live holder (default 10 s). */
  role?: LockHolder['role'];
  lockWaitMs?: number;
  /** Asked while waiting for the lock: true stops waiting (the CLI: the holder is a bot it can reach). */
  stopWaiting?: (holder: LockHolder) => boolean | Promise<boolean>;
}

export const DEFAULT_RETENTION_MS = 30 * 86_400_000;

interface Waiter { resolve: () => void; reject: (e: unknown) => void }

/** lowdb adapter: JSON in, and out through the store's own atomic writer (not steno's fixed temp file). */
class DbFile implements Adapter<StoreData> {
  constructor(readonly file: string) {}
  async read(): Promise<StoreData | null> {
    try {
      return JSON.parse(await readFile(this.file, 'utf8')) as StoreData;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw e;
    }
  }
  /** Unused: the store serializes once per batch and calls writeText. */
  async write(data: StoreData): Promise<void> {
    await writeFileAtomic(this.file, JSON.stringify(data));
  }
  writeText(text: string): Promise<void> {
    return writeFileAtomic(this.file, text);
  }
}

/** Requests in creation order (ids start with their creation time); `b` wins a tie. */
function inCreationOrder(a: ScaleRequest[], b: ScaleRequest[]): ScaleRequest[] {
  return [...a.map((r, i) => ({ r, k: 0, i })), ...b.map((r, i) => ({ r, k: 1, i }))]
    .sort((x, y) => (x.r.createdAt < y.r.createdAt ? -1 : x.r.createdAt > y.r.createdAt ? 1 : x.k - y.k || x.i - y.i))
    .map((x) => x.r);
}

/** Of two versions of a request (db.json and the archive after a crash between their writes), the later. */
function later(a: ScaleRequest, b: ScaleRequest): ScaleRequest {
  if (a.updatedAt !== b.updatedAt) return a.updatedAt > b.updatedAt ? a : b;
  return b.events.length > a.events.length ? b : a;
}

export class Store {
  private lastGood: string;
  private goodAudit: AuditEntry[];
  private writing: Promise<void> | null = null;
  private pending: Waiter[] = [];
  /** Set when the last write failed; /healthz reports it. */
  lastWriteError: Error | null = null;

  /** The newest audit entry already appended to audit.jsonl. */
  private auditMark: AuditEntry | undefined;
  /** Requests whose current version is in the archive: id → fingerprint of that version. */
  private readonly archived = new Map<string, Fingerprint>();
  private closed = false;

  private constructor(
    private readonly low: Low<StoreData>,
    private readonly adapter: DbFile,
    readonly dataDir: string,
    private readonly o: { readOnly: boolean; clock: Clock; retentionMs: number; lock: DataDirLock | undefined },
  ) {
    this.lastGood = JSON.stringify(low.data);
    this.goodAudit = low.data.audit.slice();
    this.auditMark = low.data.audit[low.data.audit.length - 1];
  }

  get file(): string {
    return this.adapter.file;
  }

  get auditFile(): string {
    return join(this.dataDir, 'audit.jsonl');
  }

  /** Audit entries added since the last append, as JSON lines. */
  private pendingAudit(): { lines: string; mark: AuditEntry | undefined } {
    const audit = this.low.data.audit;
    const from = this.auditMark ? audit.lastIndexOf(this.auditMark) + 1 : 0;
    const fresh = audit.slice(from);
    return { lines: fresh.map((e) => `${JSON.stringify(e)}\n`).join(''), mark: fresh.length ? fresh[fresh.length - 1] : this.auditMark };
  }

  /** How long a finished request stays in memory: the retention, or longer when a policy looks back further. */
  private keepMs(d: StoreData): number {
    return Math.max(this.o.retentionMs, policyLookBackMs(d.services));
  }

  static async open(dataDir: string, opts: OpenOptions = {}): Promise<Store> {
    await mkdir(dataDir, { recursive: true, mode: 0o700 }).catch((e: unknown) => {
      throw new StoreError('unwritable', `cannot create DATA_DIR ${dataDir}: ${(e as Error).message}`, { cause: e });
    });
    const readOnly = opts.readOnly ?? false;
    let lock: DataDirLock | undefined;
    if (!readOnly) {
      // The lock comes before the read: nobody may write between what we read and what we write.
      const got = await acquireLock(dataDir, { role: opts.role ?? 'bot', waitMs: opts.lockWaitMs ?? 10_000, stopWaiting: opts.stopWaiting });
      if (!got.ok) {
        const who = got.holder ? `${got.holder.role === 'bot' ? 'the bot' : 'a CLI command'} (pid ${got.holder.pid}, since ${got.holder.since})` : 'another process';
        throw new StoreError('locked', `${join(dataDir, 'db.lock')} is held by ${who}: it is the only writer of ${dataDir} while it runs`, { holder: got.holder });
      }
      lock = got.lock;
    }
    try {
      return await Store.load(dataDir, { readOnly, clock: opts.clock ?? systemClock, retentionMs: opts.retentionMs ?? DEFAULT_RETENTION_MS, lock });
    } catch (e) {
      await lock?.release();
      throw e;
    }
  }

  private static async load(dataDir: string, o: Store['o']): Promise<Store> {
    const file = join(dataDir, 'db.json');
    const adapter = new DbFile(file);
    const low = new Low<StoreData>(adapter, emptyData());
    try {
      await low.read();
    } catch (e) {
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await copyFile(file, aside).catch(() => undefined);
      await tightenMode(aside);
      throw new StoreError(
        'corrupt',
        `${file} is not valid JSON (${(e as Error).message}). A copy is kept at ${aside}; the file itself was not changed. ` +
          'Restore it from a backup, or move it away to start with an empty store.',
        { cause: e },
      );
    }
    if (typeof low.data !== 'object' || low.data === null || Array.isArray(low.data)) {
      throw new StoreError('corrupt', `${file} does not hold a store object; the file was not changed`);
    }
    const version = (low.data as Partial<StoreData>).schemaVersion ?? 0;
    if (version > SCHEMA_VERSION) {
      throw new StoreError('version', `${file} has schema version ${version}, newer than this bot's ${SCHEMA_VERSION}: run the newer bot or restore a backup`);
    }
    const migrated = migrate(low.data as Partial<StoreData>);
    low.data = migrated.data;
    const store = new Store(low, adapter, dataDir, o);
    // What the migration found (lease conflicts) goes to the audit trail like any new entry: after the mark.
    low.data.audit.push(...migrated.audit);
    await store.loadArchived();
    if (!o.readOnly) {
      await tightenMode(file);
      await tightenMode(store.auditFile);
      try {
        // Writes the migrated shape, moves what an older version kept in db.json to the archive,
        // and proves the directory is writable before anything depends on it.
        await store.mutate(() => undefined);
      } catch (e) {
        throw new StoreError('unwritable', `cannot write ${file}: ${(e as Error).message}`, { cause: e });
      }
    }
    return store;
  }

  /** Finished requests within the retention come back from the archive. */
  private async loadArchived(): Promise<void> {
    const d = this.low.data;
    const since = this.o.clock.now().getTime() - this.keepMs(d);
    const fromArchive = await readArchivedSince(this.dataDir, since);
    if (fromArchive.length === 0) return;
    const byId = new Map(d.requests.map((r, i) => [r.id, i]));
    const extra: ScaleRequest[] = [];
    for (const r of fromArchive) {
      const i = byId.get(r.id);
      if (i === undefined) extra.push(r);
      else d.requests[i] = later(d.requests[i]!, r);
      this.archived.set(r.id, fingerprint(r));
    }
    d.requests = inCreationOrder(extra, d.requests);
    this.lastGood = JSON.stringify(d);
  }

  /** The live data, to read. It changes only inside `mutate` (that is, inside a transition of src/store/). */
  get data(): Readonly<StoreData> {
    return this.low.data;
  }

  /** Applies `fn` now (atomically) and resolves with its result once the change is on disk. */
  mutate<T>(fn: (data: StoreData) => T): Promise<T> {
    if (this.o.readOnly || this.closed) {
      return Promise.reject(new StoreError('unwritable', `${this.file} was opened ${this.closed ? 'and closed' : 'read-only'}: nothing is written`));
    }
    const result = fn(this.low.data);
    return new Promise<T>((resolve, reject) => {
      this.pending.push({ resolve: () => resolve(result), reject });
      this.scheduleFlush();
    });
  }

  /**
   * Applies `fn` now and returns its result at once; the change is written with the next batch.
   * Only for changes whose loss in a crash is harmless (a re-fire count): the caller need not wait
   * for the disk. `written` settles with the write (rejects if it failed and the change was undone).
   */
  applyNow<T>(fn: (data: StoreData) => T): { result: T; written: Promise<void> } {
    let result!: T;
    const written = this.mutate((d) => {
      result = fn(d);
    });
    return { result, written };
  }

  /** Resolves when everything mutated so far is on disk. */
  async flush(): Promise<void> {
    while (this.writing) await this.writing.catch(() => undefined);
  }

  /** Flushes and gives up the lock: another process may write DATA_DIR from now on. */
  async close(): Promise<void> {
    if (this.closed) return;
    await this.flush();
    this.closed = true;
    await this.o.lock?.release();
  }

  private scheduleFlush(): void {
    if (this.writing) return; // the running write will start another one when it ends
    this.writing = new Promise<void>((r) => queueMicrotask(r)).then(() => this.writeBatch());
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      // Everything is serialized now, synchronously: later mutations wait for the next batch.
      const d = this.low.data;
      const places = placeRequests(d.requests, this.o.clock.now().getTime(), this.keepMs(d));
      const hot: ScaleRequest[] = [];
      const appends = new Map<string, string>();
      const archivedNow: Array<[string, Fingerprint]> = [];
      const dropped = new Set<string>();
      d.requests.forEach((r, i) => {
        if (places[i] === 'hot') return void hot.push(r);
        if (!sameFingerprint(this.archived.get(r.id), r)) {
          const f = archiveFileFor(this.dataDir, r.finishedAt ?? r.updatedAt);
          appends.set(f, `${appends.get(f) ?? ''}${JSON.stringify(r)}\n`);
          archivedNow.push([r.id, fingerprint(r)]);
        }
        if (places[i] === 'dropped') dropped.add(r.id);
      });
      const text = JSON.stringify({ ...d, requests: hot, audit: [] });
      const audit = this.pendingAudit();
      const auditNow = d.audit.slice();
      // The archive first: a crash before db.json is written leaves a request in both, never in neither.
      for (const [f, lines] of appends) await appendFileOwnerOnly(f, lines, true);
      for (const [id, fp] of archivedNow) this.archived.set(id, fp);
      await this.adapter.writeText(text);
      // Not fsynced, as before: one fsync (db.json's) per write is what every webhook waits for.
      if (audit.lines) await appendFileOwnerOnly(this.auditFile, audit.lines, false);
      this.auditMark = audit.mark;
      this.lastGood = text;
      this.goodAudit = auditNow;
      if (dropped.size) {
        // Unless it changed while we wrote (then the next write archives the new version).
        const gone = (r: ScaleRequest) => dropped.has(r.id) && sameFingerprint(this.archived.get(r.id), r);
        for (const r of this.low.data.requests) if (gone(r)) this.archived.delete(r.id);
        this.low.data.requests = this.low.data.requests.filter((r) => !(dropped.has(r.id) && !this.archived.has(r.id)));
      }
      this.lastWriteError = null;
      for (const w of batch) w.resolve();
    } catch (e) {
      const err = new StoreError('unwritable', `cannot write ${this.file}: ${(e as Error).message}`, { cause: e });
      this.lastWriteError = err;
      this.undo();
      const rejected = [...batch, ...this.pending];
      this.pending = [];
      for (const w of rejected) w.reject(err);
    } finally {
      this.writing = null;
      if (this.pending.length > 0) this.scheduleFlush();
    }
  }

  /** Back to the last state on disk: db.json as last written, plus the archived requests kept in memory. */
  private undo(): void {
    const good = JSON.parse(this.lastGood) as StoreData;
    const onDisk = new Set(good.requests.map((r) => r.id));
    const kept = this.low.data.requests.filter((r) => !onDisk.has(r.id) && this.archived.has(r.id));
    good.requests = inCreationOrder(kept, good.requests);
    good.audit = this.goodAudit.slice();
    this.low.data = good;
    this.auditMark = good.audit[good.audit.length - 1];
  }
}

/**
 * The store as every layer outside src/store/ holds it: it reads (`data`), waits for the disk (`flush`) and closes,
 * but has no `mutate`. Every change is a named transition of a store module (requests.ts, runs.ts, …) that checks
 * it is legal and writes atomically; those modules reach the writer through `writerOf`.
 */
export type StoreView = Omit<Store, 'mutate' | 'applyNow'>;

/** The writer behind a view: for the transitions of src/store/ only (the architecture test holds every other layer to that). */
export function writerOf(store: StoreView): Store {
  if (store instanceof Store) return store;
  throw new TypeError('not a store opened by Store.open');
}

/** Brings older files up to SCHEMA_VERSION, filling collections that did not exist yet. */
function migrate(d: Partial<StoreData>): { data: StoreData; audit: AuditEntry[] } {
  const base = emptyData();
  // Schema 1 kept leases per service; 2 keys them by address (see migrateLeases).
  const leases = migrateLeases(d.leases ?? base.leases, new Date().toISOString());
  const data: StoreData = {
    schemaVersion: SCHEMA_VERSION,
    services: d.services ?? base.services,
    // Schema 3: blocks, checks and event details become facts (see migrate.ts).
    requests: (d.schemaVersion ?? 0) < 3 && d.requests ? d.requests.map(migrateRequest) : (d.requests ?? base.requests),
    leases: leases.leases,
    templates: d.templates ?? base.templates,
    audit: d.audit ?? base.audit,
    notices: d.notices ?? base.notices,
    ...(d.belowMin ? { belowMin: d.belowMin } : {}),
  };
  return { data, audit: leases.audit };
}
