/**
 * The moment a run starts. The live instance count is read first (it takes a network round trip);
 * then ONE synchronous store mutation asks `mayStart` and moves the request on. Nothing runs between
 * that check and the state change, so two starts racing each other cannot both pass: the second
 * sees the first as in flight.
 */
import type { Service } from '../config.js';
import { addEvent } from '../store/requests.js';
import { leasesIn } from '../store/leases.js';
import type { BlockInfo, ScaleRequest, StoreData } from '../store/types.js';
import type { Clock } from '../clock.js';
import type { Store } from '../store/store.js';
import type { FreezeCalendar } from './freeze.js';
import type { Inventory } from './ports.js';
import { mayStart } from './policy.js';
import { liveInstances } from './preview.js';

/** Asks whether `r` may start now, against the reading just taken; notes that reading on the card. */
export type StartCheck = (r: ScaleRequest, opts: { confirmFrozen: boolean }) => BlockInfo | undefined;

/** How often the count is read again when runs of the service finished while it was being read. */
const STALE_READS = 3;

function inFlightIds(d: Readonly<StoreData>, service: string): string[] {
  return d.requests.filter((r) => r.service === service && (r.state === 'running' || r.state === 'approved')).map((r) => r.id);
}

/**
 * Runs `decide` in one store mutation with a check bound to a fresh live reading. A run of the
 * service that finished while the count was being read may have changed the pool after the read:
 * the count is then read again (and, if that keeps happening, treated as unknown).
 */
export async function admitStart<T>(
  deps: { store: Store; inventory: Inventory; clock: Clock; freezes: FreezeCalendar },
  service: Service,
  decide: (d: StoreData, check: StartCheck) => T,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const before = inFlightIds(deps.store.data, service.name);
    const reading = await liveInstances(deps, service);
    const stale = { value: false };
    const result = await deps.store.mutate((d): { done: true; value: T } | { done: false } => {
      const now = inFlightIds(d, service.name);
      stale.value = before.some((id) => !now.includes(id));
      if (stale.value && attempt < STALE_READS) return { done: false };
      const count = stale.value ? null : reading.count;
      const owned = leasesIn(d, service.name).filter((l) => l.state === 'in-use' && l.vmName);
      const ownedVms = owned.map((l) => l.vmName!);
      const protectedVms = owned.filter((l) => l.protected).map((l) => l.vmName!);
      const check: StartCheck = (r, opts) => {
        r.preview.instances = count;
        r.preview.instancesSource = count === null ? 'unknown' : reading.source;
        return mayStart({ service, request: r, instances: count, requests: d.requests, ownedVms, protectedVms, now: deps.clock.now(), confirmFrozen: opts.confirmFrozen, freezes: deps.freezes });
      };
      return { done: true, value: decide(d, check) };
    });
    if (result.done) return result.value;
  }
}

/** Records a refusal on the request: the card shows it as "Not now: …" with when it may clear. */
export function noteRefusal(r: ScaleRequest, block: BlockInfo, at: string, by?: string): void {
  r.blocked = block;
  addEvent(r, { at, type: 'blocked', by, fact: { code: 'blocked', block } });
}
