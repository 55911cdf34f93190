/**
 * Silences from the approval card (issue 13 part 3). An approver picks a length in the card's menu: the bot creates an
 * Alertmanager silence for the service's autoscale alerts of that direction, records it on the request and withdraws
 * the request; Unsilence expires it again. Alertmanager is asked first and the store written only when it said yes, so
 * a failing Alertmanager changes nothing.
 *
 * New cards also show the active silences Alertmanager already holds for their service. Alertmanager delivers no
 * notification for a silenced alert, so such a card comes from a manual `/autoscale scale …`, from an alert sent before
 * the silence was made, or from a silence that covers only part of the service's alerts: the people deciding should know
 * that someone has muted the service. Looked up beside the card, never in front of it (post first, update when known).
 */
import { TZDate } from '@date-fns/tz';
import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { SilenceLength } from '../cards/ids.js';
import { escape, mention, truncate } from '../cards/mrkdwn.js';
import { catalog, formatTime, type Catalog, type Locale } from '../i18n/index.js';
import { AlertmanagerError, type AlertmanagerClient, type Matcher } from '../integrations/alertmanagerApi.js';
import type { Logger } from '../logger.js';
import { findRequest } from '../store/requests.js';
import { markUnsilenced, recordAlertmanagerSilences, silenceRequest } from '../store/silences.js';
import { getService } from '../store/services.js';
import type { StoreView as Store } from '../store/store.js';
import type { ScaleRequest } from '../store/types.js';
import { isApprover } from './decisions.js';
import type { ChatSurface } from './ports.js';

/** The menu option's value: `<requestId>:<length>` (ids.ts `silenceValue`). */
const choiceSchema = z.string().max(150).regex(/^[A-Za-z0-9-]{1,100}:(1h|4h|tomorrow)$/);

export function parseSilenceChoice(value: unknown): { requestId: string; length: SilenceLength } | undefined {
  const parsed = choiceSchema.safeParse(value);
  if (!parsed.success) return undefined;
  const at = parsed.data.lastIndexOf(':');
  return { requestId: parsed.data.slice(0, at), length: parsed.data.slice(at + 1) as SilenceLength };
}

/** When a silence of `length` chosen at `now` ends: 1 h, 4 h, or 09:00 of the next calendar day in the bot's zone. */
export function silenceEnd(length: SilenceLength, now: Date, timeZone: string): Date {
  if (length === '1h') return new Date(now.getTime() + 3_600_000);
  if (length === '4h') return new Date(now.getTime() + 4 * 3_600_000);
  const local = new TZDate(now.getTime(), timeZone);
  return new Date(new TZDate(local.getFullYear(), local.getMonth(), local.getDate() + 1, 9, 0, timeZone).getTime());
}

/**
 * What the silence matches: the request's service and direction, the way its alerts carry them. The generated rules
 * label both (`service`, `autoscale: out|in`). An older rule names the service by `autoscaleConfigId` and may carry no
 * `autoscale` label at all (out by default): then the silence matches that alert by name with the label absent
 * (`autoscale=""`), rather than every alert of the service (a regex `out|` would also mute its disk or down alerts).
 */
export function silenceMatchers(r: Pick<ScaleRequest, 'service' | 'direction' | 'alert'>): Matcher[] {
  const labels = r.alert?.labels;
  const key = labels && labels.service === undefined && labels.autoscaleConfigId !== undefined ? 'autoscaleConfigId' : 'service';
  const out: Matcher[] = [{ name: key, value: r.service, isRegex: false }];
  if (r.direction === 'in' || !labels || labels.autoscale !== undefined) out.push({ name: 'autoscale', value: r.direction, isRegex: false });
  else out.push({ name: 'alertname', value: labels.alertname ?? r.alert!.name, isRegex: false }, { name: 'autoscale', value: '', isRegex: false });
  return out;
}

