/**
 * Approve / reject / auto-approve / retry. Each decision is one atomic store mutation that checks
 * the state first, so two approvers clicking at once, or a click racing the auto-approve tick,
 * start exactly one run: the first terminal write wins, the others get the current state back.
 *
 * Approving and retrying start a run, so they pass the run-start check (`mayStart`, see
 * startGate.ts) in that same mutation, against the live instance count read just before: the
 * policies hold at the moment the run starts, not only when the card was drawn.
 */
import type { Service } from '../config.js';
import { isStale, type Admission, type Stale } from '../store/admission.js';
import { decideRequest, retryRequest, type DecideOutcome } from '../store/decisions.js';
import { findIn } from '../store/requests.js';
import { getService } from '../store/services.js';
import type { ScaleRequest } from '../store/types.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { StoreView as Store } from '../store/store.js';
import type { FreezeCalendar } from './freeze.js';
import type { ChatSurface, DecisionFact, DecisionOptions, DecisionResult, Decisions, Inventory, Runner } from './ports.js';
import { admitStart } from './startGate.js';

/** What deciding uses: the store it decides in, the live count for the run-start check, the runner it starts. */
export interface DecisionDeps {
  config: Pick<Config, 'BOT_LOCALE' | 'BOT_TIMEZONE'>;
  store: Store;
  clock: Clock;
  metrics: Pick<Metrics, 'timeToDecision'>;
  surface: ChatSurface;
  inventory: Inventory;
  freezes: FreezeCalendar;
  runner: Pick<Runner, 'start'>;
}

export function isApprover(service: Service | undefined, userId: string): boolean {
  const list = service?.approval.approvers ?? [];
  return list.length === 0 || list.includes(userId);
}

type Outcome = DecisionResult & { createdAt?: string; changed?: boolean };

/** The request as a refusal names it: it is no longer in the state the decision needs. */
function currentState(r: ScaleRequest): DecisionFact {
  return { kind: 'current_state', requestId: r.id, service: r.service, direction: r.direction, state: r.state, ...(r.decision && r.state !== 'blocked' ? { by: r.decision.by } : {}) };
}
const notFound = (requestId: string): DecisionFact => ({ kind: 'not_found', requestId });

export class DecisionService implements Decisions {
  constructor(private readonly deps: DecisionDeps) {}

  async approve(requestId: string, userId: string, opts: DecisionOptions = {}): Promise<DecisionResult> {
    return this.precheck(requestId, userId, 'pending', opts.admin) ?? this.decide(requestId, userId, 'approved', opts.reason, opts.confirmFrozen === true);
  }

  async reject(requestId: string, userId: string, reason?: string, opts: Pick<DecisionOptions, 'admin'> = {}): Promise<DecisionResult> {
    return this.precheck(requestId, userId, 'pending', opts.admin) ?? this.decide(requestId, userId, 'rejected', reason);
  }

  async autoApprove(requestId: string, why: string): Promise<DecisionResult> {
    return this.decide(requestId, 'auto', 'approved', why);
  }

  async retry(requestId: string, userId: string, opts: DecisionOptions = {}): Promise<DecisionResult> {
    const pre = this.precheck(requestId, userId, 'failed', opts.admin);
    if (pre) return pre;
    const at = this.deps.clock.now().toISOString();
    const confirmFrozen = opts.confirmFrozen === true;
    const detail = joinDetail(opts.reason, confirmFrozen ? 'confirmed during a change freeze' : undefined);
    const x = { by: userId, at, confirmFrozen, ...(opts.reason ? { reason: opts.reason } : {}), ...(detail ? { auditDetail: detail } : {}) };
    const out = await this.withStartCheck(requestId, (admission) => retryRequest(this.deps.store, requestId, x, admission));
    const res = ((): Outcome => {
      if (out.ok) return { ok: true, requestId: out.request.id };
      if (out.code === 'not_found') return { ok: false, code: 'not_found', fact: notFound(requestId) };
      const r = out.request;
      if (out.code === 'not_in_state') return { ok: false, code: 'not_failed', fact: currentState(r) };
      if (out.code === 'frozen') return { ok: false, code: 'frozen', fact: { kind: 'frozen_confirm', service: r.service, until: out.block.until!, retry: true } };
      // The request stays failed (Retry stays on the card), which now also says why not now.
      return { ok: false, code: 'refused', fact: { kind: 'retry_refused', service: r.service, direction: r.direction, block: out.block }, changed: true };
    })();
    if (res.ok || res.changed) this.deps.surface.sync(requestId);
    if (res.ok) this.deps.runner.start(requestId, { admitted: true });
    return strip(res);
  }

  check(requestId: string, userId: string): DecisionResult {
    return this.precheck(requestId, userId) ?? { ok: true, requestId };
  }

