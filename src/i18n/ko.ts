/** 한국어 카탈로그: 사용자 가이드(user-guide.ko.md)의 용어를 따릅니다 (스케일아웃, 템플릿, 승인, 반려 …). */
import type { Catalog } from './en.js';

export const ko: Catalog = {
  chart: {
    title: (p) => `${p.service}: 최근 1시간 CPU·메모리`,
    subtitle: (p) => `룰이 읽는 job: ${p.job}`,
    cpu: 'CPU 사용률 %',
    memory: '메모리 사용률 %',
    threshold: (p) => `${p.metric} 임계값 ${p.value}%`,
    cpuShort: 'CPU',
    memoryShort: '메모리',
    alertStart: (p) => `알림 시작 ${p.time}`,
    altText: (p) => `${p.service}의 최근 1시간 CPU·메모리 그래프`,
    unavailable: (p) => `_이번에는 그래프가 없습니다: ${p.reason}_`,
    reasonTimeout: 'Prometheus가 제시간에 응답하지 않았습니다',
    reasonUnreachable: 'Prometheus에 연결할 수 없습니다',
    reasonNoData: '이 서비스의 샘플이 아직 Prometheus에 없습니다',
    reasonFailed: '쿼리가 실패했습니다',
  },
  plg: {
    rulesReadGenerated: (p) =>
      `룰이 읽는 job: \`${p.job}\` (봇이 만드는 job입니다. 타겟은 봇의 서비스 디스커버리 \`/sd/prometheus?service=${p.service}\`에서 받습니다: 설정된 targets와 봇이 만든 VM 전부)`,
    rulesReadExisting: (p) =>
      `룰이 읽는 job: \`${p.job}\` (monitoring.existingJob, 직접 관리하는 job입니다. 봇은 scrape job을 만들지 않으므로 봇이 만든 VM도 이 job이 수집하도록 해 주세요)`,
  },
  sd: {
    prometheusJobHint: '봇이 만들고 룰이 읽는 job입니다 (기본값 autoscale-<name>).',
    existingJob: '기존 job (직접 관리하는 job이 이미 수집하는 경우)',
    existingJobHint: 'job을 만들지 않고 룰이 이 job을 읽습니다. targets와 Prometheus job은 비워 두세요.',
    exporterPort: '새 VM의 Node Exporter 포트',
    sdRefreshInterval: '서비스 디스커버리 갱신 주기',
    sdRefreshIntervalHint: 'Prometheus가 봇에게 인스턴스 목록을 묻는 주기입니다.',
  },
};
