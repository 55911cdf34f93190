/** 웜 풀 (issue 14): `/autoscale status`와 App Home. */
import type { WarmCatalog } from '../en/warm.js';

export const warm: WarmCatalog = {
  statusLine: (p) => `:fire: *${p.service}* 웜 풀: ${p.size}대 중 ${p.ready}대 준비됨 (${p.state})${p.vms ? `: ${p.vms}` : ''}`,
  refilling: ' — 보충 중',
  homeSuffix: (p) => ` · 웜 풀 ${p.ready}/${p.size} (${p.state})`,
  state: { running: '실행 중', stopped: '중지됨' },
};
