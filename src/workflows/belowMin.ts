/**
 * Below the minimum: when the live instance count of a service (F5 pool members, as the card counts
 * them) falls below `scaling.min`, the bot proposes a scale-out through the normal intake, approval
 * and policies. Run at start and on every tick.
 *
 * One card at a time, and no nagging:
 * - nothing while the service has an open request (either direction): no fire counts bumped per tick;
 * - after a proposal ended without bringing the count back (rejected, failed, withdrawn), not again
 *   for the same count until REPROPOSE_AFTER_MS has passed (Alertmanager's default repeat_interval,
 *   the reminder rate the team already lives with); a further drop proposes at once;
 * - only a service the bot has seen at its minimum since it was last short: the check reacts to a
 *   count that *falls* below, not to a service that was never filled (a new service with an empty
 *   pool would otherwise get a card the moment it is saved). The memory is in the store, so a restart
 *   while short still proposes.
 * An undecided below-min card is withdrawn when the count is back at the minimum without it.
 * A count that cannot be read, or comes only from the bot's own leases (no F5, no vCenter), does nothing;
 * disabled services are skipped.
 */
import type { Clock } from '../clock.js';
import type { Service } from '../config.js';
import type { Logger } from '../logger.js';
import { openRequestIn } from '../store/requests.js';
import { listServices } from '../store/services.js';
import type { StoreView as Store } from '../store/store.js';
import type { StoreData } from '../store/types.js';
import { markWhole, recordBelowMinProposal } from '../store/watches.js';
import type { IntakeService } from './intake.js';
import { blockPassed } from './policy.js';
import type { ChatSurface, Inventory } from './ports.js';
import { liveInstances } from './preview.js';

export const REPROPOSE_AFTER_MS = 4 * 3_600_000;
/** The tick runs every few seconds; the pool is read at most this often (one F5 request per service). */
export const CHECK_EVERY_MS = 30_000;

/** What the check uses: it reads the pools, proposes through intake and withdraws a card that is no longer needed. */
export interface BelowMinDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  inventory: Inventory;
  surface: ChatSurface;
  intake: Pick<IntakeService, 'createRequest'>;
}

export type BelowMinOutcome = 'whole' | 'short_unseen' | 'open' | 'already_proposed' | 'proposed' | 'unknown' | 'disabled';

/** What to do for one reading. Pure: the store's memory and open requests in, a verdict out. */
export function belowMinVerdict(d: Readonly<StoreData>, service: Service, count: number, now: Date): Exclude<BelowMinOutcome, 'unknown' | 'disabled'> {
  const w = d.belowMin?.[service.name];
  if (count >= service.scaling.min) return 'whole';
  if (!w?.seenWhole) return 'short_unseen';
  const open = openRequestIn(d, service.name, 'out');
  // A blocked card whose reason has passed gives way to a fresh request (createRequest supersedes it).
  if (open && !blockPassed(open, d.requests, now.toISOString())) return 'open';
  if (openRequestIn(d, service.name, 'in')) return 'open';
  const p = w.proposed;
  if (p && !open && p.count === count && now.getTime() - Date.parse(p.at) < REPROPOSE_AFTER_MS) return 'already_proposed';
  return 'proposed';
}

async function checkService(deps: BelowMinDeps, service: Service): Promise<BelowMinOutcome> {
  if (!service.enabled) return 'disabled';
  const reading = await liveInstances(deps, service);
  if (reading.count === null || (reading.source !== 'f5' && reading.source !== 'vcenter')) return 'unknown';
  const count = reading.count;
  const now = deps.clock.now();
  const verdict = belowMinVerdict(deps.store.data, service, count, now);
  const name = service.name;
  if (verdict === 'whole') {
    // Write only when something changes: a healthy service costs no store write per tick.
    const w = deps.store.data.belowMin?.[name];
    if (!w?.seenWhole || w.proposed) {
      // The count came back by itself (a member re-added, a VM restarted): an undecided card would add one too many.
      const withdrawn = await markWhole(deps.store, name, { at: now.toISOString(), count, min: service.scaling.min });
      if (withdrawn) deps.surface.sync(withdrawn);
    }
    return verdict;
  }
  if (verdict !== 'proposed') return verdict;
  deps.logger.info({ service: name, count, min: service.scaling.min }, 'below its minimum: proposing a scale-out');
  const { request } = await deps.intake.createRequest(service, 'out', undefined, 'min', undefined, {
    belowMin: { count, min: service.scaling.min, countSource: reading.source },
  });
  await recordBelowMinProposal(deps.store, name, { count, at: now.toISOString(), requestId: request.id });
  return verdict;
}

/** The tick's below-minimum check; it owns when it last read the pools. */
export class BelowMin {
  private lastCheck: number | undefined;

  constructor(private readonly deps: BelowMinDeps) {}

  /** Checks every service (at most every CHECK_EVERY_MS); one service's failure does not stop the others. */
  async check(): Promise<Record<string, BelowMinOutcome> | undefined> {
    const { deps } = this;
    const now = deps.clock.now().getTime();
    const last = this.lastCheck;
    if (last !== undefined && now - last < CHECK_EVERY_MS && now >= last) return undefined;
    this.lastCheck = now;
    const out: Record<string, BelowMinOutcome> = {};
    await Promise.all(listServices(deps.store).map(async (s) => {
      try {
        out[s.name] = await checkService(deps, s);
      } catch (e) {
        deps.logger.error({ err: e, service: s.name }, 'below-minimum check failed');
        out[s.name] = 'unknown';
      }
    }));
    return out;
  }
}
