/**
 * Health checks for a freshly cloned VM: a TCP connect or an HTTP GET with an expected status, and
 * a wait loop that backs off from 1 s to a 10 s cap until the target is healthy or time runs out.
 */
import { connect } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { Agent, request } from 'undici';

export interface HealthTarget {
  type: 'tcp' | 'http';
  host: string;
  port: number;
  /** HTTP only; default `/`. */
  path?: string;
  /** HTTP only; default 200. */
  expectStatus?: number;
}

export interface HealthResult {
  ok: boolean;
  detail: string;
}

export async function checkHealth(target: HealthTarget, timeoutMs: number): Promise<HealthResult> {
  return target.type === 'tcp' ? checkTcp(target, timeoutMs) : checkHttp(target, timeoutMs);
}

function checkTcp({ host, port }: HealthTarget, timeoutMs: number): Promise<HealthResult> {
  const where = `tcp ${host}:${port}`;
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: HealthResult) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(result);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `${where}: no answer within ${timeoutMs} ms` }), timeoutMs);
    socket.once('connect', () => done({ ok: true, detail: `${where}: open` }));
    socket.once('error', (e: NodeJS.ErrnoException) => done({ ok: false, detail: `${where}: ${e.code ?? e.message}` }));
  });
}

async function checkHttp({ host, port, path = '/', expectStatus = 200 }: HealthTarget, timeoutMs: number): Promise<HealthResult> {
  const url = `http://${host}:${port}${path}`;
  // A pool per check: the VM may be deleted moments later, and no socket should linger to it.
  const agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs });
  try {
    const res = await request(url, { method: 'GET', dispatcher: agent, signal: AbortSignal.timeout(timeoutMs) });
    await res.body.dump();
    const ok = res.statusCode === expectStatus;
    return { ok, detail: `GET ${url}: ${res.statusCode}${ok ? '' : ` (expected ${expectStatus})`}` };
  } catch (e) {
    const err = e as { name?: string; code?: string; message?: string };
    const timedOut = err.name === 'TimeoutError' || /TIMEOUT/.test(err.code ?? '');
    return { ok: false, detail: `GET ${url}: ${timedOut ? `no answer within ${timeoutMs} ms` : (err.code ?? err.message ?? String(e))}` };
  } finally {
    agent.destroy().catch(() => undefined);
  }
}

export interface WaitHealthyOptions {
  /** Total time allowed, from the first check. */
  timeoutMs: number;
  signal?: AbortSignal;
  /** First pause between checks; it doubles each time. Default 1 s. */
  initialDelayMs?: number;
  /** Cap on the pause. Default 10 s. */
  maxDelayMs?: number;
  /** Timeout of one check. Default 5 s; the check made at the deadline may run this much past it. */
  attemptTimeoutMs?: number;
  /** Injected for tests; must reject or return early when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  now?: () => number;
  check?: typeof checkHealth;
}

export interface WaitHealthyResult extends HealthResult {
  attempts: number;
  elapsedMs: number;
  aborted?: true;
}

const abortableSleep = (ms: number, signal?: AbortSignal) => delay(ms, undefined, { signal });

/** Checks until healthy, pausing 1, 2, 4, 8, 10, 10 … s in between, until `timeoutMs` is spent or `signal` aborts. */
export async function waitHealthy(target: HealthTarget, opts: WaitHealthyOptions): Promise<WaitHealthyResult> {
  const {
    timeoutMs,
    signal,
    initialDelayMs = 1_000,
    maxDelayMs = 10_000,
    attemptTimeoutMs = 5_000,
    sleep = abortableSleep,
    now = Date.now,
    check = checkHealth,
  } = opts;
  const started = now();
  const deadline = started + timeoutMs;
  let nextDelay = initialDelayMs;
  let attempts = 0;
  let last: HealthResult = { ok: false, detail: 'not checked' };
  const result = (extra: Partial<WaitHealthyResult> = {}): WaitHealthyResult => ({
    ...last,
    attempts,
    elapsedMs: now() - started,
    ...extra,
  });

  for (;;) {
    if (signal?.aborted) return result({ ok: false, aborted: true });
    attempts++;
    last = await check(target, attemptTimeoutMs);
    if (last.ok) return result();
    const left = deadline - now();
    if (left <= 0) return result();
    try {
      await sleep(Math.min(nextDelay, left), signal);
    } catch (e) {
      if (signal?.aborted) return result({ ok: false, aborted: true });
      throw e;
    }
    nextDelay = Math.min(nextDelay * 2, maxDelayMs);
  }
}
