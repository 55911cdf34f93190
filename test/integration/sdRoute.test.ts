/**
 * GET /sd/prometheus through the bot's real HTTP server: what Prometheus' http_sd gets, and what it does not.
 */
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { claimAddress, markLeaseInUse } from '../../src/store/leases.js';
import { service, startBot, type TestBot } from '../helpers/bot.js';

const SD_TOKEN = 'test-sd-token-0123456789abcdef';

const web = service({ name: 'web', monitoring: { targets: ['127.0.0.5:9100'], exporterPort: 9101 } });
const api = service({ name: 'api', network: { ipPool: { start: '127.0.20.10', end: '127.0.20.50' }, netmask: '255.255.255.0', gateway: '127.0.20.1', dns: [], conflictCheck: 'none' } });
const empty = service({ name: 'empty', network: { ipPool: { start: '127.0.21.10', end: '127.0.21.50' }, netmask: '255.255.255.0', gateway: '127.0.21.1', dns: [], conflictCheck: 'none' } });

/** `token: null` sends no Authorization header. */
async function sd(tb: TestBot, query = '', token: string | null = SD_TOKEN) {
  const res = await fetch(`${tb.url}/sd/prometheus${query}`, { headers: token === null ? {} : { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, type: res.headers.get('content-type'), body: text ? JSON.parse(text) : undefined };
}

describe('GET /sd/prometheus', () => {
  let tb: TestBot;
  beforeAll(async () => {
    tb = await startBot({ services: [web, api, empty], env: { PROMETHEUS_SD_TOKEN: SD_TOKEN } });
    const at = tb.clock.now().toISOString();
    await claimAddress(tb.store, 'web', 'sr-old-1', ['127.0.10.11'], at);
    await markLeaseInUse(tb.store, 'web', '127.0.10.11', 'web-1', at);
    await claimAddress(tb.store, 'api', 'sr-old-2', ['127.0.20.10'], at);
    await markLeaseInUse(tb.store, 'api', '127.0.20.10', 'api-1', at);
    await tb.store.flush();
  });
  afterAll(() => tb.stop());

  it('answers 401 without the bearer token and with a wrong one', async () => {
    expect((await sd(tb, '', null)).status).toBe(401);
    expect((await sd(tb, '', 'not-the-sd-token-at-all')).status).toBe(401);
    // The Alertmanager webhook's token is another secret: it does not open this route.
    expect((await sd(tb, '', 'test-webhook-token-0123456789')).status).toBe(401);
  });

  it('lists every service\'s configured targets and the bot\'s VMs at <ip>:<exporterPort>, as http_sd JSON', async () => {
    const r = await sd(tb);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    expect(r.body).toEqual([
      { targets: ['127.0.20.10:9100'], labels: { service: 'api', vm: 'api-1', managed_by: 'vm-autoscale-bot' } },
      { targets: ['127.0.0.5:9100'], labels: { service: 'web', managed_by: 'vm-autoscale-bot', origin: 'configured' } },
      { targets: ['127.0.10.11:9101'], labels: { service: 'web', vm: 'web-1', managed_by: 'vm-autoscale-bot' } },
    ]);
  });

  it('answers for one service with ?service=NAME, [] for a service with no instance, 404 for an unknown one', async () => {
    const one = await sd(tb, '?service=web');
    expect(one.body.map((g: { targets: string[] }) => g.targets[0])).toEqual(['127.0.0.5:9100', '127.0.10.11:9101']);
    expect(await sd(tb, '?service=empty')).toMatchObject({ status: 200, body: [] });
    // Not 200 []: Prometheus keeps the targets it had after a failed refresh, but drops them all on an empty list.
    const unknown = await sd(tb, '?service=nope');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toContain('nope');
  });

  it('answers from memory: db.json is neither written nor touched by a scrape', async () => {
    await tb.settle();
    const file = join(tb.dataDir, 'db.json');
    const before = { mtime: statSync(file).mtimeMs, text: readFileSync(file, 'utf8') };
    for (let i = 0; i < 20; i++) expect((await sd(tb, i % 2 ? '?service=web' : '')).status).toBe(200);
    await tb.store.flush();
    expect(statSync(file).mtimeMs).toBe(before.mtime);
    expect(readFileSync(file, 'utf8')).toBe(before.text);
  });
});

describe('GET /sd/prometheus without PROMETHEUS_SD_TOKEN', () => {
  it('does not exist (404), whatever the request carries', async () => {
    const tb = await startBot({ services: [web] });
    try {
      expect((await sd(tb, '', null)).status).toBe(404);
      expect((await sd(tb, '?service=web', SD_TOKEN)).status).toBe(404);
    } finally {
      await tb.stop();
    }
  });
});
