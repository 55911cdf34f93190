/** The persisted shapes. Times are ISO-8601 strings (UTC); the card renders them in BOT_TIMEZONE. */
import type { Service } from '../config.js';

/**
 * 2: leases keyed by address across all services (was service → ip → lease); leases carry the VM's identity.
 * 3: blocks, pre-flight checks, workflow event details, step outcomes, rollback results and errors are codes with typed
 *    parameters, not English (see migrate.ts).
 */
export const SCHEMA_VERSION = 3;

export type Direction = 'out' | 'in';
export type ExecutorKind = 'local' | 'dry-run' | 'jenkins';

/** pending → approved → running → succeeded | failed (→ retry: running …); pending → rejected | withdrawn; blocked. */
export type RequestState = 'pending' | 'blocked' | 'approved' | 'running' | 'succeeded' | 'failed' | 'rejected' | 'withdrawn';
/** Open: the service+direction has a live card; a new alert is folded into it instead of making another. */
export const OPEN_STATES: readonly RequestState[] = ['pending', 'blocked', 'approved', 'running'];
/** States whose card still changes or still offers a button (failed: Retry): kept in sync with the store. */
export const LIVE_CARD_STATES: readonly RequestState[] = [...OPEN_STATES, 'failed'];

export interface AlertSnapshot {
  name: string;
  fingerprint?: string;
  summary?: string;
  description?: string;
  startsAt?: string;
  generatorURL?: string;
  externalURL?: string;
  labels: Record<string, string>;
}

export interface Decision {
  kind: 'approved' | 'rejected';
  /** Slack user id, or 'auto' for auto-approval (mode auto / timeout). */
  by: string;
  at: string;
  reason?: string;
}

/**
 * Why scaling is not possible now, as facts: cards/facts.ts turns them into words. `legacy`: a block written by a bot
 * before schema 3 whose English text the migration did not recognize (shown as it is).
 * protected: the scale-in's victim was protected (`/autoscale protect`) after the card was drawn.
 */
export type BlockInfo = (
  | { code: 'max_instances'; service: string; count: number; max: number }
  | { code: 'min_instances'; service: string; count: number; min: number }
  | { code: 'nothing_to_remove'; service: string; protectedCount?: number }
  | { code: 'cooldown'; service: string; direction: Direction; lastAt: string }
  | { code: 'rate_limit'; service: string; count: number; limit: number }
  | { code: 'frozen'; service: string; reason?: string }
  | { code: 'conflict'; service: string; otherId: string; otherDirection: Direction }
  | { code: 'unknown_instances'; service: string }
  | { code: 'protected'; vm: string }
  | { code: 'legacy'; text: string }
) & {
  /** When scaling becomes possible again, when known. */
  until?: string;
};
export type BlockCode = BlockInfo['code'];

/** One pre-flight finding, as facts (errors from vCenter/F5 are kept as those systems worded them). */
export type CheckFact =
  | { code: 'template_present'; template: string }
  | { code: 'template_missing'; template: string }
  | { code: 'vcenter_unreachable'; error: string }
  | { code: 'ips_free'; free: number; size: number }
  | { code: 'f5_unconfigured' }
  | { code: 'f5_reachable'; pool: string; members: number }
  | { code: 'f5_error'; pool: string; error: string }
  | { code: 'not_consulted' }
  | { code: 'timed_out' }
  | { code: 'legacy'; text: string };
export type Check = { ok: boolean } & CheckFact;

export interface Preview {
  instances: number | null;
  instancesSource: 'f5' | 'vcenter' | 'store' | 'unknown';
  min: number;
  max: number;
  template: string;
  vmName: string | null;
  ip: string | null;
  f5Pool: string;
  /** Pre-flight findings shown on the card (issue 4): each a line, `ok` or not. */
  checks: Check[];
  /** Scale-in: the service's VMs protected from scale-in when the card was drawn (never the victim). */
  protectedVms?: string[];
  /** Scale-out: the ready warm VM the run would take, as the card was drawn (the run takes whichever is ready then). */
  warm?: { vmName: string; ip: string; state: WarmFact['state'] };
  /** Scale-out: how long approve → serving should take, from this service's past runs of the same kind (or its pool's timings). */
  expectedMs?: number;
}

