import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { PromQueryError, queryRange } from '../../../src/integrations/prometheusQuery.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

/** A local stand-in for Prometheus' query_range answering with `reply` (the E2E test uses the real one). */
async function prometheus(reply: (url: URL) => { status: number; body?: unknown; delayMs?: number }): Promise<{ url: string; seen: URL[] }> {
  const seen: URL[] = [];
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    seen.push(url);
    const r = reply(url);
    setTimeout(() => {
      res.writeHead(r.status, { 'content-type': 'application/json' });
      res.end(r.body === undefined ? 'not json' : JSON.stringify(r.body));
    }, r.delayMs ?? 0);
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(server!.address() as AddressInfo).port}`, seen };
}

const q = { expr: 'up', start: 1_700_000_000_000, end: 1_700_003_600_000, stepSeconds: 60 };

describe('queryRange', () => {
  it('asks /api/v1/query_range with seconds and a step, and returns points in ms (NaN for NaN)', async () => {
    const p = await prometheus(() => ({ status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [{ metric: { job: 'a' }, values: [[1700000000, '1.5'], [1700000060, 'NaN']] }] } } }));
    const out = await queryRange(p.url, q);
    expect(out[0]!.points[0]).toEqual([1_700_000_000_000, 1.5]);
    expect(Number.isNaN(out[0]!.points[1]![1])).toBe(true);
    expect(p.seen[0]!.pathname).toBe('/api/v1/query_range');
    expect(p.seen[0]!.searchParams.get('start')).toBe('1700000000.000');
    expect(p.seen[0]!.searchParams.get('step')).toBe('60s');
  });

  it('gives up after its deadline with a timeout code', async () => {
    const p = await prometheus(() => ({ status: 200, body: { status: 'success', data: { resultType: 'matrix', result: [] } }, delayMs: 2000 }));
    await expect(queryRange(p.url, q, { timeoutMs: 100 })).rejects.toMatchObject({ code: 'timeout' });
  });

  it('reports a refused query with the error type Prometheus gave', async () => {
    const p = await prometheus(() => ({ status: 400, body: { status: 'error', errorType: 'bad_data', error: 'parse error' } }));
    const e = await queryRange(p.url, q).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(PromQueryError);
    expect(e).toMatchObject({ code: 'query', message: expect.stringContaining('bad_data: parse error') });
  });

  it('says unreachable when nothing listens', async () => {
    await expect(queryRange('http://127.0.0.1:1', q)).rejects.toMatchObject({ code: 'unreachable' });
  });
});
