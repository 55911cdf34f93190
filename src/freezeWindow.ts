/**
 * Change-freeze windows, the pure part: a cron expression (node-cron syntax, evaluated in a given
 * time zone) marks when a window starts; it lasts `duration`. Active when a start lies within the
 * last `duration`. Here, below config.ts (which validates expressions with `parseCron`) and below
 * workflows/ (whose FreezeCalendar holds the bot's time zone and evaluates the windows of a service).
 */
import { parseDuration } from './duration.js';

export interface FreezeWindow { cron: string; duration: string; reason?: string }

interface CronFields { minute: Set<number>; hour: Set<number>; dom: Set<number>; month: Set<number>; dow: Set<number>; domStar: boolean; dowStar: boolean }

function expand(field: string, lo: number, hi: number, names?: string[]): Set<number> {
  const out = new Set<number>();
  for (const part of field.split(',')) {
    const [range, stepText] = part.split('/');
    const step = stepText ? Number(stepText) : 1;
    let a = lo;
    let b = hi;
    if (range && range !== '*') {
      const toNum = (s: string) => {
        const i = names?.indexOf(s.toLowerCase().slice(0, 3)) ?? -1;
        return i >= 0 ? i + (names === MONTHS ? 1 : 0) : Number(s);
      };
      const [x, y] = range.split('-');
      a = toNum(x!);
      b = y !== undefined ? toNum(y) : stepText ? hi : a;
    }
    if (!Number.isInteger(a) || !Number.isInteger(b) || !Number.isInteger(step) || step < 1 || a < lo || b > hi || a > b) {
      throw new Error(`bad cron field "${field}"`);
    }
    for (let v = a; v <= b; v += step) out.add(v === 7 && hi === 7 ? 0 : v);
  }
  return out;
}

const MONTHS = ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'];
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'];

export function parseCron(expr: string): CronFields {
  let parts = expr.trim().split(/\s+/);
  if (parts.length === 6) parts = parts.slice(1); // node-cron allows a leading seconds field
  if (parts.length !== 5) throw new Error(`expected 5 cron fields (minute hour day month weekday), got ${parts.length}`);
  const [mi, h, dom, mo, dow] = parts as [string, string, string, string, string];
  return {
    minute: expand(mi, 0, 59), hour: expand(h, 0, 23), dom: expand(dom, 1, 31), month: expand(mo, 1, 12, MONTHS), dow: expand(dow, 0, 7, DAYS),
    domStar: dom === '*', dowStar: dow === '*',
  };
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(tz: string): Intl.DateTimeFormat {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: tz, hour12: false, minute: 'numeric', hour: 'numeric', day: 'numeric', month: 'numeric', weekday: 'short' });
    formatters.set(tz, f);
  }
  return f;
}

function matches(c: CronFields, d: Date, tz: string): boolean {
  const f = formatterFor(tz);
  const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
  const minute = Number(p.minute);
  const hour = Number(p.hour) % 24;
  const day = Number(p.day);
  const month = Number(p.month);
  const dow = DAYS.indexOf(String(p.weekday).toLowerCase().slice(0, 3));
  if (!c.minute.has(minute) || !c.hour.has(hour) || !c.month.has(month)) return false;
  // Standard cron: when both day fields are restricted, either may match.
  if (!c.domStar && !c.dowStar) return c.dom.has(day) || c.dow.has(dow);
  return c.dom.has(day) && c.dow.has(dow);
}

/** The window in force at `now` in `timeZone`, if any, with when it ends. */
export function activeFreeze(windows: readonly FreezeWindow[], now: Date, timeZone: string): { window: FreezeWindow; until: Date } | undefined {
  let best: { window: FreezeWindow; until: Date } | undefined;
  for (const w of windows) {
    const len = parseDuration(w.duration) ?? 0;
    const cron = parseCron(w.cron);
    // Walk back minute by minute over the window's length (bounded: at most 7 days).
    const startMinute = Math.floor(now.getTime() / 60_000) * 60_000;
    for (let t = startMinute; t > now.getTime() - Math.min(len, 7 * 86_400_000); t -= 60_000) {
      if (matches(cron, new Date(t), timeZone)) {
        const until = new Date(t + len);
        if (until > now && (!best || until > best.until)) best = { window: w, until };
        break;
      }
    }
  }
  return best;
}
