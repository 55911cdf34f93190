/** 카드·스레드의 소요 시간: `1시간 30분`, `42초`. */
import type { DurationCatalog } from '../en/duration.js';

export const duration: DurationCatalog = {
  ms: (p) => `${p.n}밀리초`,
  s: (p) => `${p.n}초`,
  m: (p) => `${p.n}분`,
  h: (p) => `${p.n}시간`,
  pair: (p) => `${p.a} ${p.b}`,
};
