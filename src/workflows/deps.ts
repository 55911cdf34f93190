import type { Clock } from '../clock.js';
import type { UserLocales } from '../integrations/userLocales.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Govc } from '../integrations/govc.js';
import type { JenkinsClient } from '../integrations/jenkins/client.js';
import type { Store } from '../store/store.js';
import type { BlockInfo, Direction, ExecutorKind, RequestState } from '../store/types.js';
import type { ChatSurface, Executor, Inventory } from './ports.js';
import type { Silences } from './silences.js';

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

export interface Deps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  surface: ChatSurface;
  inventory: Inventory;
  executors: Partial<Record<ExecutorKind, Executor>>;
  decisions: Decisions;
  runner: Runner;
  settle: Settle;
  /** Posts a new card's metric chart into its thread, when PROMETHEUS_URL is set. */
  charts?: { post(requestId: string): void; idle(): Promise<void> };
  /** Silences from the card (silence_scale / unsilence_scale) and the ones found in Alertmanager for a new card. */
  silences?: Silences;
  /** vCenter, when GOVC_URL is set (templates, inventory, the local executor). */
  govc?: Govc;
  /** Jenkins, when JENKINS_URL is set: `/autoscale jenkins diff|push|remove` manage the services' jobs. */
  jenkins?: Pick<JenkinsClient, 'previewJob' | 'upsertJob' | 'deleteJob'>;
  /** A Slack user's own language for what only they read (help, App Home); absent: BOT_LOCALE. */
  userLocales?: UserLocales;
}
