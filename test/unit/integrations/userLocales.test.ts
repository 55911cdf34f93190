/** A user's own Slack language: looked up once, remembered, and never worth a slow slash command. */
import { describe, expect, it } from 'vitest';
import { UserLocales } from '../../../src/integrations/userLocales.js';

class Clock { t = new Date('2026-12-02T10:00:00Z'); now() { return this.t; } advance(ms: number) { this.t = new Date(this.t.getTime() + ms); } }

function counting(answers: Record<string, string | undefined | Error>, delayMs = 0) {
  const asked: string[] = [];
  const lookup = async (user: string) => {
    asked.push(user);
    if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
    const a = answers[user];
    if (a instanceof Error) throw a;
    return a;
  };
  return { asked, lookup };
}

describe('UserLocales', () => {
  it("answers the user's Slack locale as one of ours, and asks Slack once per user within the TTL", async () => {
    const clock = new Clock();
    const { asked, lookup } = counting({ U1: 'ko-KR', U2: 'en-US', U3: 'fr-FR' });
    const locales = new UserLocales({ lookup, fallback: 'en', clock, ttlMs: 60_000 });
    expect(await locales.of('U1')).toBe('ko');
    expect(await locales.of('U1')).toBe('ko');
    expect(await locales.of('U2')).toBe('en');
    expect(await locales.of('U3')).toBe('en');
    expect(asked).toEqual(['U1', 'U2', 'U3']);
    clock.advance(60_001);
    expect(await locales.of('U1')).toBe('ko');
    expect(asked).toEqual(['U1', 'U2', 'U3', 'U1']);
  });

  it('answers the workspace default when Slack refuses (no users:read), and remembers the refusal', async () => {
    const { asked, lookup } = counting({ U1: new Error('missing_scope') });
    const locales = new UserLocales({ lookup, fallback: 'ko', clock: new Clock() });
    expect(await locales.of('U1')).toBe('ko');
    expect(await locales.of('U1')).toBe('ko');
    expect(asked).toEqual(['U1']);
  });

  it('does not wait past its timeout: the default answers now, and the late answer serves the next call', async () => {
    const { asked, lookup } = counting({ U1: 'ko-KR' }, 200);
    const locales = new UserLocales({ lookup, fallback: 'en', clock: new Clock(), timeoutMs: 20 });
    expect(await locales.of('U1')).toBe('en');
    await new Promise((r) => setTimeout(r, 300));
    expect(await locales.of('U1')).toBe('ko');
    expect(asked).toEqual(['U1']);
  });

  it('remembers at most maxEntries users, forgetting the oldest first', async () => {
    const { asked, lookup } = counting({ U1: 'ko', U2: 'ko', U3: 'ko' });
    const locales = new UserLocales({ lookup, fallback: 'en', clock: new Clock(), maxEntries: 2 });
    for (const u of ['U1', 'U2', 'U3', 'U3', 'U1']) await locales.of(u);
    expect(asked).toEqual(['U1', 'U2', 'U3', 'U1']);
  });
});
