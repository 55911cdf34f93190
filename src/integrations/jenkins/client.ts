/**
 * Jenkins REST client for the calls the bot needs: manage a service's job (config.xml), start a
 * parameterised build, follow it from the queue to its result, and read its console and stages.
 *
 * Auth is Basic with an API token. POSTs carry a CSRF crumb from `/crumbIssuer/api/json` together
 * with the session cookie it is bound to (Jenkins ≥ 2.176.3); a "No valid crumb" 403 fetches a new
 * crumb once. Failures are `JenkinsError`s with a code; their messages never contain the token.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { redact, type Logger } from '../../logger.js';
import { diffJobConfig } from './jobConfig.js';

export type JenkinsErrorCode =
  | 'auth' // 401: wrong user or token
  | 'forbidden' // 403: missing permission (or a crumb Jenkins keeps refusing)
  | 'not_found'
  | 'exists' // createItem: a job with that name already exists
  | 'bad_request'
  | 'conflict' // 409: e.g. buildWithParameters on a disabled job
  | 'server' // 5xx
  | 'network' // no answer: refused, reset, timed out
  | 'cancelled' // the queue item was cancelled in Jenkins
  | 'aborted'; // our caller's AbortSignal fired

export class JenkinsError extends Error {
  override readonly name = 'JenkinsError';
  readonly code: JenkinsErrorCode;
  /** HTTP status, when Jenkins answered. */
  readonly status?: number;
  /** Whether trying again later can help (network trouble, 5xx). */
  readonly transient: boolean;

  constructor(init: { code: JenkinsErrorCode; message: string; status?: number; cause?: unknown }) {
    super(init.message, init.cause === undefined ? undefined : { cause: init.cause });
    this.code = init.code;
    this.status = init.status;
    this.transient = init.code === 'network' || init.code === 'server';
  }
}

export interface JenkinsClientOptions {
  /** Root URL, e.g. http://10.255.0.103:8080/ (a context path like /jenkins/ is kept). */
  url: string;
  user: string;
  /** API token (Manage Jenkins → Users → Configure → API Token). */
  token: string;
  /** Per-request limit for headers and body; default 30 s. */
  timeoutMs?: number;
  logger?: Logger;
}

export type BuildResult = 'SUCCESS' | 'UNSTABLE' | 'FAILURE' | 'NOT_BUILT' | 'ABORTED';

export interface BuildRef {
  number: number;
  /** Jenkins' own URL of the build (its configured root URL), for links on cards. */
  url: string;
}

export interface BuildInfo extends BuildRef {
  building: boolean;
  /** null while the build runs. */
  result: BuildResult | null;
  durationMs: number;
  /** Start time, epoch ms. */
  timestamp: number;
}

export interface ConsoleChunk {
  text: string;
  /** Pass as `start` next time. */
  nextStart: number;
  /** True while the build still writes to its log. */
  more: boolean;
}

export type StageStatus = 'SUCCESS' | 'FAILED' | 'IN_PROGRESS' | 'NOT_EXECUTED' | 'ABORTED' | 'UNSTABLE' | 'PAUSED_PENDING_INPUT';

export interface StageInfo {
  name: string;
  status: StageStatus;
  durationMs?: number;
}

export interface UpsertResult {
  action: 'created' | 'updated' | 'unchanged';
  /** Unified diff of the normalized configs (token masked); '' when unchanged. */
  diff: string;
}

export interface JobPreview {
  action: 'create' | 'update' | 'unchanged';
  diff: string;
}

export interface WaitForBuildOptions {
  signal?: AbortSignal;
  /** Delay between polls of the queue item; default 1 s. */
  pollMs?: number;
  /** Called when Jenkins' reason for the wait changes (e.g. "Waiting for next available executor"). */
  onWaiting?: (why: string | null) => void;
}

interface Response {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

interface SendOptions {
  body?: string;
  contentType?: string;
  signal?: AbortSignal;
}

const DEFAULT_TIMEOUT_MS = 30_000;
/** Polling rides out this many consecutive transient failures (a Jenkins restart, a blip). */
const MAX_POLL_FAILURES = 5;

export class JenkinsClient {
  private readonly base: URL;
  private readonly authorization: string;
  private readonly token: string;
  private readonly timeoutMs: number;
  private readonly logger?: Logger;
  /** undefined: not fetched yet; null: Jenkins has CSRF protection off (no crumb issuer). */
  private crumb: { field: string; value: string } | null | undefined;
  private readonly cookies = new Map<string, string>();

