import { describe, expect, it } from 'vitest';
import { plgPlanMessage, rulesJobLine } from '../../../src/cards/plgCards.js';
import type { PlgPlan } from '../../../src/integrations/plg/index.js';
import { service } from '../../fixtures/plg/services.js';

const plan = (svc: PlgPlan['service'], kind: PlgPlan['kind'] = 'push'): PlgPlan => ({ kind, service: svc, createdAt: '2026-12-02T00:00:00Z', noop: true, files: [] });
const texts = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);

describe('the PLG card says which job the rules read', () => {
  it('names the generated job and where its targets come from', () => {
    expect(texts(plgPlanMessage(plan(service('web-server', { prometheusJob: 'web' }))))).toContain('The rules read job `web`, which the bot generates');
    expect(rulesJobLine(service('web-server'))).toContain('/sd/prometheus?service=web-server');
  });

  it('names the operator\'s existingJob, and says the bot generates none', () => {
    const svc = service('web-server', { existingJob: 'node', targets: [] });
    expect(rulesJobLine(svc)).toBe('The rules read your own job `node` (monitoring.existingJob): the bot generates no scrape job, so that job must also scrape the VMs the bot creates.');
    expect(rulesJobLine(svc, 'ko')).toContain('룰이 읽는 job: `node`');
  });

  it('says nothing about jobs when the service is being removed', () => {
    expect(texts(plgPlanMessage(plan(service('web-server'), 'remove')))).not.toContain('The rules read');
  });
});
