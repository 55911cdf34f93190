/** Narrow interfaces the domain depends on. No Bolt, no WebClient, no govc here. */
import type { Service } from '../config.js';
import type { Logger } from '../logger.js';
import type { Check, Direction, ErrorFact, ExecutorKind, ScaleRequest, StepFact, StepName, StepRecord, UndoAction, UndoneFact } from '../store/types.js';

/** Where requests are shown. The card is always re-rendered from the stored request. */
export interface ChatSurface {
  /** Posts the request's card if it has none yet, else updates it (coalesced, ≤ 1 update/s per card). */
  sync(requestId: string): void;
  /** A reply in the card's thread (queued behind the card's post). */
  thread(requestId: string, text: string): void;
  /** A picture in the card's thread (queued behind the card's post like `thread`). */
  image?(requestId: string, image: ThreadImage): void;
  /** Resolves when every queued post and update has been sent (or has failed for good). */
  idle(): Promise<void>;
  notice(channel: string, text: string): Promise<void>;
}

export interface ThreadImage {
  png: Buffer;
  filename: string;
  title: string;
  /** Read by screen readers. */
  altText: string;
}

/** What vCenter / F5 say about a service right now. Implementations never throw: unknown is null. */
export interface Inventory {
  instances(service: Service): Promise<{ count: number | null; source: 'f5' | 'vcenter' | 'store' | 'unknown'; detail?: string }>;
  nextVmName(service: Service): Promise<string | null>;
  previewIp(service: Service): Promise<string | null>;
  /** Extra pre-flight lines (template present, pool reachable …). */
  preflight(service: Service, direction: Direction): Promise<Check[]>;
}

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
  thread(text: string): void;
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
