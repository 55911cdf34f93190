import type { FactsCatalog } from '../en/facts.js';

const verb = (d: 'out' | 'in') => (d === 'out' ? '스케일아웃' : '스케일인');

export const facts: FactsCatalog = {
  withdrawn: '철회됨',
  block: {
    max_instances: (p) => `${p.service}는 이미 최대 ${p.max}대 중 ${p.count}대가 실행 중입니다`,
    min_instances: (p) => `${p.service}는 ${p.count}대가 실행 중이며 최소 대수는 ${p.min}대입니다`,
    nothing_to_remove: (p) => `${p.service}에서 제거할 수 있는, 봇이 만든 VM이 남아 있지 않습니다`,
    all_protected: (p) => `${p.service}에 봇이 만든 VM이 모두 스케일인 보호 중이라(${p.count}대) 제거할 VM이 없습니다`,
    cooldown: (p) => `${p.service}는 ${p.lastAt}에 ${verb(p.direction)}을 마쳤습니다`,
    cooldownUntil: (p) => `${p.service}는 ${p.lastAt}에 ${verb(p.direction)}을 마쳤습니다. 쿨다운은 ${p.until}에 끝납니다(${p.relative})`,
    rate_limit: (p) => `${p.service}는 최근 1시간 동안 이미 ${p.count}번 스케일아웃했습니다(한도 ${p.limit}번)`,
    frozen: (p) => `${p.service}는 변경 동결 기간입니다`,
    frozenReason: (p) => `${p.service}는 변경 동결 기간입니다(사유: ${p.reason})`,
    conflict: (p) => `${p.service}는 이미 ${verb(p.otherDirection)}이 진행 중입니다(${p.otherId}). 서비스당 한 번에 하나만 실행됩니다`,
    unknown_instances: (p) => `F5와 vCenter 모두 응답하지 않아 ${p.service}의 인스턴스 수를 알 수 없으므로 시작하지 않았습니다`,
    protected: (p) => `카드가 게시된 뒤 ${p.vm}이(가) 스케일인 보호로 지정되어 제거하지 않았습니다`,
  },
  check: {
    template_present: (p) => `템플릿 ${p.template} 확인됨`,
    template_missing: (p) => `vCenter에 템플릿 ${p.template}이(가) 없습니다`,
    vcenter_unreachable: (p) => `vCenter에 연결할 수 없습니다: ${p.error}`,
    ips_free: (p) => `IP 풀 ${p.size}개 중 ${p.free}개 사용 가능`,
    f5_unconfigured: 'F5가 설정되지 않았습니다(F5_SERVERS)',
    f5_reachable: (p) => `F5 풀 ${p.pool} 연결 정상(멤버 ${p.members}개)`,
    f5_error: (p) => `F5 풀 ${p.pool}: ${p.error}`,
    not_consulted: 'vCenter와 F5는 확인하지 않았습니다(GOVC_URL / F5_SERVERS 없음)',
    timed_out: '사전 점검 시간이 초과되었습니다',
  },
  event: {
    refired: (p) => `알림이 다시 발생했습니다 ×${p.count} (마지막: ${p.last})`,
    block_passed: '차단 사유가 해소되어 새 요청으로 대체되었습니다',
    alert_resolved: (p) => `${p.alert} 알림이 해소되었습니다`,
    resolved_before_decision: (p) => `승인 또는 반려 전에 ${p.alert} 알림이 해소되었습니다`,
    resolved_after_run: '실행 후 알림이 해소되었습니다',
    still_firing: '실행이 끝난 뒤에도 알림이 계속 발생하고 있습니다',
    confirmed_frozen: '변경 동결 기간에 확인 후 진행했습니다',
    silenced: (p) => `Alertmanager에서 ${p.until}까지 사일런스했습니다`,
    conflicting_alert: (p) => `이 요청이 열려 있는 동안 ${verb(p.direction)} 알림(${p.alert})이 발생했지만 처리하지 않았습니다`,
  },
};
