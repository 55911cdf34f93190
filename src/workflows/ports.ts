/** Narrow interfaces the domain depends on. No Bolt, no WebClient, no govc here. */
import type { Service } from '../config.js';
import type { Logger } from '../logger.js';
import type { Locale } from '../i18n/index.js';
import type { BlockInfo, Direction, ErrorFact, ExecutorKind, RequestState, ScaleRequest, StepFact, StepName, StepRecord, UndoAction, UndoneFact } from '../store/types.js';

export type { ChatSurface, Inventory, ThreadImage } from '../integrations/ports.js';

export interface StepResult {
  /** What the step established, as a fact (the card words it in its reader's language). */
  fact?: StepFact;
  data?: StepRecord['data'];
}

/** The request's journal: every step is written before and after it runs. */
export interface Journal {
  /** Runs `fn` as step `name` unless the attempt already completed it (resume); returns its data. */
  step(name: StepName, fn: () => Promise<StepResult>): Promise<StepRecord['data']>;
  /**
   * Merges facts into a step while it runs, so a restart can find them (e.g. the Jenkins queue item
   * to re-attach to). The step keeps them whatever its outcome.
   */
  record(name: StepName, data: NonNullable<StepRecord['data']>): Promise<void>;
  /** Records what a step would do (dry run) or an extra line for the thread. */
  plan(line: string): Promise<void>;
  /** The data of a completed step of this attempt (or an earlier one, for recovery). */
  completed(name: StepName): StepRecord | undefined;
  /** Sets the result shown on the card when the run succeeds. */
  result(r: { vmName?: string; ip?: string; member?: string }): Promise<void>;
  /** Records what a compensation did (or failed to do, `failed`); `step`, the step it undoes, is marked undone. */
  undone(fact: UndoneFact, step?: StepName): Promise<void>;
  /** Posts a line in the card's thread, worded in the card's language (the service's `locale`, else BOT_LOCALE). */
  thread(words: (locale: Locale) => string): void;
}

export interface RunContext {
  request: ScaleRequest;
  service: Service;
  journal: Journal;
  signal: AbortSignal;
  logger: Logger;
  /** True when resuming an attempt interrupted by a crash. */
  resuming: boolean;
}

/**
 * A step's failure: `code` is what workflows decide by, `message` the operator's English (logs, CLI), `fact` the words
 * of the card when the bot itself decided it (absent: the message is another system's, shown as it is).
 */
export class StepError extends Error {
  readonly fact?: ErrorFact;
  constructor(
    readonly step: StepName,
    readonly code: string,
    message: string,
    options?: { cause?: unknown; fact?: ErrorFact },
  ) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'StepError';
    if (options?.fact) this.fact = options.fact;
  }
}

export interface Executor {
  readonly kind: ExecutorKind;
  /** Runs (or resumes) the attempt; throws StepError after compensating what it did. */
  run(ctx: RunContext): Promise<void>;
  /** Called on start-up for an attempt that was interrupted: resume it or roll it back. */
  recover?(ctx: RunContext): Promise<'resumed' | 'rolled-back'>;
  /** Background upkeep of the services (the local executor's warm pools), started by the tick; returns at once. */
  maintain?(services: readonly Service[]): void;
  /** Resolves when the background upkeep is idle. */
  idle?(): Promise<void>;
  /** Stops the background upkeep (what it leaves unfinished is cleaned up on the next start). */
  shutdown?(): Promise<void>;
}

/** Which steps of the current attempt ran (done, failed or interrupted): what compensation and a resumed run go by. */
export function touched(journal: Journal, r: ScaleRequest, step: StepName): boolean {
  return Boolean(journal.completed(step)) || Boolean(r.attempts.at(-1)?.steps.some((s) => s.name === step));
}

/** True when a run stopped because the bot is shutting down: leave the journal for recovery, undo nothing. */
export function isShutdown(e: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (e instanceof StepError && e.code === 'shutdown');
}

/**
 * Runs one compensation and records it on the card: the action when it worked, the action with `failed` (the error,
 * "fix by hand") when it did not (a failed undo never hides the original error).
 */
export async function recordUndo(journal: Journal, step: StepName, action: UndoAction, fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    await journal.undone(action, step);
    return true;
  } catch (e) {
    await journal.undone({ ...action, failed: (e as Error).message }, step);
    return false;
  }
}

/**
 * Why a decision was refused, as facts (no words): src/cards/decisionText.ts renders it in the reader's language — the
 * user's on Slack, English in the CLI. Times are ISO strings.
 */
export type DecisionFact =
  | { kind: 'not_found'; requestId: string }
  | { kind: 'not_approver'; service: string; approvers: string[] }
  /** The request is no longer in the state the decision needs; `by`: who decided it (a user id or `auto`), if anyone. */
  | { kind: 'current_state'; requestId: string; service: string; direction: Direction; state: RequestState; by?: string }
  /** A change freeze: a human may confirm (approve or retry anyway) until `until`. */
  | { kind: 'frozen_confirm'; service: string; until: string; retry: boolean }
  /** Auto-approval waits for the freeze to end. */
  | { kind: 'frozen_wait'; block: BlockInfo }
  /** A run-start policy refused it: approving blocks the request; a retry leaves it failed. */
  | { kind: 'start_refused' | 'retry_refused'; service: string; direction: Direction; block: BlockInfo };

export type DecisionResult =
  | { ok: true; requestId: string }
  | { ok: false; code: 'not_found' | 'not_approver' | 'already_decided' | 'blocked' | 'frozen' | 'not_failed' | 'refused'; fact: DecisionFact };

export interface DecisionOptions {
  /** Decide during a change freeze (the card's confirm button; the CLI's --confirm-frozen). */
  confirmFrozen?: boolean;
  /** Why (the break-glass CLI requires one): on the card, in the request's events and in the audit. */
  reason?: string;
  /**
   * The decider is an admin of the bot's host (the CLI through DATA_DIR/admin.sock): the service's
   * approver list does not apply to it. Every run-start policy still does.
   */
  admin?: boolean;
}

export interface Decisions {
  /** Whether `userId` may decide the request now, without deciding (the reject button asks before its modal). */
  check(requestId: string, userId: string): DecisionResult;
  approve(requestId: string, userId: string, opts?: DecisionOptions): Promise<DecisionResult>;
  reject(requestId: string, userId: string, reason?: string, opts?: Pick<DecisionOptions, 'admin'>): Promise<DecisionResult>;
  autoApprove(requestId: string, why: string): Promise<DecisionResult>;
  /** A failed request's new attempt; `confirmFrozen` as for approve. Refused: the request stays failed. */
  retry(requestId: string, userId: string, opts?: DecisionOptions): Promise<DecisionResult>;
}

export interface Runner {
  /**
   * Queues an approved request; one run per service at a time, services in parallel. `admitted`:
   * the caller passed the run-start check in the mutation that approved it, just now; otherwise
   * (a request approved before a restart) the runner checks it before it moves to running.
   */
  start(requestId: string, opts?: { admitted?: boolean }): void;
  /** Resolves when no run is active or queued. */
  idle(): Promise<void>;
  /** Stops taking work; lets the current steps finish or checkpoint. */
  shutdown(): Promise<void>;
}

export interface Settle {
  /** An alert resolved with no open request: tell the last run's thread. Returns its id if any. */
  alertResolved(service: string, direction: Direction, at: string): Promise<string | undefined>;
}