  constructor(opts: JenkinsClientOptions) {
    this.base = new URL(opts.url.endsWith('/') ? opts.url : `${opts.url}/`);
    this.token = opts.token;
    this.authorization = `Basic ${Buffer.from(`${opts.user}:${opts.token}`).toString('base64')}`;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.logger = opts.logger;
  }

  // --- jobs ------------------------------------------------------------------------------------

  /** The job's config.xml, or undefined when there is no such job. */
  async getJobConfig(name: string): Promise<string | undefined> {
    const res = await this.send('GET', `${jobPath(name)}/config.xml`);
    if (res.status === 404) return undefined;
    this.expectOk(res, 'GET', `${jobPath(name)}/config.xml`);
    return res.text;
  }

  /** Creates the job; a JenkinsError with code 'exists' when the name is taken. */
  async createJob(name: string, xml: string): Promise<void> {
    const { parent, leaf } = splitJobName(name);
    const path = `${parent}createItem?name=${encodeURIComponent(leaf)}`;
    const res = await this.send('POST', path, { body: xml, contentType: 'application/xml' });
    this.expectOk(res, 'POST', path);
  }

  async updateJob(name: string, xml: string): Promise<void> {
    const path = `${jobPath(name)}/config.xml`;
    const res = await this.send('POST', path, { body: xml, contentType: 'application/xml' });
    this.expectOk(res, 'POST', path);
  }

  /** What `upsertJob` would do, without doing it. */
  async previewJob(name: string, xml: string): Promise<JobPreview> {
    const current = await this.getJobConfig(name);
    const { changed, diff } = diffJobConfig(name, current, xml);
    return { action: current === undefined ? 'create' : changed ? 'update' : 'unchanged', diff };
  }

  /** Creates or updates the job; nothing is written when Jenkins already has the same config. */
  async upsertJob(name: string, xml: string): Promise<UpsertResult> {
    const preview = await this.previewJob(name, xml);
    if (preview.action === 'unchanged') return { action: 'unchanged', diff: '' };
    if (preview.action === 'update') {
      await this.updateJob(name, xml);
      return { action: 'updated', diff: preview.diff };
    }
    try {
      await this.createJob(name, xml);
      return { action: 'created', diff: preview.diff };
    } catch (e) {
      // Someone created it between our read and our write: replace it instead.
      if (!(e instanceof JenkinsError && e.code === 'exists')) throw e;
      const current = await this.getJobConfig(name);
      await this.updateJob(name, xml);
      return { action: 'updated', diff: diffJobConfig(name, current, xml).diff };
    }
  }

  /** Deletes the job; false when there was none. */
  async deleteJob(name: string): Promise<boolean> {
    const path = `${jobPath(name)}/doDelete`;
    const res = await this.send('POST', path);
    if (res.status === 404) return false;
    this.expectOk(res, 'POST', path);
    return true;
  }

  // --- builds ----------------------------------------------------------------------------------

  /**
   * Queues a build and returns its queue item URL (under our base URL). When Jenkins already has an
   * identical item queued it answers 303 to that item, which we return in the same way.
   */
  async buildWithParameters(name: string, params: Record<string, string>): Promise<string> {
    const path = `${jobPath(name)}/buildWithParameters`;
    const res = await this.send('POST', path, {
      body: new URLSearchParams(params).toString(),
      contentType: 'application/x-www-form-urlencoded',
    });
    this.expectOk(res, 'POST', path);
    const location = header(res, 'location');
    const queueUrl = location === undefined ? undefined : this.queueItemUrl(location);
    if (!queueUrl) {
      throw new JenkinsError({ code: 'server', status: res.status, message: `POST ${path}: ${res.status} without a queue item Location` });
    }
    return queueUrl;
  }

