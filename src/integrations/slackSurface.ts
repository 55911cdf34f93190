/**
 * ChatSurface on Slack's Web API. The card is rendered from the store at send time, so coalesced
 * updates always carry the newest state: at most one chat.update per second per card, and a change
 * made while an update is in flight triggers one more — the final state is never lost.
 */
import type { KnownBlock } from '@slack/types';
import type { FetchFunction, WebClient } from '@slack/web-api';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { findRequest, markCardPosted } from '../store/requests.js';
import { getService } from '../store/services.js';
import type { StoreView as Store } from '../store/store.js';
import type { ScaleRequest } from '../store/types.js';
import type { ChatSurface, ThreadImage } from './ports.js';

/**
 * Draws a stored request's card. Given by the composition root (src/cardRenderer.ts): this adapter
 * only moves cards to Slack and knows neither the card's layout nor the policies it shows.
 */
export type CardRenderer = (request: ScaleRequest) => { text: string; blocks: KnownBlock[] };

/**
 * Whether Slack's Web API answers, for /healthz: degraded from the first failed HTTP attempt (a 5xx
 * or no answer) until one succeeds. Fed per attempt by the WebClient's fetch (see `track`), not per
 * call: the WebClient retries a call for up to half an hour before it gives up. A 429 or a Slack
 * error such as channel_not_found is an answer, so Slack counts as reachable.
 */
export class SlackReachability {
  private failures = 0;
  private since?: string;
  private lastError?: string;

  constructor(private readonly clock: Clock) {}

  succeeded(): void {
    this.failures = 0;
    this.since = undefined;
    this.lastError = undefined;
  }

  failed(why: string): void {
    if (this.failures++ === 0) this.since = this.clock.now().toISOString();
    this.lastError = why;
  }

  status(): { slack: 'ok' | 'degraded'; failedCalls?: number; since?: string; lastError?: string } {
    if (this.failures === 0) return { slack: 'ok' };
    return { slack: 'degraded', failedCalls: this.failures, since: this.since, lastError: this.lastError };
  }

  /** A fetch for the WebClient that records each attempt's outcome (status or error code only: no URL, no token). */
  track(inner?: FetchFunction): FetchFunction {
    const f: FetchFunction = inner ?? ((url, init) => globalThis.fetch(url, init as RequestInit));
    return async (url, init) => {
      try {
        const res = await f(url, init);
        if (res.status >= 500) this.failed(`HTTP ${res.status}`);
        else this.succeeded();
        return res;
      } catch (e) {
        const err = e as Error & { cause?: { code?: string } };
        this.failed(err.cause?.code ?? err.name);
        throw e;
      }
    };
  }
}

interface CardState {
  dirty: boolean;
  busy: boolean;
  timer?: NodeJS.Timeout;
  lastSent: number;
  /** Consecutive failed sends: the next try waits 2^n s (at most a minute), so nothing is lost and nothing spins. */
  failures: number;
  threads: Promise<void>;
  posted?: Promise<void>;
  markPosted?: () => void;
}

export interface SlackSurfaceOptions {
  client: WebClient;
  store: Store;
  clock: Clock;
  logger: Logger;
  render: CardRenderer;
  minUpdateIntervalMs?: number;
}

export class SlackSurface implements ChatSurface {
  private cards = new Map<string, CardState>();
  private pendingOps = 0;
  private idleWaiters: Array<() => void> = [];
  private readonly interval: number;

  constructor(private readonly o: SlackSurfaceOptions) {
    this.interval = o.minUpdateIntervalMs ?? 1000;
  }

  private state(id: string): CardState {
    let s = this.cards.get(id);
    if (!s) {
      s = { dirty: false, busy: false, lastSent: 0, failures: 0, threads: Promise.resolve() };
      s.posted = new Promise<void>((r) => { s!.markPosted = r; });
      if (findRequest(this.o.store, id)?.card) s.markPosted!();
      this.cards.set(id, s);
    }
    return s;
  }

