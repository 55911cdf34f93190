/**
 * The picture for a card: the same CPU / memory expressions the generated rules use, over the last hour, queried from
 * PROMETHEUS_URL and drawn as a PNG. Bounded: the whole thing (both queries and the render) has one deadline, and every
 * failure is a value with a reason code — the card never waits for it and never fails because of it.
 */
import type { Service } from '../config.js';
import { chartSpec } from '../cards/chartSpec.js';
import type { Locale } from '../i18n/index.js';
import { renderChartPng } from '../integrations/chart/metricChart.js';
import { monitoringOf, ruleJob, serviceExpressions } from '../integrations/plg/render.js';
import { PromQueryError, queryRange } from '../integrations/prometheusQuery.js';

export const CHART_WINDOW_MS = 3_600_000;
export const CHART_STEP_SECONDS = 30;
/** How long the card's chart may take in all; past it the card gets a note instead. */
export const CHART_DEADLINE_MS = 4000;

export type ChartUnavailable = 'timeout' | 'unreachable' | 'no_data' | 'failed';
export type RequestChart = { ok: true; png: Buffer } | { ok: false; reason: ChartUnavailable };

export interface ChartRequest {
  prometheusUrl: string;
  service: Service;
  direction: 'out' | 'in';
  alertStartsAt?: string;
  now: Date;
  locale: Locale;
  timeZone: string;
  deadlineMs?: number;
}

/** The average over the service's instances is one series; take the first (the rules' `avg` makes it one). */
const firstSeries = (s: Awaited<ReturnType<typeof queryRange>>) => s[0]?.points ?? [];

export async function requestChart(r: ChartRequest): Promise<RequestChart> {
  const to = r.now.getTime();
  const from = to - CHART_WINDOW_MS;
  const { cpuBusy, memoryUsed } = serviceExpressions(r.service);
  const m = monitoringOf(r.service);
  const timeoutMs = r.deadlineMs ?? CHART_DEADLINE_MS;
  const signal = AbortSignal.timeout(timeoutMs);
  try {
    const q = { start: from, end: to, stepSeconds: CHART_STEP_SECONDS };
    const [cpu, memory] = await Promise.all([
      queryRange(r.prometheusUrl, { ...q, expr: cpuBusy }, { timeoutMs, signal }),
      queryRange(r.prometheusUrl, { ...q, expr: memoryUsed }, { timeoutMs, signal }),
    ]);
    if (firstSeries(cpu).length === 0 && firstSeries(memory).length === 0) return { ok: false, reason: 'no_data' };
    const out = r.direction === 'out';
    const startsAt = r.alertStartsAt ? Date.parse(r.alertStartsAt) : NaN;
    const spec = chartSpec({
      service: r.service.name,
      job: ruleJob(r.service),
      direction: r.direction,
      cpu: firstSeries(cpu),
      memory: firstSeries(memory),
      cpuThreshold: out ? m.cpuThreshold : m.scaleInCpuBelow,
      memoryThreshold: out ? m.memoryThreshold : m.scaleInMemoryBelow,
      ...(Number.isFinite(startsAt) ? { alertStartsAt: startsAt } : {}),
      from,
      to,
    }, { locale: r.locale, timeZone: r.timeZone, now: r.now });
    return { ok: true, png: renderChartPng(spec) };
  } catch (e) {
    if (signal.aborted) return { ok: false, reason: 'timeout' };
    if (e instanceof PromQueryError) return { ok: false, reason: e.code === 'timeout' ? 'timeout' : e.code === 'unreachable' ? 'unreachable' : 'failed' };
    return { ok: false, reason: 'failed' };
  }
}
