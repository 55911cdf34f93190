/** Times as users read them on cards: the bot's time zone (BOT_TIMEZONE), relative where useful, in the card's language. */
import { TZDate } from '@date-fns/tz';
import { formatDistanceStrict, isSameDay, format } from 'date-fns';
import { ko as koDates } from 'date-fns/locale';
import { catalog, formatTime, type Locale } from '../i18n/index.js';

export interface TimeContext { tz: string; now: Date }

/**
 * "14:32" today, "Nov 27 14:32" otherwise, with the zone when it is not UTC-obvious. Korean goes through the catalog's
 * `formatTime` ("12월 3일 15:30"); English keeps the format every existing card and test reads.
 */
export function clock(at: string | Date, t: TimeContext, locale: Locale = 'en'): string {
  const zone = t.tz === 'UTC' ? ' UTC' : ` (${t.tz})`;
  if (locale !== 'en') return `${formatTime(new Date(at), { locale, timeZone: t.tz, now: t.now })}${zone}`;
  const d = new TZDate(new Date(at), t.tz);
  const today = new TZDate(t.now, t.tz);
  return `${isSameDay(d, today) ? format(d, 'HH:mm') : format(d, 'MMM d HH:mm')}${zone}`;
}

/** "in 10 minutes" / "3 minutes ago" / "10분 후". */
export function relative(at: string | Date, t: TimeContext, locale: Locale = 'en'): string {
  return formatDistanceStrict(new Date(at), t.now, { addSuffix: true, roundingMethod: 'ceil', ...(locale === 'ko' ? { locale: koDates } : {}) });
}

/**
 * A duration as a card or thread shows it: `1h30m` / `1시간 30분`, `42s` / `42초`, from the catalog's units. (Operators'
 * logs and the CLI keep src/duration.ts's compact form.) date-fns' formatDuration would also do Korean, but it spells
 * English out ("1 hour 30 minutes") where every existing card reads `1h30m`, and cannot show milliseconds.
 */
export function formatDuration(locale: Locale, ms: number): string {
  const u = catalog(locale).duration;
  const two = (a: string, b: string | undefined) => (b ? u.pair({ a, b }) : a);
  if (ms < 1000) return u.ms({ n: Math.max(0, Math.round(ms)) });
  const s = Math.round(ms / 1000);
  if (s < 60) return u.s({ n: s });
  const m = Math.floor(s / 60);
  const rs = s % 60;
  if (m < 60) return two(u.m({ n: m }), rs ? u.s({ n: rs }) : undefined);
  const h = Math.floor(m / 60);
  const rm = m % 60;
  return two(u.h({ n: h }), rm ? u.m({ n: rm }) : undefined);
}
