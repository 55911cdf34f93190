/**
 * The Jenkins and PLG messages and the template / service replies in both languages: Block Kit limits with the longest
 * diffs, snapshots in en and ko, Korean without English words (ids, paths, code and external output aside).
 */
import { describe, expect, it } from 'vitest';
import { serviceText, templateText } from '../../../src/cards/commandMessages.js';
import { decisionText } from '../../../src/cards/decisionText.js';
import { jenkinsCmdText, jenkinsRunText } from '../../../src/cards/jenkinsMessages.js';
import { plgApplyReport, plgMessages, plgPlanMessage } from '../../../src/cards/plgCards.js';
import { formatDuration } from '../../../src/cards/time.js';
import { check, existingVmName, newVmName } from '../../../src/commands/autoscale/args.js';
import { LOCALES, type Locale } from '../../../src/i18n/index.js';
import { rulesRead, type ApplyResult, type PlgPlan } from '../../../src/integrations/plg/index.js';
import type { DecisionFact } from '../../../src/workflows/deps.js';
import { messageProblems } from '../../fakes/slack.js';
import { service } from '../../fixtures/plg/services.js';
import { englishWordsIn, texts } from './korean.js';

/** Korean text once the names, paths, diffs and codes of these fixtures are taken out. */
const korean = (text: string, foreign: string[] = []) =>
  englishWordsIn(text.replace(/```[\s\S]*?```/g, ' '), { foreign: [...FOREIGN, ...foreign], allowed: ['promtool', 'amtool', 'config', 'push', 'executor', 'jenkins', 'diff', 'render', 'node', 'dist', 'cli', 'js', 'SUCCESS', 'FAILURE'] });
const FOREIGN = ['web-server', 'autoscale-web-server', 'base-vm', 'web-template', 'sr-out-1', '/etc/prometheus/prometheus.yml', '/etc/prometheus/rules/autoscale.yml', 'Deploy'];

const longDiff = Array.from({ length: 400 }, (_, i) => `+  - job_name: line-${i} \`with backticks\` and <angle> & amp`).join('\n');
const svc = service('web-server');
const plan = (kind: PlgPlan['kind'], noop = false): PlgPlan => ({
  kind, service: svc, createdAt: '2026-12-02T00:00:00Z', noop, ...(kind === 'push' ? { rules: rulesRead(svc) } : {}),
  files: noop ? [] : [
    { role: 'prometheus', path: '/etc/prometheus/prometheus.yml', existed: true, beforeSha256: 'a', afterSha256: 'b', changed: true, diff: longDiff },
    { role: 'rules', path: '/etc/prometheus/rules/autoscale.yml', existed: false, beforeSha256: 'a', afterSha256: 'b', changed: true, diff: '+groups: []' },
    { role: 'alertmanager', path: '/etc/alertmanager/alertmanager.yml', existed: true, beforeSha256: 'a', afterSha256: 'a', changed: false, diff: '' },
  ],
});
const applied: ApplyResult = {
  ok: false, code: 'check_failed' as never, message: 'promtool: error parsing /tmp/x.yml', rolledBack: true, backups: ['/etc/prometheus/prometheus.yml.bak-1'], durationMs: 83_500,
  steps: [{ step: 'connect', ok: true, detail: '127.0.0.1', durationMs: 20 }, { step: 'check', role: 'prometheus', ok: false, detail: 'promtool said no', durationMs: 900 }],
};

