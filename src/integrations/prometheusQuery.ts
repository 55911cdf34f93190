/**
 * Prometheus' HTTP API, read side: range queries for the card's chart. Bounded: every call has a deadline, and a slow or
 * failing Prometheus is a coded error the caller turns into "the card without the chart".
 */
import { z } from 'zod';

export type PromQueryErrorCode = 'timeout' | 'unreachable' | 'http' | 'bad_response' | 'query';

export class PromQueryError extends Error {
  override readonly name = 'PromQueryError';
  constructor(readonly code: PromQueryErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

// https://prometheus.io/docs/prometheus/latest/querying/api/#range-queries
const rangeResponse = z.object({
  status: z.enum(['success', 'error']),
  error: z.string().optional(),
  errorType: z.string().optional(),
  data: z
    .object({
      resultType: z.literal('matrix'),
      result: z.array(z.object({ metric: z.record(z.string(), z.string()), values: z.array(z.tuple([z.number(), z.string()])) })),
    })
    .optional(),
});

export interface RangeQuery {
  expr: string;
  /** epoch ms */
  start: number;
  end: number;
  stepSeconds: number;
}

export interface RangeSeries {
  metric: Record<string, string>;
  /** [epoch ms, value]; Prometheus' NaN / ±Inf come back as NaN. */
  points: Array<[number, number]>;
}

export const PROM_QUERY_TIMEOUT_MS = 3000;

/** GET /api/v1/query_range; throws PromQueryError. */
export async function queryRange(baseUrl: string, q: RangeQuery, opts: { timeoutMs?: number; signal?: AbortSignal } = {}): Promise<RangeSeries[]> {
  const url = new URL(`${baseUrl.replace(/\/+$/, '')}/api/v1/query_range`);
  url.searchParams.set('query', q.expr);
  url.searchParams.set('start', (q.start / 1000).toFixed(3));
  url.searchParams.set('end', (q.end / 1000).toFixed(3));
  url.searchParams.set('step', `${q.stepSeconds}s`);
  const timeout = AbortSignal.timeout(opts.timeoutMs ?? PROM_QUERY_TIMEOUT_MS);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  let res: Response;
  try {
    res = await fetch(url, { signal, headers: { accept: 'application/json' } });
  } catch (e) {
    if (timeout.aborted) throw new PromQueryError('timeout', `Prometheus did not answer within ${opts.timeoutMs ?? PROM_QUERY_TIMEOUT_MS} ms`, { cause: e });
    const code = (e as { cause?: { code?: string } }).cause?.code;
    throw new PromQueryError('unreachable', `cannot reach Prometheus at ${url.origin}: ${code ?? (e as Error).message}`, { cause: e });
  }
  let body: unknown;
  try {
    body = await res.json();
  } catch (e) {
    if (timeout.aborted) throw new PromQueryError('timeout', 'Prometheus answered too slowly', { cause: e });
    throw new PromQueryError(res.ok ? 'bad_response' : 'http', `Prometheus answered ${res.status} without JSON`, { cause: e });
  }
  const parsed = rangeResponse.safeParse(body);
  if (!parsed.success) throw new PromQueryError('bad_response', `unexpected query_range answer (${res.status})`);
  if (parsed.data.status === 'error' || !parsed.data.data) {
    throw new PromQueryError(res.status >= 500 ? 'http' : 'query', `Prometheus refused the query: ${parsed.data.errorType ?? res.status}: ${parsed.data.error ?? ''}`.trim());
  }
  return parsed.data.data.result.map((s) => ({
    metric: s.metric,
    points: s.values.map(([t, v]): [number, number] => [Math.round(t * 1000), Number.isFinite(Number(v)) ? Number(v) : NaN]),
  }));
}
