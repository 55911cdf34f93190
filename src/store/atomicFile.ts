/**
 * Durable file writes for the store. lowdb's own DataFile (steno) writes through one fixed temp
 * name per file, so two processes writing at once interleave in it (unparsable JSON, ENOENT on
 * rename). Here every write has its own temp file (pid + random, created exclusively, mode 0600),
 * is fsynced before the rename, and the directory is fsynced after it, so a crash leaves either the
 * old or the new file, complete.
 */
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/** db.json, the audit trail and the archive hold secrets (Jenkins tokens, Slack ids): owner only. */
export const FILE_MODE = 0o600;

async function fsyncDir(dir: string): Promise<void> {
  const h = await open(dir, 'r');
  try {
    await h.sync();
  } finally {
    await h.close();
  }
}

export async function writeFileAtomic(file: string, text: string): Promise<void> {
  const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  const h = await open(tmp, 'wx', FILE_MODE);
  try {
    try {
      await h.writeFile(text);
      await h.sync();
    } finally {
      await h.close();
    }
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fsyncDir(dirname(file));
}

/**
 * Appends `text`, creating the file (0600) and its directory when missing; `durable` fsyncs it
 * (the archive: db.json stops holding a request only after its archived copy is on disk).
 */
export async function appendFileOwnerOnly(file: string, text: string, durable: boolean): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const h = await open(file, 'a', FILE_MODE);
  try {
    await h.writeFile(text);
    if (durable) await h.sync();
  } finally {
    await h.close();
  }
}

/** Files written by older versions were 0644: tighten them when the store opens them. */
export async function tightenMode(file: string): Promise<void> {
  await chmod(file, FILE_MODE).catch((e: NodeJS.ErrnoException) => {
    if (e.code !== 'ENOENT') throw e;
  });
}
