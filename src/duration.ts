/** Durations as operators write them: `500ms`, `30s`, `10m`, `1h`, `1d`, or combined `1h30m`. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const PART = /(\d+)(ms|s|m|h|d)/g;
const WHOLE = /^(\d+(ms|s|m|h|d))+$/;

/**
 * The longest duration the bot ever acts on (the largest per-field maximum in config.ts). Validation refuses longer
 * values per field; this cap only protects the running bot from a value stored before those limits existed (a
 * `999999999d` cooldown made every alert of its service fail with an invalid date).
 */
export const MAX_DURATION_MS = 7 * 86_400_000;

/** The value in milliseconds, or undefined when the text is not a duration (or too large to be a number at all). */
export function durationMs(text: string): number | undefined {
  const t = text.trim();
  if (!WHOLE.test(t)) return undefined;
  let total = 0;
  for (const m of t.matchAll(PART)) total += Number(m[1]) * (UNIT_MS[m[2]!] ?? 0);
  return Number.isFinite(total) ? total : undefined;
}

/**
 * The value the bot acts on: the exact value, capped at MAX_DURATION_MS. Fields are validated against their own
 * maximum (config.ts), so the cap only ever applies to old stored values; `undefined` when the text is not a duration.
 */
export function parseDuration(text: string): number | undefined {
  const t = text.trim();
  if (!WHOLE.test(t)) return undefined;
  const exact = durationMs(t);
  return exact === undefined ? MAX_DURATION_MS : Math.min(exact, MAX_DURATION_MS);
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rs = s % 60;
  if (m < 60) return rs ? `${m}m${rs}s` : `${m}m`;
  const h = Math.floor(m / 60);
  const rm = m % 60;
  return rm ? `${h}h${rm}m` : `${h}h`;
}
