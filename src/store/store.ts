/**
 * The store: one lowdb JSON file (DATA_DIR/db.json) with a schema version.
 *
 * Every change goes through `mutate(fn)`. `fn` runs synchronously on the live data, so mutations are
 * atomic and totally ordered (JS runs one at a time): "the first terminal write wins" is just an `if`
 * inside `fn`. Durability is a group commit: mutations made while a write is in flight are written
 * together by the next write, and each caller's promise settles when the write holding its change
 * lands. If a write fails, memory is restored to the last state that reached the disk and every
 * caller whose change was not written gets the error (the webhook answers 503, Alertmanager retries).
 */
import { appendFile, copyFile, mkdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Low } from 'lowdb';
import { DataFile } from 'lowdb/node';
import { migrateLeases } from './leases.js';
import { emptyData, SCHEMA_VERSION, type AuditEntry, type StoreData } from './types.js';

export class StoreError extends Error {
  constructor(
    readonly code: 'corrupt' | 'unwritable' | 'version',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'StoreError';
  }
}

interface Waiter { resolve: () => void; reject: (e: unknown) => void }

export class Store {
  private lastGood: string;
  private writing: Promise<void> | null = null;
  private pending: Waiter[] = [];
  /** Set when the last write failed; /healthz reports it. */
  lastWriteError: Error | null = null;

  /** The newest audit entry already appended to audit.jsonl. */
  private auditMark: AuditEntry | undefined;
  /** db.json as we last wrote it: a different mtime or size means another process wrote it. */
  private lastStat: { mtimeMs: number; size: number } | undefined;
  private watcher: NodeJS.Timeout | undefined;

  private constructor(
    private readonly low: Low<StoreData>,
    readonly file: string,
    /** The text of the last write, serialized once for both the file and the undo copy. */
    private readonly lastWritten: () => string,
  ) {
    this.lastGood = lastWritten();
    this.auditMark = low.data.audit[low.data.audit.length - 1];
  }

  get auditFile(): string {
    return this.file.replace(/db\.json$/, 'audit.jsonl');
  }

  /** Audit entries added since the last append, as JSON lines. */
  private pendingAudit(): { lines: string; mark: AuditEntry | undefined } {
    const audit = this.low.data.audit;
    const from = this.auditMark ? audit.lastIndexOf(this.auditMark) + 1 : 0;
    const fresh = audit.slice(from);
    return { lines: fresh.map((e) => `${JSON.stringify(e)}\n`).join(''), mark: fresh.length ? fresh[fresh.length - 1] : this.auditMark };
  }

