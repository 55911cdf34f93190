/**
 * Languages of the bot. A small typed catalog rather than i18next or typesafe-i18n: the keys and their parameters are
 * checked by tsc with no generator step and no run-time loading, the catalogs are plain modules a reviewer reads side by
 * side, and date-fns (already a dependency) formats times for each locale.
 */
import { TZDate } from '@date-fns/tz';
import { format, type Locale as DateLocale } from 'date-fns';
import { enUS, ko as koDates } from 'date-fns/locale';
import { en, type Catalog } from './en.js';
import { ko } from './ko.js';

import { LOCALES, type Locale } from './locales.js';

export { LOCALES, type Locale };
export type { Catalog };

const catalogs: Record<Locale, Catalog> = { en, ko };
const dateLocales: Record<Locale, DateLocale> = { en: enUS, ko: koDates };

export function catalog(locale: Locale): Catalog {
  return catalogs[locale];
}

export function isLocale(s: string | undefined): s is Locale {
  return (LOCALES as readonly string[]).includes(s ?? '');
}

/** Slack's user locale (`ko-KR`, `en-US`, …) → one of ours, or undefined. */
export function fromSlackLocale(s: string | undefined): Locale | undefined {
  const lang = s?.split(/[-_]/)[0]?.toLowerCase();
  return isLocale(lang) ? lang : undefined;
}

/** A clock time for a card: `15:30` today, else `12월 3일 15:30` / `Dec 3, 15:30`, in the bot's zone. */
export function formatTime(at: Date | number, opts: { locale: Locale; timeZone: string; now?: Date }): string {
  const t = new TZDate(typeof at === 'number' ? at : at.getTime(), opts.timeZone);
  const now = new TZDate((opts.now ?? new Date()).getTime(), opts.timeZone);
  const sameDay = format(t, 'yyyy-MM-dd') === format(now, 'yyyy-MM-dd');
  if (sameDay) return format(t, 'HH:mm');
  return format(t, opts.locale === 'ko' ? 'M월 d일 HH:mm' : 'MMM d, HH:mm', { locale: dateLocales[opts.locale] });
}
