/**
 * Stored facts become words in the reader's language (cards/facts.ts): blocks, pre-flight checks, withdrawals, step
 * outcomes, errors, rollback results and the runner's events — every code in en and ko.
 */
import { describe, expect, it } from 'vitest';
import {
  blockText, checkText, errorFactText, errorText, eventFactText, eventText, stepDetailText, stepFactText, undoneText, undoneTexts, withdrawnText,
} from '../../../src/cards/facts.js';
import { messages } from '../../../src/cards/messages.js';
import { LOCALES } from '../../../src/i18n/index.js';
import type { BlockInfo, Check, ErrorFact, ErrorFactCode, EventFact, StepFact, StepFactCode, UndoneCode, UndoneFact } from '../../../src/store/types.js';

const t = { tz: 'Asia/Seoul', now: new Date('2026-12-02T05:00:00Z') };

describe('blockText', () => {
  it('says when a cooldown ends, as a clock time in the bot\'s zone and relative to now, never a raw ISO time', () => {
    const b: BlockInfo = { code: 'cooldown', service: 'web', direction: 'out', lastAt: '2026-12-02T04:44:46.975Z', until: '2026-12-02T05:14:46.975Z' };
    expect(blockText('en', b, t)).toBe('web finished a scale-out at 13:44; its cooldown ends at 14:14 (in 15 minutes)');
    expect(blockText('ko', b, t)).toBe('web는 13:44에 스케일아웃을 마쳤습니다. 쿨다운은 14:14에 끝납니다(15분 후)');
    for (const l of LOCALES) expect(blockText(l, b, t)).not.toMatch(/\d{4}-\d\d-\d\dT|then/);
  });

  it('shows the reason of a change freeze when the calendar gives one', () => {
    expect(blockText('en', { code: 'frozen', service: 'web', reason: 'release window', until: '2026-12-02T07:00:00Z' })).toBe('web is in a change freeze (release window)');
    expect(blockText('ko', { code: 'frozen', service: 'web', reason: '정기 배포' })).toBe('web는 변경 동결 기간입니다(사유: 정기 배포)');
    expect(blockText('ko', { code: 'frozen', service: 'web' })).toBe('web는 변경 동결 기간입니다');
  });

  it('words every other block from its parameters in both languages', () => {
    const cases: Array<[BlockInfo, string, string]> = [
      [{ code: 'max_instances', service: 'web', count: 6, max: 6 }, 'web already runs 6 of at most 6 instances', 'web는 이미 최대 6대 중 6대가 실행 중입니다'],
      [{ code: 'min_instances', service: 'web', count: 1, min: 1 }, 'web runs 1 instances, its minimum is 1', 'web는 1대가 실행 중이며 최소 대수는 1대입니다'],
      [{ code: 'nothing_to_remove', service: 'web' }, 'no VM created by the bot is left to remove from web', 'web에서 제거할 수 있는, 봇이 만든 VM이 남아 있지 않습니다'],
      [{ code: 'nothing_to_remove', service: 'web', protectedCount: 2 }, 'every VM the bot created for web is protected from scale-in (2), so nothing can be removed', 'web에 봇이 만든 VM이 모두 스케일인 보호 중이라(2대) 제거할 VM이 없습니다'],
      [{ code: 'rate_limit', service: 'web', count: 3, limit: 3 }, 'web already scaled out 3 times in the last hour (limit 3)', 'web는 최근 1시간 동안 이미 3번 스케일아웃했습니다(한도 3번)'],
      [{ code: 'conflict', service: 'web', otherId: 'sr-9', otherDirection: 'in' }, 'web already has a scale-in in flight (sr-9); one run per service at a time', 'web는 이미 스케일인이 진행 중입니다(sr-9). 서비스당 한 번에 하나만 실행됩니다'],
      [{ code: 'protected', vm: 'web-3' }, 'web-3 was protected from scale-in after this card was posted, so it was not removed', '카드가 게시된 뒤 web-3이(가) 스케일인 보호로 지정되어 제거하지 않았습니다'],
      [{ code: 'legacy', text: 'an old sentence' }, 'an old sentence', 'an old sentence'],
    ];
    for (const [b, en, ko] of cases) {
      expect(blockText('en', b)).toBe(en);
      expect(blockText('ko', b)).toBe(ko);
    }
    expect(blockText('ko', { code: 'unknown_instances', service: 'web' })).toContain('인스턴스 수를 알 수 없으므로 시작하지 않았습니다');
  });
});

