/**
 * The inter-process lock of DATA_DIR: whoever holds DATA_DIR/db.lock is the only writer of db.json
 * and the archive. The bot holds it from before it reads the store until it stops; the CLI holds it
 * for one change (re-read, apply, write) when no bot runs.
 *
 * Why not proper-lockfile: its staleness is an mtime that the holder must refresh on a timer, so a
 * bot killed with SIGKILL blocks the next start for the whole stale period, and an event loop that
 * stalls past it loses the lock ("compromised") while still writing. Both processes are on one
 * host, so liveness is better answered by the kernel: the lock names its holder's pid, and a lock
 * whose pid no longer exists is stale and may be broken at once.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, rmdir, stat, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { FILE_MODE } from './atomicFile.js';

export interface LockHolder {
  pid: number;
  role: 'bot' | 'cli';
  since: string;
  nonce: string;
}

export interface DataDirLock {
  readonly file: string;
  readonly holder: LockHolder;
  release(): Promise<void>;
}

export type LockResult = { ok: true; lock: DataDirLock } | { ok: false; holder: LockHolder | undefined };

export function lockFile(dataDir: string): string {
  return join(dataDir, 'db.lock');
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'; // exists, owned by someone else
  }
}

async function readHolder(file: string): Promise<LockHolder | undefined> {
  try {
    const h = JSON.parse(await readFile(file, 'utf8')) as LockHolder;
    return typeof h.pid === 'number' && typeof h.nonce === 'string' ? h : undefined;
  } catch {
    return undefined; // gone, or being written this very moment
  }
}

/**
 * Removes a lock whose holder is dead. A guard directory makes the check-and-remove one step, so
 * two processes that both saw the same dead holder cannot remove each other's fresh lock.
 */
async function breakStale(file: string, seen: LockHolder): Promise<void> {
  const guard = `${file}.break`;
  try {
    await mkdir(guard);
  } catch {
    // Someone else is breaking it; a guard left by a process that died while breaking is old.
    const s = await stat(guard).catch(() => undefined);
    if (s && Date.now() - s.mtimeMs > 5000) await rmdir(guard).catch(() => undefined);
    return;
  }
  try {
    const now = await readHolder(file);
    if (now && now.nonce === seen.nonce) await unlink(file).catch(() => undefined);
  } finally {
    await rmdir(guard).catch(() => undefined);
  }
}

/** Locks held by this process, by file: a second open of the same DATA_DIR in one process (tests) shares the lock. */
const held = new Map<string, { lock: DataDirLock; count: number }>();

process.once('exit', () => {
  // A normal exit (process.exit after SIGTERM, or a crash with an exception) frees the lock at once.
  for (const [file, h] of held) {
    try {
      if ((JSON.parse(readFileSync(file, 'utf8')) as LockHolder).nonce === h.lock.holder.nonce) unlinkSync(file);
    } catch {
      /* already gone */
    }
  }
});

/**
 * Takes the lock, waiting up to `waitMs` for a live holder to release it. `stopWaiting(holder)`
 * is asked on every turn (the CLI stops as soon as the holder is a bot it can talk to).
 */
export async function acquireLock(
  dataDir: string,
  o: { role: LockHolder['role']; waitMs: number; stopWaiting?: (holder: LockHolder) => boolean | Promise<boolean> },
): Promise<LockResult> {
  const file = lockFile(dataDir);
  const mine = held.get(file);
  if (mine) {
    mine.count++;
    return { ok: true, lock: mine.lock };
  }
  const deadline = Date.now() + o.waitMs;
  const holder: LockHolder = { pid: process.pid, role: o.role, since: new Date().toISOString(), nonce: randomBytes(8).toString('hex') };
  let last: LockHolder | undefined;
  for (;;) {
    try {
      const h = await open(file, 'wx', FILE_MODE);
      try {
        await h.writeFile(JSON.stringify(holder));
        await h.sync();
      } finally {
        await h.close();
      }
      const lock: DataDirLock = {
        file,
        holder,
        async release() {
          const entry = held.get(file);
          if (!entry || --entry.count > 0) return;
          held.delete(file);
          const now = await readHolder(file);
          if (now?.nonce === holder.nonce) await unlink(file).catch(() => undefined);
        },
      };
      held.set(file, { lock, count: 1 });
      return { ok: true, lock };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
    last = await readHolder(file);
    if (!last) {
      // Unreadable: being written right now, or left empty by a process that died in between.
      const s = await stat(file).catch(() => undefined);
      if (s && Date.now() - s.mtimeMs > 5000) await unlink(file).catch(() => undefined);
    } else if (!alive(last.pid)) {
      await breakStale(file, last);
      continue;
    }
    if (last && o.stopWaiting && (await o.stopWaiting(last))) return { ok: false, holder: last };
    if (Date.now() >= deadline) return { ok: false, holder: last };
    await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
  }
}
