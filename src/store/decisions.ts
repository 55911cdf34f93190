/**
 * Decisions on a request: approve or reject a pending one, retry a failed one. Each is one atomic write that checks the
 * state first, so two approvers clicking at once, or a click racing the auto-approve tick, decide exactly once: the
 * first terminal write wins, the others get the request as it is now. Approving and retrying pass the run-start check
 * in that same write (see admission.ts).
 */
import { STALE, startCheckIn, noteRefusal, type Admission, type Stale } from './admission.js';
import { appendAudit } from './audit.js';
import { addEvent, findIn, moveTo } from './requests.js';
import { writerOf, type StoreView } from './store.js';
import type { BlockInfo, ScaleRequest } from './types.js';

export type DecideOutcome =
  | { ok: true; request: ScaleRequest }
  | { ok: false; code: 'not_found' }
  /** Not pending any more (decided meanwhile), or, for a retry, not failed. */
  | { ok: false; code: 'not_in_state'; request: ScaleRequest }
  /** A change freeze: a person may confirm; auto-approval waits (`changed`: its deadline was set to now). */
  | { ok: false; code: 'frozen'; request: ScaleRequest; block: BlockInfo; changed?: true }
  /** The run-start check refused it: blocked (a retry stays failed), the refusal noted. */
  | { ok: false; code: 'refused'; request: ScaleRequest; block: BlockInfo; changed: true };

export interface Decision {
  kind: 'approved' | 'rejected';
  /** A user id, or 'auto'. */
  by: string;
  at: string;
  /** Shown on the card and in the journal (a person's own words); auto-approval's why goes to `auditDetail` only. */
  reason?: string;
  confirmFrozen: boolean;
  /** The approval was confirmed during a change freeze (the card says so). */
  confirmedFrozen: boolean;
  auditDetail?: string;
}

/** pending → approved | rejected (or blocked, refused by the run-start check). */
export function decideRequest(store: StoreView, requestId: string, x: Decision, admission?: Admission): Promise<DecideOutcome | Stale> {
  const { at, by, kind } = x;
  return writerOf(store).mutate((d): DecideOutcome | Stale => {
    const check = admission ? startCheckIn(d, admission) : undefined;
    if (check === STALE) return STALE;
    const r = findIn(d, requestId);
    if (!r) return { ok: false, code: 'not_found' };
    if (r.state !== 'pending') return { ok: false, code: 'not_in_state', request: r };
    const block = kind === 'approved' ? check?.(r, { confirmFrozen: by !== 'auto' && x.confirmFrozen }) : undefined;
    if (block?.code === 'frozen') {
      // Not a refusal for good: a human may confirm; auto-approval waits for the freeze to end
      // (the tick tries again; mode auto gets a deadline of now, so the card says it waits).
      if (by === 'auto' && !r.autoApproveAt) {
        r.autoApproveAt = at;
        return { ok: false, code: 'frozen', request: r, block, changed: true };
      }
      return { ok: false, code: 'frozen', request: r, block };
    }
    if (block) {
      moveTo(r, 'blocked');
      noteRefusal(r, block, at, by);
      appendAudit(d, { at, actor: by, action: 'request.block', target: r.id, detail: block.code });
      return { ok: false, code: 'refused', request: r, block, changed: true };
    }
    moveTo(r, kind);
    r.decision = { kind, by, at, ...(x.reason ? { reason: x.reason } : {}) };
    if (kind === 'rejected') r.finishedAt = at;
    addEvent(r, { at, type: by === 'auto' ? 'auto-approved' : kind, by, ...(x.reason ? { detail: x.reason } : {}), ...(x.confirmedFrozen ? { fact: { code: 'confirmed_frozen' as const } } : {}) });
    appendAudit(d, { at, actor: by, action: `request.${kind === 'approved' ? 'approve' : 'reject'}`, target: r.id, detail: x.auditDetail });
    return { ok: true, request: r };
  });
}

/** failed → approved (Retry), past the run-start check; refused, it stays failed and says why not now. */
export function retryRequest(
  store: StoreView, requestId: string, x: { by: string; at: string; reason?: string; confirmFrozen: boolean; auditDetail?: string }, admission?: Admission,
): Promise<DecideOutcome | Stale> {
  const { at, by } = x;
  return writerOf(store).mutate((d): DecideOutcome | Stale => {
    const check = admission ? startCheckIn(d, admission) : undefined;
    if (check === STALE) return STALE;
    const r = findIn(d, requestId);
    if (!r) return { ok: false, code: 'not_found' };
    if (r.state !== 'failed') return { ok: false, code: 'not_in_state', request: r };
    const block = check?.(r, { confirmFrozen: x.confirmFrozen });
    if (block?.code === 'frozen') return { ok: false, code: 'frozen', request: r, block };
    if (block) {
      noteRefusal(r, block, at, by);
      return { ok: false, code: 'refused', request: r, block, changed: true };
    }
    moveTo(r, 'approved');
    delete r.finishedAt;
    delete r.blocked;
    addEvent(r, { at, type: 'retry', by, ...(x.reason ? { detail: x.reason } : {}), ...(x.confirmFrozen ? { fact: { code: 'confirmed_frozen' as const } } : {}) });
    appendAudit(d, { at, actor: by, action: 'request.retry', target: r.id, ...(x.auditDetail ? { detail: x.auditDetail } : {}) });
    return { ok: true, request: r };
  });
}