describe('checkText', () => {
  it('words pre-flight findings, keeping what vCenter or F5 said as they said it', () => {
    const checks: Array<[Check, string, string]> = [
      [{ ok: true, code: 'template_present', template: 'tpl' }, 'template tpl present', '템플릿 tpl 확인됨'],
      [{ ok: false, code: 'template_missing', template: 'tpl' }, 'template tpl not found in vCenter', 'vCenter에 템플릿 tpl이(가) 없습니다'],
      [{ ok: true, code: 'ips_free', free: 3, size: 40 }, '3 of 40 pool IPs free', 'IP 풀 40개 중 3개 사용 가능'],
      [{ ok: false, code: 'f5_error', pool: '/Common/web', error: 'HTTP 401' }, 'F5 pool /Common/web: HTTP 401', 'F5 풀 /Common/web: HTTP 401'],
      [{ ok: true, code: 'f5_reachable', pool: '/Common/web', members: 2 }, 'F5 pool /Common/web reachable (2 members)', 'F5 풀 /Common/web 연결 정상(멤버 2개)'],
      [{ ok: false, code: 'timed_out' }, 'pre-flight checks timed out', '사전 점검 시간이 초과되었습니다'],
    ];
    for (const [c, en, ko] of checks) {
      expect(checkText('en', c)).toBe(en);
      expect(checkText('ko', c)).toBe(ko);
    }
  });
});

describe('withdrawnText and eventText', () => {
  const ev = (fact: EventFact, detail?: string) => ({ at: '2026-12-02T04:00:00Z', type: 'withdrawn' as const, fact, ...(detail ? { detail } : {}) });

  it('says why a request was withdrawn, with the silence end as a local time', () => {
    expect(withdrawnText('en', ev({ code: 'resolved_before_decision', alert: 'HighCPU' }))).toBe('HighCPU resolved before anyone decided');
    expect(withdrawnText('ko', ev({ code: 'silenced', until: '2026-12-02T06:00:00Z' }), t)).toBe('Alertmanager에서 15:00까지 사일런스했습니다');
    expect(withdrawnText('ko', ev({ code: 'back_at_min', service: 'web', count: 2, min: 2 }))).toBe('web의 인스턴스가 다시 최소 대수가 되었습니다 (최소 2대 중 2대)');
    expect(withdrawnText('ko', undefined)).toBe('철회됨');
  });

  it('puts the bot\'s fact and a person\'s reason side by side', () => {
    expect(eventText('en', { at: '2026-12-02T04:00:00Z', type: 'approved', by: 'U1', detail: 'hotfix', fact: { code: 'confirmed_frozen' } })).toBe('confirmed during a change freeze — hotfix');
    expect(eventText('ko', { at: '2026-12-02T04:00:00Z', type: 'approved', by: 'U1' })).toBeUndefined();
  });
});

