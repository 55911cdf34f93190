import type { Clock } from '../clock.js';
import type { UserLocales } from '../integrations/userLocales.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Govc } from '../integrations/govc.js';
import type { JenkinsClient } from '../integrations/jenkins/client.js';
import type { Store } from '../store/store.js';
import type { Direction, ExecutorKind } from '../store/types.js';
import type { ChatSurface, Executor, Inventory } from './ports.js';
import type { Silences } from './silences.js';

export type DecisionResult =
  | { ok: true; requestId: string }
  | { ok: false; code: 'not_found' | 'not_approver' | 'already_decided' | 'blocked' | 'frozen' | 'not_failed' | 'refused'; message: string };

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
