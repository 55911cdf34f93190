import { describe, expect, it } from 'vitest';
import { renderCard } from '../../../src/cards/approvalCard.js';
import { grafanaExploreUrl } from '../../../src/cards/grafana.js';
import { serviceExpressions } from '../../../src/integrations/plg/render.js';
import type { ScaleRequest } from '../../../src/store/types.js';
import { blockText } from '../../fakes/slack.js';
import { service } from '../../helpers/bot.js';

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

/** The Explore state a Grafana link carries, read back the way Grafana reads it. */
function exploreState(url: string): { path: string; orgId: string | null; left: any } {
  const u = new URL(url);
  return { path: u.pathname, orgId: u.searchParams.get('orgId'), left: JSON.parse(u.searchParams.get('left')!) };
}

describe('the Grafana Explore link', () => {
  it('opens Explore on the CPU and memory expressions of the job the rules read, over the last hour', () => {
    const svc = service();
    const { path, orgId, left } = exploreState(grafanaExploreUrl('https://grafana.example.test/', svc)!);
    expect(path).toBe('/explore');
    expect(orgId).toBe('1');
    expect(left.range).toEqual({ from: 'now-1h', to: 'now' });
    expect(left.queries.map((q: { expr: string }) => q.expr)).toEqual([serviceExpressions(svc).cpuBusy, serviceExpressions(svc).memoryUsed]);
    expect(left.queries[0].expr).toContain('job="autoscale-web-server"');
  });

  it('follows the job the rules read: a named prometheusJob, or the operator\'s existingJob', () => {
    const named = service({ monitoring: { prometheusJob: 'web-nodes', targets: ['127.0.0.1:9100'] } });
    expect(exploreState(grafanaExploreUrl('https://g.test', named)!).left.queries[0].expr).toContain('job="web-nodes"');
    const existing = service({ monitoring: { existingJob: 'node' } });
    expect(exploreState(grafanaExploreUrl('https://g.test', existing)!).left.queries[0].expr).toContain('job="node"');
  });

  it('keeps a base path (Grafana behind a sub-path) and is absent without GRAFANA_URL', () => {
    expect(grafanaExploreUrl('https://ops.test/grafana', service())).toMatch(/^https:\/\/ops\.test\/grafana\/explore\?orgId=1&left=/);
    expect(grafanaExploreUrl(undefined, service())).toBeUndefined();
  });
});

describe('the card\'s Grafana link', () => {
  it('links the service\'s job in Explore, as one intact Slack link', () => {
    const t = { tz: 'UTC', now, grafanaUrl: 'https://grafana.example.test' };
    const text = blockText(renderCard(request(), service(), t).blocks);
    const m = /<(https:\/\/grafana\.example\.test\/explore\?[^|>]*)\|Grafana>/.exec(text);
    expect(m, text).not.toBeNull();
    // Slack unescapes &amp; in the link; what it opens is the Explore URL of the service's job.
    expect(m![1]!.replace(/&amp;/g, '&')).toBe(grafanaExploreUrl('https://grafana.example.test', service()));
    expect(m![1]).not.toMatch(/[<>|\s]/);
  });

  it('has no Grafana link without GRAFANA_URL', () => {
    expect(blockText(renderCard(request(), service(), { tz: 'UTC', now }).blocks)).not.toContain('Grafana');
  });
});