/** The step names come from the step registry (src/steps.ts), defined there once. */
export type { StepName } from '../steps.js';
import type { StepName } from '../steps.js';

export interface StepRecord {
  name: StepName;
  state: 'running' | 'done' | 'failed' | 'undone';
  startedAt: string;
  finishedAt?: string;
  durationMs?: number;
  /** What the step established, as a fact (cards/facts.ts words it); `legacy`: an English detail of schema ≤ 2. */
  fact?: StepFact;
  /** Why the step failed (state failed). */
  error?: ErrorRecord;
  /** Facts the step established (vm name, ip, member) — what recovery and rollback read. */
  data?: Record<string, string | number | boolean | string[]>;
}

/**
 * What a step established, by step: the clone records the VM's identity, the F5 add the member, the drain its
 * connection count or time, release-ip the address. Text that another system wrote (a health answer) stays a parameter,
 * shown as it is. Durations (`…Ms`) are milliseconds, worded in the reader's units (here and in ErrorFact).
 */
export type StepFact =
  | { code: 'ip_reserved'; ip: string }
  | { code: 'vm_named'; vm: string }
  | { code: 'vm_cloned'; vm: string; template: string; path: string; moref: string }
  /** The clone found this request's own VM already there: `while_down`, its clone finished while the bot was down. */
  | { code: 'vm_adopted'; path: string; moref: string; when: 'while_down' | 'earlier' }
  | { code: 'guest_customized'; ip: string; netmask: string; gateway: string }
  | { code: 'vm_powered_on'; vm: string }
  | { code: 'ip_seen'; ip: string }
  /** `answer`: what the health check got, as the health probe words it (`GET http://…/healthz: 200`). */
  | { code: 'healthy'; answer: string; checks: number }
  | { code: 'member_added'; member: string; pool: string; state: string; session: string; syncGroup?: string; syncStatus?: string }
  | { code: 'member_disabled'; member: string }
  | { code: 'drained'; seconds: number }
  | { code: 'drain_timed_out'; connections: number; timeoutMs: number }
  | { code: 'member_removed'; member: string; pool: string }
  | { code: 'guest_shut_down' }
  /** The guest did not shut down in time: powered off. */
  | { code: 'vm_powered_off' }
  | { code: 'vm_destroyed'; vm: string; moref: string; path: string }
  /** A scale-out took a ready VM from the warm pool; a scale-in stopped its VM and returned it there. */
  | { code: 'warm_taken'; vm: string; ip: string; state: 'running' | 'stopped' }
  | { code: 'warm_returned'; vm: string; ip: string }
  | { code: 'ip_released'; ip: string }
  | { code: 'build_finished'; job: string; build: number; result: string; durationMs: number }
  /** A dry run: the line it would run (a command or an API call, from the step registry). */
  | { code: 'dry_run'; line: string }
  | { code: 'legacy'; text: string };
export type StepFactCode = StepFact['code'];

/**
 * Why a step or a run failed, as a fact, when the bot itself decided it (a foreign VM, a wrong address, …). An error
 * another system raised has no fact: its message is shown as that system worded it.
 */
