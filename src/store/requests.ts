import { randomBytes } from 'node:crypto';
import type { Store } from './store.js';
import { OPEN_STATES, type Direction, type RequestEvent, type ScaleRequest, type StoreData } from './types.js';

/** Sortable, unguessable enough to be a button value, and safe in any Slack or file context. */
export function newRequestId(now: Date): string {
  const t = now.toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  return `sr-${t}-${randomBytes(3).toString('hex')}`;
}

export function findRequest(store: Store, id: string): ScaleRequest | undefined {
  return findIn(store.data as StoreData, id);
}

export function findIn(d: StoreData, id: string): ScaleRequest | undefined {
  // Newest first: recent requests are the ones clicked and updated.
  for (let i = d.requests.length - 1; i >= 0; i--) if (d.requests[i]!.id === id) return d.requests[i];
  return undefined;
}

export function openRequestIn(d: StoreData, service: string, direction?: Direction): ScaleRequest | undefined {
  for (let i = d.requests.length - 1; i >= 0; i--) {
    const r = d.requests[i]!;
    if (r.service === service && (!direction || r.direction === direction) && OPEN_STATES.includes(r.state)) return r;
  }
  return undefined;
}

export function openRequests(store: Store): ScaleRequest[] {
  return store.data.requests.filter((r) => OPEN_STATES.includes(r.state));
}

export function requestsOf(store: Store, service?: string): ScaleRequest[] {
  return store.data.requests.filter((r) => !service || r.service === service);
}

export function addEvent(r: ScaleRequest, e: RequestEvent): void {
  r.events.push(e);
  r.updatedAt = e.at;
}
