/** App Home at its fullest, in both languages: within Slack's view limits, and every word from the reader's catalog. */
import { describe, expect, it } from 'vitest';
import { renderHome, type HomeService } from '../../../src/cards/home.js';
import { catalog, LOCALES } from '../../../src/i18n/index.js';
import type { RequestState, ScaleRequest } from '../../../src/store/types.js';
import { blockText, viewProblems } from '../../fakes/slack.js';
import { service } from '../../helpers/bot.js';

const now = new Date('2026-11-26T14:22:00.000Z');
const STATES: RequestState[] = ['pending', 'blocked', 'approved', 'running', 'succeeded', 'failed', 'rejected', 'withdrawn'];
const longName = (i: number) => `service-with-a-very-long-name-${String(i).padStart(2, '0')}`;

function request(i: number, state: RequestState): ScaleRequest {
  const at = new Date(now.getTime() - i * 3_600_000).toISOString();
  return {
    id: `sr-${i}`, service: longName(i), direction: i % 2 ? 'in' : 'out', state, executor: 'local', source: 'alert', fireCount: 1,
    lastFiredAt: at, createdAt: at, updatedAt: at,
    ...(state === 'pending' ? { autoApproveAt: new Date(now.getTime() + 600_000).toISOString() } : {}),
    ...(state === 'succeeded' || state === 'rejected' ? { decision: { by: i % 3 ? 'U0APPROVER' : 'auto', at } } : {}),
    preview: { instances: 3, instancesSource: 'f5', min: 1, max: 6, template: 't', vmName: 'v', ip: '127.0.10.12', f5Pool: '/Common/p', checks: [] },
    attempts: [], events: [],
  } as ScaleRequest;
}

const services: HomeService[] = Array.from({ length: 40 }, (_, i) => ({
  service: service({ name: longName(i) }), leased: 12, poolSize: 41, instances: i % 5 ? 4 : null,
  protectedVms: Array.from({ length: 14 }, (_, k) => `${longName(i)}-vm-${k}`),
}));
const open = Array.from({ length: 30 }, (_, i) => request(i, STATES[i % 4]!));
const recent = Array.from({ length: 20 }, (_, i) => request(i, STATES[i % STATES.length]!));

describe('App Home', () => {
  it.each(LOCALES)('in %s, with 40 services, 30 open requests and 20 recent ones, fits Slack view and block limits', (locale) => {
    const view = renderHome(services, open, recent, { tz: 'Asia/Seoul', now }, locale);
    expect(viewProblems(view)).toEqual([]);
  });

  it('in Korean, names every state in Korean and no English word of the English App Home', () => {
    const text = blockText(renderHome(services, open, recent, { tz: 'Asia/Seoul', now }, 'ko').blocks as never[]);
    for (const state of STATES) if (text.includes(`*${longName(STATES.indexOf(state))}*`)) expect(text).toContain(catalog('ko').home.state[state]);
    const en = catalog('en').home;
    for (const english of [...Object.values(en.state), 'instances', 'leased', 'approval timeout', 'auto-approves', 'Recent history', 'Open requests']) {
      expect(text).not.toContain(english);
    }
    expect(text).toContain('스케일아웃');
    expect(text).toContain('스케일인');
    expect(text).toContain('(자동)');
  });

  it('in English, reads as before: the same clock, the same words', () => {
    const text = blockText(renderHome(services.slice(0, 1), open.slice(0, 1), [], { tz: 'UTC', now }, 'en').blocks as never[]);
    expect(text).toContain(`*${longName(0)}* — instances ? (min 1, max 6) · IPs 12/41 leased · approval`);
    expect(text).toContain(`• *${longName(0)}* scale-out — waiting for approval, auto-approves 14:32 UTC (in 10 minutes)`);
    expect(text).toContain('_Nothing yet._');
  });
});
