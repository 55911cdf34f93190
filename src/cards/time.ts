/** Times as users read them on cards: the bot's time zone (BOT_TIMEZONE), relative where useful. */
import { TZDate } from '@date-fns/tz';
import { format, formatDistanceStrict, isSameDay } from 'date-fns';

export interface TimeContext { tz: string; now: Date }

/** "14:32" today, "Nov 27 14:32" otherwise, with the zone when it is not UTC-obvious. */
export function clock(at: string | Date, t: TimeContext): string {
  const d = new TZDate(new Date(at), t.tz);
  const today = new TZDate(t.now, t.tz);
  const text = isSameDay(d, today) ? format(d, 'HH:mm') : format(d, 'MMM d HH:mm');
  return t.tz === 'UTC' ? `${text} UTC` : `${text} (${t.tz})`;
}

/** "in 10 minutes" / "3 minutes ago". */
export function relative(at: string | Date, t: TimeContext): string {
  return formatDistanceStrict(new Date(at), t.now, { addSuffix: true, roundingMethod: 'ceil' });
}