export type ErrorFact =
  | { code: 'vm_not_ours'; path: string; mark: string }
  | { code: 'vm_missing'; path: string }
  | { code: 'duplicate_name'; vm: string }
  | { code: 'duplicate_path'; path: string }
  | { code: 'clone_wait_timeout'; template: string; limitMs: number }
  | { code: 'ambiguous'; count: number; path: string }
  | { code: 'no_identity'; vm: string; path: string }
  | { code: 'ip_timeout'; vm: string; timeoutMs: number }
  | { code: 'wrong_ip'; vm: string; seen: string; expected: string }
  | { code: 'unhealthy'; target: string; elapsedMs: number; checks: number; answer: string }
  | { code: 'no_f5'; action: 'add' | 'drain' }
  | { code: 'member_missing'; member: string; pool: string }
  | { code: 'not_leased'; ip: string; vm: string; service: string }
  | { code: 'no_victim'; service: string }
  | { code: 'unproven_vm'; vm: string; path: string; mark: string; present: boolean }
  | { code: 'min_instances'; service: string; count: number; min: number }
  | { code: 'service_gone'; service: string }
  | { code: 'no_executor'; kind: string }
  | { code: 'interrupted' }
  | { code: 'shutdown' }
  | { code: 'no_job'; job: string; service: string }
  | { code: 'queue_cancelled'; job: string }
  /** `tail`: the failed stage's or the console's last words, as Jenkins or run-step printed them. */
  | { code: 'build_failed'; job: string; build: number; result: string; stage?: string; tail: string; cause?: ErrorFact }
  | { code: 'stage_ended'; stage: string; status: string }
  | { code: 'stopped_following' }
  | { code: 'no_local'; service: string }
  /** run-step's own refusals (a pipeline): no plan, a bad plan, bad input; `problem` as run-step words it. */
  | { code: 'run_step_refused'; step: string; problem: string };
export type ErrorFactCode = ErrorFact['code'];

/**
 * A failure: `code` is the machine code the workflows decide by (`duplicate_name`, `timeout`, a govc or F5 code …);
 * `message` the operator's English line (logs, `requests show`); `fact` what the card words, when the bot decided it.
 */
export interface ErrorRecord {
  code: string;
  message: string;
  fact?: ErrorFact;
}

/** The compensations a rollback performs. */
export type UndoAction =
  | { code: 'remove_member'; member: string }
  | { code: 'destroy_vm'; vm: string; path?: string }
  | { code: 'release_ip'; ip: string }
  | { code: 'power_on_vm'; vm: string }
  | { code: 'readd_member'; member: string }
  | { code: 'reenable_member'; member: string };

/**
 * What a rollback did, one entry per thing: an undo (`failed`: it did not work, with the error as the other system
 * worded it — fix by hand), a VM left alone because it is not proven the bot's, or left to the pipeline's rollback.
 * `by: 'pipeline'`: the Jenkins pipeline's own rollback did it. `legacy`: an English line of schema ≤ 2.
 */
export type UndoneFact = (
  | (UndoAction & { failed?: string })
  | { code: 'vm_not_proven'; path: string }
  | { code: 'vm_lookup_failed'; vm: string; error: string }
  | { code: 'vm_left_to_pipeline'; vm: string }
  | { code: 'legacy'; text: string }
) & { by?: 'pipeline' };
export type UndoneCode = UndoneFact['code'];

export interface Attempt {
  n: number;
  startedAt: string;
  finishedAt?: string;
  outcome?: 'succeeded' | 'failed';
  steps: StepRecord[];
  error?: { step: StepName | 'unknown' } & ErrorRecord;
  undone: UndoneFact[];
  /** What a dry run would have done: argument lists and API calls. */
  plan?: string[];
  result?: { vmName?: string; ip?: string; member?: string };
  /**
   * Set when compensation (rollback) of this attempt began: a restart finishes the rollback instead
   * of resuming the steps, and the attempt ends failed with this error.
   */
  rollback?: RollbackFact;
}

export interface RollbackFact {
  startedAt: string;
  /** The failure that started it. */
  error: { step: StepName | 'unknown' } & ErrorRecord;
  /** What compensation works on, as the run had established it. */
  ip?: string;
  vmName?: string;
  /** False when the clone met someone else's VM by that name: never destroy it. */
  ownsVm: boolean;
}

