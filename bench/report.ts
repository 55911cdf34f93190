/**
 * The benchmark report: one table on stdout and bench/results.json, a list of
 * `{ figure, value, unit, target, baseline, ratio, meets }`.
 *
 * A target applies either to the value ("< 25") or to the ratio ("ratio >= 0.5"); `meets` is null
 * when a figure has no target, and false when it has one but could not be measured.
 */
import { writeFileSync } from 'node:fs';

export type Op = '<' | '<=' | '>' | '>=' | '=';

export interface Target {
  on: 'value' | 'ratio';
  op: Op;
  limit: number;
}

export interface Figure {
  figure: string;
  value: number | null;
  unit: string;
  target?: Target;
  /** The baseline or peer the ratio compares with (its meaning is in the figure's name). */
  baseline?: number | null;
  ratio?: number | null;
}

export interface ResultRow {
  figure: string;
  value: number | null;
  unit: string;
  target: string | null;
  baseline: number | null;
  ratio: number | null;
  meets: boolean | null;
}

const finite = (n: number | null | undefined): n is number => typeof n === 'number' && Number.isFinite(n);

export function targetText(t: Target | undefined): string | null {
  if (!t) return null;
  return `${t.on === 'ratio' ? 'ratio ' : ''}${t.op} ${t.limit}`;
}

export function meets(f: Figure): boolean | null {
  const t = f.target;
  if (!t) return null;
  const x = t.on === 'ratio' ? f.ratio : f.value;
  if (!finite(x)) return false;
  switch (t.op) {
    case '<': return x < t.limit;
    case '<=': return x <= t.limit;
    case '>': return x > t.limit;
    case '>=': return x >= t.limit;
    case '=': return x === t.limit;
  }
}

function clean(n: number | null | undefined, digits: number): number | null {
  if (!finite(n)) return null;
  const f = 10 ** digits;
  return Math.round(n * f) / f;
}

export function toRow(f: Figure): ResultRow {
  return {
    figure: f.figure,
    value: clean(f.value, 2),
    unit: f.unit,
    target: targetText(f.target),
    baseline: clean(f.baseline, 2),
    ratio: clean(f.ratio, 3),
    meets: meets(f),
  };
}

function show(n: number | null): string {
  if (n === null) return '—';
  if (Number.isInteger(n) || Math.abs(n) >= 100) return String(Math.round(n));
  if (Math.abs(n) >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

export function formatTable(rows: readonly ResultRow[]): string {
  const header = ['figure', 'value', 'unit', 'target', 'baseline or peer', 'ratio', 'meets'];
  const cells = rows.map((r) => [
    r.figure,
    show(r.value),
    r.unit,
    r.target ?? '—',
    show(r.baseline),
    r.ratio === null ? '—' : r.ratio.toFixed(r.ratio >= 10 ? 1 : 2),
    r.meets === null ? '—' : r.meets ? 'yes' : 'NO',
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const numeric = new Set([1, 4, 5]);
  const line = (c: string[]) => c.map((x, i) => (numeric.has(i) ? x.padStart(widths[i]!) : x.padEnd(widths[i]!))).join('  ').trimEnd();
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.map(line)].join('\n');
}

export function writeResults(file: string, rows: readonly ResultRow[]): void {
  writeFileSync(file, `${JSON.stringify(rows, null, 2)}\n`);
}
