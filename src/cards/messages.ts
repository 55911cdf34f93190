/**
 * Threads, ephemerals and notices outside the card layout. The words come from the catalog (src/i18n/<lang>/messages.ts);
 * every function takes the reader's language and the bot's time zone last (`Lang`, English/UTC when the caller has none).
 */
import { catalog, type Locale } from '../i18n/index.js';
import type { BlockInfo, Direction, ScaleRequest, StepName } from '../store/types.js';
import { blockText, errorText, undoneTexts } from './facts.js';
import { escape, mention } from './mrkdwn.js';
import { clock, formatDuration } from './time.js';

/** A step's label in a language, from the catalog (section `steps`, one entry per step of the registry). */
export function stepLabel(locale: Locale, step: StepName | string): string {
  const labels: Record<string, string> = catalog(locale).steps;
  return labels[step] ?? step;
}

/** The English labels, for callers not yet given a locale. */
export const STEP_LABEL: Record<StepName, string> = catalog('en').steps;

/** Who reads it and where their clock is: a user's Slack locale (else BOT_LOCALE) and BOT_TIMEZONE. */
export interface Lang { locale: Locale; tz: string; now?: Date }
export const EN: Lang = { locale: 'en', tz: 'UTC' };

const w = (l: Lang) => catalog(l.locale).messages;
const verb = (d: Direction, l: Lang = EN) => (d === 'out' ? w(l).scaleOut : w(l).scaleIn);
/** As the card shows times: the catalog's `formatTime` in BOT_TIMEZONE, with the zone. */
const when = (at: string | Date, l: Lang) => clock(at, { tz: l.tz, now: l.now ?? new Date() }, l.locale);
const until = (b: BlockInfo, l: Lang) => (b.until ? w(l).possibleAt({ at: when(b.until, l) }) : '');
const why = (b: BlockInfo, l: Lang) => blockText(l.locale, b);

export const messages = {
  verb,
  stateText: (r: ScaleRequest, l: Lang = EN) => catalog(l.locale).states[r.state],
  notApprover: (service: string, approvers: string[], l: Lang = EN) =>
    w(l).notApprover({ service, approvers: approvers.map(mention).join(', ') || w(l).anyone }),
  requestNotFound: (id: string, l: Lang = EN) => w(l).requestNotFound({ id }),
  currentState: (r: ScaleRequest, l: Lang = EN) => {
    const by = r.decision && r.state !== 'blocked' ? w(l).by({ who: r.decision.by === 'auto' ? w(l).autoApproval : mention(r.decision.by) }) : '';
    return w(l).currentState({ verb: verb(r.direction, l), service: r.service, id: r.id, state: catalog(l.locale).states[r.state], by });
  },
  startRefused: (r: ScaleRequest, b: BlockInfo, l: Lang = EN) =>
    w(l).startRefused({ verb: verb(r.direction, l), service: r.service, why: why(b, l), until: until(b, l) }),
  retryRefused: (r: ScaleRequest, b: BlockInfo, l: Lang = EN) =>
    w(l).retryRefused({ verb: verb(r.direction, l), service: r.service, why: why(b, l), until: until(b, l) }),
  notStartedThread: (b: BlockInfo, l: Lang = EN) => w(l).notStartedThread({ why: why(b, l) }),
  manualRefused: (service: string, direction: Direction, b: BlockInfo, l: Lang = EN) =>
    w(l).manualRefused({ verb: verb(direction, l), service, why: why(b, l), until: until(b, l) }),
  serviceGone: (service: string, l: Lang = EN) => w(l).serviceGone({ service }),
  noExecutor: (kind: string, l: Lang = EN) => w(l).noExecutor({ kind }),
  interruptedRolledBack: (l: Lang = EN) => w(l).interruptedRolledBack,
  /** The freeze's end in BOT_TIMEZONE, as the card shows times (it was a raw ISO time). */
  frozenConfirm: (service: string, end: Date, l: Lang = EN) => w(l).frozenConfirm({ service, until: when(end, l) }),
  frozenRetryConfirm: (service: string, end: Date, l: Lang = EN) => w(l).frozenRetryConfirm({ service, until: when(end, l) }),
  unknownService: (service: string, alert: string, l: Lang = EN) =>
    w(l).unknownService({ alert: escape(alert.slice(0, 200)), service: escape(service.slice(0, 200)) }),
  /** A step's line in the card's thread, in the card's language (the runner passes it). */
  stepThread: (step: StepName, durationMs: number, detail?: string, l: Lang = EN) =>
    `:white_check_mark: ${stepLabel(l.locale, step)} (${formatDuration(l.locale, durationMs)})${detail ? `: ${escape(detail)}` : ''}`,
  runFinishedThread: (r: ScaleRequest, l: Lang = EN) => {
    const a = r.attempts[r.attempts.length - 1];
    const m = w(l);
    if (!a) return `${r.service}: ${catalog(l.locale).states[r.state]}`;
    if (r.state === 'succeeded') {
      const plan = a.plan?.length ? `\n${'```'}\n${a.plan.join('\n')}\n${'```'}` : '';
      return `${m.finished({ verb: verb(r.direction, l), service: r.service, n: a.n })}${plan}`;
    }
    const undone = a.undone.length ? m.undone({ what: escape(undoneTexts(l.locale, a).join('; ')) }) : m.nothingUndone;
    const step = a.error ? escape(stepLabel(l.locale, a.error.step)) : m.unknownStep;
    const error = escape(a.error ? errorText(l.locale, a.error) : m.unknownError);
    return `${m.failedAt({ verb: verb(r.direction, l), service: r.service, step, error })}${undone}`;
  },
  rejectPrompt: (service: string, direction: Direction, l: Lang = EN) => w(l).rejectPrompt({ verb: verb(direction, l), service }),
};
