/** Whether a service may scale now, and if not why and until when. Pure: data in, verdict out. */
import { addMilliseconds } from 'date-fns';
import type { Service } from '../config.js';
import { parseDuration } from '../duration.js';
import type { BlockInfo, Direction, ScaleRequest } from '../store/types.js';
import type { FreezeCalendar } from './freeze.js';

export function ms(duration: string | undefined, fallback = 0): number {
  return duration ? (parseDuration(duration) ?? fallback) : fallback;
}

export function cooldownOf(service: Service, direction: Direction): number {
  return direction === 'out' ? ms(service.scaling.cooldown) : ms(service.scaling.cooldownIn ?? service.scaling.cooldown);
}

/** The last successful scale of the service in that direction. */
export function lastScaled(requests: readonly ScaleRequest[], service: string, direction: Direction): Date | undefined {
  let last: string | undefined;
  for (const r of requests) {
    if (r.service === service && r.direction === direction && r.state === 'succeeded' && r.finishedAt && (!last || r.finishedAt > last)) last = r.finishedAt;
  }
  return last ? new Date(last) : undefined;
}

export interface PolicyInput {
  service: Service;
  direction: Direction;
  instances: number | null;
  requests: readonly ScaleRequest[];
  now: Date;
  /** Scale-in: the VM it would remove (null: none the bot created). */
  victim?: string | null;
  /** Scale-in: how many of the service's VMs are protected from scale-in (they are never the victim). */
  protectedCount?: number;
}

/** Checks in the order an operator would want to read them; the first that holds wins. */
export function blockFor(p: PolicyInput): BlockInfo | undefined {
  const { service, direction, instances, now } = p;
  const { min, max } = service.scaling;
  if (direction === 'out' && instances !== null && instances >= max) {
    return { code: 'max_instances', service: service.name, count: instances, max };
  }
  if (direction === 'in' && instances !== null && instances <= min) {
    return { code: 'min_instances', service: service.name, count: instances, min };
  }
  if (direction === 'in' && p.victim === null && p.protectedCount) {
    return { code: 'nothing_to_remove', service: service.name, protectedCount: p.protectedCount };
  }
  if (direction === 'in' && p.victim === null) {
    return { code: 'nothing_to_remove', service: service.name };
  }
  const last = lastScaled(p.requests, service.name, direction);
  const cd = cooldownOf(service, direction);
  if (last && now.getTime() - last.getTime() < cd) {
    const until = addMilliseconds(last, cd);
    return { code: 'cooldown', service: service.name, direction, lastAt: last.toISOString(), until: until.toISOString() };
  }
  if (direction === 'out') {
    const hourAgo = now.getTime() - 3_600_000;
    const recent = p.requests
      .filter((r) => r.service === service.name && r.direction === 'out' && r.state === 'succeeded' && r.finishedAt && Date.parse(r.finishedAt) > hourAgo)
      .map((r) => Date.parse(r.finishedAt!))
      .sort((a, b) => a - b);
    if (recent.length >= service.scaling.maxPerHour) {
      const until = new Date(recent[recent.length - service.scaling.maxPerHour]! + 3_600_000);
      return { code: 'rate_limit', service: service.name, count: recent.length, limit: service.scaling.maxPerHour, until: until.toISOString() };
    }
  }
  return undefined;
}

/** Runs that hold the service: one run per service, whatever the direction. */
function inFlight(r: ScaleRequest): boolean {
  return r.state === 'running' || r.state === 'approved';
}

export interface StartInput {
  service: Service;
  /** The request about to start. For a scale-in, `preview.vmName` is the VM it will remove. */
  request: Pick<ScaleRequest, 'id' | 'direction' | 'preview'>;
  /** Live count (members of the service's F5 pool, read just now); null when nothing answered. */
  instances: number | null;
  requests: readonly ScaleRequest[];
  /** The VMs the bot created for this service and still owns (in-use leases). */
  ownedVms: readonly string[];
  /** Those of `ownedVms` protected from scale-in (`/autoscale protect`): never removed. */
  protectedVms?: readonly string[];
  now: Date;
  /** A human confirmed starting during a change freeze. Auto-approval never does. */
  confirmFrozen: boolean;
  /** The freeze windows' calendar, in the bot's time zone. */
  freezes: FreezeCalendar;
}

/**
 * May this run start now? The one decision behind approve, auto-approve, retry, `/autoscale scale`
 * and the start of a recovered approved request. Pure: the caller reads the live instance count
 * first and calls this inside the same store mutation that moves the request on, so nothing can
 * start between the check and the state change.
 */
export function mayStart(p: StartInput): BlockInfo | undefined {
  const { service, request, now } = p;
  const other = p.requests.find((o) => o.id !== request.id && o.service === service.name && inFlight(o));
  if (other) {
    return { code: 'conflict', service: service.name, otherId: other.id, otherDirection: other.direction };
  }
  if (p.instances === null) {
    return { code: 'unknown_instances', service: service.name };
  }
  const victim = request.direction === 'in' ? (request.preview.vmName && p.ownedVms.includes(request.preview.vmName) ? request.preview.vmName : null) : undefined;
  // The card named its victim when it was drawn; someone may have protected that VM since.
  if (victim && p.protectedVms?.includes(victim)) {
    return { code: 'protected', vm: victim };
  }
  const block = blockFor({ service, direction: request.direction, instances: p.instances, requests: p.requests, now, victim });
  if (block) return block;
  const freeze = p.freezes.active(service.scaling.freeze, now);
  if (freeze && !p.confirmFrozen) {
    return { code: 'frozen', service: service.name, ...(freeze.window.reason ? { reason: freeze.window.reason } : {}), until: freeze.until.toISOString() };
  }
  return undefined;
}

/**
 * Whether a blocked request's reason has cleared, so that a new alert replaces it with a fresh
 * request: its time has passed, the run it waited for is no longer in flight, or the count that
 * could not be read may be read now.
 */
export function blockPassed(r: ScaleRequest, requests: readonly ScaleRequest[], at: string): boolean {
  const b = r.blocked;
  if (r.state !== 'blocked' || !b) return false;
  if (b.until) return b.until <= at;
  // A fresh request picks a victim that is not protected.
  if (b.code === 'unknown_instances' || b.code === 'protected') return true;
  if (b.code === 'conflict') return !requests.some((o) => o.id !== r.id && o.service === r.service && inFlight(o));
  return false;
}
