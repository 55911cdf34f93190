/** 슬래시 명령 인자의 거절 사유. */
import type { ArgsCatalog } from '../en/args.js';

export const args: ArgsCatalog = {
  what: {
    serviceName: '서비스 이름',
    vmName: 'VM 이름',
    pageNumber: '페이지 번호',
    sourceVm: '원본 VM 이름',
    templateName: '템플릿 이름',
    description: '설명',
    resourcePool: '리소스 풀',
    folder: '폴더',
  },
  expectedPage: '2와 같은 페이지 번호를 입력하세요',
  shellChars: (p) => `셸 특수 문자는 쓸 수 없습니다 (${p.chars})`,
  atMost: (p) => `최대 ${p.n}자입니다`,
  empty: '비워 둘 수 없습니다',
  vmNameChars: '영문자, 숫자, "_", ".", "-"만 쓸 수 있으며 영문자나 숫자로 시작해야 합니다',
  noLeadingDash: '"-"나 공백으로 시작할 수 없습니다',
  invalid: '올바르지 않습니다',
  usage: (p) => `사용법: \`/autoscale ${p.usage}\``,
};
