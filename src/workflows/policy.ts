/** Whether a service may scale now, and if not why and until when. Pure: data in, verdict out. */
import { addMilliseconds } from 'date-fns';
import type { Service } from '../config.js';
import { parseDuration } from '../duration.js';
import type { BlockInfo, Direction, ScaleRequest } from '../store/types.js';
import { activeFreeze } from './freeze.js';

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
}

/** Checks in the order an operator would want to read them; the first that holds wins. */
export function blockFor(p: PolicyInput): BlockInfo | undefined {
  const { service, direction, instances, now } = p;
  const { min, max } = service.scaling;
  if (direction === 'out' && instances !== null && instances >= max) {
    return { code: 'max_instances', message: `${service.name} already runs ${instances} of at most ${max} instances` };
  }
  if (direction === 'in' && instances !== null && instances <= min) {
    return { code: 'min_instances', message: `${service.name} runs ${instances} instances, its minimum is ${min}` };
  }
  if (direction === 'in' && p.victim === null) {
    return { code: 'nothing_to_remove', message: `no VM created by the bot is left to remove from ${service.name}` };
  }
  const last = lastScaled(p.requests, service.name, direction);
  const cd = cooldownOf(service, direction);
  if (last && now.getTime() - last.getTime() < cd) {
    const until = addMilliseconds(last, cd);
    return { code: 'cooldown', message: `${service.name} scaled ${direction} at ${last.toISOString()}; cooldown lasts until then`, until: until.toISOString() };
  }
  if (direction === 'out') {
    const hourAgo = now.getTime() - 3_600_000;
    const recent = p.requests
      .filter((r) => r.service === service.name && r.direction === 'out' && r.state === 'succeeded' && r.finishedAt && Date.parse(r.finishedAt) > hourAgo)
      .map((r) => Date.parse(r.finishedAt!))
      .sort((a, b) => a - b);
    if (recent.length >= service.scaling.maxPerHour) {
      const until = new Date(recent[recent.length - service.scaling.maxPerHour]! + 3_600_000);
      return { code: 'rate_limit', message: `${service.name} already scaled out ${recent.length} times in the last hour (limit ${service.scaling.maxPerHour})`, until: until.toISOString() };
    }
  }
  return undefined;
}

/** Freeze is not a block (a human may still approve, with confirmation); it only stops auto-approval. */
export function frozenUntil(service: Service, now: Date): Date | undefined {
  return activeFreeze(service.scaling.freeze, now)?.until;
}
