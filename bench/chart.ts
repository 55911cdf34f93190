/**
 * Issue 13's chart figure: rendering the card's metric picture (ECharts SSR → SVG → resvg → PNG) for one hour of 15 s
 * samples (241 points per series, CPU and memory), threshold line and alert marker, Korean title. The first render
 * loads the font and warms the JIT; it is reported on its own and not counted in the percentiles.
 */
import { renderChartPng } from '../src/integrations/chart/metricChart.js';
import type { Figure } from './report.js';
import { percentile } from './stats.js';

const RUNS = 200;

export async function chartRender(log: (line: string) => void): Promise<Figure[]> {
  const to = Date.now();
  const from = to - 3_600_000;
  const cpu: Array<[number, number]> = [];
  const mem: Array<[number, number]> = [];
  for (let t = from; t <= to; t += 15_000) {
    cpu.push([t, 50 + 40 * Math.sin(t / 600_000)]);
    mem.push([t, 60 + 10 * Math.cos(t / 900_000)]);
  }
  const spec = (i: number) => ({
    title: `web-server-${i} CPU 사용률 / 메모리 사용률`, subtitle: 'job autoscale-web-server · 최근 1시간',
    series: [{ name: 'CPU %', points: cpu, threshold: { value: 80, label: 'CPU 임계값 80%' } }, { name: '메모리 %', points: mem, threshold: { value: 85, label: '메모리 임계값 85%' } }],
    marker: { at: to - 600_000, label: '알림 시작' },
    yName: '%', from, to, timeZone: 'Asia/Seoul',
  });
  let t = performance.now();
  renderChartPng(spec(0));
  const first = performance.now() - t;
  const times: number[] = [];
  for (let i = 1; i <= RUNS; i++) {
    t = performance.now();
    renderChartPng(spec(i));
    times.push(performance.now() - t);
  }
  log(`  first render ${first.toFixed(0)} ms, then ${RUNS} renders`);
  return [
    { figure: 'chart render, first (font load + JIT warm-up)', value: first, unit: 'ms' },
    { figure: `chart render p50 (${RUNS} renders, 2 series × 241 points)`, value: percentile(times, 50), unit: 'ms', target: { on: 'value', op: '<', limit: 300 } },
    { figure: `chart render p99 (${RUNS} renders, 2 series × 241 points)`, value: percentile(times, 99), unit: 'ms', target: { on: 'value', op: '<', limit: 300 } },
  ];
}
