import { randomBytes } from 'node:crypto';
import { appendAudit } from './audit.js';
import { writerOf, type StoreView } from './store.js';
import { OPEN_STATES, type AlertSnapshot, type BlockInfo, type Direction, type EventFact, type RequestEvent, type RequestState, type ScaleRequest, type StoreData } from './types.js';

/** Sortable, unguessable enough to be a button value, and safe in any Slack or file context. */
export function newRequestId(now: Date): string {
  const t = now.toISOString().replace(/[-:TZ.]/g, '').slice(0, 14);
  return `sr-${t}-${randomBytes(3).toString('hex')}`;
}

export function findRequest(store: StoreView, id: string): ScaleRequest | undefined {
  return findIn(store.data, id);
}

export function findIn(d: Readonly<StoreData>, id: string): ScaleRequest | undefined {
  // Newest first: recent requests are the ones clicked and updated.
  for (let i = d.requests.length - 1; i >= 0; i--) if (d.requests[i]!.id === id) return d.requests[i];
  return undefined;
}

export function openRequestIn(d: Readonly<StoreData>, service: string, direction?: Direction): ScaleRequest | undefined {
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

/** Whether an open, blocked request has outlived its block (workflows/policy.ts `blockPassed`, bound to now). */
export type BlockPassed = (open: ScaleRequest, requests: readonly ScaleRequest[]) => boolean;

/**
 * Records a re-fire in the request's history. A run of re-fires with nothing between them is one
 * event whose count and time move on, so a chatty Alertmanager cannot grow the store without bound.
 */
function noteRefire(r: ScaleRequest, at: string, what: string): void {
  r.fireCount += 1;
  r.lastFiredAt = at;
  const last = r.events[r.events.length - 1];
  const n = r.fireCount - 1;
  if (last?.type === 'refired') {
    last.at = at;
    last.fact = { code: 'refired', count: n, last: what };
    r.updatedAt = at;
  } else {
    addEvent(r, { at, type: 'refired', fact: { code: 'refired', count: n, last: what } });
  }
}

export type Refold = { outcome: 'refired' | 'conflict'; requestId: string } | undefined;

/**
 * An alert fired again while a request of its service is open: the open one of its direction counts it (undefined
 * when that one's block has passed: a new request replaces it); an open one of the other direction notes the
 * conflicting alert. Applied at once, written with the next batch (a lost count is harmless): `written` settles then.
 */
export function foldRefire(
  store: StoreView, f: { service: string; direction: Direction; at: string; alertName: string; alert: AlertSnapshot; blockPassed: BlockPassed },
): { result: Refold; written: Promise<void> } {
  const { at } = f;
  return writerOf(store).applyNow((d): Refold => {
    const open = openRequestIn(d, f.service, f.direction);
    if (open) {
      if (f.blockPassed(open, d.requests)) return undefined;
      if (open.alertResolvedAt) delete open.alertResolvedAt;
      if (!open.alert) open.alert = f.alert;
      noteRefire(open, at, f.alertName);
      return { outcome: 'refired', requestId: open.id };
    }
    const other = openRequestIn(d, f.service, f.direction === 'out' ? 'in' : 'out');
    if (other) {
      addEvent(other, { at, type: 'note', fact: { code: 'conflicting_alert', direction: f.direction, alert: f.alertName } });
      return { outcome: 'conflict', requestId: other.id };
    }
    return undefined;
  });
}

/** A request as intake makes it; its state, block and auto-approval deadline are the transition's to set. */
export type RequestDraft = Omit<ScaleRequest, 'state' | 'blocked' | 'autoApproveAt' | 'fireCount' | 'lastFiredAt' | 'createdAt' | 'updatedAt' | 'attempts'>;

/**
 * Opens a request: pending, or blocked when `blockFor` (the policy, against the requests at this instant) refuses it.
 * Someone may have opened one meanwhile: then the re-fire folds into it (`fresh: false`, named `refire`) — unless its
 * block has passed, when it is withdrawn as superseded and the new one replaces it.
 */
export function createRequest(
  store: StoreView,
  n: {
    draft: RequestDraft; at: string; auditActor: string; refire: string;
    /** The deadline of approval mode `timeout`, for a request that is not blocked. */
    autoApproveAt?: string;
    blockFor: (requests: readonly ScaleRequest[]) => BlockInfo | undefined;
    blockPassed: BlockPassed;
  },
): Promise<{ request: ScaleRequest; fresh: boolean; superseded?: string }> {
  const { draft, at } = n;
  return writerOf(store).mutate((d) => {
    const open = openRequestIn(d, draft.service, draft.direction);
    let superseded: string | undefined;
    if (open && n.blockPassed(open, d.requests)) {
      moveTo(open, 'withdrawn');
      open.finishedAt = at;
      addEvent(open, { at, type: 'superseded', fact: { code: 'block_passed' } });
      superseded = open.id;
    } else if (open) {
      noteRefire(open, at, n.refire);
      return { request: open, fresh: false };
    }
    const block = n.blockFor(d.requests);
    const r: ScaleRequest = {
      ...draft,
      state: block ? 'blocked' : 'pending',
      fireCount: 1,
      lastFiredAt: at,
      createdAt: at,
      updatedAt: at,
      attempts: [],
    };
    if (block) {
      r.blocked = block;
      addEvent(r, { at, type: 'blocked', fact: { code: 'blocked', block } });
    } else if (n.autoApproveAt) {
      r.autoApproveAt = n.autoApproveAt;
    }
    d.requests.push(r);
    appendAudit(d, { at, actor: n.auditActor, action: 'request.create', target: r.id, detail: `${r.service} scale ${r.direction}${block ? ` (blocked: ${block.code})` : ''}` });
    return { request: r, fresh: true, ...(superseded ? { superseded } : {}) };
  });
}

/** Withdraws an undecided request (its alert resolved, its count came back, an approver silenced it), inside a mutation. */
export function withdrawIn(d: StoreData, r: ScaleRequest, w: { at: string; actor: string; fact: EventFact; audit?: string }): void {
  moveTo(r, 'withdrawn');
  r.finishedAt = w.at;
  addEvent(r, { at: w.at, type: 'withdrawn', by: w.actor, fact: w.fact });
  appendAudit(d, { at: w.at, actor: w.actor, action: 'request.withdraw', target: r.id, ...(w.audit ? { detail: w.audit } : {}) });
}

/**
 * The alert of the open request of (service, direction) resolved: undecided, the request is withdrawn; decided, it
 * notes the resolution. Undefined when no request opened by an alert is open.
 */
export function resolveAlert(
  store: StoreView, x: { service: string; direction: Direction; at: string; alert: string },
): Promise<{ outcome: 'withdrawn' | 'resolved'; id: string } | undefined> {
  const { at } = x;
  return writerOf(store).mutate((d) => {
    const open = openRequestIn(d, x.service, x.direction);
    if (!open || open.source !== 'alert') return undefined;
    if (open.state === 'pending' || open.state === 'blocked') {
      open.alertResolvedAt = at;
      withdrawIn(d, open, { at, actor: 'alertmanager', fact: { code: 'resolved_before_decision', alert: x.alert } });
      return { outcome: 'withdrawn' as const, id: open.id };
    }
    open.alertResolvedAt = at;
    addEvent(open, { at, type: 'resolved', fact: { code: 'alert_resolved', alert: x.alert } });
    return { outcome: 'resolved' as const, id: open.id };
  });
}

/** Settled: the alert that triggered a finished run cleared within the settle window. */
export async function markSettled(store: StoreView, requestId: string, at: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    const live = findIn(d, requestId)!;
    live.alertResolvedAt = at;
    addEvent(live, { at, type: 'resolved', fact: { code: 'resolved_after_run' } });
  });
}

/** Not settled: the settle window passed with the alert still firing (noted once; the settle check looks for it). */
export async function markStillFiring(store: StoreView, requestId: string, at: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    addEvent(findIn(d, requestId)!, { at, type: 'note', fact: { code: 'still_firing' } });
  });
}

/** The card was posted: where it is, so every later change updates that message. */
export async function markCardPosted(store: StoreView, requestId: string, card: NonNullable<ScaleRequest['card']>): Promise<void> {
  await writerOf(store).mutate((d) => {
    const live = findIn(d, requestId);
    if (live) live.card = card;
  });
}
