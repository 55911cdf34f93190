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
};
