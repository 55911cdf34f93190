import { describe, expect, it } from 'vitest';
import type { IpLease, ScaleRequest, StepRecord } from '../../../src/store/types.js';
import { MANAGED_BY, targetGroups } from '../../../src/workflows/serviceDiscovery.js';
import { service } from '../../helpers/bot.js';

const at = '2026-12-02T00:00:00.000Z';
const lease = (svc: string, ip: string, vmName: string, state: IpLease['state'] = 'in-use'): IpLease => ({ ip, service: svc, requestId: 'sr-old', vmName, state, at });
const step = (name: StepRecord['name'], state: StepRecord['state'], data?: StepRecord['data']): StepRecord => ({ name, state, startedAt: at, ...(data ? { data } : {}) });

function run(svc: string, direction: 'out' | 'in', steps: StepRecord[], preview: { vmName: string | null; ip: string | null } = { vmName: null, ip: null }): ScaleRequest {
  return {
    id: `sr-${direction}-${steps.length}`, service: svc, direction, state: 'running', executor: 'local', source: 'alert', fireCount: 1, lastFiredAt: at, createdAt: at, updatedAt: at,
    preview: { instances: 2, instancesSource: 'f5', min: 1, max: 5, template: 't', f5Pool: 'p', checks: [], ...preview },
    attempts: [{ n: 1, startedAt: at, steps, undone: [] }], events: [],
  };
}

describe('service discovery for Prometheus', () => {
  const web = service({ name: 'web', monitoring: { targets: ['127.0.0.5:9100'] } });
  const api = service({ name: 'api' });

  it('lists configured targets and the bot\'s own VMs at <ip>:9100 with service, vm and managed_by labels', () => {
    const groups = targetGroups({ services: [web, api], leases: [lease('web', '127.0.1.10', 'web-1'), lease('api', '127.0.2.10', 'api-1')], requests: [] });
    expect(groups).toEqual([
      { targets: ['127.0.2.10:9100'], labels: { service: 'api', vm: 'api-1', managed_by: MANAGED_BY } },
      { targets: ['127.0.0.5:9100'], labels: { service: 'web', managed_by: MANAGED_BY, origin: 'configured' } },
      { targets: ['127.0.1.10:9100'], labels: { service: 'web', vm: 'web-1', managed_by: MANAGED_BY } },
    ]);
  });

  it('answers for one service when asked', () => {
    const groups = targetGroups({ services: [web, api], leases: [lease('web', '127.0.1.10', 'web-1'), lease('api', '127.0.2.10', 'api-1')], requests: [] }, 'api');
    expect(groups.map((g) => g.labels.service)).toEqual(['api']);
  });

  it('adds a scale-out\'s VM once it reaches the health step, not before', () => {
    const before = run('web', 'out', [step('reserve-ip', 'done', { ip: '127.0.1.11' }), step('name', 'done', { vm: 'web-2' }), step('power-on', 'done')]);
    const atHealth = run('web', 'out', [...before.attempts[0]!.steps, step('wait-ip', 'done'), step('health', 'running')]);
    const reserved = lease('web', '127.0.1.11', 'web-2', 'reserved');
    expect(targetGroups({ services: [web], leases: [reserved], requests: [before] }).flatMap((g) => g.targets)).not.toContain('127.0.1.11:9100');
    expect(targetGroups({ services: [web], leases: [reserved], requests: [atHealth] }).flatMap((g) => g.targets)).toContain('127.0.1.11:9100');
  });

  it('drops a scale-in\'s victim once it is out of F5', () => {
    const leases = [lease('web', '127.0.1.10', 'web-1')];
    const draining = run('web', 'in', [step('f5-disable', 'done'), step('drain', 'running')], { vmName: 'web-1', ip: '127.0.1.10' });
    const removed = run('web', 'in', [step('f5-disable', 'done'), step('drain', 'done'), step('f5-remove', 'done')], { vmName: 'web-1', ip: '127.0.1.10' });
    expect(targetGroups({ services: [web], leases, requests: [draining] }).flatMap((g) => g.targets)).toContain('127.0.1.10:9100');
    expect(targetGroups({ services: [web], leases, requests: [removed] }).flatMap((g) => g.targets)).not.toContain('127.0.1.10:9100');
  });
});
