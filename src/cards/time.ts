/** Times as users read them on cards: the bot's time zone (BOT_TIMEZONE), relative where useful, in the card's language. */
import { TZDate } from '@date-fns/tz';
import { formatDistanceStrict, isSameDay, format } from 'date-fns';
import { ko as koDates } from 'date-fns/locale';
import { formatTime, type Locale } from '../i18n/index.js';

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
