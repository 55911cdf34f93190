/** 서비스 설정(src/config.ts)의 자체 검사 규칙: 서비스 폼과 `/autoscale service import`의 오류 문구. */
import type { ConfigIssuesCatalog } from '../en/configIssues.js';

export const configIssues: ConfigIssuesCatalog = {
  duration: '30s, 10m, 1h 같은 기간을 입력하세요',
  durationTooLong: (p) => `${p.value}은(는) 최대값 ${p.max}보다 깁니다`,
  ipv4: '10.0.0.1 같은 IPv4 주소를 입력하세요',
  hostPort: 'host:port 형식으로 입력하세요',
  jobNameChars: '영문자, 숫자, "_", "-"만 쓸 수 있습니다',
  slackId: 'C0123ABCD / U0123ABCD 같은 Slack ID를 입력하세요',
  pathChars: '제어 문자나 셸 특수 문자는 쓸 수 없습니다',
  dnsName: '영문 소문자, 숫자, "-"만 쓸 수 있습니다',
  nameChars: '영문자, 숫자, "_", ".", "-"만 쓸 수 있습니다',
  portMax: '포트는 65535 이하여야 합니다',
  cron: '"0 22 * * 5" 같은 cron 표현식을 입력하세요 (분 시 일 월 요일)',
  netmask: '255.255.255.0 같은 넷마스크를 입력하세요',
  freezeTextTooLong: (p) => `폼에 표시되는 변경 동결 기간이 ${p.max}자를 넘습니다 (한 줄에 "cron | 기간 | 사유" 하나). 사유를 줄이세요`,
  targetsTextTooLong: (p) => `targets가 "a, b, c" 형태로 ${p.max}자를 넘습니다. 개수를 줄이거나 이름을 짧게 하세요`,
  poolEndBeforeStart: (p) => `IP 풀의 끝 ${p.end}이(가) 시작 ${p.start}보다 앞에 있습니다`,
  poolTooLarge: 'IP 풀이 /16보다 큽니다. 나누어 등록하세요',
  poolOutsideSubnet: (p) => `IP 풀 ${p.start}-${p.end}이(가) 게이트웨이의 서브넷(${p.gateway}/${p.netmask}) 밖에 있습니다`,
  targetsWithExistingJob: (p) =>
    `targets는 봇이 만드는 job이 수집하는데, existingJob ${p.job}이(가) 있으면 job을 만들지 않습니다. 이 targets를 직접 운영하는 job ${p.job}에 넣거나, existingJob을 지워 봇이 job을 만들게 하세요`,
  bothJobs: 'prometheusJob(봇이 만드는 job)과 existingJob(직접 운영하는 job, 생성 안 함) 중 하나만 지정하세요',
  minAboveMax: (p) => `최소 ${p.min}이(가) 최대 ${p.max}보다 큽니다`,
  warmPoolSize: '서비스마다 웜 VM은 1~10대입니다 (쓰지 않으려면 warmPool을 빼세요)',
  warmPoolState: 'stopped 또는 running이어야 합니다',
  warmPoolNeedsLocal: '웜 풀은 local 실행기에서만 쓸 수 있습니다. Jenkins 파이프라인은 VM을 직접 복제합니다 (warmPool이나 실행기 설정을 빼세요)',
  tooLong: (p) => `최대 ${p.max}자까지 입력할 수 있습니다 (현재 ${p.length}자)`,
  duplicateName: (p) => `서비스 이름 "${p.name}"이(가) 중복됩니다 (services[${p.prev}]에도 있음)`,
  secretNoneStored: (p) =>
    `${p.placeholder}은(는) 저장된 시크릿을 뜻하지만 서비스 "${p.service}"에는 저장된 값이 없습니다. 시크릿을 직접 입력하거나 필드를 비워 두세요`,
  secretServiceNew: (p) =>
    `${p.placeholder}은(는) 저장된 시크릿을 뜻하지만 서비스 "${p.service}"은(는) 아직 없습니다. 시크릿을 직접 입력하거나 필드를 비워 두세요`,
  vmNamesCollide: (p) =>
    `서비스 "${p.service}"와(과) "${p.other}"이(가) 폴더 /${p.datacenter ?? '<govc 기본 데이터센터>'}/${p.path}에서 둘 다 VM 이름을 ${p.prefix}-<n>으로 짓게 됩니다. 한쪽의 vmNamePrefix나 vcenter.folder를 바꾸세요`,
  poolsOverlap: (p) =>
    `서비스 "${p.service}"의 IP 풀 ${p.pool}이(가) 서비스 "${p.other}"의 IP 풀 ${p.otherPool}과(와) 겹칩니다 (공통: ${p.shared}). IP 풀은 주소를 공유할 수 없습니다`,
  fileTooLarge: (p) => `${p.max}바이트보다 큽니다`,
};
