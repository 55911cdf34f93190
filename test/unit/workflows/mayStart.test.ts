/** The run-start decision, as a pure function: what it refuses and why, from the facts it is given. */
import { describe, expect, it } from 'vitest';
import type { ScaleRequest } from '../../../src/store/types.js';
import { blockPassed, mayStart, type StartInput } from '../../../src/workflows/policy.js';
import { FreezeCalendar } from '../../../src/workflows/freeze.js';
import { service } from '../../helpers/bot.js';

const now = new Date('2026-11-26T14:22:00Z');

function request(over: Partial<ScaleRequest> = {}): ScaleRequest {
  return {
    id: 'sr-1', service: 'web-server', direction: 'out', state: 'pending', executor: 'dry-run', source: 'alert', fireCount: 1,
    lastFiredAt: now.toISOString(), createdAt: now.toISOString(), updatedAt: now.toISOString(),
    preview: { instances: 2, instancesSource: 'f5', min: 1, max: 6, template: 't', vmName: null, ip: null, f5Pool: '/Common/p', checks: [] },
    attempts: [], events: [], ...over,
  };
}

function input(over: Partial<StartInput> = {}): StartInput {
  const r = request();
  return { service: service(), request: r, instances: 2, requests: [r], ownedVms: [], now, confirmFrozen: false, freezes: new FreezeCalendar('UTC'), ...over };
}

describe('mayStart', () => {
  it('lets a scale-out start below max with nothing else in flight', () => {
    expect(mayStart(input())).toBeUndefined();
  });

  it('refuses while another run of the same service is approved or running, in either direction', () => {
    const other = request({ id: 'sr-0', direction: 'in', state: 'approved' });
    expect(mayStart(input({ requests: [other, request()] }))).toEqual({ code: 'conflict', service: 'web-server', otherId: 'sr-0', otherDirection: 'in' });
    const elsewhere = request({ id: 'sr-9', service: 'other', state: 'running' });
    expect(mayStart(input({ requests: [elsewhere, request()] }))).toBeUndefined();
  });

  it('refuses when the instances could not be counted, rather than guess', () => {
    expect(mayStart(input({ instances: null }))?.code).toBe('unknown_instances');
  });

  it('refuses at max, and a scale-in at min or whose VM the bot no longer owns', () => {
    expect(mayStart(input({ instances: 6 }))?.code).toBe('max_instances');
    const scaleIn = request({ direction: 'in', preview: { ...request().preview, vmName: 'web-server-4', ip: '127.0.10.14' } });
    expect(mayStart(input({ request: scaleIn, requests: [scaleIn], instances: 1, ownedVms: ['web-server-4'] }))?.code).toBe('min_instances');
    expect(mayStart(input({ request: scaleIn, requests: [scaleIn], instances: 3, ownedVms: ['web-server-3'] }))?.code).toBe('nothing_to_remove');
    expect(mayStart(input({ request: scaleIn, requests: [scaleIn], instances: 3, ownedVms: ['web-server-4'] }))).toBeUndefined();
  });

  it('refuses in a change freeze unless a human confirmed it', () => {
    const frozen = service({ scaling: { min: 1, max: 6, cooldown: '10m', freeze: [{ cron: '0 14 * * *', duration: '2h', reason: 'release window' }] } });
    expect(mayStart(input({ service: frozen }))).toEqual({ code: 'frozen', service: 'web-server', reason: 'release window', until: '2026-11-26T16:00:00.000Z' });
    expect(mayStart(input({ service: frozen, confirmFrozen: true }))).toBeUndefined();
  });
});

describe('blockPassed', () => {
  it('clears a conflict once the other run is no longer in flight, and a count that could not be read at once', () => {
    const blocked = request({ state: 'blocked', blocked: { code: 'conflict', service: 'web-server', otherId: 'sr-0', otherDirection: 'out' } });
    const running = request({ id: 'sr-0', state: 'running' });
    expect(blockPassed(blocked, [running, blocked], now.toISOString())).toBe(false);
    expect(blockPassed(blocked, [{ ...running, state: 'succeeded' }, blocked], now.toISOString())).toBe(true);
    expect(blockPassed(request({ state: 'blocked', blocked: { code: 'unknown_instances', service: 'web-server' } }), [], now.toISOString())).toBe(true);
    expect(blockPassed(request({ state: 'blocked', blocked: { code: 'max_instances', service: 'web-server', count: 6, max: 6 } }), [], now.toISOString())).toBe(false);
    expect(blockPassed(request({ state: 'blocked', blocked: { code: 'cooldown', service: 'web-server', direction: 'out', lastAt: '2026-11-26T14:20:00.000Z', until: '2026-11-26T14:30:00.000Z' } }), [], '2026-11-26T14:30:00.000Z')).toBe(true);
  });
});

describe('mayStart and scale-in protection', () => {
  const scaleIn = (vm: string) => request({ direction: 'in', preview: { ...request().preview, vmName: vm, ip: '127.0.10.11' } });
  const s = service({ scaling: { min: 0, max: 6, cooldown: '0s' } });

  it('refuses a scale-in whose victim was protected after the card was drawn, and lets a fresh request replace that refusal', () => {
    const r = scaleIn('web-server-2');
    const block = mayStart(input({ service: s, request: r, requests: [r], ownedVms: ['web-server-1', 'web-server-2'], protectedVms: ['web-server-2'] }));
    expect(block).toEqual({ code: 'protected', vm: 'web-server-2' });
    expect(blockPassed({ ...r, state: 'blocked', blocked: block }, [r], now.toISOString())).toBe(true);
  });

  it('lets a scale-in of an unprotected VM start while another VM of the service is protected', () => {
    const r = scaleIn('web-server-1');
    expect(mayStart(input({ service: s, request: r, requests: [r], ownedVms: ['web-server-1', 'web-server-2'], protectedVms: ['web-server-2'] }))).toBeUndefined();
  });
});
