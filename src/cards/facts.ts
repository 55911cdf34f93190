/**
 * Stored facts → words. Every place a card, thread or ephemeral shows something the store recorded about a request
 * (why it is blocked, a pre-flight finding, a withdrawal, a step's outcome, the error of a failed attempt, what a
 * rollback undid) goes through one of these functions, so the store can hold codes with typed parameters and each
 * reader sees them in their own language. Pure: no I/O, nothing but types and the catalog.
 */
import { catalog, type Locale } from '../i18n/index.js';
import type { Attempt, BlockInfo, Preview, RequestEvent, StepRecord } from '../store/types.js';

/** Why scaling is not possible now (no trailing period). */
export function blockText(_locale: Locale, b: BlockInfo): string {
  return b.message;
}

/** One pre-flight finding. */
export function checkText(_locale: Locale, c: Preview['checks'][number]): string {
  return c.text;
}

/** Why a request was withdrawn or superseded (the event that did it). */
export function withdrawnText(locale: Locale, e: RequestEvent | undefined): string {
  return e?.detail ?? catalog(locale).facts.withdrawn;
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
