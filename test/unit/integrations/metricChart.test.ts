import { describe, expect, it } from 'vitest';
import { CHART_HEIGHT, CHART_WIDTH, renderChartPng, renderChartSvg, type MetricChartSpec } from '../../../src/integrations/chart/metricChart.js';
import { decodePng, inkIn } from '../../helpers/png.js';

const to = Date.UTC(2026, 11, 2, 6, 30);
const from = to - 3_600_000;
const rising = (): Array<[number, number]> => {
  const pts: Array<[number, number]> = [];
  for (let t = from; t <= to; t += 60_000) pts.push([t, 30 + (60 * (t - from)) / 3_600_000]);
  return pts;
};
const spec = (over: Partial<MetricChartSpec> = {}): MetricChartSpec => ({
  title: 'web-server CPU 사용률', series: [{ name: 'CPU %', points: rising(), threshold: { value: 80, label: '임계값 80%' } }],
  marker: { at: to - 10 * 60_000, label: 'alert 15:20' }, yName: '%', from, to, timeZone: 'Asia/Seoul', ...over,
});

describe('metric chart', () => {
  it('renders a PNG that decodes to the chart size', () => {
    const png = decodePng(renderChartPng(spec()));
    expect([png.width, png.height]).toEqual([CHART_WIDTH, CHART_HEIGHT]);
  });

  it('draws Korean and English title text with the bundled font (the title area has ink only when there is a title)', () => {
    const titleBox = [10, 5, 400, 35] as const;
    const withKo = inkIn(decodePng(renderChartPng(spec())), ...titleBox);
    const withEn = inkIn(decodePng(renderChartPng(spec({ title: 'web-server CPU busy' }))), ...titleBox);
    const without = inkIn(decodePng(renderChartPng(spec({ title: '' }))), ...titleBox);
    expect(without).toBe(0);
    expect(withKo).toBeGreaterThan(200);
    expect(withEn).toBeGreaterThan(200);
  });

  it('labels the time axis in BOT_TIMEZONE', () => {
    expect(renderChartSvg(spec({ timeZone: 'Asia/Seoul' }))).toContain('15:30');
    expect(renderChartSvg(spec({ timeZone: 'UTC' }))).toContain('06:30');
  });

  it('draws the threshold line and the alert marker with their labels', () => {
    const svg = renderChartSvg(spec());
    expect(svg).toContain('임계값 80%');
    expect(svg).toContain('alert 15:20');
    expect(renderChartSvg(spec({ series: [{ name: 'CPU %', points: rising() }], marker: undefined }))).not.toContain('임계값');
  });

  it('leaves gaps for NaN samples instead of failing', () => {
    const pts = rising().map(([t, v], i): [number, number] => [t, i % 7 === 0 ? NaN : v]);
    expect(() => decodePng(renderChartPng(spec({ series: [{ name: 'CPU %', points: pts }] })))).not.toThrow();
  });
});
