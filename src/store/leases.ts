/**
 * IP leases: an address bound to a request (reserved) or to a VM (in-use). Leases are keyed by
 * address across all services, so two services can never hold one address, even when their pools
 * overlap. A pool never hands out its subnet's network or broadcast address, the gateway or a DNS
 * server.
 */
import { intToIp, ipToInt, prefixLength } from '../ipv4.js';
import { appendAudit } from './audit.js';
import { writerOf, type StoreView } from './store.js';
import type { IpLease, StoreData, TemplateOrigin, VmIdentity } from './types.js';

export interface PoolRange { start: string; end: string }

/** What reservation needs of a service's network settings. */
export interface PoolNetwork {
  ipPool: PoolRange;
  netmask: string;
  gateway: string;
  dns: readonly string[];
}

export function leasesOf(store: StoreView, service: string): IpLease[] {
  return leasesIn(store.data, service);
}

export function leasesIn(d: Readonly<StoreData>, service: string): IpLease[] {
  return Object.values(d.leases).filter((l) => l.service === service);
}

export function leaseForRequest(store: StoreView, service: string, requestId: string): IpLease | undefined {
  return leasesOf(store, service).find((l) => l.requestId === requestId && l.state === 'reserved' && !l.taken);
}

/**
 * Addresses a pool must never hand out: the network and broadcast address of the subnet (for
 * masks up to /30; a /31 or /32 has neither), the gateway and the DNS servers.
 */
export function specialAddresses(net: Omit<PoolNetwork, 'ipPool'> & { ipPool?: PoolRange }, ip: string): boolean {
  if (ip === net.gateway || net.dns.includes(ip)) return true;
  const bits = prefixLength(net.netmask);
  if (bits >= 31) return false;
  const mask = ipToInt(net.netmask);
  const n = ipToInt(ip);
  const network = (n & mask) >>> 0;
  const broadcast = (network | (~mask >>> 0)) >>> 0;
  return n === network || n === broadcast;
}

/**
 * Addresses of the pool that no lease of any service holds, that are not special (see
 * specialAddresses) and that `exclude` does not name, in order, at most `limit`.
 */
export function freeAddresses(store: StoreView, net: PoolNetwork, exclude: ReadonlySet<string>, limit = Infinity): string[] {
  const held = store.data.leases;
  const out: string[] = [];
  for (let n = ipToInt(net.ipPool.start), end = ipToInt(net.ipPool.end); n <= end && out.length < limit; n++) {
    const ip = intToIp(n);
    if (!held[ip] && !exclude.has(ip) && !specialAddresses(net, ip)) out.push(ip);
  }
  return out;
}

export function poolSize(pool: PoolRange): number {
  return ipToInt(pool.end) - ipToInt(pool.start) + 1;
}

/** How many addresses of the pool may ever be handed out (the pool without its special addresses). */
export function usablePoolSize(net: PoolNetwork): number {
  let n = 0;
  for (let i = ipToInt(net.ipPool.start), end = ipToInt(net.ipPool.end); i <= end; i++) if (!specialAddresses(net, intToIp(i))) n++;
  return n;
}

/**
 * Leases the first of `candidates` that is still free (for any service), for `requestId`. Atomic:
 * two concurrent callers can never get the same address. A request that already holds a lease gets
 * it back (retries and crash recovery are idempotent). Returns undefined when every candidate is taken.
 */
export async function claimAddress(
  store: StoreView,
  service: string,
  requestId: string,
  candidates: readonly string[],
  at: string,
  extra: Pick<IpLease, 'refill'> = {},
): Promise<IpLease | undefined> {
  return writerOf(store).mutate((d) => {
    const mine = leasesIn(d, service).find((l) => l.requestId === requestId && l.state === 'reserved' && !l.taken);
    if (mine) return mine;
    for (const ip of candidates) {
      if (d.leases[ip]) continue;
      const lease: IpLease = { ip, service, requestId, state: 'reserved', at, ...extra };
      d.leases[ip] = lease;
      appendAudit(d, { at, actor: 'bot', action: 'ip.reserve', target: `${service}/${ip}`, detail: `${requestId}${extra.refill ? ' (warm pool refill)' : ''}` });
      return lease;
    }
    return undefined;
  });
}

