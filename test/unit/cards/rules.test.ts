/**
 * Rules every card builder keeps, for every state of the approval card and both languages: Slack's Block Kit limits,
 * unique action ids, a confirm dialog on approve / reject / retry, no secret in any value, Korean without English words
 * (ids, names and code aside); plus a snapshot of each card state in en and ko.
 */
import { describe, expect, it } from 'vitest';
import { renderCard, type CardContext } from '../../../src/cards/approvalCard.js';
import { blockText as factBlock, checkText, withdrawnText } from '../../../src/cards/facts.js';
import { doneView, importModal } from '../../../src/cards/importModal.js';
import { frozenApprovePrompt, rejectReasonModal } from '../../../src/cards/modals.js';
import { messages } from '../../../src/cards/messages.js';
import { LOCALES, type Locale } from '../../../src/i18n/index.js';
import { serviceExpressions } from '../../../src/integrations/plg/render.js';
import type { ErrorRecord, RequestState, ScaleRequest, StepFact, StepName, UndoneFact } from '../../../src/store/types.js';
import { blockProblems, messageProblems, viewProblems } from '../../fakes/slack.js';
import { service, SIGNING_SECRET, WEBHOOK_TOKEN } from '../../helpers/bot.js';
import { texts } from './korean.js';

const at = '2026-11-26T14:22:00.000Z';
const later = '2026-11-26T14:31:00.000Z';
const now = new Date('2026-11-26T14:25:00.000Z');
const SECRETS = [SIGNING_SECRET, WEBHOOK_TOKEN, 'xoxb-test-token', 'govc-password-123'];
const STATES: RequestState[] = ['pending', 'blocked', 'approved', 'running', 'succeeded', 'failed', 'rejected', 'withdrawn'];

const member = '127.0.10.12:80';
/** What each step established, as the workflows record it (the longest where it matters: a health probe's answer). */
const OUT_STEPS: Array<[StepName, StepFact]> = [
  ['reserve-ip', { code: 'ip_reserved', ip: '127.0.10.12' }],
  ['name', { code: 'vm_named', vm: 'web-server-3' }],
  ['clone', { code: 'vm_cloned', vm: 'web-server-3', template: 'web-server-template', path: '/DC0/vm/web-server-3', moref: 'vm-73' }],
  ['customize', { code: 'guest_customized', ip: '127.0.10.12', netmask: '255.255.255.0', gateway: '127.0.10.1' }],
  ['power-on', { code: 'vm_powered_on', vm: 'web-server-3' }],
  ['wait-ip', { code: 'ip_seen', ip: '127.0.10.12' }],
  ['health', { code: 'healthy', answer: `GET http://127.0.10.12:80/${'d'.repeat(400)}: 200`, checks: 3 }],
  ['f5-add', { code: 'member_added', member, pool: '/Common/web-server-pool', state: 'up', session: 'monitor-enabled', syncGroup: 'web-server-sync', syncStatus: 'In Sync' }],
];
const IN_STEPS: Array<[StepName, StepFact]> = [
  ['f5-disable', { code: 'member_disabled', member }],
  ['drain', { code: 'drain_timed_out', connections: 2, timeoutMs: 300_000 }],
  ['f5-remove', { code: 'member_removed', member, pool: '/Common/web-server-pool' }],
  ['shutdown', { code: 'vm_powered_off' }],
  ['destroy', { code: 'vm_destroyed', vm: 'web-server-3', moref: 'vm-73', path: '/DC0/vm/web-server-3' }],
  ['release-ip', { code: 'ip_released', ip: '127.0.10.12' }],
];
const OUT_UNDONE: UndoneFact[] = [{ code: 'destroy_vm', vm: 'web-server-3', by: 'pipeline' }, { code: 'release_ip', ip: '127.0.10.12' }];
const IN_UNDONE: UndoneFact[] = [{ code: 'power_on_vm', vm: 'web-server-3' }, { code: 'readd_member', member, failed: 'e'.repeat(500) }, { code: 'reenable_member', member }];

