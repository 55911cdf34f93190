/**
 * Silences on a request's card: an approver silences an undecided request from its card (the request is withdrawn and
 * remembers the silence), expires that silence again, and the card shows the Alertmanager silences that cover the
 * service. One write each.
 */
import { appendAudit } from './audit.js';
import { addEvent, findIn, withdrawIn } from './requests.js';
import { writerOf, type StoreView } from './store.js';
import type { RequestState, ScaleRequest } from './types.js';

/**
 * pending → withdrawn, silenced by `by` until `until` (`length` as chosen, for the audit trail). Refused, with the
 * request's state, when it was decided meanwhile (a click, the auto-approve tick); 'gone' when there is no such request.
 */
export function silenceRequest(
  store: StoreView, requestId: string, s: { id: string; by: string; until: string; at: string; length: string },
): Promise<'done' | 'gone' | RequestState> {
  const { at } = s;
  return writerOf(store).mutate((d) => {
    const live = findIn(d, requestId);
    if (!live) return 'gone';
    if (live.state !== 'pending') return live.state;
    live.silence = { id: s.id, by: s.by, until: s.until, createdAt: at };
    withdrawIn(d, live, { at, actor: s.by, fact: { code: 'silenced', until: s.until }, audit: `silence ${s.id}` });
    appendAudit(d, { at, actor: s.by, action: 'request.silence', target: live.id, detail: `silence ${s.id} until ${s.until} (${s.length})` });
    return 'done';
  });
}

/** The card's silence `silenceId` was expired by `by` (once: a second expiry of it changes nothing). */
export async function markUnsilenced(store: StoreView, requestId: string, silenceId: string, by: string, at: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    const live = findIn(d, requestId);
    if (!live?.silence || live.silence.id !== silenceId || live.silence.expiredAt) return;
    live.silence.expiredAt = at;
    live.silence.expiredBy = by;
    addEvent(live, { at, type: 'note', by, detail: `silence ${silenceId} expired from the card` });
    appendAudit(d, { at, actor: by, action: 'request.unsilence', target: live.id, detail: `silence ${silenceId}` });
  });
}

/** The Alertmanager silences that cover the request's alerts (at most five, soonest to end first), for its card. */
export async function recordAlertmanagerSilences(store: StoreView, requestId: string, active: NonNullable<ScaleRequest['alertmanagerSilences']>): Promise<void> {
  await writerOf(store).mutate((d) => {
    const live = findIn(d, requestId);
    if (live) live.alertmanagerSilences = active.slice(0, 5);
  });
}