  /** Follows a queue item until it becomes a build; 'cancelled' if Jenkins cancels it. */
  async waitForBuild(queueUrl: string, opts: WaitForBuildOptions = {}): Promise<BuildRef> {
    const url = this.queueItemUrl(queueUrl);
    if (!url) throw new JenkinsError({ code: 'bad_request', message: `not a queue item URL: ${redact(queueUrl)}` });
    const pollMs = opts.pollMs ?? 1_000;
    let failures = 0;
    let lastWhy: string | null | undefined;
    for (;;) {
      throwIfAborted(opts.signal);
      try {
        const item = await this.getJson<QueueItemJson>(`${url}api/json`, opts.signal);
        failures = 0;
        if (item.executable) return { number: item.executable.number, url: item.executable.url };
        if (item.cancelled) throw new JenkinsError({ code: 'cancelled', message: `queue item ${item.id ?? ''} was cancelled in Jenkins` });
        const why = item.why ?? null;
        if (why !== lastWhy) opts.onWaiting?.(why);
        lastWhy = why;
      } catch (e) {
        if (!(e instanceof JenkinsError && e.transient) || ++failures > MAX_POLL_FAILURES) throw e;
        this.logger?.warn({ err: e.message, failures }, 'jenkins: queue poll failed, retrying');
      }
      await sleepUnlessAborted(pollMs, opts.signal);
    }
  }

  /** Cancels a queued (not yet started) item. */
  async cancelQueueItem(queueUrl: string): Promise<void> {
    const id = /queue\/item\/(\d+)/.exec(queueUrl)?.[1];
    if (!id) throw new JenkinsError({ code: 'bad_request', message: `not a queue item URL: ${redact(queueUrl)}` });
    const path = `queue/cancelItem?id=${id}`;
    const res = await this.send('POST', path);
    this.expectOk(res, 'POST', path);
  }

  async getBuild(name: string, number: number): Promise<BuildInfo> {
    const b = await this.getJson<BuildJson>(`${jobPath(name)}/${number}/api/json`);
    return { number: b.number, url: b.url, building: b.building, result: b.result, durationMs: b.duration, timestamp: b.timestamp };
  }

  /** Asks Jenkins to abort a running build (its `post { aborted }` runs the rollback). */
  async stopBuild(name: string, number: number): Promise<void> {
    const path = `${jobPath(name)}/${number}/stop`;
    const res = await this.send('POST', path);
    this.expectOk(res, 'POST', path);
  }

  /** The console from byte offset `start`. */
  async progressiveText(name: string, number: number, start = 0): Promise<ConsoleChunk> {
    const path = `${jobPath(name)}/${number}/logText/progressiveText?start=${start}`;
    const res = await this.send('GET', path);
    this.expectOk(res, 'GET', path);
    const size = Number(header(res, 'x-text-size'));
    return {
      text: res.text,
      nextStart: Number.isFinite(size) ? size : start + Buffer.byteLength(res.text),
      more: header(res, 'x-more-data') === 'true',
    };
  }

  /**
   * The build's stages from the Pipeline Stage View REST API (`wfapi/describe`); when that plugin
   * is missing, from the `[Pipeline] { (name)` markers in the console.
   */
  async stages(name: string, number: number): Promise<StageInfo[]> {
    const path = `${jobPath(name)}/${number}/wfapi/describe`;
    const res = await this.send('GET', path);
    if (res.status !== 404) {
      this.expectOk(res, 'GET', path);
      const run = parseJson<{ stages?: Array<{ name: string; status: StageStatus; durationMillis?: number }> }>(res, path);
      return (run.stages ?? []).map((s) => ({ name: s.name, status: s.status, durationMs: s.durationMillis }));
    }
    const consolePath = `${jobPath(name)}/${number}/consoleText`;
    const consoleRes = await this.send('GET', consolePath);
    this.expectOk(consoleRes, 'GET', consolePath);
    const build = await this.getBuild(name, number);
    return parseConsoleStages(consoleRes.text, build.building ? null : build.result);
  }

  // --- transport -------------------------------------------------------------------------------

  private async getJson<T>(pathOrUrl: string, signal?: AbortSignal): Promise<T> {
    const res = await this.send('GET', pathOrUrl, { signal });
    this.expectOk(res, 'GET', pathOrUrl);
    return parseJson<T>(res, pathOrUrl);
  }