/** English words of a Korean line once the fact's own parameters (names, addresses, other systems' words) are taken out. */
function englishOutsideParams(text: string, fact: object): string[] {
  let t = text;
  const params = Object.values(fact).flatMap((v) => (typeof v === 'string' || typeof v === 'number' ? [String(v)] : v && typeof v === 'object' ? Object.values(v).map(String) : []));
  for (const p of params.sort((a, b) => b.length - a.length)) t = t.split(p).join(' ');
  t = t.replace(/`[^`]*`/g, ' ');
  const allowed = new Set(['F5', 'IP', 'VM', 'IPv4', 'UUID', 'moref', 'vCenter', 'Jenkins', 'Job', 'Pool', 'Member', 'DRY', 'RUN', 'GOVC_URL', 'F5_SERVERS', 'EXECUTOR', 'JENKINS_URL', 'annotation', 'run', 'step', 'autoscale', 'jenkins', 'push']);
  return (t.match(/[A-Za-z][A-Za-z0-9_]+/g) ?? []).filter((w) => !allowed.has(w));
}

/** One fact of every code (tsc fails when a code is added without a sample here). */
const STEP_FACTS: { [C in StepFactCode]: Extract<StepFact, { code: C }> } = {
  ip_reserved: { code: 'ip_reserved', ip: '10.0.0.5' },
  vm_named: { code: 'vm_named', vm: 'web-3' },
  vm_cloned: { code: 'vm_cloned', vm: 'web-3', template: 'web-tpl', path: '/DC0/vm/web-3', moref: 'vm-73' },
  vm_adopted: { code: 'vm_adopted', path: '/DC0/vm/web-3', moref: 'vm-73', when: 'while_down' },
  guest_customized: { code: 'guest_customized', ip: '10.0.0.5', netmask: '255.255.255.0', gateway: '10.0.0.1' },
  vm_powered_on: { code: 'vm_powered_on', vm: 'web-3' },
  ip_seen: { code: 'ip_seen', ip: '10.0.0.5' },
  healthy: { code: 'healthy', answer: 'GET http://10.0.0.5:80/healthz: 200', checks: 3 },
  member_added: { code: 'member_added', member: '10.0.0.5:80', pool: '/Common/web', state: 'up', session: 'monitor-enabled', syncGroup: 'dg1', syncStatus: 'In Sync' },
  member_disabled: { code: 'member_disabled', member: '10.0.0.5:80' },
  drained: { code: 'drained', seconds: 12 },
  drain_timed_out: { code: 'drain_timed_out', connections: 2, timeoutMs: 300_000 },
  member_removed: { code: 'member_removed', member: '10.0.0.5:80', pool: '/Common/web' },
  guest_shut_down: { code: 'guest_shut_down' },
  vm_powered_off: { code: 'vm_powered_off' },
  vm_destroyed: { code: 'vm_destroyed', vm: 'web-3', moref: 'vm-73', path: '/DC0/vm/web-3' },
  warm_taken: { code: 'warm_taken', vm: 'web-3', ip: '10.0.0.5', state: 'stopped' },
  warm_returned: { code: 'warm_returned', vm: 'web-3', ip: '10.0.0.5' },
  ip_released: { code: 'ip_released', ip: '10.0.0.5' },
  build_finished: { code: 'build_finished', job: 'autoscale-web', build: 7, result: 'SUCCESS', durationMs: 95_000 },
  dry_run: { code: 'dry_run', line: 'govc vm.power -on -vm.ipath /DC0/vm/web-3' },
  legacy: { code: 'legacy', text: 'web-3 from web-tpl' },
};

const ERROR_FACTS: { [C in ErrorFactCode]: Extract<ErrorFact, { code: C }> } = {
  vm_not_ours: { code: 'vm_not_ours', path: '/DC0/vm/web-3', mark: 'vm-autoscale-bot: service=web request=sr-1' },
  vm_missing: { code: 'vm_missing', path: '/DC0/vm/web-3' },
  duplicate_name: { code: 'duplicate_name', vm: 'web-3' },
  duplicate_path: { code: 'duplicate_path', path: '/DC0/vm/web-3' },
  clone_wait_timeout: { code: 'clone_wait_timeout', template: 'web-tpl', limitMs: 1_800_000 },
  ambiguous: { code: 'ambiguous', count: 2, path: '/DC0/vm/web-3' },
  no_identity: { code: 'no_identity', vm: 'web-3', path: '/DC0/vm/web-3' },
  ip_timeout: { code: 'ip_timeout', vm: 'web-3', timeoutMs: 90_000 },
  wrong_ip: { code: 'wrong_ip', vm: 'web-3', seen: '10.0.0.9', expected: '10.0.0.5' },
  unhealthy: { code: 'unhealthy', target: '10.0.0.5:80', elapsedMs: 3_723_000, checks: 9, answer: 'GET http://10.0.0.5:80/healthz: 503 (expected 200)' },
  no_f5: { code: 'no_f5', action: 'add' },
  member_missing: { code: 'member_missing', member: '10.0.0.5:80', pool: '/Common/web' },
  not_leased: { code: 'not_leased', ip: '10.0.0.5', vm: 'web-3', service: 'web' },
  no_victim: { code: 'no_victim', service: 'web' },
  unproven_vm: { code: 'unproven_vm', vm: 'web-3', path: '/DC0/vm/web-3', mark: 'vm-autoscale-bot: service=web request=sr-1', present: true },
  min_instances: { code: 'min_instances', service: 'web', count: 1, min: 1 },
  service_gone: { code: 'service_gone', service: 'web' },
  no_executor: { code: 'no_executor', kind: 'jenkins' },
  interrupted: { code: 'interrupted' },
  shutdown: { code: 'shutdown' },
  no_job: { code: 'no_job', job: 'autoscale-web', service: 'web' },
  queue_cancelled: { code: 'queue_cancelled', job: 'autoscale-web' },
  build_failed: { code: 'build_failed', job: 'autoscale-web', build: 7, result: 'FAILURE', stage: 'wait-ip', tail: 'web-3 reports 10.0.0.9', cause: { code: 'wrong_ip', vm: 'web-3', seen: '10.0.0.9', expected: '10.0.0.5' } },
  stage_ended: { code: 'stage_ended', stage: 'health', status: 'ABORTED' },
  stopped_following: { code: 'stopped_following' },
  no_local: { code: 'no_local', service: 'web' },
  run_step_refused: { code: 'run_step_refused', step: 'plan', problem: 'PLAN is empty' },
};

const UNDONE_FACTS: { [C in UndoneCode]: Extract<UndoneFact, { code: C }> } = {
  remove_member: { code: 'remove_member', member: '10.0.0.5:80' },
  destroy_vm: { code: 'destroy_vm', vm: 'web-3' },
  release_ip: { code: 'release_ip', ip: '10.0.0.5' },
  power_on_vm: { code: 'power_on_vm', vm: 'web-3' },
  readd_member: { code: 'readd_member', member: '10.0.0.5:80' },
  reenable_member: { code: 'reenable_member', member: '10.0.0.5:80' },
  vm_not_proven: { code: 'vm_not_proven', path: '/DC0/vm/web-3' },
  vm_lookup_failed: { code: 'vm_lookup_failed', vm: 'web-3', error: 'ServerFaultCode: injected' },
  vm_left_to_pipeline: { code: 'vm_left_to_pipeline', vm: 'web-3' },
  legacy: { code: 'legacy', text: 'released 10.0.0.5' },
};

describe('step outcomes, errors and rollback results', () => {
  it.each(Object.values(STEP_FACTS))('words the step fact $code in en and ko, Korean without English of ours', (f) => {
    const en = stepFactText('en', f);
    const ko = stepFactText('ko', f);
    expect(en).toBeTruthy();
    expect(ko).toBeTruthy();
    expect(englishOutsideParams(ko, f)).toEqual([]);
    if (f.code !== 'legacy' && Object.keys(f).length > 1 && !['vm_named', 'vm_powered_on', 'ip_seen', 'ip_released'].includes(f.code)) expect(ko).not.toBe(en);
  });

  it.each(Object.values(ERROR_FACTS))('words the error fact $code in en and ko, Korean without English of ours', (f) => {
    const en = errorFactText('en', f);
    const ko = errorFactText('ko', f);
    expect(en).toBeTruthy();
    expect(ko).not.toBe(en);
    expect(englishOutsideParams(ko, f)).toEqual([]);
  });

  it.each(Object.values(UNDONE_FACTS))('words the rollback result $code in en and ko, done, failed and by the pipeline', (f) => {
    for (const u of [f, { ...f, by: 'pipeline' as const }, ...('failed' in f || ['vm_not_proven', 'vm_lookup_failed', 'vm_left_to_pipeline', 'legacy'].includes(f.code) ? [] : [{ ...f, failed: 'HTTP 500' }])]) {
      const en = undoneText('en', u);
      const ko = undoneText('ko', u);
      expect(en).toBeTruthy();
      expect(englishOutsideParams(ko, u)).toEqual([]);
      if (u.by === 'pipeline') expect([en, ko]).toEqual([expect.stringMatching(/^Jenkins rollback: /), expect.stringMatching(/^Jenkins 롤백: /)]);
      if ('failed' in u && u.failed) expect([en, ko]).toEqual([expect.stringMatching(/^FAILED to .*: HTTP 500 — fix by hand$/), expect.stringMatching(/ 실패: HTTP 500 — 직접 처리하세요$/)]);
    }
  });

  it('reads as the bot always wrote it in English, and as the team writes it in Korean', () => {
    expect(stepFactText('en', STEP_FACTS.vm_cloned)).toBe('web-3 from web-tpl');
    expect(stepFactText('en', STEP_FACTS.warm_taken)).toBe('web-3 (10.0.0.5, stopped) from the warm pool');
    expect(stepFactText('ko', STEP_FACTS.warm_taken)).toBe('웜 풀에서 가져온 web-3 (10.0.0.5, 중지됨)');
    expect(stepFactText('ko', STEP_FACTS.warm_returned)).toBe('web-3 (10.0.0.5)을(를) 중지해 웜 풀로 반환');
    expect(stepFactText('ko', STEP_FACTS.vm_cloned)).toBe('템플릿 web-tpl에서 web-3 복제');
    expect(stepFactText('en', STEP_FACTS.drain_timed_out)).toBe('2 connection(s) still open after 5m; removing anyway');
    expect(stepFactText('ko', STEP_FACTS.drained)).toBe('12초 만에 드레인 완료');
    expect(stepFactText('ko', STEP_FACTS.drain_timed_out)).toBe('5분이 지나도 연결 2개가 남아 있지만 그대로 제거합니다');
    // Durations in the reader's units: as the bot always wrote them in English, in Korean units in Korean.
    expect(errorFactText('en', ERROR_FACTS.unhealthy)).toBe('10.0.0.5:80 not healthy after 1h2m (9 checks): GET http://10.0.0.5:80/healthz: 503 (expected 200)');
    expect(errorFactText('ko', ERROR_FACTS.unhealthy)).toBe('1시간 2분 동안 9회 확인했지만 10.0.0.5:80이(가) 정상이 아닙니다: GET http://10.0.0.5:80/healthz: 503 (expected 200)');
    expect(errorFactText('ko', ERROR_FACTS.ip_timeout)).toBe('web-3이(가) 1분 30초 안에 IPv4 주소를 알려 오지 않았습니다');
    expect(errorFactText('en', { code: 'clone_wait_timeout', template: 'web-tpl', limitMs: 1_800_000 })).toContain('still running in vCenter after 30m;');
    expect(errorFactText('ko', ERROR_FACTS.clone_wait_timeout)).toContain('30분이 지나도');
    expect(stepFactText('en', { code: 'vm_adopted', path: '/DC0/vm/web-3', moref: 'vm-73', when: 'earlier' })).toBe('/DC0/vm/web-3 already existed (an earlier clone of this request finished)');
    expect(stepFactText('en', STEP_FACTS.dry_run)).toBe('DRY RUN: would govc vm.power -on -vm.ipath /DC0/vm/web-3');
    expect(undoneText('en', UNDONE_FACTS.destroy_vm)).toBe('powered off and destroyed web-3');
    expect(undoneText('en', { code: 'destroy_vm', vm: 'web-3', path: '/DC0/vm/web-3', failed: 'timeout' })).toBe('FAILED to power off and destroy web-3 (/DC0/vm/web-3): timeout — fix by hand');
    expect(undoneText('ko', { ...UNDONE_FACTS.release_ip, by: 'pipeline' })).toBe('Jenkins 롤백: 10.0.0.5 반납');
    expect(errorFactText('en', ERROR_FACTS.wrong_ip)).toBe('web-3 reports 10.0.0.9, expected 10.0.0.5 (customization did not apply?)');
    // A failed build says why its stage failed, in the reader's language; the stage is named as Jenkins shows it.
    expect(errorFactText('ko', ERROR_FACTS.build_failed)).toBe('autoscale-web #7 FAILURE (단계 wait-ip): web-3의 IP가 10.0.0.9입니다. 예상한 IP는 10.0.0.5입니다(고정 IP 설정이 적용되지 않았을 수 있습니다)');
    expect([stepFactText('en', STEP_FACTS.build_finished), stepFactText('ko', STEP_FACTS.build_finished)]).toEqual(['autoscale-web #7 SUCCESS in 1m35s', 'autoscale-web #7 SUCCESS (1분 35초)']);
    expect(errorFactText('en', { ...ERROR_FACTS.build_failed, cause: undefined })).toBe('autoscale-web #7 FAILURE at stage wait-ip: web-3 reports 10.0.0.9');
  });

  it('shows another system\'s error as it was worded when the bot has no fact for it, and a step\'s failure before its outcome', () => {
    const external = { code: 'failed', message: 'govc: ServerFaultCode: A general system error occurred' };
    for (const l of LOCALES) expect(errorText(l, { step: 'clone', ...external })).toBe(external.message);
    expect(stepDetailText('ko', { error: { code: 'timeout', message: 'web-3 reported no IPv4 address within 5m', fact: ERROR_FACTS.ip_timeout } })).toBe('web-3이(가) 1분 30초 안에 IPv4 주소를 알려 오지 않았습니다');
    expect(stepDetailText('ko', { fact: STEP_FACTS.ip_reserved })).toBe('10.0.0.5 할당됨');
    expect(stepDetailText('en', {})).toBeUndefined();
    expect(undoneTexts('ko', { undone: [UNDONE_FACTS.release_ip, UNDONE_FACTS.destroy_vm] })).toEqual(['10.0.0.5 반납', 'web-3 전원 끄고 삭제']);
  });

  it('words the runner\'s events with the step\'s label in the reader\'s language', () => {
    const facts: Array<[EventFact, string, string]> = [
      [{ code: 'attempt_started', n: 2 }, 'attempt 2', '2번째 시도'],
      [{ code: 'step', step: 'health', state: 'failed' }, 'Health check failed', '헬스 체크: 실패'],
      [{ code: 'resuming' }, 'resuming after a restart', '재시작 후 이어서 실행합니다'],
      [{ code: 'run_finished', outcome: 'succeeded' }, 'succeeded', '성공'],
      [{ code: 'run_finished', outcome: 'failed', step: 'f5-add' }, 'failed at Add to F5 pool', 'F5 Pool 등록 단계에서 실패'],
      [{ code: 'run_finished', outcome: 'failed', step: 'unknown' }, 'failed', '실패'],
    ];
    for (const [f, en, ko] of facts) expect([eventFactText('en', f), eventFactText('ko', f)]).toEqual([en, ko]);
  });

  it('shows a fact of a code it does not know (a newer run-step\'s) as its data rather than nothing', () => {
    expect(stepFactText('ko', { code: 'warm_vm_taken', vm: 'web-9' } as unknown as StepFact)).toBe('{"code":"warm_vm_taken","vm":"web-9"}');
  });
});

describe('the step\'s reply in the card\'s thread', () => {
  it('speaks the card\'s language: the step\'s label and what it established', () => {
    const ko = { locale: 'ko' as const, tz: 'Asia/Seoul' };
    expect(messages.stepThread('clone', 83_000, stepDetailText('ko', { fact: STEP_FACTS.vm_cloned }), ko)).toBe(':white_check_mark: 템플릿에서 VM 복제 (1분 23초): 템플릿 web-tpl에서 web-3 복제');
    expect(messages.stepThread('clone', 83_000, stepDetailText('en', { fact: STEP_FACTS.vm_cloned }))).toBe(':white_check_mark: Clone from template (1m23s): web-3 from web-tpl');
  });
});
