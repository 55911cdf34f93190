/**
 * A local fake of the Slack Web API (what `slackApiUrl` points at). It parses requests the way
 * Slack does (form-encoded with JSON-encoded fields, or JSON), answers like Slack, keeps the
 * messages as users would see them now (after chat.update), and can inject 429s and 5xx.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SlackCall { method: string; args: Record<string, any>; at: number; token?: string }
export interface SlackMessage { channel: string; ts: string; text?: string; blocks?: any[]; thread_ts?: string; updates: number }
interface Fault { status: number; retryAfter?: number; body?: unknown; times: number }

const JSON_FIELDS = ['blocks', 'attachments', 'view', 'metadata', 'file_uploads', 'files'];

function parseBody(raw: string, type: string | undefined): Record<string, any> {
  if (!raw) return {};
  if (type?.includes('application/json')) return JSON.parse(raw);
  const out: Record<string, any> = {};
  for (const [k, v] of new URLSearchParams(raw)) {
    out[k] = JSON_FIELDS.includes(k) ? safeJson(v) : v;
  }
  return out;
}

function safeJson(v: string): unknown {
  try { return JSON.parse(v); } catch { return v; }
}

/** The first part's content of a multipart/form-data body (the whole body when it is not multipart). */
function filePart(body: Buffer): Buffer {
  if (!body.subarray(0, 2).equals(Buffer.from('--'))) return body;
  const boundary = body.subarray(0, body.indexOf('\r\n'));
  const start = body.indexOf('\r\n\r\n') + 4;
  const end = body.indexOf(Buffer.concat([Buffer.from('\r\n'), boundary]), start);
  return body.subarray(start, end < 0 ? body.length : end);
}

