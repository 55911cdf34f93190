import { randomBytes } from 'node:crypto';
import type { StoreView } from './store.js';
import { OPEN_STATES, type Direction, type RequestEvent, type RequestState, type ScaleRequest, type StoreData } from './types.js';

/** Sortable, unguessable enough to be a button value, and safe in any Slack or file context. */
export function newRequestId(now: Date): string {
  const t = now.toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  return `sr-${t}-${randomBytes(3).toString('hex')}`;
}

export function findRequest(store: StoreView, id: string): ScaleRequest | undefined {
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

export function openRequests(store: StoreView): ScaleRequest[] {
  return store.data.requests.filter((r) => OPEN_STATES.includes(r.state));
}

export function requestsOf(store: StoreView, service?: string): ScaleRequest[] {
  return store.data.requests.filter((r) => !service || r.service === service);
}

export function addEvent(r: ScaleRequest, e: RequestEvent): void {
  r.events.push(e);
  r.updatedAt = e.at;
}

/**
 * The request's state machine: the only moves a request may make. Every change of `state` goes through `moveTo`, so a
 * move the machine does not have (a finished request started again, a rejected one approved) is a coded error at the
 * place that tried it, not a silently corrupted card. Terminal states have no way out except `failed → approved`
 * (Retry) — "the first terminal write wins" is this table plus the mutation that checks the state it read.
 */
export const TRANSITIONS: Readonly<Record<RequestState, readonly RequestState[]>> = {
  pending: ['approved', 'rejected', 'withdrawn', 'blocked'],
  // blocked: a refusal for now; the request is still open (a re-fire folds into it), and may be withdrawn.
  blocked: ['pending', 'approved', 'withdrawn', 'rejected'],
  // approved but not yet running: the run-start check may still refuse it (blocked; a retry goes back to failed).
  approved: ['running', 'blocked', 'failed'],
  // running → running: resumed after a restart.
  running: ['running', 'succeeded', 'failed'],
  succeeded: [],
  failed: ['approved'],
  rejected: [],
  withdrawn: [],
};

export class IllegalTransition extends Error {
  readonly code = 'illegal_transition';
  constructor(readonly requestId: string, readonly from: RequestState, readonly to: RequestState) {
    super(`request ${requestId} cannot move from ${from} to ${to}`);
    this.name = 'IllegalTransition';
  }
}

export function canMove(from: RequestState, to: RequestState): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Moves the request to `to`, or throws IllegalTransition (inside a store mutation: nothing of it is written). */
export function moveTo(r: ScaleRequest, to: RequestState): void {
  if (!canMove(r.state, to)) throw new IllegalTransition(r.id, r.state, to);
  r.state = to;
}
