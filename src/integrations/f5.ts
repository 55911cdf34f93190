/**
 * F5 BIG-IP iControl REST client for the few calls the bot needs: pool members, their session and
 * connection count, the active unit of an HA pair, and config-sync.
 *
 * Every call goes to the ACTIVE unit. Reads may reuse the answer to "which unit is active" for a few
 * seconds; a write sequence asks again immediately before it starts and checks afterwards that the
 * unit is still ACTIVE, because a write that lands on a unit which just became standby is accepted
 * by iControl REST and then lost (the new active unit never sees it). Token auth (`X-F5-Auth-Token`) is cached per unit; a 401 logs
 * in again once. Transient failures (mcpd or restjavad restarting, network blips, timeouts) are
 * retried by a named policy; everything else fails at once with a coded `F5Error`.
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { z } from 'zod';
import { isIPv4 } from '../ipv4.js';
import { redact, registerSecrets, type Logger } from '../logger.js';

export type F5ErrorCode =
  | 'auth'
  | 'not_found'
  | 'conflict'
  | 'bad_request'
  | 'server'
  | 'timeout'
  | 'network'
  | 'no_active_unit'
  /** The unit a write went to is no longer ACTIVE (a failover mid-sequence): transient, re-asked and retried. */
  | 'not_active';

export class F5Error extends Error {
  override readonly name = 'F5Error';
  readonly code: F5ErrorCode;
  /** HTTP status, when the unit answered. */
  readonly status?: number;
  /** The `message` of F5's error body, secrets redacted. */
  readonly f5Message?: string;
  /** Base URL of the unit that failed. */
  readonly unit?: string;
  /** Whether trying again later can help (the retry policy only retries these). */
  readonly transient: boolean;

  constructor(init: {
    code: F5ErrorCode;
    message: string;
    status?: number;
    f5Message?: string;
    unit?: string;
    transient?: boolean;
    cause?: unknown;
  }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.f5Message = init.f5Message;
    this.unit = init.unit;
    this.transient = init.transient ?? false;
  }
}

/** Exponential backoff: delay n = min(maxDelayMs, minDelayMs * factor^n), at most `retries` times. */
export interface RetryPolicy {
  name: string;
  retries: number;
  minDelayMs: number;
  maxDelayMs: number;
  factor: number;
}

/** Rides out an mcpd or restjavad restart (about a minute) without hammering the unit. */
export const F5_RETRY: RetryPolicy = { name: 'f5', retries: 6, minDelayMs: 1_000, maxDelayMs: 20_000, factor: 2 };
/** Same shape, milliseconds instead of seconds: for tests. */
export const F5_RETRY_FAST: RetryPolicy = { name: 'f5-fast', retries: 3, minDelayMs: 5, maxDelayMs: 20, factor: 2 };

export type MemberSession = 'user-disabled' | 'user-enabled';

const memberSchema = z.object({
  name: z.string(),
  partition: z.string().default(''),
  fullPath: z.string().optional(),
  address: z.string(),
  /** monitor-enabled | user-enabled | user-disabled */
  session: z.string().default(''),
  /** up | down | unchecked | user-down */
  state: z.string().default(''),
  monitor: z.string().optional(),
  ratio: z.number().optional(),
});
export type PoolMember = z.infer<typeof memberSchema>;

const memberListSchema = z.object({ items: z.array(memberSchema).default([]) });

/** `{entries: {<selfLink>: {nestedStats: {entries: {...}}}}}`, the shape of every iControl stats answer. */
const statsSchema = z.object({
  entries: z.record(
    z.string(),
    z.object({ nestedStats: z.object({ entries: z.record(z.string(), z.unknown()) }) }),
  ),
});
const statValue = z.object({ value: z.number() });
const statDescription = z.object({ description: z.string() });

const loginSchema = z.object({ token: z.object({ token: z.string().min(1), timeout: z.number().optional() }) });

/** Both F5 error shapes carry `message`: `{code,message,errorStack,apiError}` and `{code,message,referer,restOperationId,kind}`. */
const errorBodySchema = z.object({ message: z.string() });

export interface F5ClientOptions {
  /** Base URLs of the units, e.g. `https://10.255.1.80`. */
  servers: string[];
  username: string;
  password: string;
  verifyTls?: boolean;
  caFile?: string;
  /** Per HTTP request. Default 15 s. */
  timeoutMs?: number;
  logger?: Logger;
  retry?: RetryPolicy;
  /** How long reads reuse the answer of `activeUnit()`. Default 5 s. Writes never reuse it. */
  activeUnitTtlMs?: number;
}