describe('Jenkins and PLG messages', () => {
  it.each(LOCALES)('%s: the push prompts keep Block Kit limits with a long diff and match their snapshots', (locale) => {
    const jenkins = jenkinsCmdText.pushPrompt(jenkinsCmdText.pushHead('autoscale-web-server', 'update', locale), longDiff, 'web-server', 'pending-1', locale);
    const monitoring = plgPlanMessage(plan('push'), { buttonsFor: 'pending-2', locale });
    for (const m of [jenkins, monitoring, plgPlanMessage(plan('remove'), { locale }), plgPlanMessage(plan('push', true), { locale })]) expect(messageProblems(m)).toEqual([]);
    expect({ jenkins, monitoring, report: plgApplyReport('web-server', 'push', 'U0ADMIN01', applied, locale) }).toMatchSnapshot();
  });

  it('Korean Jenkins and PLG messages have no English words but names, paths, codes and external output', () => {
    const l: Locale = 'ko';
    const shown = [
      ...texts(jenkinsCmdText.pushPrompt(jenkinsCmdText.pushHead('autoscale-web-server', 'create', l), longDiff, 'web-server', 'p', l)),
      ...texts(jenkinsCmdText.diff(jenkinsCmdText.diffHead('autoscale-web-server', 'update', 'web-server', l), 'x', 'web-server', l)),
      jenkinsCmdText.notConfigured(l), jenkinsCmdText.comparing('autoscale-web-server', l), jenkinsCmdText.unchanged('autoscale-web-server', l),
      jenkinsCmdText.applied('autoscale-web-server', 'created', 'U0ADMIN01', l), jenkinsCmdText.applied('autoscale-web-server', 'unchanged', 'U0ADMIN01', l),
      jenkinsCmdText.removePrompt('autoscale-web-server', l), jenkinsCmdText.removeBusy('autoscale-web-server', 'sr-out-1', l), jenkinsCmdText.notThere('autoscale-web-server', l),
      jenkinsRunText.buildStarted('autoscale-web-server', 12, 'http://127.0.0.1:8080/job/x/12/', l), jenkinsRunText.reattached('autoscale-web-server', undefined, l),
      jenkinsRunText.buildFailed('autoscale-web-server', 12, 'FAILURE', 'Deploy', '', l), jenkinsRunText.buildDetail('autoscale-web-server', 12, 'SUCCESS', 95_000, l),
      ...texts(plgPlanMessage(plan('push'), { buttonsFor: 'p', locale: l })), ...texts(plgPlanMessage(plan('remove', true), { locale: l })),
      plgApplyReport('web-server', 'remove', 'U0ADMIN01', { ok: true, noop: false, steps: [{ step: 'reload', ok: true, detail: '', durationMs: 5 }], backups: [], durationMs: 1200 }, l),
      plgMessages.applying('web-server', l), plgMessages.reading('web-server', l),
    ].join('\n');
    expect(korean(shown, ['targets', 'job_name', 'line', 'with', 'backticks', 'and', 'angle', 'amp'])).toEqual([]);
  });

  it('English keeps the words operators and tests read', () => {
    expect(plgApplyReport('web-server', 'push', 'U0ADMIN01', { ok: true, noop: false, steps: [], backups: [], durationMs: 1200 })).toContain('Monitoring config pushed for *web-server* by <@U0ADMIN01> in 1s.');
    expect(jenkinsRunText.buildFailed('j', 3, 'FAILURE', 'Deploy', 'boom')).toBe('j #3 FAILURE at stage Deploy: boom');
    expect(jenkinsRunText.reattached('j', '#4')).toContain('re-attached to its Jenkins build of j #4 (no new build started)');
  });
});

describe('template and service replies', () => {
  const tc = (locale: Locale) => ({ tz: 'UTC', now: new Date('2026-12-02T10:00:00Z'), locale });
  const listing = { name: 'web-template', sourceVm: 'base-vm', createdBy: 'U0ADMIN01', createdAt: '2026-12-01T09:00:00Z', usedBy: ['web-server'] };

  it.each(LOCALES)('%s: the template and service texts match their snapshot', (locale) => {
    const status = { service: svc, instances: 3, leased: 3, free: 38 };
    expect({
      list: templateText.list([listing as never], ['old-template'], tc(locale)),
      prompt: templateText.createPrompt({ source: 'base-vm', name: 'web-template' }, locale),
      failed: templateText.failed('delete', 'web-template', { ok: false, code: 'ambiguous', name: 'web-template', paths: ['/DC0/vm/a', '/DC0/vm/b'] } as never, locale),
      created: templateText.created('web-template', 'base-vm', 'U0ADMIN01', 125_000, locale),
      services: serviceText.list([status], tc(locale)),
      deletePrompt: serviceText.deletePrompt('web-server', 3, locale),
      imported: serviceText.imported({ created: ['a'], updated: [], unchanged: ['b'] }, locale),
    }).toMatchSnapshot();
  });

  it('Korean template and service replies have no English words but names', () => {
    const l: Locale = 'ko';
    const shown = [
      templateText.list([listing as never], ['old-template'], tc(l)), templateText.createPrompt({ source: 'base-vm', name: 'web-template' }, l),
      templateText.deletePrompt('web-template', l), templateText.inUse('web-template', ['web-server', 'api'], l), templateText.noVcenter(l),
      templateText.failed('create', 'web-template', { ok: false, code: 'source_missing', source: 'base-vm' } as never, l),
      serviceText.list([{ service: svc, instances: null, leased: 0, free: 41 }], tc(l)), serviceText.unknown('nope', l), serviceText.enabled('web-server', false, false, l),
      serviceText.deletePrompt('web-server', 2, l), serviceText.openRequest('web-server', 'sr-out-1', l), serviceText.exported(2, 'services.yaml', l),
      serviceText.saved('web-server', 'created', l), serviceText.nameTaken('web-server', l), serviceText.secretsNote(l), serviceText.importProblems(Array(10).fill('x'), l),
    ].join('\n');
    expect(korean(shown, ['old-template', 'api', 'nope', 'services.yaml', 'manual'])).toEqual([]);
  });
});

