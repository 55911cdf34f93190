/**
 * Reserving an address: skip addresses leased by any service, the subnet's network / broadcast
 * address, the gateway and the DNS servers, any address vCenter reports as a guest IP, and any that
 * answers the conflict probe; probe candidates in parallel; lease atomically in the store.
 */
import type { Service } from '../config.js';
import { probeMany } from '../integrations/probe.js';
import { ipToInt } from '../ipv4.js';
import { claimAddress, freeAddresses, leaseForRequest, leasesOf, usablePoolSize } from '../store/leases.js';
import type { StoreView as Store } from '../store/store.js';
import type { IpLease } from '../store/types.js';
import { nextFreeName } from '../integrations/govc.js';
import { StepError } from './ports.js';
import { serviceVmPattern, type VCenter } from './vmPorts.js';

export type Prober = (ips: readonly string[], service: Service) => Promise<Set<string>>;

export const defaultProber: Prober = (ips, service) =>
  probeMany(ips, service.network.conflictCheck, { port: service.healthCheck.port, timeoutMs: 1000, concurrency: 16 });

const BATCH = 16;

const inPool = (ip: string, pool: { start: string; end: string }) => ipToInt(ip) >= ipToInt(pool.start) && ipToInt(ip) <= ipToInt(pool.end);

export async function reserveAddress(
  o: { store: Store; at: string; guestIps: ReadonlySet<string>; probe: Prober; refill?: boolean },
  service: Service,
  requestId: string,
): Promise<IpLease> {
  const mine = leaseForRequest(o.store, service.name, requestId);
  if (mine) return mine;
  const skip = new Set(o.guestIps);
  const answered: string[] = [];
  for (;;) {
    const candidates = freeAddresses(o.store, service.network, skip, BATCH);
    if (candidates.length === 0) {
      const leased = leasesOf(o.store, service.name).length;
      const others = Object.values(o.store.data.leases).filter((l) => l.service !== service.name && inPool(l.ip, service.network.ipPool)).length;
      throw new StepError('reserve-ip', 'pool_exhausted',
        `no free address in ${service.network.ipPool.start}–${service.network.ipPool.end} (${usablePoolSize(service.network)} usable addresses: ${leased} leased` +
        `${others ? `, ${others} leased by other services` : ''}, ` +
        `${o.guestIps.size} used by VMs, ${answered.length} answered the ${service.network.conflictCheck} probe${answered.length ? `: ${answered.slice(0, 5).join(', ')}${answered.length > 5 ? '…' : ''}` : ''})`);
    }
    const busy = service.network.conflictCheck === 'none' ? new Set<string>() : await o.probe(candidates, service);
    for (const ip of busy) {
      skip.add(ip);
      answered.push(ip);
    }
    const lease = await claimAddress(o.store, service.name, requestId, candidates.filter((ip) => !busy.has(ip)), o.at, o.refill ? { refill: { startedAt: o.at } } : {});
    if (lease) return lease;
    // Every free candidate was taken by a concurrent reservation meanwhile: they are leased now, look again.
  }
}

/** Where a new VM of a service goes: vCenter when this process reaches it; without, the store's leases only. */
export interface PlacementSource {
  store: Store;
  vcenter?: VCenter;
  signal?: AbortSignal;
}

/**
 * An address of the service's pool for `requestId` (a run, or a warm-pool refill: `refill`), past the guest IPs
 * vCenter reports for the service's VMs.
 */
export async function reserveForService(
  o: PlacementSource & { at: string; probe?: Prober; refill?: boolean }, service: Service, requestId: string,
): Promise<IpLease> {
  const { vcenter, signal } = o;
  const vms = vcenter ? (await vcenter.listVms({ prefix: service.vmNamePrefix }, signal)).filter((n) => serviceVmPattern(service.vmNamePrefix).test(n)) : [];
  const guestIps = vcenter ? await vcenter.guestIps(vms, signal) : new Set<string>();
  return reserveAddress({ store: o.store, at: o.at, guestIps, probe: o.probe ?? defaultProber, refill: o.refill }, service, requestId);
}

/**
 * The next free `<prefix>-<n>` of the service: past vCenter's VMs and every name a lease of the service holds (a
 * warm-pool refill or another run may have chosen a name it has not cloned yet).
 */
export async function nextVmName(o: PlacementSource, service: Service): Promise<string> {
  const leased = leasesOf(o.store, service.name).flatMap((l) => (l.vmName ? [l.vmName] : []));
  const names = o.vcenter ? [...(await o.vcenter.listVms({ prefix: service.vmNamePrefix }, o.signal)), ...leased] : leased;
  return nextFreeName(service.vmNamePrefix, names);
}