/** Alertmanager's matching (anchored RE2-like regexes, an absent label reads as ""), for the labels we know. */
function matcherHolds(m: Matcher, value: string): boolean {
  let hit: boolean;
  if (m.isRegex) {
    try {
      hit = new RegExp(`^(?:${m.value})$`).test(value);
    } catch {
      hit = true; // a regex JS cannot read: better to show a silence that may apply than to hide one that does
    }
  } else hit = m.value === value;
  return m.isEqual === false ? !hit : hit;
}

/**
 * Whether an Alertmanager silence mutes this card's alerts. With the triggering alert's labels: exactly as Alertmanager
 * decides. A manual card has only its service and direction: matchers on other labels are not held against it (the
 * silence mutes some of the service's autoscale alerts, which is worth showing).
 */
export function silenceCovers(matchers: Matcher[], r: Pick<ScaleRequest, 'service' | 'direction' | 'alert'>): boolean {
  const labels: Record<string, string> = r.alert?.labels ?? { service: r.service, autoscale: r.direction };
  return matchers.every((m) => (labels[m.name] === undefined && !r.alert ? true : matcherHolds(m, labels[m.name] ?? '')));
}

/** How long the silence waits for Slack's permalink before it names the card by channel and ts instead. */
const PERMALINK_WAIT_MS = 2000;

export interface SlackUser { id: string; name?: string }

export type SilenceCode = 'bad_input' | 'not_configured' | 'not_found' | 'not_approver' | 'not_pending' | 'not_silenced' | 'alertmanager' | 'store';
/** ok with a message: nothing needed doing (already silenced, already lifted); tell the user so. */
export type SilenceResult = { ok: true; requestId: string; message?: string } | { ok: false; code: SilenceCode; message: string };

export interface Silences {
  /** An approver's choice in the card's menu (`<requestId>:<length>`). */
  silence(choice: string, user: SlackUser): Promise<SilenceResult>;
  /** Expires the silence made from the request's card. */
  unsilence(requestId: string, user: SlackUser): Promise<SilenceResult>;
  /** Looks up Alertmanager's active silences for a new card's service in the background; the card updates when known. */
  noteExisting(requestId: string): void;
  /** Resolves when no look-up is in flight. */
  idle(): Promise<void>;
}

export type SilencesApi = Pick<AlertmanagerClient, 'createSilence' | 'listSilences' | 'expireSilence'>;

export interface SilenceServiceOptions {
  store: Store;
  clock: Clock;
  logger: Logger;
  surface: ChatSurface;
  /** Absent without ALERTMANAGER_URL: the card shows no menu, and a click from an old card is refused. */
  alertmanager?: SilencesApi;
  /** Named in messages (its origin only). */
  alertmanagerUrl?: string;
  timeZone: string;
  /** The language of a service's cards (its `locale`, else BOT_LOCALE); no service: BOT_LOCALE. */
  locale: (service?: string) => Locale;
  /** A link to the card for the silence's comment (chat.getPermalink); undefined when Slack does not say. */
  cardLink?: (card: { channel: string; ts: string }) => Promise<string | undefined>;
}

export class SilenceService implements Silences {
  private readonly inFlight = new Set<Promise<void>>();
  /** Per request, the silence / unsilence under way: a second click waits for the first and then finds it done. */
  private readonly serial = new Map<string, Promise<unknown>>();

  constructor(private readonly o: SilenceServiceOptions) {}

  async silence(choice: string, user: SlackUser): Promise<SilenceResult> {
    const parsed = parseSilenceChoice(choice);
    const t = this.words(parsed && findRequest(this.o.store, parsed.requestId)?.service);
    if (!parsed) return { ok: false, code: 'bad_input', message: t.badChoice };
    const am = this.o.alertmanager;
    if (!am) return { ok: false, code: 'not_configured', message: t.notConfigured };
    return this.oneAtATime(parsed.requestId, () => this.create(am, parsed.requestId, parsed.length, user));
  }

  async unsilence(requestId: string, user: SlackUser): Promise<SilenceResult> {
    const am = this.o.alertmanager;
    if (!am) return { ok: false, code: 'not_configured', message: this.words(findRequest(this.o.store, requestId)?.service).notConfigured };
    return this.oneAtATime(requestId, () => this.expire(am, requestId, user));
  }