interface Reply {
  status: number;
  body: unknown;
  text: string;
}

const F5_NAME = /^[A-Za-z0-9_.-]{1,127}$/;
const TLS_ERROR = /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_SSL|ERR_TLS/;

export class F5Client {
  private readonly units: string[];
  private readonly username: string;
  private readonly password: string;
  private readonly timeoutMs: number;
  private readonly retry: RetryPolicy;
  private readonly activeUnitTtlMs: number;
  private readonly log?: Logger;
  private readonly agent: Agent;
  private readonly tokens = new Map<string, { token: string; expiresAt: number }>();
  private readonly pendingLogins = new Map<string, Promise<string>>();
  /** Every token this client was given, to scrub from anything it reports. */
  private readonly seenTokens = new Set<string>();
  private active?: { unit: string; until: number };
  private pendingActive?: Promise<string>;

  constructor(opts: F5ClientOptions) {
    if (opts.servers.length === 0) throw new Error('F5Client needs at least one server');
    this.units = opts.servers.map((s) => s.trim().replace(/\/+$/, ''));
    this.username = opts.username;
    this.password = opts.password;
    this.timeoutMs = opts.timeoutMs ?? 15_000;
    this.retry = opts.retry ?? F5_RETRY;
    this.activeUnitTtlMs = opts.activeUnitTtlMs ?? 5_000;
    this.log = opts.logger?.child({ module: 'f5' });
    registerSecrets([opts.password]);
    this.agent = new Agent({
      connect: {
        rejectUnauthorized: opts.verifyTls ?? true,
        ca: opts.caFile ? readFileSync(opts.caFile) : undefined,
        timeout: this.timeoutMs,
      },
      headersTimeout: this.timeoutMs,
      bodyTimeout: this.timeoutMs,
    });
  }

  /** The unit to send reads to: the only one, or the one whose failover status is ACTIVE (cached briefly). */
  async activeUnit(): Promise<string> {
    if (this.units.length === 1) return this.units[0]!;
    if (this.active && Date.now() < this.active.until) return this.active.unit;
    this.pendingActive ??= this.findActiveUnit().finally(() => {
      this.pendingActive = undefined;
    });
    return this.pendingActive;
  }

  /** Adds `ip:port` to the pool; an existing member counts as success. Returns the member as F5 reads it back. */
  async addMember(pool: string, partition: string, ip: string, port: number): Promise<PoolMember> {
    const p = memberPaths(pool, partition, ip, port);
    return this.onActiveUnit(`add ${p.label}`, 'write', async (unit) => {
      const body = { name: `${ip}:${port}`, address: ip, partition };
      const created = await this.call(unit, 'POST', p.members, body);
      const alreadyThere = created.status === 409 && /already exists/i.test(this.messageOf(created) ?? '');
      if (!alreadyThere) this.expectOk(created, unit, 'POST', p.members);
      else this.log?.info({ unit, member: p.label }, 'pool member already exists');
      const read = await this.call(unit, 'GET', p.member);
      return parse(memberSchema, this.expectOk(read, unit, 'GET', p.member), unit, p.member);
    });
  }

  /** The member, or undefined when the pool has no such member. A missing pool is an error (`not_found`). */
  async getMember(pool: string, partition: string, ip: string, port: number): Promise<PoolMember | undefined> {
    const p = memberPaths(pool, partition, ip, port);
    return this.onActiveUnit(`get ${p.label}`, 'read', async (unit) => {
      const read = await this.call(unit, 'GET', p.member);
      if (read.status === 404 && isMissingMember(this.messageOf(read))) return undefined;
      return parse(memberSchema, this.expectOk(read, unit, 'GET', p.member), unit, p.member);
    });
  }

  async listMembers(pool: string, partition: string): Promise<PoolMember[]> {
    const p = poolPaths(pool, partition);
    return this.onActiveUnit(`list ${p.label}`, 'read', async (unit) => {
      const read = await this.call(unit, 'GET', p.members);
      // BIG-IP leaves `items` out of an empty collection.
      return parse(memberListSchema, this.expectOk(read, unit, 'GET', p.members), unit, p.members).items;
    });
  }

  /** Removes the member; true if it was there, false if it was already gone (or its pool is). */
  async removeMember(pool: string, partition: string, ip: string, port: number): Promise<boolean> {
    const p = memberPaths(pool, partition, ip, port);
    return this.onActiveUnit(`remove ${p.label}`, 'write', async (unit) => {
      const deleted = await this.call(unit, 'DELETE', p.member);
      if (deleted.status === 404 && !isTransient(404, this.messageOf(deleted))) {
        const message = this.messageOf(deleted);
        if (!isMissingMember(message)) this.log?.warn({ unit, member: p.label, f5Message: message }, 'pool is missing');
        return false;
      }
      this.expectOk(deleted, unit, 'DELETE', p.member);
      return true;
    });
  }

