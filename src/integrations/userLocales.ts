/**
 * A Slack user's own language, for the replies only they read (help, usage errors, App Home). Slack tells it through
 * `users.info` with `include_locale` (scope `users:read`); without the scope, or when Slack is slow, the workspace
 * default (BOT_LOCALE) answers. Cached per user so a slash command costs at most one lookup per TTL, and bounded in
 * time because a slash command must be acknowledged within 3 s.
 */
import type { Clock } from '../clock.js';
import { fromSlackLocale, type Locale } from '../i18n/index.js';

/** Slack's locale string of a user (`ko-KR`), or undefined when Slack does not say. */
export type LocaleLookup = (user: string) => Promise<string | undefined>;

export interface UserLocalesOptions {
  lookup: LocaleLookup;
  fallback: Locale;
  clock: Clock;
  /** How long an answer (or a refusal) is reused. */
  ttlMs?: number;
  /** How long a caller waits for Slack before answering with the fallback. */
  timeoutMs?: number;
  /** At most this many users are remembered; the oldest is forgotten first. */
  maxEntries?: number;
}

export class UserLocales {
  private readonly cache = new Map<string, { locale: Locale | undefined; at: number }>();
  private readonly inFlight = new Map<string, Promise<Locale | undefined>>();

  constructor(private readonly o: UserLocalesOptions) {}

  async of(user: string): Promise<Locale> {
    const now = this.o.clock.now().getTime();
    const hit = this.cache.get(user);
    if (hit && now - hit.at < (this.o.ttlMs ?? 6 * 3_600_000)) return hit.locale ?? this.o.fallback;
    const pending = this.inFlight.get(user) ?? this.start(user);
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((r) => { timer = setTimeout(() => r(undefined), this.o.timeoutMs ?? 1_000); timer.unref(); });
    try {
      return (await Promise.race([pending, late])) ?? this.o.fallback;
    } finally {
      clearTimeout(timer);
    }
  }

  /** One lookup per user at a time; its answer fills the cache even when the caller stopped waiting. */
  private start(user: string): Promise<Locale | undefined> {
    const p = this.o.lookup(user)
      .then(fromSlackLocale, () => undefined)
      .then((locale) => {
        this.cache.delete(user);
        this.cache.set(user, { locale, at: this.o.clock.now().getTime() });
        while (this.cache.size > (this.o.maxEntries ?? 5_000)) this.cache.delete(this.cache.keys().next().value!);
        return locale;
      })
      .finally(() => this.inFlight.delete(user));
    this.inFlight.set(user, p);
    return p;
  }
}
