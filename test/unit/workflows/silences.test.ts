/** The pure parts of silencing from the card: the menu's value, when a length ends, what a silence matches. */
import { describe, expect, it } from 'vitest';
import { renderCard } from '../../../src/cards/approvalCard.js';
import type { ScaleRequest } from '../../../src/store/types.js';
import { parseSilenceChoice, silenceCovers, silenceEnd, silenceMatchers } from '../../../src/workflows/silences.js';
import { blockProblems, blockText } from '../../fakes/slack.js';
import { service } from '../../helpers/bot.js';

const now = new Date('2026-12-02T06:00:00Z'); // 15:00 in Seoul

function request(over: Partial<ScaleRequest> = {}): ScaleRequest {
  return {
    id: 'sr-20261202060000-abcdef', service: 'web-server', direction: 'out', state: 'pending', executor: 'dry-run', source: 'manual', fireCount: 1,
    lastFiredAt: now.toISOString(), createdAt: now.toISOString(), updatedAt: now.toISOString(),
    preview: { instances: 2, instancesSource: 'f5', min: 1, max: 6, template: 't', vmName: null, ip: null, f5Pool: '/Common/p', checks: [] },
    attempts: [], events: [], ...over,
  };
}

describe('the silence menu value', () => {
  it('reads `<requestId>:<length>` and refuses anything else', () => {
    expect(parseSilenceChoice('sr-20261202060000-abcdef:4h')).toEqual({ requestId: 'sr-20261202060000-abcdef', length: '4h' });
    expect(parseSilenceChoice('sr-1:tomorrow')).toEqual({ requestId: 'sr-1', length: 'tomorrow' });
    for (const bad of ['sr-1:2h', 'sr-1', ':1h', 'sr 1:1h', 'sr-1:1h:1h', `${'x'.repeat(200)}:1h`, undefined, 42]) {
      expect(parseSilenceChoice(bad), String(bad)).toBeUndefined();
    }
  });
});

describe('when a silence ends', () => {
  it('lasts 1 h or 4 h from now', () => {
    expect(silenceEnd('1h', now, 'Asia/Seoul').toISOString()).toBe('2026-12-02T07:00:00.000Z');
    expect(silenceEnd('4h', now, 'Asia/Seoul').toISOString()).toBe('2026-12-02T10:00:00.000Z');
  });

  it('"until tomorrow 09:00" is 09:00 of the next day in the bot\'s zone, also across a month and a year', () => {
    expect(silenceEnd('tomorrow', now, 'Asia/Seoul').toISOString()).toBe('2026-12-03T00:00:00.000Z'); // 09:00 KST
    expect(silenceEnd('tomorrow', now, 'UTC').toISOString()).toBe('2026-12-03T09:00:00.000Z');
    // 23:30 in Seoul on New Year's Eve is already 14:30 UTC.
    expect(silenceEnd('tomorrow', new Date('2026-12-31T14:30:00Z'), 'Asia/Seoul').toISOString()).toBe('2027-01-01T00:00:00.000Z');
    expect(silenceEnd('tomorrow', new Date('2026-11-30T20:00:00Z'), 'America/New_York').toISOString()).toBe('2026-12-01T14:00:00.000Z');
  });
});

describe('what the silence matches', () => {
  const alert = (labels: Record<string, string>) => ({ name: labels.alertname ?? 'HighCPU', labels });

  it('matches the service and direction as the generated rules label them', () => {
    expect(silenceMatchers(request())).toEqual([{ name: 'service', value: 'web-server', isRegex: false }, { name: 'autoscale', value: 'out', isRegex: false }]);
    expect(silenceMatchers(request({ direction: 'in', alert: alert({ service: 'web-server', autoscale: 'in' }) })).map((m) => `${m.name}=${m.value}`))
      .toEqual(['service=web-server', 'autoscale=in']);
  });

  it('matches an older rule\'s scale-out alert without an autoscale label by its name and the label\'s absence', () => {
    expect(silenceMatchers(request({ alert: alert({ alertname: 'HighCPU', autoscaleConfigId: 'web-server' }) })).map((m) => `${m.name}=${m.value}`))
      .toEqual(['autoscaleConfigId=web-server', 'alertname=HighCPU', 'autoscale=']);
  });

  it('shows a silence on a manual card when its matchers on service and direction hold', () => {
    const m = (name: string, value: string, isRegex = false, isEqual?: boolean) => ({ name, value, isRegex, ...(isEqual === undefined ? {} : { isEqual }) });
    const manual = request();
    expect(silenceCovers([m('service', 'web-server')], manual)).toBe(true);
    expect(silenceCovers([m('service', 'web-server'), m('alertname', 'HighDisk')], manual)).toBe(true);
    expect(silenceCovers([m('service', 'web-server'), m('autoscale', 'in')], manual)).toBe(false);
    expect(silenceCovers([m('service', 'web-.*', true), m('autoscale', 'in', false, false)], manual)).toBe(true);
    // With the alert's labels: exactly Alertmanager's answer (an absent label reads as "").
    const fired = request({ source: 'alert', alert: alert({ alertname: 'HighCPU', service: 'web-server', autoscale: 'out' }) });
    expect(silenceCovers([m('service', 'web-server'), m('alertname', 'HighDisk')], fired)).toBe(false);
    expect(silenceCovers([m('service', 'web-server'), m('team', '')], fired)).toBe(true);
  });
});

describe('the card with a silence', () => {
  const t = { tz: 'Asia/Seoul', now, alertmanagerUrl: 'http://127.0.0.1:9093' };

  it('speaks Korean for a service whose locale is ko, within Block Kit\'s limits', () => {
    const ko = service({ locale: 'ko' });
    const pending = renderCard(request(), ko, t);
    expect(blockProblems(pending.blocks)).toEqual([]);
    expect(blockText(pending.blocks)).toContain('사일런스…');
    const silenced = request({ state: 'withdrawn', silence: { id: 's-1', by: 'U0APPROVE1', until: '2026-12-02T06:30:00Z', createdAt: now.toISOString() } });
    const { blocks } = renderCard(silenced, ko, t);
    expect(blockText(blocks)).toContain('<@U0APPROVE1>님이 15:30까지 사일런스했습니다');
    expect(blockText(blocks)).not.toContain('Withdrawn:');
  });

  it('names a silence the bot made in Alertmanager by its Slack user, and others by the name they typed, escaped', () => {
    const r = request({ alertmanagerSilences: [
      { id: 'a-1', createdBy: 'slack:U0APPROVE1', endsAt: '2026-12-02T07:00:00Z' },
      { id: 'a-2', createdBy: '<!channel> mallory', endsAt: '2026-12-03T07:00:00Z' },
    ] });
    const text = blockText(renderCard(r, service(), t).blocks);
    expect(text).toContain('Silenced in Alertmanager by <@U0APPROVE1> until 16:00 · <http://127.0.0.1:9093/#/silences/a-1|Alertmanager>');
    expect(text).toContain('Silenced in Alertmanager by &lt;!channel&gt; mallory until Dec 3, 16:00');
  });
});
