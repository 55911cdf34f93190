/**
 * The bot's admin endpoint: HTTP on the unix socket DATA_DIR/admin.sock, mode 0600.
 *
 * Why a unix socket and not loopback HTTP with a token: the file's permissions are the
 * authentication (only DATA_DIR's owner, the account that may read db.json anyway, can connect),
 * there is no token to generate, store, rotate or leak, no port to choose, and nothing that any
 * other local user or process on the network side could reach. Its presence also tells the CLI
 * that a bot owns DATA_DIR.
 */
import { chmod, unlink } from 'node:fs/promises';
import { createServer, request, type Server } from 'node:http';
import { connect } from 'node:net';
import { join } from 'node:path';
import { BodyTooLarge, readBody, sendJson } from '../handlers/alertmanager.js';
import type { Logger } from '../logger.js';
import { adminRequestSchema, runAdminCommand, type AdminContext, type AdminOutcome } from './commands.js';

const MAX_ADMIN_BYTES = 2 * 1024 * 1024;

export function adminSocketPath(dataDir: string): string {
  return join(dataDir, 'admin.sock');
}

export interface AdminServer { close(): Promise<void> }

/** Listens on DATA_DIR/admin.sock. Call only while holding the DATA_DIR lock: a socket file left there is stale. */
export async function startAdminServer(dataDir: string, ctx: Omit<AdminContext, 'actor'>, logger: Logger): Promise<AdminServer> {
  const path = adminSocketPath(dataDir);
  const log = logger.child({ module: 'admin' });
  const server: Server = createServer((req, res) => {
    void (async () => {
      if (req.method !== 'POST' || req.url !== '/v1/command') return sendJson(res, 404, { error: 'POST /v1/command' });
      let body: unknown;
      try {
        body = JSON.parse((await readBody(req, MAX_ADMIN_BYTES)).toString('utf8'));
      } catch (e) {
        return sendJson(res, e instanceof BodyTooLarge ? 413 : 400, { ok: false, code: 'invalid', message: (e as Error).message });
      }
      const parsed = adminRequestSchema.safeParse(body);
      if (!parsed.success) return sendJson(res, 400, { ok: false, code: 'invalid', message: 'expected { command, actor, input }' });
      const { command, actor, input } = parsed.data;
      const outcome = await runAdminCommand(command, input, { ...ctx, actor });
      log.info({ command, actor, ok: outcome.ok, ...(outcome.ok ? {} : { code: outcome.code }) }, 'admin command');
      sendJson(res, 200, outcome);
    })().catch((e: unknown) => {
      log.error({ err: e }, 'admin command failed');
      if (!res.headersSent) sendJson(res, 500, { ok: false, code: 'failed', message: 'internal error' });
    });
  });
  await unlink(path).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => resolve());
  });
  await chmod(path, 0o600);
  return {
    async close() {
      server.closeIdleConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await unlink(path).catch(() => undefined);
    },
  };
}

/** Whether a bot listens on DATA_DIR/admin.sock right now. */
export function adminReachable(dataDir: string): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(adminSocketPath(dataDir));
    s.once('connect', () => { s.destroy(); resolve(true); });
    s.once('error', () => resolve(false));
  });
}

export type AdminCall = { reached: false } | { reached: true; outcome: AdminOutcome };

/**
 * Sends one command to the running bot. `reached: false` only when nothing listens (no bot, or a
 * stale socket): then nothing was applied and the caller may apply it itself under the lock.
 */
export function callAdmin(dataDir: string, command: string, input: unknown, actor: string, timeoutMs = 30_000): Promise<AdminCall> {
  const body = JSON.stringify({ command, actor, input });
  return new Promise((resolve, reject) => {
    let connected = false;
    const req = request(
      { socketPath: adminSocketPath(dataDir), path: '/v1/command', method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          try {
            resolve({ reached: true, outcome: JSON.parse(Buffer.concat(chunks).toString('utf8')) as AdminOutcome });
          } catch (e) {
            reject(new Error(`the bot answered on ${adminSocketPath(dataDir)} with something that is not JSON: ${(e as Error).message}`));
          }
        });
      },
    );
    req.on('socket', (s) => s.once('connect', () => { connected = true; }));
    req.on('timeout', () => req.destroy(new Error(`the bot did not answer within ${timeoutMs} ms`)));
    req.on('error', (e: NodeJS.ErrnoException) => {
      if (!connected && (e.code === 'ENOENT' || e.code === 'ECONNREFUSED')) resolve({ reached: false });
      else reject(new Error(`talking to the bot on ${adminSocketPath(dataDir)} failed (${e.message}); the change may or may not be applied — check with \`services list\``));
    });
    req.end(body);
  });
}
