/**
 * The words and lines of a request's metric chart: facts in (the series Prometheus returned, the thresholds, the alert's
 * start), a chart spec out, in the reader's language. Pure; the picture itself is drawn by integrations/chart.
 */
import { catalog, formatTime, type Locale } from '../i18n/index.js';
import type { MetricChartSpec } from '../integrations/chart/metricChart.js';

export interface ChartFacts {
  service: string;
  /** The job the generated rules select. */
  job: string;
  direction: 'out' | 'in';
  cpu: ReadonlyArray<readonly [number, number]>;
  memory: ReadonlyArray<readonly [number, number]>;
  /** Scale-out: above these; scale-in: below these. */
  cpuThreshold: number;
  memoryThreshold: number;
  alertStartsAt?: number;
  from: number;
  to: number;
}

export function chartSpec(f: ChartFacts, opts: { locale: Locale; timeZone: string; now: Date }): MetricChartSpec {
  const t = catalog(opts.locale).chart;
  return {
    title: t.title({ service: f.service }),
    subtitle: t.subtitle({ job: f.job }),
    series: [
      { name: t.cpu, points: f.cpu, threshold: { value: f.cpuThreshold, label: t.threshold({ metric: t.cpuShort, value: f.cpuThreshold }) } },
      { name: t.memory, points: f.memory, threshold: { value: f.memoryThreshold, label: t.threshold({ metric: t.memoryShort, value: f.memoryThreshold }) } },
    ],
    ...(f.alertStartsAt !== undefined
      ? { marker: { at: f.alertStartsAt, label: t.alertStart({ time: formatTime(f.alertStartsAt, { locale: opts.locale, timeZone: opts.timeZone, now: opts.now }) }) } }
      : {}),
    yName: '%',
    from: f.from,
    to: f.to,
    timeZone: opts.timeZone,
  };
}
