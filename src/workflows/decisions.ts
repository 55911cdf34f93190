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
import { appendAudit } from '../store/audit.js';
import { addEvent, findIn, moveTo } from '../store/requests.js';
import { getService } from '../store/services.js';
import type { ScaleRequest, StoreData } from '../store/types.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { Metrics } from '../metrics.js';
import type { Store } from '../store/store.js';
import type { FreezeCalendar } from './freeze.js';
import type { ChatSurface, DecisionFact, DecisionOptions, DecisionResult, Decisions, Inventory, Runner } from './ports.js';
import { admitStart, noteRefusal, type StartCheck } from './startGate.js';

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
    const res = await this.withStartCheck(requestId, (d, check): Outcome => {
      const r = findIn(d, requestId);
      if (!r) return { ok: false, code: 'not_found', fact: notFound(requestId) };
      if (r.state !== 'failed') return { ok: false, code: 'not_failed', fact: currentState(r) };
      const block = check?.(r, { confirmFrozen: opts.confirmFrozen === true });
      if (block?.code === 'frozen') return { ok: false, code: 'frozen', fact: { kind: 'frozen_confirm', service: r.service, until: block.until!, retry: true } };
      if (block) {
        // The request stays failed (Retry stays on the card), which now also says why not now.
        noteRefusal(r, block, at, userId);
        return { ok: false, code: 'refused', fact: { kind: 'retry_refused', service: r.service, direction: r.direction, block }, changed: true };
      }
      moveTo(r, 'approved');
      delete r.finishedAt;
      delete r.blocked;
      const detail = joinDetail(opts.reason, opts.confirmFrozen ? 'confirmed during a change freeze' : undefined);
      addEvent(r, { at, type: 'retry', by: userId, ...(opts.reason ? { detail: opts.reason } : {}), ...(opts.confirmFrozen ? { fact: { code: 'confirmed_frozen' as const } } : {}) });
      appendAudit(d, { at, actor: userId, action: 'request.retry', target: r.id, ...(detail ? { detail } : {}) });
      return { ok: true, requestId: r.id };
    });
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
   * Runs `decide` in one store mutation; when the service exists, after reading its live instance
   * count, with the run-start check bound to that reading. (A request whose service was deleted
   * is not checked: its run fails at once, saying so.)
   */
  private async withStartCheck(requestId: string, decide: (d: StoreData, check: StartCheck | undefined) => Outcome): Promise<Outcome> {
    const r = findIn(this.deps.store.data, requestId);
    const service = r ? getService(this.deps.store, r.service) : undefined;
    if (!service) return this.deps.store.mutate((d) => decide(d, undefined));
    return admitStart(this.deps, service, decide);
  }

  private async decide(requestId: string, by: string, kind: 'approved' | 'rejected', reason?: string, confirmFrozen = false): Promise<DecisionResult> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const apply = (d: StoreData, check: StartCheck | undefined): Outcome => {
      const r = findIn(d, requestId);
      if (!r) return { ok: false, code: 'not_found', fact: notFound(requestId) };
      if (r.state !== 'pending') return { ok: false, code: 'already_decided', fact: currentState(r) };
      const block = kind === 'approved' ? check?.(r, { confirmFrozen: by !== 'auto' && confirmFrozen }) : undefined;
      if (block?.code === 'frozen') {
        // Not a refusal for good: a human may confirm; auto-approval waits for the freeze to end
        // (the tick tries again; mode auto gets a deadline of now, so the card says it waits).
        if (by === 'auto') {
          if (!r.autoApproveAt) { r.autoApproveAt = at; return { ok: false, code: 'frozen', fact: { kind: 'frozen_wait', block }, changed: true }; }
          return { ok: false, code: 'frozen', fact: { kind: 'frozen_wait', block } };
        }
        return { ok: false, code: 'frozen', fact: { kind: 'frozen_confirm', service: r.service, until: block.until!, retry: false } };
      }
      if (block) {
        moveTo(r, 'blocked');
        noteRefusal(r, block, at, by);
        appendAudit(d, { at, actor: by, action: 'request.block', target: r.id, detail: block.code });
        return { ok: false, code: 'blocked', fact: { kind: 'start_refused', service: r.service, direction: r.direction, block }, changed: true };
      }
      moveTo(r, kind);
      // A person's reason is their own words, shown as given. Auto-approval's "why" is the bot's English for operators:
      // it goes to the audit trail only, so a card (in any language) says "auto-approved" without English prose.
      const shownReason = by === 'auto' ? undefined : reason;
      r.decision = { kind, by, at, ...(shownReason ? { reason: shownReason } : {}) };
      if (kind === 'rejected') r.finishedAt = at;
      const service = getServiceIn(d, r.service);
      const confirmed = kind === 'approved' && confirmFrozen && service && this.deps.freezes.frozenUntil(service, now) ? 'confirmed during a change freeze' : '';
      const detail = joinDetail(reason, confirmed || undefined);
      addEvent(r, { at, type: by === 'auto' ? 'auto-approved' : kind, by, ...(shownReason ? { detail: shownReason } : {}), ...(confirmed ? { fact: { code: 'confirmed_frozen' as const } } : {}) });
      appendAudit(d, { at, actor: by, action: `request.${kind === 'approved' ? 'approve' : 'reject'}`, target: r.id, detail });
      return { ok: true, requestId: r.id, createdAt: r.createdAt };
    };
    const res = kind === 'approved' ? await this.withStartCheck(requestId, apply) : await this.deps.store.mutate((d) => apply(d, undefined));
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

function getServiceIn(d: StoreData, name: string): Service | undefined {
  return d.services[name]?.config;
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
