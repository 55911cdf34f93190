/** A duration on a card or in a thread (src/cards/time.ts formatDuration): English keeps the operators' compact `1h30m`. */
export const duration = {
  ms: (p: { n: number }) => `${p.n}ms`,
  s: (p: { n: number }) => `${p.n}s`,
  m: (p: { n: number }) => `${p.n}m`,
  h: (p: { n: number }) => `${p.n}h`,
  /** Two units: `1h` + `30m`. */
  pair: (p: { a: string; b: string }) => `${p.a}${p.b}`,
};

export type DurationCatalog = typeof duration;
