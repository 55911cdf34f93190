/**
 * The run-start check's place in the store. A live instance count is read before a transition that starts a run
 * (approve, retry, an approved request's first start); the transition then asks the policy, inside its one mutation,
 * against what the store holds at that instant. Nothing runs between the check and the state change, so two starts
 * racing each other cannot both pass: the second sees the first as in flight.
 */
import { leasesIn } from './leases.js';
import { addEvent } from './requests.js';
import type { BlockInfo, Preview, ScaleRequest, StoreData } from './types.js';

/** What the policy sees at the instant of the transition. */
export interface StartFacts {
  requests: readonly ScaleRequest[];
  /** The live count, or null when it is unknown (or went stale while it was read). */
  instances: number | null;
  /** The service's VMs the bot made (in-use leases), and those of them protected from scale-in. */
  ownedVms: string[];
  protectedVms: string[];
}

/** The run-start policy (workflows/policy.ts `mayStart`, bound to the service, the clock and the freezes). */
export type StartPolicy = (r: ScaleRequest, facts: StartFacts, opts: { confirmFrozen: boolean }) => BlockInfo | undefined;

/** A reading taken before the transition, with what was in flight when it was taken. */
export interface Admission {
  service: string;
  before: readonly string[];
  reading: { count: number | null; source: Preview['instancesSource'] };
  /** The last reading the caller will take: a stale one counts as unknown instead of being read again. */
  lastTry: boolean;
  policy: StartPolicy;
}

/** Returned by a transition when runs of the service finished while the count was read: read it again. */
export const STALE = Symbol('stale reading');
export type Stale = typeof STALE;
export const isStale = (v: unknown): v is Stale => v === STALE;

/** Asks whether `r` may start now; notes the reading on the card. */
export type StartCheck = (r: ScaleRequest, opts: { confirmFrozen: boolean }) => BlockInfo | undefined;

export function inFlightIds(d: Readonly<StoreData>, service: string): string[] {
  return d.requests.filter((r) => r.service === service && (r.state === 'running' || r.state === 'approved')).map((r) => r.id);
}

/** Inside a mutation: the check bound to this instant, or STALE when the reading must be taken again. */
export function startCheckIn(d: StoreData, a: Admission): StartCheck | Stale {
  const now = inFlightIds(d, a.service);
  const stale = a.before.some((id) => !now.includes(id));
  if (stale && !a.lastTry) return STALE;
  const count = stale ? null : a.reading.count;
  const owned = leasesIn(d, a.service).filter((l) => l.state === 'in-use' && l.vmName);
  const facts: StartFacts = { requests: d.requests, instances: count, ownedVms: owned.map((l) => l.vmName!), protectedVms: owned.filter((l) => l.protected).map((l) => l.vmName!) };
  return (r, opts) => {
    r.preview.instances = count;
    r.preview.instancesSource = count === null ? 'unknown' : a.reading.source;
    return a.policy(r, facts, opts);
  };
}

/** Records a refusal on the request: the card shows it as "Not now: …" with when it may clear. */
export function noteRefusal(r: ScaleRequest, block: BlockInfo, at: string, by?: string): void {
  r.blocked = block;
  addEvent(r, { at, type: 'blocked', by, fact: { code: 'blocked', block } });
}
