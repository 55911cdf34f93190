/**
 * The moment a run starts. The live instance count is read first (it takes a network round trip);
 * then ONE store transition asks `mayStart` and moves the request on (see store/admission.ts).
 * Nothing runs between that check and the state change, so two starts racing each other cannot
 * both pass: the second sees the first as in flight.
 */
import type { Service } from '../config.js';
import { inFlightIds, isStale, type Admission, type Stale } from '../store/admission.js';
import type { Clock } from '../clock.js';
import type { StoreView as Store } from '../store/store.js';
import type { FreezeCalendar } from './freeze.js';
import type { Inventory } from './ports.js';
import { mayStart } from './policy.js';
import { liveInstances } from './preview.js';

/** How often the count is read again when runs of the service finished while it was being read. */
const STALE_READS = 3;

/**
 * Runs `transition` with an admission bound to a fresh live reading. A run of the service that
 * finished while the count was being read may have changed the pool after the read: the
 * transition then answers STALE and the count is read again (and, if that keeps happening,
 * treated as unknown).
 */
export async function admitStart<T>(
  deps: { store: Store; inventory: Inventory; clock: Clock; freezes: FreezeCalendar },
  service: Service,
  transition: (admission: Admission) => Promise<T | Stale>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const before = inFlightIds(deps.store.data, service.name);
    const reading = await liveInstances(deps, service);
    const result = await transition({
      service: service.name, before, reading, lastTry: attempt >= STALE_READS,
      policy: (request, f, opts) => mayStart({
        service, request, instances: f.instances, requests: f.requests, ownedVms: f.ownedVms, protectedVms: f.protectedVms,
        now: deps.clock.now(), confirmFrozen: opts.confirmFrozen, freezes: deps.freezes,
      }),
    });
    if (!isStale(result)) return result;
  }
}
