import { describe, expect, it } from 'vitest';
import { catalog, formatTime, fromSlackLocale, LOCALES } from '../../../src/i18n/index.js';

type Node = string | ((p: unknown) => string) | { [k: string]: Node };

/** key path (keys joined by `/`: the service form's keys are dotted schema paths) → kind, for every leaf of a catalog. */
function leaves(node: Node, path = ''): Map<string, 'text' | 'fn'> {
  const out = new Map<string, 'text' | 'fn'>();
  if (typeof node === 'string') out.set(path, 'text');
  else if (typeof node === 'function') out.set(path, 'fn');
  else for (const [k, v] of Object.entries(node)) for (const [p, kind] of leaves(v, path ? `${path}/${k}` : k)) out.set(p, kind);
  return out;
}

/** Any parameter object: every property reads as a short marker, so each message can be called. */
const anyParams = new Proxy({}, { get: (_t, k) => (typeof k === 'string' ? `‹${k}›` : undefined) });

describe('catalogs', () => {
  const en = leaves(catalog('en') as unknown as Node);

  it.each(LOCALES)('%s has exactly the keys of en, of the same kind', (locale) => {
    const other = leaves(catalog(locale) as unknown as Node);
    expect([...other.entries()].sort()).toEqual([...en.entries()].sort());
  });

  it.each(LOCALES)('every %s message renders to non-empty text that uses each parameter en uses', (locale) => {
    const get = (root: unknown, path: string) => path.split('/').reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], root);
    for (const [path, kind] of en) {
      const mine = get(catalog(locale), path);
      const theirs = get(catalog('en'), path);
      const text = kind === 'fn' ? (mine as (p: unknown) => string)(anyParams) : (mine as string);
      expect(text.trim(), path).not.toBe('');
      if (kind === 'fn') {
        const used = (theirs as (p: unknown) => string)(anyParams).match(/‹\w+›/g) ?? [];
        for (const param of used) expect(text, `${locale} ${path} drops ${param}`).toContain(param);
      }
    }
  });

  it('Korean texts are Korean', () => {
    expect(catalog('ko').chart.cpu).toMatch(/[가-힣]/);
  });

  /** Korean leaves without Hangul on purpose: product names as the team writes them, and pure formats of parameters. */
  const NOT_HANGUL = new Set([
    'serviceForm/issueAt', 'serviceForm/sections/f5/title', 'serviceForm/fields/f5.pool/label', 'serviceForm/fields/monitoring.prometheusJob/label',
    'serviceForm/fields/monitoring.groupWait/label', 'serviceForm/fields/monitoring.groupInterval/label', 'serviceForm/fields/monitoring.repeatInterval/label',
    'serviceForm/fields/jenkins.webhookTrigger/label', 'jenkins/run/buildDetail', 'jenkins/run/buildFailed', 'jenkins/run/tail',
    'plgPush/role/prometheus', 'plgPush/role/alertmanager', 'templates/madeBy', 'templates/madeAt', 'services/last', 'duration/pair',
  ]);

  it.each(['serviceForm', 'jenkins', 'plgPush', 'templates', 'services', 'args', 'duration'])('every Korean text of section %s is written in Korean', (section) => {
    const ko = leaves(catalog('ko') as unknown as Node);
    const get = (path: string) => path.split('/').reduce<unknown>((n, k) => (n as Record<string, unknown>)[k], catalog('ko'));
    const latin = [...ko.keys()].filter((path) => path.startsWith(`${section}/`) && !NOT_HANGUL.has(path)).filter((path) => {
      const v = get(path);
      return !/[가-힣]/.test(typeof v === 'function' ? (v as (p: unknown) => string)(anyParams) : (v as string));
    });
    expect(latin).toEqual([]);
  });
});

describe('locale helpers', () => {
  it('maps Slack user locales to ours', () => {
    expect(fromSlackLocale('ko-KR')).toBe('ko');
    expect(fromSlackLocale('en-GB')).toBe('en');
    expect(fromSlackLocale('ja-JP')).toBeUndefined();
  });

  it('formats a time in the bot zone, with the date only when it is not today', () => {
    const now = new Date('2026-12-02T06:00:00Z');
    expect(formatTime(new Date('2026-12-02T06:30:00Z'), { locale: 'ko', timeZone: 'Asia/Seoul', now })).toBe('15:30');
    expect(formatTime(new Date('2026-12-03T06:30:00Z'), { locale: 'ko', timeZone: 'Asia/Seoul', now })).toBe('12월 3일 15:30');
    expect(formatTime(new Date('2026-12-03T06:30:00Z'), { locale: 'en', timeZone: 'UTC', now })).toBe('Dec 3, 06:30');
  });
});
