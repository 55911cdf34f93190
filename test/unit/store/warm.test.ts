/**
 * The warm pool's lease transitions (store/warm.ts): a warm VM is taken by one scale-out at most, and the pool never
 * destroys a VM a scale-out took — whichever of the two claims the lease first wins.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Store } from '../../../src/store/store.js';
import type { IpLease } from '../../../src/store/types.js';
import { claimForDiscard, discardWarm, refillLeasesIn, takeWarm, warmLeasesIn } from '../../../src/store/warm.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const AT = '2026-12-03T10:00:00.000Z';
const vm = { path: '/DC0/vm/web-1', moref: 'vm-71', uuid: 'u-1' };

async function withWarm(): Promise<Store> {
  const d = mkdtempSync(join(tmpdir(), 'warm-'));
  dirs.push(d);
  const s = await Store.open(d);
  stores.push(s);
  const lease: IpLease = { ip: '127.0.9.10', service: 'web', requestId: 'wp-web-1', vmName: 'web-1', state: 'warm', at: AT, vm, template: { name: 't' }, warm: { state: 'running', readyAt: AT } };
  await s.mutate((data) => { data.leases[lease.ip] = lease; });
  return s;
}
/** The fixture's VM: of template t, running. */
const pick = { template: 't', prefer: 'running' } as const;

describe('warm leases', () => {
  it('one scale-out takes a warm VM; a second gets none, the first gets it again', async () => {
    const s = await withWarm();
    const [a, b] = await Promise.all([takeWarm(s, 'web', 'sr-a', AT, pick), takeWarm(s, 'web', 'sr-b', AT, pick)]);
    expect(a?.ip).toBe('127.0.9.10');
    expect(b).toBeUndefined();
    expect((await takeWarm(s, 'web', 'sr-a', AT, pick))?.taken).toEqual({ at: AT, state: 'running' });
    expect(warmLeasesIn(s.data, 'web')).toEqual([]);
  });

  it('a taken VM cannot be claimed for discard: nothing of the lease changes', async () => {
    const s = await withWarm();
    await takeWarm(s, 'web', 'sr-a', AT, pick);
    const before = JSON.stringify(s.data.leases);
    expect(await claimForDiscard(s, '127.0.9.10', { requestId: 'wp-web-1', moref: 'vm-71' }, AT)).toBe(false);
    expect(JSON.stringify(s.data.leases)).toBe(before);
  });

  it('a VM claimed for discard cannot be taken; the discard releases it and audits warm.discard', async () => {
    const s = await withWarm();
    expect(await claimForDiscard(s, '127.0.9.10', { requestId: 'wp-web-1', moref: 'vm-71' }, AT)).toBe(true);
    expect(await takeWarm(s, 'web', 'sr-a', AT, pick)).toBeUndefined();
    // Until the destroy is done it is unfinished work a restart would clean up (by its recorded identity).
    expect(refillLeasesIn(s.data, 'web').map((l) => [l.ip, l.vm?.moref])).toEqual([['127.0.9.10', 'vm-71']]);
    expect(await discardWarm(s, '127.0.9.10', { requestId: 'wp-web-1', moref: 'vm-71' }, 'test', AT)).toBe(true);
    expect(s.data.leases['127.0.9.10']).toBeUndefined();
    expect(s.data.audit.at(-1)).toMatchObject({ action: 'warm.discard', target: 'web/web-1' });
  });

  it('a claim names the VM by moref: another VM at that lease is never claimed', async () => {
    const s = await withWarm();
    expect(await claimForDiscard(s, '127.0.9.10', { requestId: 'wp-web-1', moref: 'vm-99' }, AT)).toBe(false);
    expect(warmLeasesIn(s.data, 'web')).toHaveLength(1);
  });
});
