import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WebClient } from '@slack/web-api';
import { afterEach, describe, expect, it } from 'vitest';
import { cardRenderer } from '../../../src/cardRenderer.js';
import { createLogger } from '../../../src/logger.js';
import { SlackSurface } from '../../../src/integrations/slackSurface.js';
import { upsertServices } from '../../../src/store/services.js';
import { Store } from '../../../src/store/store.js';
import { FreezeCalendar } from '../../../src/workflows/freeze.js';
import type { ScaleRequest } from '../../../src/store/types.js';
import { blockText, FakeSlack } from '../../fakes/slack.js';
import { service } from '../../helpers/bot.js';

const cleanup: Array<() => unknown> = [];
afterEach(async () => { for (const c of cleanup.splice(0)) await c(); });

async function setup(opts: { retries?: number } = {}) {
  const slack = await new FakeSlack().start();
  cleanup.push(() => slack.stop());
  const dir = mkdtempSync(join(tmpdir(), 'surface-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const store = await Store.open(dir);
  await upsertServices(store, [service()], 'test', 'now');
  const client = new WebClient('xoxb-test', { slackApiUrl: slack.url, retryConfig: { retries: opts.retries ?? 0, factor: 1, minTimeout: 10, maxTimeout: 50 } });
  const clock = { now: () => new Date() };
  const render = cardRenderer({ store, clock, freezes: new FreezeCalendar('UTC'), tz: 'UTC' });
  const surface = new SlackSurface({ client, store, clock, logger: createLogger('silent'), render, minUpdateIntervalMs: 1000 });
  const req: ScaleRequest = {
    id: 'sr-1', service: 'web-server', direction: 'out', state: 'pending', executor: 'dry-run', source: 'manual', requestedBy: 'U1',
    fireCount: 1, lastFiredAt: new Date().toISOString(), alert: { name: 'HighCPU', labels: {} }, createdAt: new Date().toISOString(), updatedAt: 'now', attempts: [], events: [],
    preview: { instances: 2, instancesSource: 'store', min: 1, max: 6, template: 't', vmName: 'web-server-3', ip: '127.0.10.3', f5Pool: '/Common/p', checks: [] },
  };
  await store.mutate((d) => { d.requests.push(req); });
  return { slack, store, surface };
}

describe('card updates', () => {
  it('sends at most one chat.update per second per card and never loses the final state', async () => {
    const { slack, store, surface } = await setup();
    surface.sync('sr-1');
    await surface.idle();
    for (let i = 2; i <= 30; i++) {
      await store.mutate((d) => { d.requests[0]!.fireCount = i; });
      surface.sync('sr-1');
      await new Promise((r) => setTimeout(r, 40));
    }
    await surface.idle();
    const updates = slack.callsOf('chat.update').map((c) => c.at);
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(3);
    for (let i = 1; i < updates.length; i++) expect(updates[i]! - updates[i - 1]!).toBeGreaterThanOrEqual(950);
    expect(blockText(slack.topLevel()[0]!.blocks)).toContain('fired again ×29');
  });

  it('rides out a 429 with Retry-After and a 5xx: the card ends right', async () => {
    const { slack, store, surface } = await setup({ retries: 3 });
    slack.failNext('chat.postMessage', 429, { retryAfter: 1 });
    slack.failNext('chat.postMessage', 503);
    surface.sync('sr-1');
    await surface.idle();
    expect(slack.topLevel()).toHaveLength(1);
    await store.mutate((d) => { d.requests[0]!.state = 'rejected'; d.requests[0]!.decision = { kind: 'rejected', by: 'U2', at: new Date().toISOString() }; });
    slack.failNext('chat.update', 500);
    surface.sync('sr-1');
    await surface.idle();
    expect(slack.calls.map((c) => `${c.method}${c.args._fault ? `:${c.args._fault}` : ''}`), 'calls').toEqual(['chat.postMessage:429', 'chat.postMessage:503', 'chat.postMessage', 'chat.update:500', 'chat.update']);
    expect(blockText(slack.topLevel()[0]!.blocks)).toContain('Rejected by <@U2>');
    expect(store.data.requests[0]!.card?.ts).toBe(slack.topLevel()[0]!.ts);
  });
});