export interface RequestEvent {
  at: string;
  type:
    | 'created' | 'refired' | 'approved' | 'rejected' | 'auto-approved' | 'withdrawn' | 'resolved'
    | 'blocked' | 'superseded' | 'attempt-started' | 'step' | 'finished' | 'retry' | 'recovered' | 'note';
  by?: string;
  /** Free text a person typed (a reason); never words the bot wrote (those are `fact`). Pre-3 files: see migrate.ts. */
  detail?: string;
  /** What the bot recorded, as a code with parameters. */
  fact?: EventFact;
}

/** Facts on request events (cards/facts.ts renders them). */
export type EventFact =
  | { code: 'refired'; count: number; last: string }
  | { code: 'block_passed' }
  | { code: 'blocked'; block: BlockInfo }
  | { code: 'alert_resolved'; alert: string }
  | { code: 'resolved_before_decision'; alert: string }
  | { code: 'resolved_after_run' }
  /** The settle check said once that the alert still fires after a finished run (it says so only once). */
  | { code: 'still_firing' }
  | { code: 'confirmed_frozen' }
  | { code: 'silenced'; until: string }
  | { code: 'back_at_min'; service: string; count: number; min: number }
  | { code: 'conflicting_alert'; direction: Direction; alert: string }
  /** The runner's own events: an attempt began, a step changed state, a run resumed after a restart, a run ended. */
  | { code: 'attempt_started'; n: number }
  | { code: 'step'; step: StepName; state: StepRecord['state'] }
  | { code: 'resuming' }
  | { code: 'run_finished'; outcome: 'succeeded' | 'failed'; step?: StepName | 'unknown' }
  | { code: 'legacy'; text: string };

export interface ScaleRequest {
  id: string;
  service: string;
  direction: Direction;
  state: RequestState;
  executor: ExecutorKind;
  /** min: the bot proposed it because the live count fell below scaling.min (see `belowMin`). */
  source: 'alert' | 'manual' | 'min';
  /** source min: the live count the bot read and the minimum it fell below. */
  belowMin?: { count: number; min: number; countSource: string };
  requestedBy?: string;
  alert?: AlertSnapshot;
  fireCount: number;
  lastFiredAt: string;
  alertResolvedAt?: string;
  createdAt: string;
  updatedAt: string;
  autoApproveAt?: string;
  decision?: Decision;
  blocked?: BlockInfo;
  card?: { channel: string; ts: string };
  preview: Preview;
  attempts: Attempt[];
  events: RequestEvent[];
  finishedAt?: string;
  /**
   * The Alertmanager silence an approver made from this card (the request was withdrawn with it). `by`: Slack user id;
   * `until`: its end; `expiredAt`/`expiredBy`: when and by whom it was lifted from the card.
   */
  silence?: { id: string; by: string; until: string; createdAt: string; expiredAt?: string; expiredBy?: string };
  /** Active silences for the service found in Alertmanager when the card was created (made in its UI, say). */
  alertmanagerSilences?: Array<{ id: string; createdBy: string; endsAt: string }>;
}

export interface ServiceRecord {
  config: Service;
  updatedAt: string;
  updatedBy: string;
}

/**
 * Who a VM is, as vCenter names it, recorded right after the bot cloned it. Every later call
 * addresses the VM by `path` (govc -vm.ipath: one object per path) and first checks that the VM
 * there still has this `moref` and `uuid`; a VM without a recorded identity is never destroyed.
 */
export interface VmIdentity {
  /** Full inventory path, e.g. /DC0/vm/web/web-server-3. */
  path: string;
  /** Managed object reference value, e.g. vm-73. */
  moref: string;
  /** BIOS UUID (config.uuid): what govc's -vm.uuid finds. */
  uuid: string;
  /** Instance UUID (config.instanceUuid), unique within one vCenter. */
  instanceUuid?: string;
}

