/**
 * Approve / reject / auto-approve / retry. Each decision is one atomic store mutation that checks
 * the state first, so two approvers clicking at once, or a click racing the auto-approve tick,
 * start exactly one run: the first terminal write wins, the others get the current state back.
 */
import type { Service } from '../config.js';
import { messages } from '../cards/messages.js';
import { appendAudit } from '../store/audit.js';
import { addEvent, findIn } from '../store/requests.js';
import { getService } from '../store/services.js';
import type { ScaleRequest } from '../store/types.js';
import type { DecisionResult, Decisions, Deps } from './deps.js';
import { frozenUntil } from './policy.js';

export function isApprover(service: Service | undefined, userId: string): boolean {
  const list = service?.approval.approvers ?? [];
  return list.length === 0 || list.includes(userId);
}

export class DecisionService implements Decisions {
  constructor(private readonly deps: Omit<Deps, 'decisions'>) {}

  async approve(requestId: string, userId: string, opts: { confirmFrozen?: boolean } = {}): Promise<DecisionResult> {
    const pre = this.precheck(requestId, userId);
    if (pre) return pre;
    const service = getService(this.deps.store, findIn(this.deps.store.data, requestId)!.service);
    const frozen = service ? frozenUntil(service, this.deps.clock.now()) : undefined;
    if (frozen && !opts.confirmFrozen) {
      return { ok: false, code: 'frozen', message: messages.frozenConfirm(service!.name, frozen) };
    }
    return this.decide(requestId, userId, 'approved');
  }

  async reject(requestId: string, userId: string, reason?: string): Promise<DecisionResult> {
    return this.precheck(requestId, userId) ?? this.decide(requestId, userId, 'rejected', reason);
  }

  async autoApprove(requestId: string, why: string): Promise<DecisionResult> {
    return this.decide(requestId, 'auto', 'approved', why);
  }

  async retry(requestId: string, userId: string): Promise<DecisionResult> {
    const pre = this.precheck(requestId, userId, 'failed');
    if (pre) return pre;
    const at = this.deps.clock.now().toISOString();
    const res = await this.deps.store.mutate((d): DecisionResult => {
      const r = findIn(d, requestId);
      if (!r) return { ok: false, code: 'not_found', message: messages.requestNotFound(requestId) };
      if (r.state !== 'failed') return { ok: false, code: 'not_failed', message: messages.currentState(r) };
      const other = d.requests.find((o) => o.id !== r.id && o.service === r.service && (o.state === 'running' || o.state === 'approved'));
      if (other) return { ok: false, code: 'busy', message: messages.serviceBusy(r.service, other.id) };
      r.state = 'approved';
      delete r.finishedAt;
      addEvent(r, { at, type: 'retry', by: userId });
      appendAudit(d, { at, actor: userId, action: 'request.retry', target: r.id });
      return { ok: true, requestId: r.id };
    });
    if (res.ok) {
      this.deps.surface.sync(requestId);
      this.deps.runner.start(requestId);
    }
    return res;
  }

  check(requestId: string, userId: string): DecisionResult {
    return this.precheck(requestId, userId) ?? { ok: true, requestId };
  }

  /** Refusals that need no write: unknown request, not an approver, already decided. */
  private precheck(requestId: string, userId: string, expect: ScaleRequest['state'] = 'pending'): DecisionResult | undefined {
    const r = findIn(this.deps.store.data, requestId);
    if (!r) return { ok: false, code: 'not_found', message: messages.requestNotFound(requestId) };
    const service = getService(this.deps.store, r.service);
    if (!isApprover(service, userId)) {
      return { ok: false, code: 'not_approver', message: messages.notApprover(r.service, service?.approval.approvers ?? []) };
    }
    if (r.state !== expect) return { ok: false, code: r.state === 'blocked' ? 'blocked' : 'already_decided', message: messages.currentState(r) };
    return undefined;
  }

  private async decide(requestId: string, by: string, kind: 'approved' | 'rejected', reason?: string): Promise<DecisionResult> {
    const now = this.deps.clock.now();
    const at = now.toISOString();
    const res = await this.deps.store.mutate((d): DecisionResult & { createdAt?: string } => {
      const r = findIn(d, requestId);
      if (!r) return { ok: false, code: 'not_found', message: messages.requestNotFound(requestId) };
      if (r.state !== 'pending') return { ok: false, code: 'already_decided', message: messages.currentState(r) };
      r.state = kind;
      r.decision = { kind, by, at, ...(reason ? { reason } : {}) };
      if (kind === 'rejected') r.finishedAt = at;
      addEvent(r, { at, type: by === 'auto' ? 'auto-approved' : kind, by, detail: reason });
      appendAudit(d, { at, actor: by, action: `request.${kind === 'approved' ? 'approve' : 'reject'}`, target: r.id, detail: reason });
      return { ok: true, requestId: r.id, createdAt: r.createdAt };
    });
    if (!res.ok) return res;
    this.deps.metrics.timeToDecision.observe({ decision: kind }, Math.max(0, (now.getTime() - Date.parse(res.createdAt!)) / 1000));
    this.deps.surface.sync(requestId);
    if (kind === 'approved') this.deps.runner.start(requestId);
    return { ok: true, requestId };
  }
}

/** Approves every pending request whose deadline has passed — also those that passed while the bot was down. */
export async function approveDue(deps: Deps): Promise<string[]> {
  const now = deps.clock.now();
  const due = deps.store.data.requests.filter((r) => r.state === 'pending' && r.autoApproveAt && Date.parse(r.autoApproveAt) <= now.getTime());
  const approved: string[] = [];
  for (const r of due) {
    const service = getService(deps.store, r.service);
    const frozen = service ? frozenUntil(service, now) : undefined;
    if (frozen) continue; // never auto-approve during a change freeze
    const res = await deps.decisions.autoApprove(r.id, `no decision by ${r.autoApproveAt}`);
    if (res.ok) approved.push(r.id);
  }
  return approved;
}
