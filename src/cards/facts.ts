/**
 * Stored facts → words. Every place a card, thread or ephemeral shows something the store recorded about a request
 * (why it is blocked, a pre-flight finding, a withdrawal, a step's outcome, the error of a failed attempt, what a
 * rollback undid) goes through one of these functions, so the store can hold codes with typed parameters and each
 * reader sees them in their own language. Pure: no I/O, nothing but types and the catalog.
 */
import { formatDistanceStrict } from 'date-fns';
import { enUS, ko as koDates } from 'date-fns/locale';
import { catalog, formatTime, type Locale } from '../i18n/index.js';
import type { Attempt, BlockInfo, EventFact, Preview, RequestEvent, StepRecord } from '../store/types.js';

/**
 * Where and when the reader is (the cards' TimeContext fits): times are shown in the bot's zone, relative to now.
 * Without it: UTC and the real clock, and a cooldown's end is left to the caller.
 */
export interface FactTime {
  tz: string;
  now: Date;
}

function when(locale: Locale, at: string, t: FactTime | undefined): string {
  return formatTime(new Date(at), { locale, timeZone: t?.tz ?? 'UTC', now: t?.now ?? new Date() });
}

function relative(locale: Locale, at: string, t: FactTime | undefined): string {
  return formatDistanceStrict(new Date(at), t?.now ?? new Date(), { addSuffix: true, roundingMethod: 'ceil', locale: locale === 'ko' ? koDates : enUS });
}

/**
 * Why scaling is not possible now (no trailing period). With `t`, a cooldown also says when it ends, unless the caller
 * says that itself (`until: false`: the card's "Scaling becomes possible at …").
 */
export function blockText(locale: Locale, b: BlockInfo, t?: FactTime, opts: { until?: boolean } = {}): string {
  const c = catalog(locale).facts.block;
  switch (b.code) {
    case 'max_instances': return c.max_instances(b);
    case 'min_instances': return c.min_instances(b);
    case 'nothing_to_remove': return b.protectedCount ? c.all_protected({ service: b.service, count: b.protectedCount }) : c.nothing_to_remove(b);
    case 'cooldown': {
      const lastAt = when(locale, b.lastAt, t);
      // Without the reader's clock the caller says when scaling becomes possible itself (the card's "Not now" line).
      return b.until && t && opts.until !== false
        ? c.cooldownUntil({ ...b, lastAt, until: when(locale, b.until, t), relative: relative(locale, b.until, t) })
        : c.cooldown({ ...b, lastAt });
    }
    case 'rate_limit': return c.rate_limit(b);
    case 'frozen': return b.reason ? c.frozenReason({ service: b.service, reason: b.reason }) : c.frozen(b);
    case 'conflict': return c.conflict(b);
    case 'unknown_instances': return c.unknown_instances(b);
    case 'protected': return c.protected(b);
    case 'legacy': return b.text;
  }
}

/** One pre-flight finding. */
export function checkText(locale: Locale, c: Preview['checks'][number]): string {
  const k = catalog(locale).facts.check;
  switch (c.code) {
    case 'template_present': return k.template_present(c);
    case 'template_missing': return k.template_missing(c);
    case 'vcenter_unreachable': return k.vcenter_unreachable(c);
    case 'ips_free': return k.ips_free(c);
    case 'f5_unconfigured': return k.f5_unconfigured;
    case 'f5_reachable': return k.f5_reachable(c);
    case 'f5_error': return k.f5_error(c);
    case 'not_consulted': return k.not_consulted;
    case 'timed_out': return k.timed_out;
    case 'legacy': return c.text;
  }
}

/** What the bot recorded on an event, in words. */
export function eventFactText(locale: Locale, f: EventFact, t?: FactTime): string {
  const k = catalog(locale).facts.event;
  switch (f.code) {
    case 'refired': return k.refired(f);
    case 'block_passed': return k.block_passed;
    case 'blocked': return blockText(locale, f.block, t);
    case 'alert_resolved': return k.alert_resolved(f);
    case 'resolved_before_decision': return k.resolved_before_decision(f);
    case 'resolved_after_run': return k.resolved_after_run;
    case 'still_firing': return k.still_firing;
    case 'confirmed_frozen': return k.confirmed_frozen;
    case 'silenced': return k.silenced({ until: when(locale, f.until, t) });
    case 'back_at_min': return catalog(locale).belowMin.backAtMin(f);
    case 'conflicting_alert': return k.conflicting_alert(f);
    case 'legacy': return f.text;
  }
}

/** An event's words: the bot's fact and what a person typed (a reason), either or both; undefined: nothing. */
export function eventText(locale: Locale, e: RequestEvent, t?: FactTime): string | undefined {
  const parts = [e.fact ? eventFactText(locale, e.fact, t) : undefined, e.detail].filter((x): x is string => !!x);
  return parts.length ? parts.join(' — ') : undefined;
}

/** Why a request was withdrawn or superseded (the event that did it). */
export function withdrawnText(locale: Locale, e: RequestEvent | undefined, t?: FactTime): string {
  return (e && eventText(locale, e, t)) ?? catalog(locale).facts.withdrawn;
}

/** What a step established or why it failed, as the step's line on the card shows it; undefined: nothing to add. */
export function stepDetailText(_locale: Locale, s: StepRecord): string | undefined {
  return s.detail;
}

/** The error of a failed attempt. */
export function errorText(_locale: Locale, e: NonNullable<Attempt['error']>): string {
  return e.message;
}

/** What the rollback of an attempt undid, one entry per thing. */
export function undoneTexts(_locale: Locale, a: Attempt): string[] {
  return a.undone;
}