  /** `user-disabled` drains (no new connections, existing ones continue); `user-enabled` takes traffic again. */
  async setMemberSession(
    pool: string,
    partition: string,
    ip: string,
    port: number,
    session: MemberSession,
  ): Promise<PoolMember> {
    const p = memberPaths(pool, partition, ip, port);
    return this.onActiveUnit(`${session} ${p.label}`, 'write', async (unit) => {
      const patched = await this.call(unit, 'PATCH', p.member, { state: 'user-up', session });
      return parse(memberSchema, this.expectOk(patched, unit, 'PATCH', p.member), unit, p.member);
    });
  }

  /** Current server-side connections of the member (what a drain waits on). */
  async memberStats(pool: string, partition: string, ip: string, port: number): Promise<{ curConns: number }> {
    const p = memberPaths(pool, partition, ip, port);
    const path = `${p.member}/stats`;
    return this.onActiveUnit(`stats ${p.label}`, 'read', async (unit) => {
      const read = await this.call(unit, 'GET', path);
      const entries = firstNestedEntries(this.expectOk(read, unit, 'GET', path), unit, path);
      return { curConns: parse(statValue, entries['serverside.curConns'], unit, path).value };
    });
  }

  /**
   * Runs `config-sync to-group <deviceGroup>` on the active unit, then polls sync-status until
   * `In Sync` or `polls` reads have been made. A group that does not settle is a value, not an error.
   */
  async configSync(
    deviceGroup: string,
    opts: { polls?: number; intervalMs?: number } = {},
  ): Promise<{ inSync: boolean; status: string }> {
    if (!/^[A-Za-z0-9_.\/-]{1,255}$/.test(deviceGroup)) {
      throw new F5Error({ code: 'bad_request', message: `invalid device group name ${JSON.stringify(deviceGroup)}` });
    }
    const polls = opts.polls ?? 5;
    const intervalMs = opts.intervalMs ?? 1_000;
    const body = { command: 'run', utilCmdArgs: `config-sync to-group ${deviceGroup}` };
    await this.onActiveUnit(`config-sync ${deviceGroup}`, 'write', async (unit) => {
      this.expectOk(await this.call(unit, 'POST', '/mgmt/tm/cm', body), unit, 'POST', '/mgmt/tm/cm');
    });
    let status = 'unknown';
    for (let i = 0; i < polls; i++) {
      if (i > 0) await sleep(intervalMs);
      status = await this.onActiveUnit('sync-status', 'read', (unit) => this.syncStatus(unit));
      if (status === 'In Sync') return { inSync: true, status };
    }
    this.log?.warn({ deviceGroup, status, polls }, 'device group not in sync yet');
    return { inSync: false, status };
  }

  /** Closes the HTTP connections. */
  async close(): Promise<void> {
    await this.agent.close();
  }

  // --- plumbing -------------------------------------------------------------------------------

  private async findActiveUnit(): Promise<string> {
    const statuses = await Promise.all(
      this.units.map((unit) =>
        this.failoverStatus(unit).catch((e: unknown) => (e instanceof F5Error ? `error:${e.code}` : 'error')),
      ),
    );
    const active = this.units.filter((_, i) => statuses[i] === 'ACTIVE');
    const summary = this.units.map((u, i) => `${u}=${statuses[i]}`).join(', ');
    if (active.length !== 1) {
      throw new F5Error({
        code: 'no_active_unit',
        transient: true, // a failover in progress settles within seconds
        message:
          active.length === 0
            ? `no BIG-IP unit is ACTIVE (${summary})`
            : `more than one BIG-IP unit claims ACTIVE, check the HA pair (${summary})`,
      });
    }
    const unit = active[0]!;
    if (this.active?.unit !== unit) this.log?.info({ unit, summary }, 'active BIG-IP unit');
    this.active = { unit, until: Date.now() + this.activeUnitTtlMs };
    return unit;
  }

  private async failoverStatus(unit: string): Promise<string> {
    const path = '/mgmt/tm/cm/failover-status';
    const entries = firstNestedEntries(this.expectOk(await this.call(unit, 'GET', path), unit, 'GET', path), unit, path);
    return parse(statDescription, entries.status, unit, path).description;
  }

