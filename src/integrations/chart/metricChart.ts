/**
 * The metric picture posted with an approval card: a line chart of the triggering metric over the last hour, with the
 * threshold as a line and the alert's start marked, rendered server-side with no browser.
 *
 * ECharts in SSR mode renders SVG (no DOM, no canvas), and resvg turns the SVG into a PNG. Both are npm packages; resvg
 * ships its native renderer as a prebuilt npm package, so nothing is downloaded at install time. resvg draws no text
 * without a font and we never trust the host's fonts: the bundled subset of Noto Sans CJK KR (assets/fonts) covers
 * Latin and the 2,350 common Hangul syllables, so titles and axes read the same on every machine, in both languages.
 *
 * Pure rendering: the words (title, axis name, legend) come in already translated; this module knows no catalog.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Resvg } from '@resvg/resvg-js';
import { TZDate } from '@date-fns/tz';
import { format } from 'date-fns';
import * as echarts from 'echarts';

export const CHART_FONT_FAMILY = 'Noto Sans CJK KR';
export const CHART_WIDTH = 800;
export const CHART_HEIGHT = 360;

export interface ChartSeries {
  /** Legend text, e.g. "CPU busy %". */
  name: string;
  /** [epoch ms, value] in time order; NaN values are gaps. */
  points: ReadonlyArray<readonly [number, number]>;
  /** The threshold the rule compares this series with, drawn as a dashed horizontal line in the series' colour. */
  threshold?: { value: number; label: string };
}

export interface MetricChartSpec {
  title: string;
  /** Under the title, e.g. the job the rules read. */
  subtitle?: string;
  series: readonly ChartSeries[];
  /** The alert's start, drawn as a vertical line. */
  marker?: { at: number; label: string };
  /** The y axis is a percentage from 0 to 100 unless `yMax` says otherwise. */
  yName: string;
  yMax?: number;
  /** Time range of the x axis (epoch ms). */
  from: number;
  to: number;
  /** IANA zone for the axis labels (BOT_TIMEZONE). */
  timeZone: string;
  width?: number;
  height?: number;
}

const SERIES_COLORS = ['#e01e5a', '#1264a3', '#2eb67d', '#7c3aed'];
const MARKER_COLOR = '#616061';

/** assets/fonts beside src/ and dist/ alike (this file is src/integrations/chart or dist/integrations/chart). */
export function bundledFontFile(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  for (const up of ['../../..', '../../../..']) {
    const candidate = join(here, up, 'assets/fonts/NotoSansKR-subset.otf');
    if (existsSync(candidate)) return candidate;
  }
  throw new Error('the bundled chart font assets/fonts/NotoSansKR-subset.otf is missing');
}

/** The chart as an SVG document (ECharts SSR). */
export function renderChartSvg(spec: MetricChartSpec): string {
  const width = spec.width ?? CHART_WIDTH;
  const height = spec.height ?? CHART_HEIGHT;
  const chart = echarts.init(null, null, { renderer: 'svg', ssr: true, width, height });
  const hhmm = (v: number) => format(new TZDate(v, spec.timeZone), 'HH:mm');
  const markerLine = spec.marker && spec.marker.at >= spec.from && spec.marker.at <= spec.to
    ? [{
        xAxis: spec.marker.at,
        name: spec.marker.label,
        lineStyle: { color: MARKER_COLOR, type: 'solid', width: 1.5 },
        label: { formatter: spec.marker.label, position: 'end', color: MARKER_COLOR },
      }]
    : [];
  const markLinesOf = (s: ChartSeries, i: number): Array<Record<string, unknown>> => [
    ...(s.threshold
      ? [{
          yAxis: s.threshold.value,
          name: s.threshold.label,
          lineStyle: { color: SERIES_COLORS[i % SERIES_COLORS.length], type: 'dashed', width: 2 },
          // Alternate ends so that two close thresholds (80 % and 85 %) do not print over each other.
          label: { formatter: s.threshold.label, position: i % 2 ? 'insideStartTop' : 'insideEndTop', color: SERIES_COLORS[i % SERIES_COLORS.length] },
        }]
      : []),
    ...(i === 0 ? markerLine : []),
  ];
  chart.setOption({
    animation: false,
    backgroundColor: '#ffffff',
    textStyle: { fontFamily: CHART_FONT_FAMILY },
    color: SERIES_COLORS,
    title: { text: spec.title, subtext: spec.subtitle, left: 16, top: 8, textStyle: { fontSize: 16, color: '#1d1c1d' } },
    legend: { top: 12, right: 16, textStyle: { color: '#1d1c1d' } },
    grid: { left: 56, right: 40, top: spec.subtitle ? 88 : 72, bottom: 40 },
    xAxis: {
      type: 'time',
      min: spec.from,
      max: spec.to,
      axisLabel: { formatter: hhmm, color: '#616061' },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      min: 0,
      max: spec.yMax ?? 100,
      name: spec.yName,
      nameTextStyle: { color: '#616061' },
      axisLabel: { color: '#616061' },
      splitLine: { lineStyle: { color: '#eeeeee' } },
    },
    series: spec.series.map((s, i) => ({
      type: 'line',
      name: s.name,
      showSymbol: false,
      connectNulls: false,
      lineStyle: { width: 2 },
      data: s.points.map(([t, v]) => [t, Number.isFinite(v) ? Math.round(v * 100) / 100 : null]),
      markLine: { symbol: 'none', silent: true, data: markLinesOf(s, i) },
    })),
  });
  const svg = chart.renderToSVGString();
  chart.dispose();
  return svg;
}

let fontFile: string | undefined;

/** The chart as a PNG (resvg), at the spec's size. */
export function renderChartPng(spec: MetricChartSpec): Buffer {
  fontFile ??= bundledFontFile();
  const resvg = new Resvg(renderChartSvg(spec), {
    font: { fontFiles: [fontFile], loadSystemFonts: false, defaultFontFamily: CHART_FONT_FAMILY, sansSerifFamily: CHART_FONT_FAMILY },
    background: '#ffffff',
  });
  return resvg.render().asPng();
}
