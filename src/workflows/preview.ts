/** What a scale request would do now: shown on the card and by `/autoscale preflight`. */
import type { Service } from '../config.js';
import type { Check, Direction, Preview } from '../store/types.js';
import type { StoreView as Store } from '../store/store.js';
import type { Inventory } from './ports.js';
import { newestBotVm, protectedLeasesIn } from '../store/leases.js';
import { nextWarm, warmLeasesIn } from '../store/warm.js';
import type { IpLease, ScaleRequest } from '../store/types.js';
import { expectedWarmMs } from './warmPool.js';
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
  const warm = direction === 'out' ? readyWarm(deps.store, service) : undefined;
  return {
    ...(warm ? { warm: { vmName: warm.vmName!, ip: warm.ip, state: warm.warm!.state } } : {}),
    ...(direction === 'out' ? withExpected(expectedMs(deps.store, service, warm)) : {}),
    instances: instances.count,
    instancesSource: instances.source,
    min: service.scaling.min,
    max: service.scaling.max,
    template: service.template,
    vmName: victim ? victim.vmName : (warm?.vmName ?? vmName),
    ip: victim ? victim.ip : (warm?.ip ?? ip),
    f5Pool: `/${service.f5.partition}/${service.f5.pool}`,
    checks,
    // The card says which VMs scale-in will not touch (and, when all are, why nothing can be removed).
    ...(direction === 'in' ? { protectedVms: protectedLeasesIn(deps.store.data, service.name).map((l) => l.vmName!) } : {}),
  };
}

/** The warm VM a scale-out would take now: of the service's template, the pool's own state first, oldest first. */
export function readyWarm(store: Store, service: Service): IpLease | undefined {
  return service.warmPool ? nextWarm(store.data, service.name, { template: service.template, prefer: service.warmPool.state }) : undefined;
}

const withExpected = (ms: number | undefined) => (ms === undefined ? {} : { expectedMs: Math.round(ms) });

/** How a finished scale-out attempt was made: cold (cloned), or from a warm VM of that state. */
function kindOf(r: ScaleRequest): 'cold' | 'running' | 'stopped' | undefined {
  const a = r.attempts.at(-1);
  if (!a || r.state !== 'succeeded' || r.executor !== 'local' || !a.finishedAt) return undefined;
  const taken = a.steps.find((s) => s.name === 'take-warm')?.data?.warmState;
  return taken === 'running' || taken === 'stopped' ? taken : 'cold';
}

function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/**
 * Approve → serving, expected: the median of the service's last five successful local scale-outs of the same kind;
 * without any, the warm pool's own timings (a running VM is a health check away, a stopped one boots, a clone took
 * what the pool's refill took).
 */
export function expectedMs(store: Store, service: Service, warm: IpLease | undefined): number | undefined {
  const kind = warm ? warm.warm!.state : 'cold';
  const past = store.data.requests
    .filter((r) => r.service === service.name && r.direction === 'out' && kindOf(r) === kind)
    .slice(-5)
    .map((r) => { const a = r.attempts.at(-1)!; return Date.parse(a.finishedAt!) - Date.parse(a.startedAt); });
  const m = median(past);
  if (m !== undefined) return m;
  if (warm) return expectedWarmMs(warm);
  return median(warmLeasesIn(store.data, service.name).flatMap((l) => (l.warm?.buildMs !== undefined ? [l.warm.buildMs] : [])));
}