/** The VM now holds the address: the lease outlives the request. `vm`: its identity, when known. */
export async function markLeaseInUse(store: StoreView, service: string, ip: string, vmName: string, at: string, vm?: VmIdentity, template?: TemplateOrigin): Promise<void> {
  await writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (l && l.service === service) {
      Object.assign(l, { state: 'in-use', vmName, at }, vm ? { vm } : {}, template && !l.template ? { template } : {});
      delete l.taken;
    }
  });
}

/** Records the identity of the VM holding a lease (an operator's adoption, or a re-proof). */
export async function recordLeaseVm(store: StoreView, service: string, ip: string, vm: VmIdentity): Promise<boolean> {
  return writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (!l || l.service !== service) return false;
    l.vm = vm;
    return true;
  });
}

/** Releases the address (only if `service`, and `requestId` when given, hold it). Idempotent. */
export async function releaseAddress(store: StoreView, service: string, ip: string, at: string, requestId?: string): Promise<boolean> {
  return writerOf(store).mutate((d) => releaseIn(d, service, ip, at, requestId));
}

export function releaseIn(d: StoreData, service: string, ip: string, at: string, requestId?: string): boolean {
  const l = d.leases[ip];
  if (!l || l.service !== service || (requestId && l.requestId !== requestId)) return false;
  delete d.leases[ip];
  appendAudit(d, { at, actor: 'bot', action: 'ip.release', target: `${service}/${ip}`, detail: l.requestId });
  return true;
}

/**
 * The newest VM the bot created for the service (the scale-in candidate), not held by a request and
 * not protected from scale-in (`/autoscale protect`).
 */
export function newestBotVm(store: StoreView, service: string): { vmName: string; ip: string; vm?: VmIdentity } | null {
  let best: IpLease | undefined;
  for (const l of leasesOf(store, service)) if (l.state === 'in-use' && l.vmName && !l.protected && (!best || l.at > best.at)) best = l;
  return best ? { vmName: best.vmName!, ip: best.ip, ...(best.vm ? { vm: best.vm } : {}) } : null;
}

/** The service's VMs that are protected from scale-in (in-use leases), oldest first. */
export function protectedLeasesIn(d: Readonly<StoreData>, service: string): IpLease[] {
  return leasesIn(d, service).filter((l) => l.state === 'in-use' && l.vmName && l.protected).sort((a, b) => a.at.localeCompare(b.at));
}

export type BotVmLookup = { ok: true; lease: IpLease } | { ok: false; code: 'unknown' } | { ok: false; code: 'ambiguous'; matches: IpLease[] };

/**
 * A VM the bot manages (an in-use lease), by its name or its inventory path, across every service.
 * Two services may each have a VM of one name in different folders: then the name is ambiguous and
 * the path tells them apart.
 */
export function findBotVm(d: Readonly<StoreData>, name: string): BotVmLookup {
  const matches = Object.values(d.leases).filter((l) => l.state === 'in-use' && l.vmName && (l.vmName === name || l.vm?.path === name));
  if (matches.length === 1) return { ok: true, lease: matches[0]! };
  return matches.length ? { ok: false, code: 'ambiguous', matches } : { ok: false, code: 'unknown' };
}

export type ProtectionChange =
  | { ok: true; changed: true; lease: IpLease }
  | { ok: true; changed: false; lease: IpLease }
  | { ok: false; code: 'gone' };

/**
 * Protects (or unprotects) the VM of the lease of `ip` from scale-in, audited. `expect` is the VM the
 * caller looked up: if the address now belongs to another VM (removed and reused meanwhile),
 * nothing changes. Idempotent: protecting a protected VM changes nothing and writes no audit entry.
 */
export async function setProtection(
  store: StoreView, ip: string, expect: { vmName: string; moref?: string }, on: boolean, by: string, at: string,
): Promise<ProtectionChange> {
  return writerOf(store).mutate((d): ProtectionChange => {
    const l = d.leases[ip];
    if (!l || l.state !== 'in-use' || l.vmName !== expect.vmName || l.vm?.moref !== expect.moref) return { ok: false, code: 'gone' };
    if (Boolean(l.protected) === on) return { ok: true, changed: false, lease: { ...l } };
    if (on) l.protected = { by, at };
    else delete l.protected;
    const what = `${l.vmName}${l.vm ? ` (${l.vm.moref} at ${l.vm.path})` : ''}, ${ip}`;
    appendAudit(d, { at, actor: by, action: on ? 'vm.protect' : 'vm.unprotect', target: `${l.service}/${l.vmName}`, detail: what });
    return { ok: true, changed: true, lease: { ...l } };
  });
}