  /** Refusals that need no write: unknown request, not an approver, already decided. */
  private precheck(requestId: string, userId: string, expect: ScaleRequest['state'] = 'pending', admin = false): DecisionResult | undefined {
    const r = findIn(this.deps.store.data, requestId);
    if (!r) return { ok: false, code: 'not_found', fact: notFound(requestId) };
    const service = getService(this.deps.store, r.service);
    if (!admin && !isApprover(service, userId)) {
      return { ok: false, code: 'not_approver', fact: { kind: 'not_approver', service: r.service, approvers: service?.approval.approvers ?? [] } };
    }
    if (r.state !== expect) return { ok: false, code: r.state === 'blocked' ? 'blocked' : 'already_decided', fact: currentState(r) };
    return undefined;
  }

  /**
   * Runs the transition; when the service exists, after reading its live instance count, with the
   * run-start check bound to that reading. (A request whose service was deleted is not checked: its
   * run fails at once, saying so.)
   */
  private async withStartCheck(requestId: string, transition: (admission?: Admission) => Promise<DecideOutcome | Stale>): Promise<DecideOutcome> {
    const r = findIn(this.deps.store.data, requestId);
    const service = r ? getService(this.deps.store, r.service) : undefined;
    if (!service) return notStale(await transition());
    return admitStart(this.deps, service, transition);
  }

  private async decide(requestId: string, by: string, kind: 'approved' | 'rejected', reason?: string, confirmFrozen = false): Promise<DecisionResult> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    // A person's reason is their own words, shown as given. Auto-approval's "why" is the bot's English for operators:
    // it goes to the audit trail only, so a card (in any language) says "auto-approved" without English prose.
    const shownReason = by === 'auto' ? undefined : reason;
    const transition = (admission?: Admission) => {
      // Read right before the write (nothing awaits in between): the service as the transition sees it.
      const current = findIn(this.deps.store.data, requestId);
      const service = current ? getService(this.deps.store, current.service) : undefined;
      const confirmed = kind === 'approved' && confirmFrozen && service && this.deps.freezes.frozenUntil(service, now) ? 'confirmed during a change freeze' : '';
      const detail = joinDetail(reason, confirmed || undefined);
      return decideRequest(this.deps.store, requestId, {
        kind, by, at, confirmFrozen, confirmedFrozen: Boolean(confirmed), ...(shownReason ? { reason: shownReason } : {}), ...(detail ? { auditDetail: detail } : {}),
      }, admission);
    };
    const out = kind === 'approved' ? await this.withStartCheck(requestId, transition) : notStale(await transition());
    const res = ((): Outcome => {
      if (out.ok) return { ok: true, requestId: out.request.id, createdAt: out.request.createdAt };
      if (out.code === 'not_found') return { ok: false, code: 'not_found', fact: notFound(requestId) };
      const r = out.request;
      if (out.code === 'not_in_state') return { ok: false, code: 'already_decided', fact: currentState(r) };
      if (out.code === 'frozen') {
        if (by === 'auto') return { ok: false, code: 'frozen', fact: { kind: 'frozen_wait', block: out.block }, ...(out.changed ? { changed: true } : {}) };
        return { ok: false, code: 'frozen', fact: { kind: 'frozen_confirm', service: r.service, until: out.block.until!, retry: false } };
      }
      return { ok: false, code: 'blocked', fact: { kind: 'start_refused', service: r.service, direction: r.direction, block: out.block }, changed: true };
    })();
    if (!res.ok) {
      if (res.changed) this.deps.surface.sync(requestId);
      return strip(res);
    }
    this.deps.metrics.timeToDecision.observe({ decision: kind }, Math.max(0, (now.getTime() - Date.parse(res.createdAt!)) / 1000));
    this.deps.surface.sync(requestId);
    if (kind === 'approved') this.deps.runner.start(requestId, { admitted: true });
    return { ok: true, requestId };
  }
}

/** Without an admission a transition never answers STALE. */
function notStale<T>(v: T | Stale): T {
  if (isStale(v)) throw new Error('a transition without an admission answered stale');
  return v;
}

/** A reason and the freeze confirmation both belong in the journal: neither hides the other. */
function joinDetail(...parts: Array<string | undefined>): string | undefined {
  return parts.filter(Boolean).join('; ') || undefined;
}

function strip(res: Outcome): DecisionResult {
  if (res.ok) return { ok: true, requestId: res.requestId };
  return { ok: false, code: res.code, fact: res.fact };
}

/** Approves every pending request whose deadline has passed — also those that passed while the bot was down. */
export async function approveDue(deps: { store: Store; clock: Clock; freezes: FreezeCalendar; decisions: Pick<Decisions, 'autoApprove'> }): Promise<string[]> {
  const now = deps.clock.now();
  const due = deps.store.data.requests.filter((r) => r.state === 'pending' && r.autoApproveAt && Date.parse(r.autoApproveAt) <= now.getTime());
  const approved: string[] = [];
  for (const r of due) {
    const service = getService(deps.store, r.service);
    // Not worth a look at F5 every tick: the run-start check would refuse it (auto-approval never runs in a freeze).
    if (service && deps.freezes.frozenUntil(service, now)) continue;
    const res = await deps.decisions.autoApprove(r.id, `no decision by ${r.autoApproveAt}`);
    if (res.ok) approved.push(r.id);
  }
  return approved;
}
