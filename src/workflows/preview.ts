/** What a scale request would do now: shown on the card and by `/autoscale preflight`. */
import type { Service } from '../config.js';
import type { Check, Direction, Preview } from '../store/types.js';
import type { Store } from '../store/store.js';
import type { Inventory } from './ports.js';
import { newestBotVm, protectedLeasesIn } from '../store/leases.js';
import { within } from '../within.js';

const LOOKUP_TIMEOUT_MS = 5000;

async function bounded<T>(p: Promise<T>, fallback: T): Promise<T> {
  return (await within(LOOKUP_TIMEOUT_MS, p)) ?? fallback;
}

/** The live instance count (F5 pool members; see Inventory), bounded: no answer in time is unknown. */
export async function liveInstances(deps: { inventory: Inventory }, service: Service): Promise<{ count: number | null; source: Preview['instancesSource'] }> {
  const res = await bounded(deps.inventory.instances(service), { count: null, source: 'unknown' as const });
  return { count: res.count, source: res.source };
}

export async function buildPreview(deps: { inventory: Inventory; store: Store }, service: Service, direction: Direction): Promise<Preview> {
  const inv = deps.inventory;
  const victim = direction === 'in' ? newestBotVm(deps.store, service.name) : null;
  const [instances, vmName, ip, checks] = await Promise.all([
    bounded(inv.instances(service), { count: null, source: 'unknown' as const }),
    direction === 'out' ? bounded(inv.nextVmName(service), null) : Promise.resolve(null),
    direction === 'out' ? bounded(inv.previewIp(service), null) : Promise.resolve(null),
    bounded(inv.preflight(service, direction), [{ ok: false, code: 'timed_out' } as Check]),
  ]);
  return {
    instances: instances.count,
    instancesSource: instances.source,
    min: service.scaling.min,
    max: service.scaling.max,
    template: service.template,
    vmName: victim ? victim.vmName : vmName,
    ip: victim ? victim.ip : ip,
    f5Pool: `/${service.f5.partition}/${service.f5.pool}`,
    checks,
    // The card says which VMs scale-in will not touch (and, when all are, why nothing can be removed).
    ...(direction === 'in' ? { protectedVms: protectedLeasesIn(deps.store.data, service.name).map((l) => l.vmName!) } : {}),
  };
}
