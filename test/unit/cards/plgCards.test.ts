import { describe, expect, it } from 'vitest';
import { plgPlanMessage, rulesJobLine } from '../../../src/cards/plgCards.js';
import { rulesRead, type PlgPlan } from '../../../src/integrations/plg/index.js';
import { service } from '../../fixtures/plg/services.js';

/** A plan as planPush / planRemove make it: a push says which job the service's rules read. */
const plan = (svc: PlgPlan['service'], kind: PlgPlan['kind'] = 'push'): PlgPlan => ({
  kind, service: svc, createdAt: '2026-12-02T00:00:00Z', noop: true, files: [], ...(kind === 'push' ? { rules: rulesRead(svc) } : {}),
});
const jobLine = (svc: PlgPlan['service'], locale?: 'en' | 'ko') => rulesJobLine(rulesRead(svc), svc.name, locale);
const texts = (m: { blocks: unknown[] }) => JSON.stringify(m.blocks);

describe('the PLG card says which job the rules read', () => {
  it('names the generated job and where its targets come from', () => {
    expect(texts(plgPlanMessage(plan(service('web-server', { prometheusJob: 'web' }))))).toContain('The rules read job `web`, which the bot generates');
    expect(jobLine(service('web-server'))).toContain('/sd/prometheus?service=web-server');
  });

  it('names the operator\'s existingJob, and says the bot generates none', () => {
    const svc = service('web-server', { existingJob: 'node', targets: [] });
    expect(jobLine(svc)).toBe('The rules read your own job `node` (monitoring.existingJob): the bot generates no scrape job, so that job must also scrape the VMs the bot creates.');
    expect(jobLine(svc, 'ko')).toContain('룰이 읽는 job: `node`');
  });

  it('says nothing about jobs when the service is being removed', () => {
    expect(texts(plgPlanMessage(plan(service('web-server'), 'remove')))).not.toContain('The rules read');
  });
});