async function read(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

// ---- Block Kit limits, as Slack documents them (api.slack.com/reference/block-kit) -------------------------
/** Messages: chat.postMessage / chat.update / response_url / a slash command's answer. */
export const MESSAGE_LIMITS = { text: 40_000, blocks: 50 };
/** Modals (views.open / push / update) and App Home (views.publish). */
export const VIEW_LIMITS = { blocks: 100, title: 24, button: 24, privateMetadata: 3000, callbackId: 255 };

const len = (x: unknown) => (typeof x === 'string' ? x.length : 0);

/** Every Block Kit limit a block list breaks, as `where: what` lines (empty: Slack would take it). */
export function blockProblems(blocks: unknown): string[] {
  const out: string[] = [];
  if (blocks === undefined) return out;
  if (!Array.isArray(blocks)) return ['blocks: not an array'];
  const check = (ok: boolean, what: string) => { if (!ok) out.push(what); };
  blocks.forEach((b: any, i: number) => {
    const at = `blocks[${i}] (${b?.type}${b?.block_id ? ` ${b.block_id}` : ''})`;
    check(len(b.block_id) <= 255, `${at}: block_id longer than 255`);
    switch (b.type) {
      case 'section':
        check(b.text !== undefined || b.fields !== undefined, `${at}: a section needs text or fields`);
        check(len(b.text?.text) <= 3000, `${at}: text is ${len(b.text?.text)} characters, at most 3000`);
        check((b.fields?.length ?? 0) <= 10, `${at}: more than 10 fields`);
        for (const f of b.fields ?? []) check(len(f.text) <= 2000, `${at}: a field longer than 2000`);
        break;
      case 'header':
        check(b.text?.type === 'plain_text' && len(b.text.text) <= 150, `${at}: header text must be plain_text of at most 150`);
        break;
      case 'context':
        check((b.elements?.length ?? 0) <= 10, `${at}: more than 10 elements`);
        for (const e of b.elements ?? []) check(len(e.text) <= 3000, `${at}: an element longer than 3000`);
        break;
      case 'actions':
        check((b.elements?.length ?? 0) <= 25, `${at}: more than 25 elements`);
        for (const e of b.elements ?? []) out.push(...elementProblems(e, at));
        break;
      case 'input':
        check(len(b.label?.text) <= 2000, `${at}: label longer than 2000`);
        check(len(b.hint?.text) <= 2000, `${at}: hint longer than 2000`);
        out.push(...elementProblems(b.element, at));
        break;
    }
  });
  return out;
}

function elementProblems(e: any, at: string): string[] {
  const out: string[] = [];
  const check = (ok: boolean, what: string) => { if (!ok) out.push(`${at}: ${what}`); };
  if (!e) return [`${at}: no element`];
  check(len(e.action_id) <= 255, 'action_id longer than 255');
  check(len(e.placeholder?.text) <= 150, 'placeholder longer than 150');
  switch (e.type) {
    case 'button':
      check(len(e.text?.text) <= 75, 'button text longer than 75');
      check(len(e.value) <= 2000, 'button value longer than 2000');
      check(len(e.url) <= 3000, 'button url longer than 3000');
      break;
    case 'plain_text_input':
      check(e.max_length === undefined || (e.max_length >= 1 && e.max_length <= 3000), `max_length ${e.max_length} is not within 1..3000`);
      check(e.initial_value === undefined || len(e.initial_value) <= (e.max_length ?? 3000), `initial_value is ${len(e.initial_value)} characters, longer than its max_length ${e.max_length ?? 3000}`);
      break;
    case 'static_select':
      check((e.options?.length ?? 0) <= 100, 'more than 100 options');
      for (const o of e.options ?? []) check(len(o.text?.text) <= 75 && len(o.value) <= 150, 'an option longer than 75 (text) / 150 (value)');
      break;
  }
  return out;
}

/** The limits a message (text + blocks) breaks. */
export function messageProblems(m: { text?: unknown; blocks?: unknown } | undefined): string[] {
  if (!m) return [];
  const out: string[] = [];
  if (len(m.text) > MESSAGE_LIMITS.text) out.push(`text: ${len(m.text)} characters, at most ${MESSAGE_LIMITS.text}`);
  if (Array.isArray(m.blocks) && m.blocks.length > MESSAGE_LIMITS.blocks) out.push(`blocks: ${m.blocks.length}, at most ${MESSAGE_LIMITS.blocks}`);
  return [...out, ...blockProblems(m.blocks)];
}

/** The limits a view (modal or App Home) breaks. */
export function viewProblems(v: any): string[] {
  if (!v || typeof v !== 'object') return ['view: missing'];
  const out: string[] = [];
  if ((v.blocks?.length ?? 0) > VIEW_LIMITS.blocks) out.push(`blocks: ${v.blocks.length}, at most ${VIEW_LIMITS.blocks}`);
  if (v.type === 'modal') {
    if (len(v.title?.text) > VIEW_LIMITS.title) out.push(`title longer than ${VIEW_LIMITS.title}`);
    for (const k of ['submit', 'close']) if (len(v[k]?.text) > VIEW_LIMITS.button) out.push(`${k} longer than ${VIEW_LIMITS.button}`);
  }
  if (len(v.private_metadata) > VIEW_LIMITS.privateMetadata) out.push(`private_metadata longer than ${VIEW_LIMITS.privateMetadata}`);
  if (len(v.callback_id) > VIEW_LIMITS.callbackId) out.push(`callback_id longer than ${VIEW_LIMITS.callbackId}`);
  return [...out, ...blockProblems(v.blocks)];
}

export class FakeSlack {
  /** Every Block Kit limit a call broke (Slack refused it): `method: problem`. Tests expect it to stay empty. */
  violations: string[] = [];
  calls: SlackCall[] = [];
  messages: SlackMessage[] = [];
  responses: Array<{ path: string; body: any }> = [];
  private faults = new Map<string, Fault[]>();
  private tsCounter = 0;
  /** What apps.connections.open answers (Socket Mode): a ws:// URL of the test's own server. */
  socketUrl = '';
  private server!: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer(async (req, res) => {
      const bytes = await read(req);
      const raw = bytes.toString('utf8');
      const path = (req.url ?? '').split('?')[0]!;
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (path.startsWith('/response/')) {
        const body = safeJson(raw) as any;
        const problems = messageProblems(body);
        this.violations.push(...problems.map((p) => `response_url: ${p}`));
        this.responses.push({ path, body });
        return send(200, { ok: true });
      }
      if (path.startsWith('/upload/')) {
        // The file as the user downloads it: the multipart part's content (or the raw body when not multipart).
        const part = /\r\n\r\n([\s\S]*?)\r\n--[^\r\n]*--\r\n?$/.exec(raw);
        // `bytes`: the file's own bytes, cut from the multipart body as a Buffer, so binary files (PNGs) stay intact.
        this.calls.push({ method: 'upload', args: { path, size: bytes.length, body: raw, content: part ? part[1] : raw, bytes: filePart(bytes) }, at: Date.now() });
        return send(200, { ok: true });
      }
      const method = path.replace(/^\/api\//, '');
      const fault = this.takeFault(method);
      if (fault) {
        this.calls.push({ method, args: { ...parseBody(raw, req.headers['content-type']), _fault: fault.status }, at: Date.now() });
        return send(fault.status, fault.body ?? { ok: false, error: fault.status === 429 ? 'ratelimited' : 'internal_error' }, fault.retryAfter !== undefined ? { 'retry-after': String(fault.retryAfter) } : {});
      }
      let args: Record<string, any>;
      try {
        args = parseBody(raw, req.headers['content-type']);
      } catch {
        return send(200, { ok: false, error: 'invalid_json' });
      }
      const auth = req.headers.authorization;
      this.calls.push({ method, args, at: Date.now(), token: auth?.replace(/^Bearer /, '') ?? args.token });
      send(200, this.answer(method, args));
    });
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/api/`;
    return this;
  }

  get base(): string {
    return this.url.replace(/\/api\/$/, '');
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((r) => this.server.close(() => r()));
  }

  /** The next `times` calls of `method` answer with `status` (429 with Retry-After, 500, …). */
  failNext(method: string, status: number, opts: { retryAfter?: number; body?: unknown; times?: number } = {}): void {
    const list = this.faults.get(method) ?? [];
    list.push({ status, retryAfter: opts.retryAfter, body: opts.body, times: opts.times ?? 1 });
    this.faults.set(method, list);
  }

  /** Slack users' own locales (`ko-KR`), as users.info with include_locale reports them. */
  readonly userLocales = new Map<string, string>();
  /** The app was installed without `users:read`: users.info answers missing_scope. */
  missingUsersRead = false;

  /** Slack is back: every injected fault is dropped. */
  clearFaults(): void {
    this.faults.clear();
  }

  private takeFault(method: string): Fault | undefined {
    const list = this.faults.get(method);
    const f = list?.[0];
    if (!f) return undefined;
    if (--f.times <= 0) list!.shift();
    return f;
  }

  private answer(method: string, a: Record<string, any>): unknown {
    // Slack refuses what breaks Block Kit's limits; so does the fake, and it remembers why.
    const problems = method.startsWith('views.') ? viewProblems(a.view) : method === 'chat.postMessage' || method === 'chat.update' || method === 'chat.postEphemeral' ? messageProblems(a) : [];
    if (problems.length) {
      this.violations.push(...problems.map((p) => `${method}: ${p}`));
      const tooLong = problems.some((p) => p.startsWith('text:'));
      return { ok: false, error: method.startsWith('views.') ? 'invalid_arguments' : tooLong ? 'msg_too_long' : 'invalid_blocks', response_metadata: { messages: problems.map((p) => `[ERROR] ${p}`) } };
    }
    switch (method) {
      case 'auth.test':
        return { ok: true, url: 'https://fake.slack.com/', team: 'Fake', user: 'autoscale', team_id: 'T0FAKE', user_id: 'UBOT', bot_id: 'BBOT' };
      case 'chat.postMessage': {
        if (!a.channel) return { ok: false, error: 'channel_not_found' };
        const ts = `1700000000.${String(++this.tsCounter).padStart(6, '0')}`;
        const m: SlackMessage = { channel: a.channel, ts, text: a.text, blocks: a.blocks, thread_ts: a.thread_ts, updates: 0 };
        this.messages.push(m);
        return { ok: true, channel: a.channel, ts, message: { text: a.text, ts } };
      }
      case 'chat.update': {
        const m = this.messages.find((x) => x.channel === a.channel && x.ts === a.ts);
        if (!m) return { ok: false, error: 'message_not_found' };
        Object.assign(m, { text: a.text, blocks: a.blocks, updates: m.updates + 1 });
        return { ok: true, channel: a.channel, ts: a.ts };
      }
      case 'chat.postEphemeral':
        return { ok: true, message_ts: `1700000001.${String(++this.tsCounter).padStart(6, '0')}` };
      case 'views.open':
      case 'views.push':
      case 'views.update':
      case 'views.publish':
        return { ok: true, view: { id: `V${++this.tsCounter}`, ...(typeof a.view === 'object' ? a.view : {}) } };
      case 'files.getUploadURLExternal':
        return { ok: true, upload_url: `${this.base}/upload/F${++this.tsCounter}`, file_id: `F${this.tsCounter}` };
      case 'files.completeUploadExternal':
        return { ok: true, files: (a.files ?? []).map((f: any) => ({ id: f.id, title: f.title })) };
      case 'apps.connections.open':
        return this.socketUrl ? { ok: true, url: this.socketUrl } : { ok: false, error: 'invalid_auth' };
      case 'chat.getPermalink':
        return { ok: true, channel: a.channel, permalink: `https://fake.slack.com/archives/${a.channel}/p${String(a.message_ts).replace('.', '')}` };
      case 'users.info':
        // Slack gives the locale only when asked (include_locale) and only with the users:read scope.
        if (this.missingUsersRead) return { ok: false, error: 'missing_scope', needed: 'users:read' };
        return { ok: true, user: { id: a.user, ...(String(a.include_locale) === 'true' && this.userLocales.has(a.user) ? { locale: this.userLocales.get(a.user) } : {}) } };
      case 'conversations.info':
        return { ok: true, channel: { id: a.channel, name: 'fake' } };
      default:
        return { ok: true };
    }
  }

  // ---- what users see ------------------------------------------------------------------------
  callsOf(method: string): SlackCall[] {
    return this.calls.filter((c) => c.method === method && c.args._fault === undefined);
  }
  /** Top-level messages (cards and notices) in a channel. */
  topLevel(channel?: string): SlackMessage[] {
    return this.messages.filter((m) => !m.thread_ts && (!channel || m.channel === channel));
  }
  thread(ts: string): SlackMessage[] {
    return this.messages.filter((m) => m.thread_ts === ts);
  }
  ephemerals(user?: string): Array<Record<string, any>> {
    return this.callsOf('chat.postEphemeral').map((c) => c.args).filter((a) => !user || a.user === user);
  }
}

/** All the text a user reads in a message's blocks, flattened. */
export function blockText(blocks: any[] | undefined): string {
  const out: string[] = [];
  const walk = (x: any) => {
    if (!x || typeof x !== 'object') return;
    if (Array.isArray(x)) return x.forEach(walk);
    if (typeof x.text === 'string' && (x.type === 'mrkdwn' || x.type === 'plain_text')) out.push(x.text);
    for (const [k, v] of Object.entries(x)) if (k !== 'confirm') walk(v);
  };
  walk(blocks);
  return out.join('\n');
}

export function buttons(blocks: any[] | undefined): Array<{ action_id: string; value: string; style?: string; confirm?: any; text: string }> {
  const out: any[] = [];
  for (const b of blocks ?? []) if (b.type === 'actions') for (const e of b.elements) if (e.type === 'button') out.push({ ...e, text: e.text.text });
  return out;
}
