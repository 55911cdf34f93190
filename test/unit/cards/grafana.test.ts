import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { renderCard } from '../../../src/cards/approvalCard.js';
import { grafanaExploreUrl } from '../../../src/cards/grafana.js';
import { cardRenderer } from '../../../src/cardRenderer.js';
import type { Service } from '../../../src/config.js';
import { serviceExpressions } from '../../../src/integrations/plg/render.js';
import { Store } from '../../../src/store/store.js';
import type { ScaleRequest } from '../../../src/store/types.js';
import { FreezeCalendar } from '../../../src/workflows/freeze.js';
import { blockText } from '../../fakes/slack.js';
import { service, TestClock } from '../../helpers/bot.js';

const now = new Date('2026-12-02T06:00:00Z');

function request(over: Partial<ScaleRequest> = {}): ScaleRequest {
  return {
    id: 'sr-20261202060000-abcdef', service: 'web-server', direction: 'out', state: 'pending', executor: 'dry-run', source: 'alert', fireCount: 1,
    lastFiredAt: now.toISOString(), createdAt: now.toISOString(), updatedAt: now.toISOString(),
    alert: { name: 'AutoscaleScaleOut', fingerprint: 'a1b2', labels: { service: 'web-server', autoscale: 'out' }, startsAt: now.toISOString(), generatorURL: 'http://127.0.0.1:9090/graph?g0.expr=cpu' },
    preview: { instances: 2, instancesSource: 'f5', min: 1, max: 6, template: 't', vmName: null, ip: null, f5Pool: '/Common/p', checks: [] },
    attempts: [], events: [], ...over,
  };
}

/** The link for a service, its expressions computed as the card renderer does. */
const exploreUrl = (base: string | undefined, svc: Service) => grafanaExploreUrl(base, serviceExpressions(svc));

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

/** The bot's card renderer over a store holding `svc`, with GRAFANA_URL `grafanaUrl`. */
async function rendererFor(svc: Service, grafanaUrl?: string) {
  const dir = mkdtempSync(join(tmpdir(), 'grafana-card-'));
  writeFileSync(join(dir, 'db.json'), JSON.stringify({
    schemaVersion: 3, services: { [svc.name]: { config: svc, updatedAt: now.toISOString(), updatedBy: 'test' } }, requests: [], leases: {}, templates: {}, audit: [], notices: {},
  }));
  const store = await Store.open(dir, { clock: new TestClock(now.getTime()) });
  stores.push(store);
  return cardRenderer({ store, clock: new TestClock(now.getTime()), freezes: new FreezeCalendar('UTC'), tz: 'UTC', ...(grafanaUrl ? { grafanaUrl } : {}) });
}

/** The Explore state a Grafana link carries, read back the way Grafana reads it. */
function exploreState(url: string): { path: string; orgId: string | null; left: any } {
  const u = new URL(url);
  return { path: u.pathname, orgId: u.searchParams.get('orgId'), left: JSON.parse(u.searchParams.get('left')!) };
}

describe('the Grafana Explore link', () => {
  it('opens Explore on the CPU and memory expressions of the job the rules read, over the last hour', () => {
    const svc = service();
    const { path, orgId, left } = exploreState(exploreUrl('https://grafana.example.test/', svc)!);
    expect(path).toBe('/explore');
    expect(orgId).toBe('1');
    expect(left.range).toEqual({ from: 'now-1h', to: 'now' });
    expect(left.queries.map((q: { expr: string }) => q.expr)).toEqual([serviceExpressions(svc).cpuBusy, serviceExpressions(svc).memoryUsed]);
    expect(left.queries[0].expr).toContain('job="autoscale-web-server"');
  });

  it('follows the job the rules read: a named prometheusJob, or the operator\'s existingJob', () => {
    const named = service({ monitoring: { prometheusJob: 'web-nodes', targets: ['127.0.0.1:9100'] } });
    expect(exploreState(exploreUrl('https://g.test', named)!).left.queries[0].expr).toContain('job="web-nodes"');
    const existing = service({ monitoring: { existingJob: 'node' } });
    expect(exploreState(exploreUrl('https://g.test', existing)!).left.queries[0].expr).toContain('job="node"');
  });

  it('keeps a base path (Grafana behind a sub-path) and is absent without GRAFANA_URL', () => {
    expect(exploreUrl('https://ops.test/grafana', service())).toMatch(/^https:\/\/ops\.test\/grafana\/explore\?orgId=1&left=/);
    expect(exploreUrl(undefined, service())).toBeUndefined();
  });
});

describe('the card\'s Grafana link', () => {
  it('links the service\'s job in Explore, as one intact Slack link', async () => {
    const render = await rendererFor(service(), 'https://grafana.example.test');
    const text = blockText(render(request()).blocks);
    const m = /<(https:\/\/grafana\.example\.test\/explore\?[^|>]*)\|Grafana>/.exec(text);
    expect(m, text).not.toBeNull();
    // Slack unescapes &amp; in the link; what it opens is the Explore URL of the service's job.
    expect(m![1]!.replace(/&amp;/g, '&')).toBe(exploreUrl('https://grafana.example.test', service()));
    expect(m![1]).not.toMatch(/[<>|\s]/);
  });

  it('has no Grafana link without GRAFANA_URL', async () => {
    expect(blockText(renderCard(request(), service(), { tz: 'UTC', now }).blocks)).not.toContain('Grafana');
    expect(blockText((await rendererFor(service()))(request()).blocks)).not.toContain('Grafana');
  });

  it('links GRAFANA_URL itself when the card is given no expressions (a service the store no longer knows)', async () => {
    const text = blockText((await rendererFor(service({ name: 'other' }), 'https://grafana.example.test'))(request()).blocks);
    expect(text).toContain('<https://grafana.example.test|Grafana>');
  });
});
