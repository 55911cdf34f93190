/**
 * A request's runs: an attempt starts (approved → running, or running again after a restart), its steps are journaled
 * (begun, finished or failed, data merged), what was undone and the rollback's start are recorded, and the run
 * finishes (running → succeeded | failed). One function per transition, each one atomic write.
 */
import { STALE, startCheckIn, noteRefusal, type Admission, type Stale } from './admission.js';
import { appendAudit } from './audit.js';
import { addEvent, findIn, moveTo } from './requests.js';
import { writerOf, type StoreView } from './store.js';
import type { Attempt, BlockInfo, ErrorRecord, RollbackFact, ScaleRequest, StepFact, StepName, StepRecord, UndoneFact } from './types.js';

function currentAttempt(r: ScaleRequest): Attempt {
  return r.attempts[r.attempts.length - 1]!;
}

/**
 * approved → running (a new attempt), or running → running again when `resuming` after a crash (not checked again:
 * it is one of the instances it would count). With `admission`, the run-start check decides first; refused, the
 * request becomes blocked (a retry: failed again) and the refusal comes back. Undefined: decided otherwise meanwhile.
 */
export function startAttempt(
  store: StoreView, requestId: string, o: { at: string; resuming: boolean }, admission?: Admission,
): Promise<ScaleRequest | BlockInfo | undefined | Stale> {
  const { at } = o;
  return writerOf(store).mutate((d) => {
    const check = admission ? startCheckIn(d, admission) : undefined;
    if (check === STALE) return STALE;
    const r = findIn(d, requestId);
    if (!r) return undefined;
    if (o.resuming && r.state === 'running') {
      addEvent(r, { at, type: 'recovered', fact: { code: 'resuming' } });
      return r;
    }
    if (r.state !== 'approved') return undefined;
    // A confirmation given during a freeze is not carried over a restart: in a freeze it is refused.
    const block = check?.(r, { confirmFrozen: false });
    if (block) {
      const retried = r.attempts.length > 0;
      moveTo(r, retried ? 'failed' : 'blocked');
      if (retried) r.finishedAt = at;
      noteRefusal(r, block, at);
      appendAudit(d, { at, actor: 'bot', action: 'request.block', target: r.id, detail: block.code });
      return block;
    }
    moveTo(r, 'running');
    delete r.blocked;
    r.attempts.push({ n: r.attempts.length + 1, startedAt: at, steps: [], undone: [] });
    addEvent(r, { at, type: 'attempt-started', fact: { code: 'attempt_started', n: r.attempts.length } });
    return r;
  });
}

/** running → succeeded | failed: the attempt's outcome, its error, the event and the audit entry. */
export function finishRun(
  store: StoreView, requestId: string, f: { at: string; outcome: 'succeeded' | 'failed'; error?: ErrorRecord & { step: StepName | 'unknown' }; auditDetail?: string },
): Promise<ScaleRequest> {
  const { at, outcome, error } = f;
  return writerOf(store).mutate((d) => {
    const r = findIn(d, requestId)!;
    const a = currentAttempt(r);
    moveTo(r, outcome);
    r.finishedAt = at;
    a.finishedAt = at;
    a.outcome = outcome;
    if (error) a.error = error;
    addEvent(r, { at, type: 'finished', fact: { code: 'run_finished', outcome, ...(error ? { step: error.step } : {}) } });
    appendAudit(d, { at, actor: 'bot', action: `run.${outcome}`, target: r.id, detail: f.auditDetail ?? a.result?.vmName });
    return r;
  });
}

/**
 * A step begins. A step run again in the same attempt was interrupted (a crash, or aborted by a shutdown): it keeps
 * what it recorded, e.g. the external job it must re-attach to.
 */
export async function beginStep(store: StoreView, requestId: string, name: StepName, startedAt: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    const a = currentAttempt(findIn(d, requestId)!);
    const i = a.steps.findIndex((s) => s.name === name);
    const kept = i >= 0 ? a.steps[i]!.data : undefined;
    const rec: StepRecord = { name, state: 'running', startedAt, ...(kept ? { data: kept } : {}) };
    if (i >= 0) a.steps[i] = rec;
    else a.steps.push(rec);
  });
}

/** A step finished (done) or failed: its outcome, duration and data merged into what it had; returns a copy of it. */
export function finishStep(
  store: StoreView, requestId: string, name: StepName,
  f: { at: string; state: StepRecord['state']; durationMs: number; outcome: { fact?: StepFact; error?: ErrorRecord }; data?: StepRecord['data'] },
): Promise<StepRecord | undefined> {
  return writerOf(store).mutate((d) => {
    const r = findIn(d, requestId)!;
    const rec = currentAttempt(r).steps.find((s) => s.name === name);
    if (rec) Object.assign(rec, { state: f.state, finishedAt: f.at, durationMs: Math.round(f.durationMs), ...f.outcome, ...(f.data ? { data: { ...rec.data, ...f.data } } : {}) });
    addEvent(r, { at: f.at, type: 'step', fact: { code: 'step', step: name, state: f.state } });
    return rec ? { ...rec } : undefined;
  });
}

/** Data a running step learned (merged into what it has). */
export async function recordStepData(store: StoreView, requestId: string, name: StepName, data: NonNullable<StepRecord['data']>): Promise<void> {
  await writerOf(store).mutate((d) => {
    const rec = currentAttempt(findIn(d, requestId)!).steps.find((s) => s.name === name);
    if (rec) rec.data = { ...rec.data, ...data };
  });
}

/** A line of the attempt's plan (a dry run's "would …"). */
export async function addPlanLine(store: StoreView, requestId: string, line: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    const a = currentAttempt(findIn(d, requestId)!);
    (a.plan ??= []).push(line);
  });
}

/** What the attempt made (or removed): its VM, address, F5 member. */
export async function recordRunResult(store: StoreView, requestId: string, res: NonNullable<Attempt['result']>): Promise<void> {
  await writerOf(store).mutate((d) => {
    currentAttempt(findIn(d, requestId)!).result = res;
  });
}

/** Something was undone; the step it undid (when given, and done) becomes undone. */
export async function recordUndone(store: StoreView, requestId: string, fact: UndoneFact, step?: StepName): Promise<void> {
  await writerOf(store).mutate((d) => {
    const a = currentAttempt(findIn(d, requestId)!);
    a.undone.push(fact);
    if (step) {
      const rec = a.steps.find((s) => s.name === step);
      if (rec && rec.state === 'done') rec.state = 'undone';
    }
  });
}

/** Compensation of the current attempt began (the first record wins: a resumed rollback keeps it). */
export function markRollbackStarted(store: StoreView, requestId: string, at: string, fact: Omit<RollbackFact, 'startedAt'>): Promise<RollbackFact> {
  return writerOf(store).mutate((d) => {
    const a = currentAttempt(findIn(d, requestId)!);
    a.rollback ??= { startedAt: at, ...fact };
    return a.rollback;
  });
}