describe('refused decisions', () => {
  const block = { code: 'cooldown' as const, service: 'web-server', direction: 'out' as const, lastAt: '2026-12-02T09:50:00Z', until: '2026-12-02T10:20:00Z' };
  const facts: DecisionFact[] = [
    { kind: 'not_found', requestId: 'sr-out-1' },
    { kind: 'not_approver', service: 'web-server', approvers: ['U0APPROVE1'] },
    { kind: 'current_state', requestId: 'sr-out-1', service: 'web-server', direction: 'out', state: 'succeeded', by: 'U0APPROVE1' },
    { kind: 'current_state', requestId: 'sr-out-1', service: 'web-server', direction: 'in', state: 'rejected', by: 'auto' },
    { kind: 'frozen_confirm', service: 'web-server', until: '2026-12-02T16:00:00Z', retry: true },
    { kind: 'frozen_wait', block: { code: 'frozen', service: 'web-server', reason: 'weekend' } },
    { kind: 'start_refused', service: 'web-server', direction: 'out', block },
    { kind: 'retry_refused', service: 'web-server', direction: 'out', block },
  ];
  const lang = (locale: Locale) => ({ locale, tz: 'UTC', now: new Date('2026-12-02T10:00:00Z') });

  it.each(LOCALES)('%s: every refusal renders, and matches its snapshot', (locale) => {
    const out = facts.map((f) => decisionText(f, lang(locale)));
    for (const t of out) expect(t.trim()).not.toBe('');
    expect(out).toMatchSnapshot();
  });

  it('Korean refusals are Korean; English keeps the sentences the CLI and the tests read', () => {
    expect(korean(facts.map((f) => decisionText(f, lang('ko'))).join('\n'), ['weekend'])).toEqual([]);
    expect(decisionText(facts[4]!, lang('en'))).toBe('web-server is in a change freeze until 16:00 UTC. Retry anyway?');
    expect(decisionText(facts[2]!, lang('en'))).toBe('The scale-out of web-server (sr-out-1) is already done by <@U0APPROVE1>. Nothing was changed.');
  });
});

describe('durations and argument refusals per language', () => {
  it('formats durations for the locale', () => {
    expect([450, 42_000, 90_000, 3_600_000, 5_400_000].map((ms) => formatDuration('en', ms))).toEqual(['450ms', '42s', '1m30s', '1h', '1h30m']);
    expect([450, 42_000, 90_000, 3_600_000, 5_400_000].map((ms) => formatDuration('ko', ms))).toEqual(['450밀리초', '42초', '1분 30초', '1시간', '1시간 30분']);
  });

  it('says why an argument is refused in the user\'s language', () => {
    expect(check(newVmName, 'base;reboot')).toEqual({ ok: false, problem: 'shell characters are not allowed (`;`)' });
    expect(check(newVmName, 'base;reboot', 'ko')).toEqual({ ok: false, problem: '셸 특수 문자는 쓸 수 없습니다 (`;`)' });
    expect(check(newVmName, 'x'.repeat(81))).toEqual({ ok: false, problem: 'at most 80 characters' });
    expect(check(newVmName, 'x'.repeat(81), 'ko')).toEqual({ ok: false, problem: '최대 80자입니다' });
    expect(check(existingVmName, '-vm', 'ko')).toEqual({ ok: false, problem: '"-"나 공백으로 시작할 수 없습니다' });
    expect(check(newVmName, '.hidden')).toEqual({ ok: false, problem: 'letters, digits, "_", "." and "-" only, starting with a letter or digit' });
  });
});