/** A request in `state`, with everything that state shows on its card filled in (the longest of it where it matters). */
function request(state: RequestState, direction: 'out' | 'in', executor: ScaleRequest['executor'] = 'local'): ScaleRequest {
  const r: ScaleRequest = {
    id: `sr-${direction}-${state}`, service: 'web-server', direction, state, executor, source: 'alert', fireCount: 3,
    lastFiredAt: later, createdAt: at, updatedAt: later,
    alert: { name: 'HighCpu', summary: 'CPU above 80% for 5 minutes', description: 'x'.repeat(2000), startsAt: at, generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=up', fingerprint: 'f1' } as ScaleRequest['alert'],
    preview: {
      instances: 2, instancesSource: 'f5', min: 1, max: 6, template: 'web-server-template', vmName: 'web-server-3', ip: '127.0.10.12',
      f5Pool: '/Common/web-server-pool', checks: [{ ok: true, code: 'ips_free', free: 12, size: 20 }, { ok: false, code: 'template_missing', template: 'web-server-template' }],
      ...(direction === 'in' ? { protectedVms: ['web-server-1'] } : {}),
    },
    attempts: [], events: [],
  };
  if (state === 'pending') r.autoApproveAt = later;
  if (state === 'blocked') r.blocked = { code: 'cooldown', service: 'web-server', direction, lastAt: at, until: later };
  if (['approved', 'running', 'succeeded', 'failed'].includes(state)) r.decision = { kind: 'approved', by: 'U0APPROVE1', at, reason: 'r'.repeat(500) };
  if (state === 'rejected') r.decision = { kind: 'rejected', by: 'U0APPROVE1', at, reason: 'load test' };
  if (state === 'withdrawn') r.events.push({ at: later, type: 'withdrawn', fact: { code: 'resolved_before_decision', alert: 'HighCpu' } });
  if (['running', 'succeeded', 'failed'].includes(state)) {
    const steps = direction === 'out' ? OUT_STEPS : IN_STEPS;
    const failed = state === 'failed';
    // The last step failed: scale-out with an error the bot decided (a fact), scale-in with another system's long message.
    const error: ErrorRecord = direction === 'out'
      ? { code: 'not_found', message: 'member 127.0.10.12:80 was added but is not in /Common/web-server-pool when read back', fact: { code: 'member_missing', member: '127.0.10.12:80', pool: '/Common/web-server-pool' } }
      : { code: 'failed', message: 'e'.repeat(3000) };
    r.attempts.push({
      n: 1, startedAt: at,
      steps: steps.map(([name, fact], i) => (failed && i === steps.length - 1
        ? { name, state: 'failed' as const, startedAt: at, finishedAt: at, durationMs: 1500, error }
        : { name, state: 'done' as const, startedAt: at, finishedAt: at, durationMs: 1500, fact })),
      undone: failed ? (direction === 'out' ? OUT_UNDONE : IN_UNDONE) : [],
      ...(failed ? { error: { step: steps[steps.length - 1]![0], ...error } } : {}),
      ...(state === 'succeeded' ? { finishedAt: later, result: { vmName: 'web-server-3', ip: '127.0.10.12', member: '127.0.10.12:80' } } : {}),
    });
    if (failed) r.attempts.push({ ...r.attempts[0]!, n: 2 });
  }
  return r;
}

/** As the card renderer gives it: the service's expressions for the Grafana Explore link. */
const ctx = (locale: Locale, extra: Partial<CardContext> = {}): CardContext => ({
  tz: 'UTC', now, locale, alertmanagerUrl: 'http://127.0.0.1:9093', grafanaUrl: 'http://127.0.0.1:3000', exploreExpressions: serviceExpressions(service()), ...extra,
});
const cases = LOCALES.flatMap((locale) => (['out', 'in'] as const).flatMap((dir) => STATES.map((state) => ({ locale, dir, state }))));

/** Every string value anywhere in a Block Kit structure. */
function strings(x: unknown): string[] {
  if (typeof x === 'string') return [x];
  if (Array.isArray(x)) return x.flatMap(strings);
  if (x && typeof x === 'object') return Object.values(x).flatMap(strings);
  return [];
}
function actionIds(x: unknown): string[] {
  if (Array.isArray(x)) return x.flatMap(actionIds);
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    return [...(typeof o.action_id === 'string' ? [o.action_id] : []), ...Object.values(o).flatMap(actionIds)];
  }
  return [];
}