/**
 * A VM of a service's warm pool (issue 14): ready outside F5, not counted as an instance. `state`: as the pool keeps
 * it (running: powered on and last seen healthy; stopped: booted once, then shut down).
 */
export interface WarmFact {
  state: 'stopped' | 'running';
  /** When it became ready (or came back from a scale-in). */
  readyAt: string;
  /** When the bot last saw it healthy (running pools). */
  checkedAt?: string;
  /** How long its guest took from power-on to healthy when the pool readied it: what a `stopped` take expects. */
  bootMs?: number;
  /** How long the whole refill took (clone to ready): what a cold scale-out of the service roughly takes. */
  buildMs?: number;
}

/** The template a VM was cloned from: its name and, when vCenter told, its identity (a new version has a new moref). */
export interface TemplateOrigin {
  name: string;
  moref?: string;
}

export interface IpLease {
  ip: string;
  service: string;
  /** The request (`sr-…`) or the warm-pool refill (`wp-…`) that leased the address. */
  requestId: string;
  vmName?: string;
  /**
   * reserved: held for a run (or a warm-pool refill, see `refill`); in-use: a VM the bot created holds it and serves;
   * warm: a VM of the warm pool holds it (see `warm`).
   */
  state: 'reserved' | 'in-use' | 'warm';
  /** state warm: how the pool keeps the VM. */
  warm?: WarmFact;
  /** A warm VM a scale-out request took (state reserved, `requestId` the request's) until it serves (in-use). */
  taken?: { at: string; state: WarmFact['state']; bootMs?: number };
  /** A reserved lease of a warm-pool refill: a restart finds it unfinished and cleans it up (destroys its VM by identity). */
  refill?: {
    startedAt: string;
    /**
     * The VM's exact path was free right before the refill cloned (written before the clone): the proof for a VM a
     * clone cut short left without the bot's mark (govc writes the annotation after the clone task).
     */
    vmPathFree?: string;
    /** Not a refill: a warm VM the pool took out of the pool to destroy it (see store/warm.ts claimForDiscard). */
    discarding?: true;
  };
  /** The template the VM was cloned from (warm-pool VMs and the VMs made from them): a new template drains the pool. */
  template?: TemplateOrigin;
  at: string;
  /** The VM holding the address (in-use), as proven when the bot cloned it. Absent on leases of schema 1. */
  vm?: VmIdentity;
  /** `/autoscale protect`: scale-in never picks this VM. On the lease, so it lives exactly as long as the bot's VM does. */
  protected?: { by: string; at: string };
}

/**
 * What the below-minimum check remembers of a service (persisted, so a restart still compares): whether
 * the bot has seen it at its minimum since it was last short, and the last proposal it made.
 */
export interface BelowMinWatch {
  /** The live count was at or above scaling.min at the last reading that was (or once the check saw it whole). */
  seenWhole: boolean;
  /** The last below-min proposal: the count it was made for, when, and its request. */
  proposed?: { count: number; at: string; requestId: string };
}

export interface TemplateMeta {
  name: string;
  description?: string;
  sourceVm?: string;
  createdBy?: string;
  createdAt: string;
}

export interface AuditEntry {
  at: string;
  actor: string;
  action: string;
  target?: string;
  detail?: string;
}

export interface StoreData {
  schemaVersion: number;
  services: Record<string, ServiceRecord>;
  requests: ScaleRequest[];
  /** ip → lease, across all services: one address is never held twice. */
  leases: Record<string, IpLease>;
  templates: Record<string, TemplateMeta>;
  audit: AuditEntry[];
  /** unknown service name → last notice time (rate limit of one notice per hour) */
  notices: Record<string, string>;
  /** service → what the below-minimum check remembers (absent in files written before it existed). */
  belowMin?: Record<string, BelowMinWatch>;
}

export function emptyData(): StoreData {
  return { schemaVersion: SCHEMA_VERSION, services: {}, requests: [], leases: {}, templates: {}, audit: [], notices: {} };
}
