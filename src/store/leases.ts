/** IP leases: an address of a service's pool bound to a request (reserved) or to a VM (in-use). */
import { intToIp, ipToInt } from '../ipv4.js';
import { appendAudit } from './audit.js';
import type { Store } from './store.js';
import type { IpLease, StoreData } from './types.js';

export interface PoolRange { start: string; end: string }

export function leasesOf(store: Store, service: string): IpLease[] {
  return Object.values(store.data.leases[service] ?? {});
}

export function leaseForRequest(store: Store, service: string, requestId: string): IpLease | undefined {
  return leasesOf(store, service).find((l) => l.requestId === requestId && l.state === 'reserved');
}

/** Addresses of the pool that no lease holds and `exclude` does not name, in order, at most `limit`. */
export function freeAddresses(store: Store, service: string, pool: PoolRange, exclude: ReadonlySet<string>, limit = Infinity): string[] {
  const held = store.data.leases[service] ?? {};
  const out: string[] = [];
  for (let n = ipToInt(pool.start), end = ipToInt(pool.end); n <= end && out.length < limit; n++) {
    const ip = intToIp(n);
    if (!held[ip] && !exclude.has(ip)) out.push(ip);
  }
  return out;
}

export function poolSize(pool: PoolRange): number {
  return ipToInt(pool.end) - ipToInt(pool.start) + 1;
}

/**
 * Leases the first of `candidates` that is still free, for `requestId`. Atomic: two concurrent
 * callers can never get the same address. A request that already holds a lease gets it back
 * (retries and crash recovery are idempotent). Returns undefined when every candidate is taken.
 */
export async function claimAddress(
  store: Store,
  service: string,
  requestId: string,
  candidates: readonly string[],
  at: string,
): Promise<IpLease | undefined> {
  return store.mutate((d) => {
    const held = (d.leases[service] ??= {});
    const mine = Object.values(held).find((l) => l.requestId === requestId && l.state === 'reserved');
    if (mine) return mine;
    for (const ip of candidates) {
      if (held[ip]) continue;
      const lease: IpLease = { ip, service, requestId, state: 'reserved', at };
      held[ip] = lease;
      appendAudit(d, { at, actor: 'bot', action: 'ip.reserve', target: `${service}/${ip}`, detail: requestId });
      return lease;
    }
    return undefined;
  });
}

/** The VM now holds the address: the lease outlives the request. */
export async function markLeaseInUse(store: Store, service: string, ip: string, vmName: string, at: string): Promise<void> {
  await store.mutate((d) => {
    const l = d.leases[service]?.[ip];
    if (l) Object.assign(l, { state: 'in-use', vmName, at });
  });
}

/** Releases the address (only if `requestId` holds it, when given). Idempotent. */
export async function releaseAddress(store: Store, service: string, ip: string, at: string, requestId?: string): Promise<boolean> {
  return store.mutate((d) => releaseIn(d, service, ip, at, requestId));
}

export function releaseIn(d: StoreData, service: string, ip: string, at: string, requestId?: string): boolean {
  const held = d.leases[service];
  const l = held?.[ip];
  if (!held || !l || (requestId && l.requestId !== requestId)) return false;
  delete held[ip];
  appendAudit(d, { at, actor: 'bot', action: 'ip.release', target: `${service}/${ip}`, detail: l.requestId });
  return true;
}

/** The newest VM the bot created for the service (the scale-in candidate), not held by a request. */
export function newestBotVm(store: Store, service: string): { vmName: string; ip: string } | null {
  let best: IpLease | undefined;
  for (const l of leasesOf(store, service)) if (l.state === 'in-use' && l.vmName && (!best || l.at > best.at)) best = l;
  return best ? { vmName: best.vmName!, ip: best.ip } : null;
}
