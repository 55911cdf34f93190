/** Writes docs/chart-sample-{en,ko}.png: the card chart for a made-up hour of a hot service (README shows them). */
import { writeFileSync } from 'node:fs';
import { chartSpec } from '../src/cards/chartSpec.js';
import { renderChartPng } from '../src/integrations/chart/metricChart.js';

const to = Date.UTC(2026, 11, 2, 6, 30);
const from = to - 3_600_000;
const cpu: Array<[number, number]> = [];
const memory: Array<[number, number]> = [];
for (let t = from; t <= to; t += 30_000) {
  const x = (t - from) / 3_600_000;
  cpu.push([t, 38 + 8 * Math.sin(x * 9) + (x > 0.55 ? (x - 0.55) * 120 : 0)]);
  memory.push([t, 58 + 4 * Math.cos(x * 5) + x * 6]);
}
for (const locale of ['en', 'ko'] as const) {
  const spec = chartSpec(
    { service: 'web-server', job: 'autoscale-web-server', direction: 'out', cpu, memory, cpuThreshold: 80, memoryThreshold: 85, alertStartsAt: to - 9 * 60_000, from, to },
    { locale, timeZone: 'Asia/Seoul', now: new Date(to) },
  );
  writeFileSync(new URL(`../docs/chart-sample-${locale}.png`, import.meta.url), renderChartPng(spec));
}
