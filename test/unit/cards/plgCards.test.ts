import { describe, expect, it } from 'vitest';
import { plgApplyReport, plgPlanMessage, rulesJobLine } from '../../../src/cards/plgCards.js';
import { rulesRead, type ApplyResult, type PlgPlan } from '../../../src/integrations/plg/index.js';
import { service } from '../../fixtures/plg/services.js';

/** A plan as planPush / planRemove make it: a push says which job the service's rules read. */
const plan = (svc: PlgPlan['service'], kind: PlgPlan['kind'] = 'push'): PlgPlan => ({
  kind, service: svc, createdAt: '2026-12-02T00:00:00Z', noop: true, files: [], ...(kind === 'push' ? { rules: rulesRead(svc) } : {}),
});
const jobLine = (svc: PlgPlan['service'], locale?: 'en' | 'ko') => rulesJobLine(rulesRead(svc), svc.name, locale);
const texts = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);

describe('the PLG card says which job the rules read', () => {
  it('names the generated job and where its targets come from', () => {
    expect(texts(plgPlanMessage(plan(service('web-server', { prometheusJob: 'web' }))))).toContain('The rules read job `web`, which the bot generates');
    expect(jobLine(service('web-server'))).toContain('/sd/prometheus?service=web-server');
  });

  it('names the operator\'s existingJob, and says the bot generates none', () => {
    const svc = service('web-server', { existingJob: 'node', targets: [] });
    expect(jobLine(svc)).toBe('The rules read your own job `node` (monitoring.existingJob): the bot generates no scrape job, so that job must also scrape the VMs the bot creates.');
    expect(jobLine(svc, 'ko')).toContain('룰이 읽는 job: `node`');
  });

  it('says nothing about jobs when the service is being removed', () => {
    expect(texts(plgPlanMessage(plan(service('web-server'), 'remove')))).not.toContain('The rules read');
  });
});

describe('the push report words the push\'s own findings in the reader\'s language', () => {
  const refused: ApplyResult = {
    ok: false, code: 'changed_since_plan', durationMs: 900, rolledBack: false, backups: [],
    message: 'refusing to apply: /etc/prometheus/prometheus.yml changed on the server since the diff was made. Run the diff again.',
    fact: { code: 'changed_since_plan', paths: ['/etc/prometheus/prometheus.yml'] },
    steps: [
      { step: 'connect', ok: true, detail: '127.0.0.1', durationMs: 20 },
      { step: 'compare', ok: false, detail: 'refusing to apply: …', fact: { code: 'changed_since_plan', paths: ['/etc/prometheus/prometheus.yml'] }, durationMs: 0 },
      { step: 'restore', role: 'rules', ok: true, detail: 'removed the new /etc/prometheus/rules/a.yml', fact: { code: 'removed_new', path: '/etc/prometheus/rules/a.yml' }, durationMs: 3 },
    ],
  };

  it('in Korean, by the facts, with what the servers said kept as it is', () => {
    const ko = plgApplyReport('web-server', 'push', 'U0ADMIN01', refused, 'ko');
    expect(ko).toContain('반영하지 않았습니다: diff를 만든 뒤 서버에서 /etc/prometheus/prometheus.yml이(가) 바뀌었습니다.');
    expect(ko).toContain(':white_check_mark: 복원 (알림 규칙): 새로 설치한 /etc/prometheus/rules/a.yml 삭제');
    expect(ko).toContain(':white_check_mark: 접속: 127.0.0.1');
    expect(ko).not.toContain('refusing');
  });

  it('in English, as the operator\'s message reads', () => {
    const en = plgApplyReport('web-server', 'push', 'U0ADMIN01', refused, 'en');
    expect(en).toContain(`(changed_since_plan): ${refused.ok ? '' : refused.message}`);
    expect(en).toContain(':white_check_mark: restore (rules): removed the new /etc/prometheus/rules/a.yml');
  });

  it('says in Korean that a reload failed and that restoring the backups failed too, naming them', () => {
    const broken: ApplyResult = {
      ok: false, code: 'reload_failed', durationMs: 4000, rolledBack: false, restoreFailed: true, backups: ['/etc/prometheus/prometheus.yml.bak-1'],
      message: 'reloading prometheus failed: exit 1. RESTORING THE PREVIOUS FILES FAILED — see the steps; backups: /etc/prometheus/prometheus.yml.bak-1',
      fact: { code: 'reload_failed', server: 'prometheus', detail: 'exit 1' },
      steps: [{ step: 'reload', role: 'prometheus', ok: false, detail: 'exit 1', durationMs: 30 }],
    };
    const ko = plgApplyReport('web-server', 'push', 'U0ADMIN01', broken, 'ko');
    expect(ko).toContain('prometheus을(를) 리로드하지 못했습니다: exit 1.');
    expect(ko).toContain('이전 파일 복원에 실패했습니다. 단계별 결과를 확인하세요. 백업: `/etc/prometheus/prometheus.yml.bak-1`');
    expect(plgApplyReport('web-server', 'push', 'U0ADMIN01', broken, 'en')).toContain('RESTORING THE PREVIOUS FILES FAILED — see the steps; backups: `/etc/prometheus/prometheus.yml.bak-1`');
  });
});
