/**
 * What the listeners (handlers/, commands/, the HTTP routes) are given: every service, built once in
 * dependency order by the composition root (app.ts). Only the listeners and app.ts see this bag; a
 * workflow service names what it uses in its own constructor (nothing in workflows/ imports this file).
 */
import type { Clock } from '../clock.js';
import type { UserLocales } from '../integrations/userLocales.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { Govc } from '../integrations/govc.js';
import type { JenkinsClient } from '../integrations/jenkins/client.js';
import type { StoreView as Store } from '../store/store.js';
import type { ExecutorKind } from '../store/types.js';
import type { BelowMin } from './belowMin.js';
import type { FreezeCalendar } from './freeze.js';
import type { IntakeService } from './intake.js';
import type { ChatSurface, Decisions, Executor, Inventory, Runner, Settle } from './ports.js';
import type { Silences } from './silences.js';

export type { DecisionFact, DecisionOptions, DecisionResult, Decisions, Runner, Settle } from './ports.js';

export interface Deps {
  config: Config;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Metrics;
  surface: ChatSurface;
  inventory: Inventory;
  executors: Partial<Record<ExecutorKind, Executor>>;
  /** The services' change-freeze windows in BOT_TIMEZONE. */
  freezes: FreezeCalendar;
  /** Alertmanager notifications and manual requests become scale requests here. */
  intake: IntakeService;
  /** The tick's check for services below their minimum. */
  belowMin: BelowMin;
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