  /** One request; POSTs carry the crumb, refreshed once when Jenkins says it is not valid. */
  private async send(method: 'GET' | 'POST', pathOrUrl: string, opts: SendOptions = {}): Promise<Response> {
    if (method === 'GET') return this.raw(method, pathOrUrl, opts);
    if (this.crumb === undefined) await this.fetchCrumb(opts.signal);
    const res = await this.raw(method, pathOrUrl, opts, this.crumb ?? undefined);
    if (res.status !== 403 || !/No valid crumb/i.test(res.text)) return res;
    this.logger?.info({ path: pathOrUrl }, 'jenkins: crumb refused, fetching a new one');
    await this.fetchCrumb(opts.signal);
    return this.raw(method, pathOrUrl, opts, this.crumb ?? undefined);
  }

  private async fetchCrumb(signal?: AbortSignal): Promise<void> {
    const path = 'crumbIssuer/api/json';
    const res = await this.raw('GET', path, { signal });
    if (res.status === 404) {
      this.crumb = null; // CSRF protection is off
      return;
    }
    this.expectOk(res, 'GET', path);
    const c = parseJson<{ crumb?: string; crumbRequestField?: string }>(res, path);
    if (!c.crumb || !c.crumbRequestField) throw new JenkinsError({ code: 'server', status: res.status, message: `GET ${path}: no crumb in the answer` });
    this.crumb = { field: c.crumbRequestField, value: c.crumb };
  }