  private async syncStatus(unit: string): Promise<string> {
    const path = '/mgmt/tm/cm/sync-status';
    const entries = firstNestedEntries(this.expectOk(await this.call(unit, 'GET', path), unit, 'GET', path), unit, path);
    return parse(statDescription, entries.status, unit, path).description;
  }

  /**
   * Runs `op` on the active unit, retrying transient failures by the policy (re-resolving the unit each time).
   * A write sequence asks which unit is active right before it starts (never the cached answer) and
   * afterwards confirms that unit is still ACTIVE; if it turned standby meanwhile, the sequence counts
   * as a transient failure and runs again on the new active unit (every write here is idempotent).
   */
  private async onActiveUnit<T>(what: string, kind: 'read' | 'write', op: (unit: string) => Promise<T>): Promise<T> {
    const ha = this.units.length > 1;
    for (let attempt = 0; ; attempt++) {
      try {
        const unit = kind === 'write' && ha ? await this.findActiveUnit() : await this.activeUnit();
        const result = await op(unit);
        if (kind === 'write' && ha) await this.confirmStillActive(unit, what);
        return result;
      } catch (e) {
        if (!(e instanceof F5Error) || !e.transient || attempt >= this.retry.retries) throw e;
        this.active = undefined; // the unit may have failed over
        const delayMs = Math.min(this.retry.maxDelayMs, this.retry.minDelayMs * this.retry.factor ** attempt);
        this.log?.warn(
          { what, unit: e.unit, code: e.code, status: e.status, f5Message: e.f5Message, attempt: attempt + 1, delayMs, policy: this.retry.name },
          'transient F5 error, retrying',
        );
        await sleep(delayMs);
      }
    }
  }

  /** One GET after a write sequence: the unit it went to must still be ACTIVE. */
  private async confirmStillActive(unit: string, what: string): Promise<void> {
    const status = await this.failoverStatus(unit);
    if (status === 'ACTIVE') return;
    this.active = undefined;
    throw new F5Error({
      code: 'not_active',
      transient: true,
      unit,
      message: `${unit} became ${status} during "${what}"; the write may not reach the active unit, so it is repeated there`,
    });
  }

  /** One authenticated call; a 401 logs in again once and repeats it. */
  private async call(unit: string, method: string, path: string, body?: unknown): Promise<Reply> {
    const token = await this.token(unit);
    const reply = await this.send(unit, method, path, body, token);
    if (reply.status !== 401) return reply;
    this.log?.info({ unit, f5Message: this.messageOf(reply) }, 'F5 token rejected, logging in again');
    if (this.tokens.get(unit)?.token === token) this.tokens.delete(unit);
    return this.send(unit, method, path, body, await this.token(unit));
  }

  private async token(unit: string): Promise<string> {
    const cached = this.tokens.get(unit);
    if (cached && Date.now() < cached.expiresAt) return cached.token;
    let pending = this.pendingLogins.get(unit);
    if (!pending) {
      pending = this.login(unit).finally(() => this.pendingLogins.delete(unit));
      this.pendingLogins.set(unit, pending);
    }
    return pending;
  }

  private async login(unit: string): Promise<string> {
    const path = '/mgmt/shared/authn/login';
    const reply = await this.send(unit, 'POST', path, {
      username: this.username,
      password: this.password,
      loginProviderName: 'tmos',
    });
    const { token } = parse(loginSchema, this.expectOk(reply, unit, 'POST', path), unit, path);
    this.seenTokens.add(token.token);
    // Renew well before BIG-IP's own expiry (default 1200 s); a 401 still triggers a fresh login.
    const lifetimeMs = (token.timeout ?? 1200) * 1000 * 0.8;
    this.tokens.set(unit, { token: token.token, expiresAt: Date.now() + lifetimeMs });
    this.log?.debug({ unit }, 'logged in to BIG-IP');
    return token.token;
  }