  noteExisting(requestId: string): void {
    const am = this.o.alertmanager;
    if (!am) return;
    const p = this.lookUp(am, requestId).catch((e: unknown) =>
      this.o.logger.warn({ err: e, requestId }, 'could not ask Alertmanager for silences; the card shows none'));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private words(service: string | undefined): Catalog['silence'] {
    return catalog(this.o.locale(service)).silence;
  }

  private when(at: Date | string, service: string): string {
    return formatTime(new Date(at), { locale: this.o.locale(service), timeZone: this.o.timeZone, now: this.o.clock.now() });
  }

  private oneAtATime<T>(requestId: string, fn: () => Promise<T>): Promise<T> {
    const next = (this.serial.get(requestId) ?? Promise.resolve()).catch(() => undefined).then(fn);
    this.serial.set(requestId, next);
    void next.catch(() => undefined).finally(() => { if (this.serial.get(requestId) === next) this.serial.delete(requestId); });
    return next;
  }

  /** Refusals that need neither Alertmanager nor a write. */
  private precheck(requestId: string, user: SlackUser): { r: ScaleRequest; t: Catalog['silence'] } | SilenceResult {
    const r = findRequest(this.o.store, requestId);
    const t = this.words(r?.service);
    if (!r) return { ok: false, code: 'not_found', message: t.notFound({ id: requestId }) };
    const service = getService(this.o.store, r.service);
    if (!isApprover(service, user.id)) {
      const approvers = (service?.approval.approvers ?? []).map(mention).join(', ');
      return { ok: false, code: 'not_approver', message: t.notApprover({ service: escape(r.service), approvers }) };
    }
    return { r, t };
  }

  private async create(am: SilencesApi, requestId: string, length: SilenceLength, user: SlackUser): Promise<SilenceResult> {
    const pre = this.precheck(requestId, user);
    if ('ok' in pre) return pre;
    const { r, t } = pre;
    if (r.silence && !r.silence.expiredAt) {
      return { ok: true, requestId, message: t.alreadySilenced({ who: mention(r.silence.by), until: this.when(r.silence.until, r.service) }) };
    }
    if (r.state !== 'pending') return { ok: false, code: 'not_pending', message: t.notPending({ id: r.id, state: r.state }) };

    const now = this.o.clock.now();
    const until = silenceEnd(length, now, this.o.timeZone);
    const card = r.card ? (await this.permalink(r.card)) ?? `Slack channel ${r.card.channel}, message ${r.card.ts}` : undefined;
    let id: string;
    try {
      id = await am.createSilence({
        matchers: silenceMatchers(r),
        startsAt: now,
        endsAt: until,
        createdBy: `slack:${user.id}${user.name ? ` (${user.name})` : ''}`,
        comment: `Silenced from the approval card of ${r.id} (${r.service} scale ${r.direction}) by ${user.name ?? user.id}${card ? `: ${card}` : ''}`,
      });
    } catch (e) {
      return this.failed(e, t, 'silenceFailed', { requestId });
    }

    const at = this.o.clock.now().toISOString();
    let outcome: 'done' | ScaleRequest['state'] | 'gone';
    try {
      outcome = await silenceRequest(this.o.store, requestId, { id, by: user.id, until: until.toISOString(), at, length });
    } catch (e) {
      this.o.logger.error({ err: e, requestId, silence: id }, 'silence made but not recorded; expiring it again');
      await this.takeBack(am, id, requestId);
      return { ok: false, code: 'store', message: t.storeFailed };
    }
    if (outcome !== 'done') {
      await this.takeBack(am, id, requestId);
      return outcome === 'gone'
        ? { ok: false, code: 'not_found', message: t.notFound({ id: requestId }) }
        : { ok: false, code: 'not_pending', message: t.notPending({ id: requestId, state: outcome }) };
    }
    this.o.logger.info({ requestId, silence: id, by: user.id, until: until.toISOString() }, 'silenced from the card');
    this.o.surface.sync(requestId);
    return { ok: true, requestId };
  }

  /** The card's permalink for the comment, bounded: a slow Slack must not hold the silence up. */
  private async permalink(card: { channel: string; ts: string }): Promise<string | undefined> {
    if (!this.o.cardLink) return undefined;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), PERMALINK_WAIT_MS); });
    try {
      return await Promise.race([this.o.cardLink(card).catch(() => undefined), late]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Undoes a silence this click made when the request could not take it: "nothing changed" must stay true. */
  private async takeBack(am: SilencesApi, id: string, requestId: string): Promise<void> {
    await am.expireSilence(id).catch((e: unknown) =>
      this.o.logger.error({ err: e, requestId, silence: id }, 'could not expire a silence that was not recorded: expire it in Alertmanager by hand'));
  }

  private async expire(am: SilencesApi, requestId: string, user: SlackUser): Promise<SilenceResult> {
    const pre = this.precheck(requestId, user);
    if ('ok' in pre) return pre;
    const { r, t } = pre;
    const s = r.silence;
    if (!s) return { ok: false, code: 'not_silenced', message: t.notSilenced({ id: r.id }) };
    if (s.expiredAt) {
      return { ok: true, requestId, message: t.alreadyUnsilenced({ who: mention(s.expiredBy ?? 'unknown'), at: this.when(s.expiredAt, r.service) }) };
    }
    try {
      await am.expireSilence(s.id);
    } catch (e) {
      // Expired already (its time ran out, or someone expired it in Alertmanager's UI) or deleted: that is done.
      if (!(await this.isGone(am, e, s.id))) return this.failed(e, t, 'unsilenceFailed', { requestId, silence: s.id });
    }
    const at = this.o.clock.now().toISOString();
    await markUnsilenced(this.o.store, requestId, s.id, user.id, at);
    this.o.surface.sync(requestId);
    return { ok: true, requestId };
  }

  /**
   * An unknown silence (Alertmanager lost its data, say) is `not_found`: nothing left to lift. Any other refusal: ask
   * Alertmanager for the silence's state rather than read its error text.
   */
  private async isGone(am: SilencesApi, e: unknown, id: string): Promise<boolean> {
    if (!(e instanceof AlertmanagerError)) return false;
    if (e.code === 'not_found') return true;
    if (e.code === 'unreachable' || e.code === 'timeout') return false;
    const listed = await am.listSilences().catch(() => undefined);
    if (!listed) return false;
    const s = listed.find((x) => x.id === id);
    return !s || s.status.state === 'expired';
  }

  private failed(e: unknown, t: Catalog['silence'], which: 'silenceFailed' | 'unsilenceFailed', log: Record<string, string>): SilenceResult {
    this.o.logger.warn({ err: e, ...log }, which === 'silenceFailed' ? 'could not create the silence' : 'could not expire the silence');
    const url = this.o.alertmanagerUrl ? new URL(this.o.alertmanagerUrl).origin : 'ALERTMANAGER_URL';
    const code = e instanceof AlertmanagerError ? e.code : 'failed';
    const detail = code === 'unreachable' ? t.amUnreachable({ url })
      : code === 'timeout' ? t.amTimeout({ url })
        : t.amRefused({ url, reason: escape(truncate((e as Error).message ?? String(e), 300)) });
    return { ok: false, code: 'alertmanager', message: t[which]({ detail }) };
  }

  private async lookUp(am: SilencesApi, requestId: string): Promise<void> {
    const r = findRequest(this.o.store, requestId);
    if (!r) return;
    const listed = await am.listSilences([`service="${r.service}"`]);
    const active = listed
      .filter((s) => s.status.state === 'active' && silenceCovers(s.matchers, r))
      .sort((a, b) => a.endsAt.localeCompare(b.endsAt))
      .map((s) => ({ id: s.id, createdBy: s.createdBy, endsAt: s.endsAt }));
    if (!active.length) return; // nothing to show: no write
    await recordAlertmanagerSilences(this.o.store, requestId, active);
    this.o.surface.sync(requestId);
  }
}