  sync(requestId: string): void {
    const s = this.state(requestId);
    s.dirty = true;
    this.kick(requestId, s);
  }

  private kick(id: string, s: CardState): void {
    if (s.busy || s.timer || !s.dirty) return;
    const r = findRequest(this.o.store, id);
    if (!r) return;
    const backoff = s.failures ? Math.min(60_000, 1000 * 2 ** (s.failures - 1)) : 0;
    const wait = Math.max(r.card ? s.lastSent + this.interval - Date.now() : 0, s.lastSent + backoff - Date.now());
    if (wait > 0) {
      this.begin();
      s.timer = setTimeout(() => {
        s.timer = undefined;
        this.kick(id, s); // before end(): idle() must not resolve between the two
        this.end();
      }, wait);
      return;
    }
    s.busy = true;
    s.dirty = false;
    this.begin();
    // Rendering and posting cost CPU: let the responses already due (webhooks, acks) go out first.
    void new Promise<void>((r) => setImmediate(r))
      .then(() => this.send(id))
      .then(() => { s.failures = 0; })
      .catch((e: unknown) => {
        s.failures++;
        s.dirty = true; // the state shown is not the state stored: send again after a pause
        this.o.logger.error({ err: e, requestId: id, failures: s.failures }, 'could not post or update the card; will try again');
      })
      .finally(() => {
        s.busy = false;
        s.lastSent = Date.now();
        if (s.dirty) this.kick(id, s);
        this.end();
      });
  }

  private async send(id: string): Promise<void> {
    const r = findRequest(this.o.store, id);
    if (!r) return;
    const { text, blocks } = this.o.render(r);
    if (r.card) {
      await this.o.client.chat.update({ channel: r.card.channel, ts: r.card.ts, text, blocks });
      return;
    }
    const channel = getService(this.o.store, r.service)?.channel;
    if (!channel) throw new Error(`service ${r.service} has no channel`);
    const res = await this.o.client.chat.postMessage({ channel, text, blocks, unfurl_links: false, unfurl_media: false });
    const card = { channel: res.channel ?? channel, ts: res.ts! };
    await markCardPosted(this.o.store, id, card);
    this.state(id).markPosted!();
  }

  thread(requestId: string, text: string): void {
    this.inThread(requestId, 'could not post to the card thread', (card) =>
      this.o.client.chat.postMessage({ channel: card.channel, thread_ts: card.ts, text, unfurl_links: false }));
  }

  /**
   * files.uploadV2 into the card's thread: the bot runs on-prem, where Slack cannot fetch an image block's URL, and an
   * uploaded file needs no public URL and stays private to the workspace.
   */
  image(requestId: string, image: ThreadImage): void {
    this.inThread(requestId, 'could not post the chart to the card thread', (card) =>
      this.o.client.filesUploadV2({
        channel_id: card.channel, thread_ts: card.ts, file: image.png, filename: image.filename, title: image.title, alt_text: image.altText,
      }));
  }

  /** Queues `post` behind the card's own post and every earlier thread message, so the thread keeps its order. */
  private inThread(requestId: string, failure: string, post: (card: { channel: string; ts: string }) => Promise<unknown>): void {
    const s = this.state(requestId);
    this.begin();
    s.threads = s.threads
      .then(() => s.posted)
      .then(async () => {
        const card = findRequest(this.o.store, requestId)?.card;
        if (card) await post(card);
      })
      .catch((e: unknown) => this.o.logger.error({ err: e, requestId }, failure))
      .finally(() => this.end());
  }

  async notice(channel: string, text: string): Promise<void> {
    this.begin();
    try {
      await this.o.client.chat.postMessage({ channel, text, unfurl_links: false });
    } finally {
      this.end();
    }
  }

  idle(): Promise<void> {
    if (this.pendingOps === 0) return Promise.resolve();
    return new Promise((r) => this.idleWaiters.push(r));
  }

  private begin(): void {
    this.pendingOps++;
  }

  private end(): void {
    this.pendingOps--;
    if (this.pendingOps === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