  private async send(unit: string, method: string, path: string, body?: unknown, token?: string): Promise<Reply> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (token) headers['x-f5-auth-token'] = token;
    const started = performance.now();
    try {
      const res = await request(unit + path, {
        method: method as 'GET',
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        dispatcher: this.agent,
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const text = await res.body.text();
      this.log?.debug({ unit, method, path, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'F5 call');
      return { status: res.statusCode, body: parseJson(text), text };
    } catch (e) {
      throw this.transportError(e, unit, method, path);
    }
  }

  private transportError(e: unknown, unit: string, method: string, path: string): F5Error {
    const err = e as { name?: string; code?: string; message?: string };
    const timedOut =
      err.name === 'TimeoutError' ||
      err.code === 'UND_ERR_HEADERS_TIMEOUT' ||
      err.code === 'UND_ERR_BODY_TIMEOUT' ||
      err.code === 'UND_ERR_CONNECT_TIMEOUT';
    if (timedOut) {
      return new F5Error({
        code: 'timeout',
        transient: true,
        unit,
        cause: e,
        message: `F5 ${method} ${path} on ${unit} timed out after ${this.timeoutMs} ms`,
      });
    }
    const tls = TLS_ERROR.test(err.code ?? '');
    const reason = this.scrub(err.code ?? err.message ?? String(e));
    return new F5Error({
      code: 'network',
      transient: !tls, // a certificate problem does not go away by retrying
      unit,
      cause: e,
      message: tls
        ? `F5 ${method} ${path} on ${unit}: TLS verification failed (${reason}); set F5_CA_FILE or F5_VERIFY_TLS=false`
        : `F5 ${method} ${path} on ${unit} failed: ${reason}`,
    });
  }

  /** Returns the body of a 2xx reply, or throws the coded error the reply stands for. */
  private expectOk(reply: Reply, unit: string, method: string, path: string): unknown {
    if (reply.status >= 200 && reply.status < 300) return reply.body;
    const f5Message = this.messageOf(reply);
    const { code, transient } = classify(reply.status, f5Message);
    throw new F5Error({
      code,
      transient,
      status: reply.status,
      f5Message,
      unit,
      message: `F5 ${method} ${path} on ${unit} failed: ${reply.status}${f5Message ? ` ${f5Message}` : ''}`,
    });
  }

  /** F5's error message (either body shape), or the start of a non-JSON body; secrets redacted. */
  private messageOf(reply: Reply): string | undefined {
    const parsed = errorBodySchema.safeParse(reply.body);
    const raw = parsed.success
      ? parsed.data.message
      : reply.text.replace(/<[^>]*>/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
    return raw ? this.scrub(raw) : undefined;
  }

  private scrub(text: string): string {
    let out = text;
    for (const secret of [this.password, ...this.seenTokens]) {
      if (secret) out = out.split(secret).join('[REDACTED]');
    }
    return redact(out);
  }
}

function classify(status: number, message = ''): { code: F5ErrorCode; transient: boolean } {
  const transient = isTransient(status, message);
  if (status === 401 || status === 403) return { code: 'auth', transient };
  if (status === 404) return { code: transient ? 'server' : 'not_found', transient };
  if (status === 409) return { code: 'conflict', transient };
  if (status >= 400 && status < 500) return { code: 'bad_request', transient };
  return { code: 'server', transient };
}

/** The answers BIG-IP gives while mcpd or restjavad restart, and gateway errors in front of it. */
function isTransient(status: number, message = ''): boolean {
  if (status === 404) return /URI path .*not registered/i.test(message);
  if (status === 500) return /connection to mcpd has been lost/i.test(message);
  return status === 502 || status === 503 || status === 504;
}

function isMissingMember(message = ''): boolean {
  return /Pool Member .*was not found/i.test(message);
}

function poolPaths(pool: string, partition: string) {
  for (const [what, value] of [['pool', pool], ['partition', partition]] as const) {
    if (!F5_NAME.test(value)) {
      throw new F5Error({ code: 'bad_request', message: `invalid F5 ${what} name ${JSON.stringify(value)}` });
    }
  }
  const poolPath = `/mgmt/tm/ltm/pool/~${partition}~${pool}`;
  return { members: `${poolPath}/members`, label: `/${partition}/${pool}` };
}

function memberPaths(pool: string, partition: string, ip: string, port: number) {
  if (!isIPv4(ip)) throw new F5Error({ code: 'bad_request', message: `invalid member address ${JSON.stringify(ip)}` });
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw new F5Error({ code: 'bad_request', message: `invalid member port ${port}` });
  }
  const p = poolPaths(pool, partition);
  return { ...p, member: `${p.members}/~${partition}~${ip}:${port}`, label: `${p.label} ${ip}:${port}` };
}

function firstNestedEntries(body: unknown, unit: string, path: string): Record<string, unknown> {
  const first = Object.values(parse(statsSchema, body, unit, path).entries)[0];
  if (!first) throw unexpected(unit, path, 'no stats entries');
  return first.nestedStats.entries;
}

function parse<T>(schema: z.ZodType<T>, value: unknown, unit: string, path: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw unexpected(unit, path, z.prettifyError(result.error).replace(/\n/g, '; '));
  return result.data;
}

function unexpected(unit: string, path: string, detail: string): F5Error {
  return new F5Error({ code: 'server', unit, message: `unexpected F5 answer from ${unit}${path}: ${detail}` });
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}