  private async raw(method: 'GET' | 'POST', pathOrUrl: string, opts: SendOptions, crumb?: { field: string; value: string }): Promise<Response> {
    const url = this.resolve(pathOrUrl);
    const headers: Record<string, string> = { authorization: this.authorization, accept: 'application/json, text/plain, application/xml, */*' };
    if (opts.contentType) headers['content-type'] = opts.contentType;
    if (crumb) headers[crumb.field] = crumb.value;
    if (this.cookies.size > 0) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const started = performance.now();
    try {
      const res = await request(url, {
        method,
        headers,
        body: opts.body ?? (method === 'POST' ? '' : undefined),
        signal: opts.signal,
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      const text = await res.body.text();
      this.keepCookies(res.headers['set-cookie']);
      this.logger?.debug({ method, path: url.pathname, status: res.statusCode, ms: Math.round(performance.now() - started) }, 'jenkins request');
      return { status: res.statusCode, headers: res.headers, text };
    } catch (e) {
      if (opts.signal?.aborted) throw new JenkinsError({ code: 'aborted', message: `${method} ${url.pathname}: aborted`, cause: e });
      const detail = e instanceof Error ? e.message : String(e);
      throw new JenkinsError({ code: 'network', message: this.clean(`${method} ${url.pathname}: ${detail}`), cause: e });
    }
  }

  /** Relative paths resolve against the base; absolute URLs must stay on Jenkins' origin. */
  private resolve(pathOrUrl: string): URL {
    const url = new URL(pathOrUrl, this.base);
    if (url.origin !== this.base.origin) {
      // Never send the token to another host.
      throw new JenkinsError({ code: 'bad_request', message: `refusing to call ${url.origin}: not the Jenkins at ${this.base.origin}` });
    }
    return url;
  }

  /**
   * A queue item's URL under our base. Jenkins builds Location from its configured root URL, which
   * may be a name we cannot (or must not) reach; the item id is what matters.
   */
  private queueItemUrl(location: string): string | undefined {
    const id = /\/queue\/item\/(\d+)\/?$/.exec(location)?.[1];
    return id === undefined ? undefined : new URL(`queue/item/${id}/`, this.base).toString();
  }

  private keepCookies(setCookie: string | string[] | undefined): void {
    for (const line of typeof setCookie === 'string' ? [setCookie] : (setCookie ?? [])) {
      const pair = line.split(';', 1)[0] ?? '';
      const eq = pair.indexOf('=');
      if (eq > 0) this.cookies.set(pair.slice(0, eq).trim(), pair.slice(eq + 1).trim());
    }
  }

  private expectOk(res: Response, method: string, path: string): void {
    if (res.status >= 200 && res.status < 400) return;
    const where = `${method} ${this.resolve(path).pathname}`;
    const xError = utf8Header(header(res, 'x-error'));
    const detail = xError ?? summarize(res.text);
    const message = this.clean(`${where}: ${res.status}${detail ? ` ${detail}` : ''}`);
    throw new JenkinsError({ code: codeFor(res.status, xError), status: res.status, message });
  }

  /** Redacts registered secrets and this client's token, whatever Jenkins echoed back. */
  private clean(text: string): string {
    return redact(text).split(this.token).join('[REDACTED]').split(this.authorization).join('Basic [REDACTED]');
  }
}

// ---------------------------------------------------------------------------------------------

interface QueueItemJson {
  id?: number;
  why?: string | null;
  cancelled?: boolean;
  executable?: { number: number; url: string } | null;
}

interface BuildJson {
  number: number;
  url: string;
  building: boolean;
  result: BuildResult | null;
  duration: number;
  timestamp: number;
}

function codeFor(status: number, xError: string | undefined): JenkinsErrorCode {
  if (status === 400 && xError && /already exists/i.test(xError)) return 'exists';
  if (status === 401) return 'auth';
  if (status === 403) return 'forbidden';
  if (status === 404) return 'not_found';
  if (status === 409) return 'conflict';
  if (status >= 500) return 'server';
  return 'bad_request';
}

/** `a/b` → `job/a/job/b` (folders). */
export function jobPath(name: string): string {
  return name
    .split('/')
    .map((part) => `job/${encodeURIComponent(part)}`)
    .join('/');
}

function splitJobName(name: string): { parent: string; leaf: string } {
  const i = name.lastIndexOf('/');
  return i < 0 ? { parent: '', leaf: name } : { parent: `${jobPath(name.slice(0, i))}/`, leaf: name.slice(i + 1) };
}

function header(res: Response, name: string): string | undefined {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

/** Jenkins sends X-Error as UTF-8 (it quotes names with ‘ ’); HTTP clients read headers as Latin-1. */
function utf8Header(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const decoded = Buffer.from(value, 'latin1').toString('utf8');
  return decoded.includes('\uFFFD') ? value : decoded;
}

function parseJson<T>(res: Response, what: string): T {
  try {
    return JSON.parse(res.text) as T;
  } catch (e) {
    throw new JenkinsError({ code: 'server', status: res.status, message: `${what}: answer is not JSON`, cause: e });
  }
}

/** The first meaningful line of an error page (Jenkins answers HTML), kept short. */
function summarize(body: string): string {
  const text = body
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&[a-z]+;|&#\d+;/gi, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new JenkinsError({ code: 'aborted', message: 'stopped waiting for Jenkins: aborted' });
}

async function sleepUnlessAborted(ms: number, signal: AbortSignal | undefined): Promise<void> {
  try {
    await sleep(ms, undefined, { signal });
  } catch {
    throwIfAborted(signal);
  }
}

/**
 * Stages from a Pipeline console: `[Pipeline] { (name)` opens one, `[Pipeline] // stage` closes it,
 * `Stage "name" skipped due to …` marks it not executed. The console does not say which stage
 * failed; given the build's result, the last stage that ran before the post actions takes it.
 */
export function parseConsoleStages(console: string, result: BuildResult | null): StageInfo[] {
  const stages: Array<StageInfo & { open: boolean }> = [];
  const stack: Array<StageInfo & { open: boolean }> = [];
  for (const line of console.split(/\r?\n/)) {
    const open = /^\[Pipeline\] \{ \((.*)\)$/.exec(line);
    if (open) {
      const stage = { name: open[1] ?? '', status: 'IN_PROGRESS' as StageStatus, open: true };
      stages.push(stage);
      stack.push(stage);
      continue;
    }
    if (line === '[Pipeline] // stage') {
      const stage = stack.pop();
      if (stage) {
        stage.open = false;
        if (stage.status === 'IN_PROGRESS') stage.status = 'SUCCESS';
      }
      continue;
    }
    const skipped = /^Stage "(.*)" skipped due to /.exec(line);
    const current = stack[stack.length - 1];
    if (skipped && current && current.name === skipped[1]) current.status = 'NOT_EXECUTED';
  }
  if (result === 'FAILURE' || result === 'ABORTED' || result === 'UNSTABLE') {
    const ran = stages.filter((s) => s.status === 'SUCCESS' && !s.name.startsWith('Declarative: '));
    const culprit = ran[ran.length - 1];
    if (culprit) culprit.status = result === 'FAILURE' ? 'FAILED' : result;
  }
  if (result !== null) for (const s of stages) if (s.open) s.status = 'ABORTED';
  return stages.map(({ name, status }) => ({ name, status }));
}
