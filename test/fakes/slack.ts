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

async function read(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export class FakeSlack {
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
      const raw = await read(req);
      const path = (req.url ?? '').split('?')[0]!;
      const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(body));
      };
      if (path.startsWith('/response/')) {
        this.responses.push({ path, body: safeJson(raw) });
        return send(200, { ok: true });
      }
      if (path.startsWith('/upload/')) {
        this.calls.push({ method: 'upload', args: { path, size: raw.length, body: raw }, at: Date.now() });
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

  private takeFault(method: string): Fault | undefined {
    const list = this.faults.get(method);
    const f = list?.[0];
    if (!f) return undefined;
    if (--f.times <= 0) list!.shift();
    return f;
  }

  private answer(method: string, a: Record<string, any>): unknown {
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
