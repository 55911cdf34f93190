import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createTcpServer, type Server as TcpServer } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { checkHealth, waitHealthy, type HealthTarget } from '../../../src/integrations/health.js';
import { freePort } from '../../helpers/net.js';

const HOST = '127.0.0.1';
const servers: Array<TcpServer | HttpServer> = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    if ('closeAllConnections' in s) s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function listen<T extends TcpServer | HttpServer>(server: T, port = 0): Promise<number> {
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(port, HOST, resolve));
  const addr = server.address();
  return typeof addr === 'object' && addr ? addr.port : 0;
}

async function httpServer(status: number, path = '/healthz'): Promise<number> {
  return listen(createHttpServer((req, res) => {
    res.statusCode = req.url === path ? status : 404;
    res.end('hello');
  }));
}

/** A fake clock whose sleeps record their length and move time forward at once. */
function fakeTime() {
  let t = 1_000_000;
  const delays: number[] = [];
  return {
    delays,
    now: () => t,
    sleep: async (ms: number) => {
      delays.push(ms);
      t += ms;
    },
  };
}

describe('checkHealth', () => {
  it('finds a listening TCP port healthy', async () => {
    const port = await listen(createTcpServer((s) => s.end()));
    expect(await checkHealth({ type: 'tcp', host: HOST, port }, 1_000)).toEqual({ ok: true, detail: `tcp ${HOST}:${port}: open` });
  });

  it('finds a closed TCP port unhealthy and says the connection was refused', async () => {
    const port = await freePort();
    const r = await checkHealth({ type: 'tcp', host: HOST, port }, 1_000);
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('ECONNREFUSED');
  });

  it('finds an HTTP endpoint answering the expected status healthy', async () => {
    const port = await httpServer(200);
    const r = await checkHealth({ type: 'http', host: HOST, port, path: '/healthz', expectStatus: 200 }, 1_000);
    expect(r).toEqual({ ok: true, detail: `GET http://${HOST}:${port}/healthz: 200` });
  });

  it('finds an HTTP endpoint answering another status unhealthy and names both', async () => {
    const port = await httpServer(503);
    const r = await checkHealth({ type: 'http', host: HOST, port, path: '/healthz' }, 1_000);
    expect(r).toEqual({ ok: false, detail: `GET http://${HOST}:${port}/healthz: 503 (expected 200)` });
  });

  it('accepts a non-200 status when that is the one expected', async () => {
    const port = await httpServer(204);
    expect((await checkHealth({ type: 'http', host: HOST, port, path: '/healthz', expectStatus: 204 }, 1_000)).ok).toBe(true);
  });

  it('finds a refused HTTP port unhealthy', async () => {
    const port = await freePort();
    const r = await checkHealth({ type: 'http', host: HOST, port, path: '/' }, 1_000);
    expect(r.ok).toBe(false);
    expect(r.detail).toContain('ECONNREFUSED');
  });

  it('gives up on an HTTP server that never answers after the timeout', async () => {
    const port = await listen(createHttpServer(() => undefined));
    const started = Date.now();
    const r = await checkHealth({ type: 'http', host: HOST, port }, 200);
    expect(r).toEqual({ ok: false, detail: `GET http://${HOST}:${port}/: no answer within 200 ms` });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});

describe('waitHealthy', () => {
  it('backs off 1, 2, 4, 8, 10, 10 s between checks of a target that stays down', async () => {
    const time = fakeTime();
    const target: HealthTarget = { type: 'tcp', host: HOST, port: await freePort() };
    const r = await waitHealthy(target, { timeoutMs: 35_000, sleep: time.sleep, now: time.now });
    expect(time.delays).toEqual([1_000, 2_000, 4_000, 8_000, 10_000, 10_000]);
    expect(r).toMatchObject({ ok: false, attempts: 7, elapsedMs: 35_000 });
    expect(r.detail).toContain('ECONNREFUSED');
  });

  it('shortens the last pause so the final check happens at the deadline', async () => {
    const time = fakeTime();
    const target: HealthTarget = { type: 'tcp', host: HOST, port: await freePort() };
    const r = await waitHealthy(target, { timeoutMs: 5_000, sleep: time.sleep, now: time.now });
    expect(time.delays).toEqual([1_000, 2_000, 2_000]);
    expect(r.attempts).toBe(4);
  });

  it('returns as soon as the service comes up, with the attempts it took', async () => {
    const time = fakeTime();
    const port = await freePort();
    const sleep = async (ms: number) => {
      await time.sleep(ms);
      if (time.delays.length === 3) await listen(createHttpServer((_req, res) => res.end('ok')), port);
    };
    const r = await waitHealthy({ type: 'http', host: HOST, port, path: '/' }, { timeoutMs: 60_000, sleep, now: time.now });
    expect(r).toMatchObject({ ok: true, attempts: 4, elapsedMs: 7_000 });
    expect(r.detail).toBe(`GET http://${HOST}:${port}/: 200`);
  });

  it('stops with aborted when the signal fires during a pause', async () => {
    const controller = new AbortController();
    const target: HealthTarget = { type: 'tcp', host: HOST, port: await freePort() };
    setTimeout(() => controller.abort(), 50);
    const started = Date.now();
    const r = await waitHealthy(target, { timeoutMs: 60_000, initialDelayMs: 10_000, signal: controller.signal });
    expect(r).toMatchObject({ ok: false, aborted: true, attempts: 1 });
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