  /** `readOnly`: for commands that only read (services list, renders): the file is not written on open. */
  static async open(dataDir: string, opts: { readOnly?: boolean } = {}): Promise<Store> {
    await mkdir(dataDir, { recursive: true }).catch((e: unknown) => {
      throw new StoreError('unwritable', `cannot create DATA_DIR ${dataDir}: ${(e as Error).message}`, { cause: e });
    });
    const file = join(dataDir, 'db.json');
    // Compact JSON, serialized once per write: the store is rewritten whole on every change, and
    // indentation doubles the bytes and the time (it is still one object per line-free JSON
    // document; `jq . db.json` reads it).
    let text = '';
    const adapter = new DataFile<StoreData>(file, { parse: (s) => JSON.parse(s) as StoreData, stringify: (d) => (text = JSON.stringify(d)) });
    const low = new Low<StoreData>(adapter, emptyData());
    try {
      await low.read();
    } catch (e) {
      const aside = `${file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
      await copyFile(file, aside).catch(() => undefined);
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
    low.data = migrate(low.data as Partial<StoreData>);
    try {
      if (!opts.readOnly) await low.write();
      else text = JSON.stringify(low.data);
    } catch (e) {
      throw new StoreError('unwritable', `cannot write ${file}: ${(e as Error).message}`, { cause: e });
    }
    const store = new Store(low, file, () => text);
    store.lastStat = await store.statFile();
    return store;
  }

  private async statFile(): Promise<{ mtimeMs: number; size: number } | undefined> {
    const s = await stat(this.file).catch(() => undefined);
    return s && { mtimeMs: s.mtimeMs, size: s.size };
  }

  /**
   * The CLI (`services apply`) writes db.json while the bot runs. Services and templates another
   * process changed since our last write are taken over (a three-way merge by name against what we
   * wrote last), so neither side's change is lost; everything else stays as the bot has it. Checked
   * before each write and every `everyMs` by `watch()`.
   */
  private async adoptExternalChanges(): Promise<{ services: Record<string, unknown>; templates: Record<string, unknown> } | undefined> {
    const now = await this.statFile();
    if (!now || !this.lastStat || (now.mtimeMs === this.lastStat.mtimeMs && now.size === this.lastStat.size)) return undefined;
    let external: Partial<StoreData>;
    try {
      external = JSON.parse(await readFile(this.file, 'utf8')) as Partial<StoreData>;
    } catch {
      return undefined; // caught mid-write: look again next time
    }
    this.lastStat = now;
    if (!external || typeof external !== 'object') return undefined;
    const ours = JSON.parse(this.lastGood) as StoreData;
    return { services: changedByOthers(ours.services, external.services ?? {}), templates: changedByOthers(ours.templates, external.templates ?? {}) };
  }

  private applyExternal(changes: { services: Record<string, unknown>; templates: Record<string, unknown> }): void {
    const d = this.low.data as unknown as Record<'services' | 'templates', Record<string, unknown>>;
    for (const key of ['services', 'templates'] as const) {
      for (const [name, value] of Object.entries(changes[key])) {
        if (value === undefined) delete d[key][name];
        else d[key][name] = value;
      }
    }
  }

  /** Starts looking for changes other processes made to db.json (see adoptExternalChanges). */
  watch(everyMs = 2000, onAdopt?: (names: string[]) => void): void {
    this.watcher = setInterval(() => {
      if (this.writing) return; // the write looks first
      void this.adoptExternalChanges().then((changes) => {
        if (!changes) return;
        const names = [...Object.keys(changes.services), ...Object.keys(changes.templates)];
        if (names.length === 0) return;
        void this.mutate(() => this.applyExternal(changes)).catch(() => undefined);
        onAdopt?.(names);
      });
    }, everyMs);
    this.watcher.unref();
  }

  unwatch(): void {
    clearInterval(this.watcher);
  }

  /** Read-only view of the live data. Never mutate it outside `mutate`. */
  get data(): Readonly<StoreData> {
    return this.low.data;
  }

  /** Applies `fn` now (atomically) and resolves with its result once the change is on disk. */
  mutate<T>(fn: (data: StoreData) => T): Promise<T> {
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

  private scheduleFlush(): void {
    if (this.writing) return; // the running write will start another one when it ends
    this.writing = new Promise<void>((r) => queueMicrotask(r)).then(() => this.writeBatch());
  }

  private async writeBatch(): Promise<void> {
    const batch = this.pending;
    this.pending = [];
    try {
      const external = await this.adoptExternalChanges();
      if (external) this.applyExternal(external);
      const audit = this.pendingAudit();
      const writing = this.low.write(); // serializes now, synchronously: later mutations wait for the next batch
      const snapshot = this.lastWritten();
      await writing;
      this.lastStat = await this.statFile();
      if (audit.lines) await appendFile(this.auditFile, audit.lines);
      this.auditMark = audit.mark;
      this.lastGood = snapshot;
      this.lastWriteError = null;
      for (const w of batch) w.resolve();
    } catch (e) {
      const err = new StoreError('unwritable', `cannot write ${this.file}: ${(e as Error).message}`, { cause: e });
      this.lastWriteError = err;
      // Undo every change not on disk, including those queued behind this write.
      this.low.data = JSON.parse(this.lastGood) as StoreData;
      this.auditMark = this.low.data.audit[this.low.data.audit.length - 1];
      const rejected = [...batch, ...this.pending];
      this.pending = [];
      for (const w of rejected) w.reject(err);
    } finally {
      this.writing = null;
      if (this.pending.length > 0) this.scheduleFlush();
    }
  }
}

/**
 * Entries another process added, changed or removed relative to `base` (what we last wrote):
 * name → new value, or undefined for a removal.
 */
function changedByOthers(base: Record<string, unknown>, theirs: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(theirs)) if (JSON.stringify(value) !== JSON.stringify(base[name])) out[name] = value;
  for (const name of Object.keys(base)) if (!(name in theirs)) out[name] = undefined;
  return out;
}

/** Brings older files up to SCHEMA_VERSION, filling collections that did not exist yet. */
function migrate(d: Partial<StoreData>): StoreData {
  const base = emptyData();
  // Schema 1 kept leases per service; 2 keys them by address (see migrateLeases).
  const leases = migrateLeases(d.leases ?? base.leases, new Date().toISOString());
  return {
    schemaVersion: SCHEMA_VERSION,
    services: d.services ?? base.services,
    requests: d.requests ?? base.requests,
    leases: leases.leases,
    templates: d.templates ?? base.templates,
    audit: [...(d.audit ?? base.audit), ...leases.audit],
    notices: d.notices ?? base.notices,
  };
}
