/**
 * The service form in both languages: within Slack's view limits with the longest values, every label and hint from the
 * catalog (Korean reads Korean), inline errors in the user's language, and a snapshot of each.
 */
import { describe, expect, it } from 'vitest';
import { serviceModal as modal, type ServiceModalMeta, type ViewValues } from '../../../src/cards/serviceModal.js';
import type { Service } from '../../../src/config.js';
import { LOCALES, type Locale } from '../../../src/i18n/index.js';
import { parseServiceForm as parseServiceView, serviceFormFacts } from '../../../src/serviceForm.js';
import { viewProblems } from '../../fakes/slack.js';
import { submitted, type Fill } from '../../helpers/slackViews.js';
import { service } from '../../helpers/bot.js';
import { englishWordsIn, texts } from './korean.js';


/** The form as `/autoscale service create|edit` opens it: with the schema's defaults and limits. */
const serviceModal = (m: ServiceModalMeta, svc?: Service, locale?: Locale) => modal(m, serviceFormFacts(), svc, locale);

/** A service with every optional group filled and the longest names the schema allows where it matters. */
const full = service({
  name: 'w'.repeat(40),
  locale: 'ko',
  executor: 'jenkins',
  scaling: { min: 1, max: 6, cooldown: '10m', cooldownIn: '20m', maxPerHour: 4, freeze: [{ cron: '0 18 * * 5', duration: '60h', reason: 'weekend' }] },
  monitoring: { targets: ['127.0.10.201:9100'], cpuThreshold: 80, memoryThreshold: 85, for: '5m' },
  jenkins: { job: 'autoscale-web-server', token: 'jenkins-secret-token' },
} as never);
const meta = (mode: 'create' | 'edit') => ({ mode, channel: 'C0SERVICE1', ...(mode === 'edit' ? { name: full.name } : {}) });
/** What the form shows that is the user's own data or a schema value, not our words. */
const values = ['"service"', '/autoscale template list', 'EXECUTOR', 'govc', 'Jenkinsfile', 'main', 'en', 'ko', 'local', 'dry-run', 'jenkins', 'icmp', 'tcp', 'none', 'http', 'manual', 'timeout', 'auto', 'running', 'stopped', 'group_wait', 'group_interval', 'repeat_interval', 'cron', 'Generic Webhook Trigger', 'Node Exporter', 'targets', 'monitoring.existingJob', 'autoscale-<name>', 'Prometheus job'];

describe('the service form', () => {
  const cases = LOCALES.flatMap((locale) => (['create', 'edit'] as const).map((mode) => ({ locale, mode })));

  it.each(cases)('$locale $mode: keeps Slack\'s view limits and never shows a secret', ({ locale, mode }) => {
    const view = serviceModal(meta(mode), mode === 'edit' ? full : undefined, locale);
    expect(viewProblems(view)).toEqual([]);
    expect(JSON.stringify(view)).not.toContain('jenkins-secret-token');
  });

  it.each(cases)('$locale $mode: matches its snapshot', ({ locale, mode }) => {
    expect(serviceModal(meta(mode), mode === 'edit' ? full : undefined, locale)).toMatchSnapshot();
  });

  it.each(['create', 'edit'] as const)('ko %s: every label, hint, placeholder and button is Korean', (mode) => {
    const view = serviceModal(meta(mode), mode === 'edit' ? full : undefined, 'ko');
    const shown = texts(view).join('\n');
    const left = englishWordsIn(shown, { foreign: [full.name, full.name.slice(0, 24), ...values, 'web-server-template', 'VM Network', 'DC0', 'LocalDS_0', 'Common', 'autoscale-web-server'] });
    expect(left).toEqual([]);
    expect(shown).toContain('스케일');
  });

  it('English keeps the words the existing form used', () => {
    const shown = texts(serviceModal(meta('create'))).join('\n');
    expect(shown).toContain('IP pool start');
    expect(shown).toContain('Leave every field empty for a service without PLG rules; empty fields take the defaults shown.');
    expect(texts(serviceModal(meta('edit'), full)).join('\n')).toContain('unchanged unless you type a new one');
  });

  it('answers a missing field inline in the user\'s language', () => {
    const empty: ViewValues = {};
    const en = parseServiceView(empty, meta('create'), 'en');
    const ko = parseServiceView(empty, meta('create'), 'ko');
    expect(en.ok || en.errors.template).toBe('Required.');
    expect(ko.ok || ko.errors.template).toBe('필수 항목입니다.');
    // zod's own messages come in Korean too (its ko locale), e.g. a number where the schema wants one.
    const bad: ViewValues = { 'scaling.min': { v: { value: '-1' } } };
    const r = parseServiceView(bad, meta('create'), 'ko');
    expect(r.ok ? '' : r.errors['scaling.min']).toMatch(/[가-힣]/);
  });

  /** The form of an existing service as Slack submits it, with some inputs changed, read back in `locale`. */
  const submit = (fill: Record<string, Fill>, locale: Locale) => {
    const svc = service();
    const m: ServiceModalMeta = { mode: 'edit', name: svc.name, channel: 'C0SERVICE1' };
    const { state } = submitted(serviceModal(m, svc, locale), fill) as { state: { values: ViewValues } };
    return parseServiceView(state.values, m, locale);
  };

  it('words the bot\'s own rules (min above max, a pool outside the subnet) inline in Korean, by their code', () => {
    const ko = submit({ 'scaling.min': '5', 'scaling.max': '2', 'network.ipPool.start': '127.0.99.10', 'network.ipPool.end': '127.0.99.20' }, 'ko');
    expect(ko.ok).toBe(false);
    const errors = ko.ok ? {} : ko.errors;
    expect(errors['scaling.min']).toBe('최소 5이(가) 최대 2보다 큽니다');
    expect(errors['network.ipPool.start']).toBe('IP 풀 127.0.99.10-127.0.99.20이(가) 게이트웨이의 서브넷(127.0.10.1/255.255.255.0) 밖에 있습니다');
    expect(Object.values(errors).join('\n')).not.toMatch(/greater than|subnet \(/);
  });

  it('words the schema\'s own format rules (a VM name prefix, a Slack id) in Korean too', () => {
    const ko = submit({ vmNamePrefix: 'Web_Server', 'approval.approvers': ['not-an-id'] }, 'ko');
    expect(ko.ok ? {} : ko.errors).toMatchObject({ vmNamePrefix: '영문 소문자, 숫자, "-"만 쓸 수 있습니다', 'approval.approvers': '1번째: C0123ABCD / U0123ABCD 같은 Slack ID를 입력하세요' });
    const en = submit({ vmNamePrefix: 'Web_Server' }, 'en');
    expect(en.ok ? {} : en.errors).toMatchObject({ vmNamePrefix: 'lower-case letters, digits and "-" only' });
  });

  it('keeps the English of services apply for an English reader', () => {
    const en = submit({ 'scaling.min': '5', 'scaling.max': '2', 'network.netmask': '255.0.255.0' }, 'en');
    expect(en.ok ? {} : en.errors).toMatchObject({ 'scaling.min': 'min 5 is greater than max 2', 'network.netmask': 'expected a netmask like 255.255.255.0' });
  });
});
