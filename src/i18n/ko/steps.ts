/** 단계 이름 (src/steps.ts의 단계마다 하나). */
import type { StepsCatalog } from '../en/steps.js';

export const steps: StepsCatalog = {
  'take-warm': '웜 풀에서 준비된 VM 가져오기',
  'reserve-ip': 'IP 할당',
  name: 'VM 이름 정하기',
  clone: '템플릿에서 VM 복제',
  customize: '고정 IP 설정',
  'power-on': '전원 켜기',
  'wait-ip': '게스트 IP 확인',
  health: '헬스 체크',
  'f5-add': 'F5 Pool 등록',
  'f5-disable': 'F5 멤버 비활성화',
  drain: '연결 드레인',
  'f5-remove': 'F5 멤버 제거',
  shutdown: '게스트 종료',
  'warm-return': 'VM을 웜 풀로 반환',
  destroy: 'VM 삭제',
  'release-ip': 'IP 반납',
  'jenkins-build': 'Jenkins 빌드',
};