/**
 * English words left in a Korean text once what is not ours is taken out: the stored block, checks and withdrawal (their
 * words are checked in facts.test.ts), names, ids, addresses, code spans, links, emoji codes and mentions. Step outcomes,
 * rollback results and errors are not taken out: they are facts the card words in Korean.
 */
function englishWords(text: string, r: ScaleRequest): string[] {
  let t = text;
  const foreign = [
    ...(r.blocked ? [factBlock('ko', r.blocked)] : []), ...r.preview.checks.map((c) => checkText('ko', c)),
    withdrawnText('ko', r.events.at(-1)),
    r.alert?.name ?? '', r.alert?.summary ?? '', r.alert?.description ?? '', r.decision?.reason ?? '',
  ].filter(Boolean).sort((a, b) => b.length - a.length);
  for (const f of foreign) t = t.split(f).join(' ');
  t = t.replace(/`[^`]*`/g, ' ').replace(/<[^>]*>/g, ' ').replace(/:[a-z_]+:/g, ' ').replace(/[\w./-]*web-server[\w./:-]*/g, ' ').replace(/\bsr-[\w-]+/g, ' ');
  const allowed = new Set(['F5', 'IP', 'VM', 'UTC', 'Alertmanager', 'Grafana', 'local', 'dry', 'run', 'Common', 'Pool', 'Jenkins']); // "F5 Pool" as the team's guide writes it
  // The fixture's filler (`xxxx…`, cut by the card so it no longer matches whole) is not a word.
  return (t.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !allowed.has(w) && !/^(.)\1+$/.test(w));
}

describe('approval card rules', () => {
  it.each(cases)('$locale $dir $state: within Block Kit limits, unique action ids, no secret', ({ locale, dir, state }) => {
    const card = renderCard(request(state, dir), service(), ctx(locale));
    expect(messageProblems(card)).toEqual([]);
    expect(card.blocks.length).toBeLessThanOrEqual(50);
    const ids = actionIds(card.blocks);
    expect(new Set(ids).size).toBe(ids.length);
    for (const s of strings(card)) for (const secret of SECRETS) expect(s).not.toContain(secret);
  });

  it.each(cases)('$locale $dir $state: every approve, reject and retry asks for confirmation', ({ locale, dir, state }) => {
    const card = renderCard(request(state, dir), service(), ctx(locale));
    const buttons = card.blocks.flatMap((b) => (b.type === 'actions' ? b.elements : []));
    for (const b of buttons) if (['approve_scale', 'reject_scale', 'retry_scale'].includes(b.action_id ?? '')) expect('confirm' in b && b.confirm?.title?.text).toBeTruthy();
    expect(buttons.map((b) => b.action_id)).toEqual(state === 'pending' ? ['approve_scale', 'reject_scale', 'silence_scale'] : state === 'failed' ? ['retry_scale'] : []);
  });

  it.each(cases.filter((c) => c.locale === 'ko'))('ko $dir $state: the Korean card has no English words of ours', ({ dir, state }) => {
    for (const executor of ['local', 'dry-run'] as const) {
      const r = request(state, dir, executor);
      const card = renderCard(r, service(), ctx('ko', state === 'pending' ? { frozenUntil: new Date(later) } : {}));
      expect(englishWords(texts(card).join('\n'), r)).toEqual([]);
    }
  });

  it.each(cases)('$locale $dir $state: matches its snapshot', ({ locale, dir, state }) => {
    expect(renderCard(request(state, dir), service(), ctx(locale))).toMatchSnapshot();
  });

  it('a finished card shows the instance count after the run, not before', () => {
    const text = (dir: 'out' | 'in') => strings(renderCard(request('succeeded', dir), service(), ctx('en')).blocks).join('\n');
    expect(text('out')).toContain('*Instances after the run / max*\n3 / 6');
    expect(text('in')).toContain('*Instances after the run / max*\n1 / 6');
    expect(strings(renderCard(request('pending', 'out'), service(), ctx('en')).blocks).join('\n')).toContain('*Instances now / max*\n2 / 6 (min 1, from f5)');
  });

  it.each(LOCALES)('%s: a scale-out from the warm pool says where the VM comes from and when to expect it', (locale) => {
    const r = request('pending', 'out');
    r.preview = { ...r.preview, warm: { vmName: 'web-server-9', ip: '127.0.10.19', state: 'stopped' }, vmName: 'web-server-9', ip: '127.0.10.19', expectedMs: 42_000 };
    const card = renderCard(r, service(), ctx(locale));
    expect(messageProblems(card)).toEqual([]);
    const text = strings(card.blocks).join('\n');
    expect(text).toContain(locale === 'en'
      ? '*How the VM is made*\nFrom the warm pool: web-server-9 (stopped) — expected in about 42s'
      : '*VM 준비 방식*\n웜 풀에서 가져옴: web-server-9 (중지됨) — 약 42초 예상');
    if (locale === 'ko') expect(englishWords(texts(card).join('\n'), r)).toEqual([]);
    // Cold, with history: the clone and its expected time; once the run started, no longer shown.
    const cold = request('pending', 'out');
    cold.preview = { ...cold.preview, expectedMs: 150_000 };
    expect(strings(renderCard(cold, service(), ctx('en')).blocks).join('\n')).toContain('A new clone of web-server-template — expected in about 2m30s');
    expect(strings(renderCard({ ...cold, state: 'running' }, service(), ctx('en')).blocks).join('\n')).not.toContain('How the VM is made');
  });

  it('times on a Korean card are in the bot zone and in Korean', () => {
    const text = strings(renderCard(request('pending', 'out'), service(), { ...ctx('ko'), tz: 'Asia/Seoul' }).blocks).join('\n');
    expect(text).toContain('23:31 (Asia/Seoul) (6분 후)에 자동 승인됩니다');
  });
});

describe('modals and prompts', () => {
  it.each(LOCALES)('%s: the reject modal and the freeze prompt keep the limits and speak the language', (locale) => {
    const r = request('pending', 'out');
    const modal = rejectReasonModal(r, { locale, tz: 'UTC', now });
    expect(viewProblems(modal)).toEqual([]);
    const prompt = frozenApprovePrompt(r.id, messages.frozenConfirm('web-server', new Date(later), { locale, tz: 'UTC', now }), 'approve', locale);
    expect(blockProblems(prompt)).toEqual([]);
    const text = strings([modal, prompt]).join('\n');
    if (locale === 'ko') expect(text).toMatch(/요청 반려[\s\S]*web-server 스케일아웃을\(를\) 반려할까요\?[\s\S]*14:31 UTC까지 변경 동결 중입니다[\s\S]*동결 중 승인/);
    else expect(text).toMatch(/Reject request[\s\S]*Reject the scale-out of web-server\?[\s\S]*change freeze until 14:31 UTC\. Approve anyway\?[\s\S]*Approve during freeze/);
    expect({ modal, prompt }).toMatchSnapshot();
  });

  it.each(LOCALES)('%s: the import modal and the done view keep the limits and speak the language', (locale) => {
    const views = [importModal('C0SERVICE1', locale), doneView('web-server', 'saved', locale)];
    for (const v of views) expect(viewProblems(v)).toEqual([]);
    const text = strings(views).join('\n');
    if (locale === 'ko') expect(text).toMatch(/서비스 가져오기[\s\S]*최대 3000자[\s\S]*닫기/);
    else expect(text).toMatch(/Import services[\s\S]*Up to 3000 characters[\s\S]*Close/);
    expect(views).toMatchSnapshot();
  });
});

