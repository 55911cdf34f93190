/** 모달: 서비스 가져오기 양식과 제출 후 화면. */
import type { modal as en } from '../en/modal.js';

export const modal: typeof en = {
  importTitle: '서비스 가져오기',
  importSubmit: '가져오기',
  cancel: '취소',
  close: '닫기',
  importIntro: '서비스 파일을 붙여 넣으세요 (`/autoscale service export`가 만드는 형식: `services:`와 목록). 파일에 있는 서비스는 새로 만들거나 교체하고, 나머지 서비스는 그대로 둡니다.',
  importHint: (p) => `최대 ${p.max}자. 더 큰 파일은 node dist/cli.js services apply -f FILE 로 적용하세요.`,
  imported: '서비스 가져오기 완료',
};
