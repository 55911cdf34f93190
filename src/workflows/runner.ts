/**
 * Runs approved requests through their executor. One run per service at a time (a chain of
 * promises per service), services in parallel. Every step is journaled before and after it runs,
 * so a restart can tell what was done.
 */
import { stepDetailText } from '../cards/facts.js';
import { messages, type Lang } from '../cards/messages.js';
import { redact } from '../logger.js';
import { STALE, type Admission } from '../store/admission.js';
import { findIn } from '../store/requests.js';
import { addPlanLine, beginStep, finishRun, finishStep, recordRunResult, recordStepData, recordUndone, startAttempt } from '../store/runs.js';
import { getService } from '../store/services.js';
import type { Attempt, ErrorRecord, ScaleRequest, StepFact, StepName, StepRecord, UndoneFact } from '../store/types.js';
import type { Clock } from '../clock.js';
import type { Locale } from '../i18n/index.js';
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { StoreView as Store } from '../store/store.js';
import type { ExecutorKind } from '../store/types.js';
import type { FreezeCalendar } from './freeze.js';
import { StepError, type ChatSurface, type Executor, type Inventory, type Journal, type RunContext, type Runner, type StepResult } from './ports.js';
import { admitStart } from './startGate.js';

/** What the runner uses: the executors, the store it journals to, the card it keeps current, the run-start check's inputs. */
export interface RunnerDeps {
  config: Pick<Config, 'BOT_LOCALE' | 'BOT_TIMEZONE'>;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Pick<Metrics, 'runsFinished' | 'stepDuration'>;
  surface: ChatSurface;
  inventory: Inventory;
  executors: Partial<Record<ExecutorKind, Executor>>;
  freezes: FreezeCalendar;
}

/** The journal writes through the store and keeps the card and its thread (in the card's language) current. */
type JournalDeps = Pick<RunnerDeps, 'store' | 'clock' | 'metrics' | 'surface' | 'config'>;

export class RunCoordinator implements Runner {
  private chains = new Map<string, Promise<void>>();
  private active = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private draining = false;

  constructor(private readonly deps: RunnerDeps) {}

  start(requestId: string, opts: { admitted?: boolean } = {}): void {
    if (this.draining) return; // picked up again on the next start (state stays approved), and checked then
    const r = findIn(this.deps.store.data, requestId);
    if (r) this.chainRun(r, false, opts.admitted === true);
  }

  async idle(): Promise<void> {
    while (this.active.size > 0) await Promise.allSettled([...this.active]);
  }

  async shutdown(graceMs = 20_000): Promise<void> {
    this.draining = true;
    const timer = setTimeout(() => this.abort.abort(new Error('the bot is shutting down')), graceMs);
    await this.idle();
    clearTimeout(timer);
  }

  /** Starts (or, after a crash, resumes) the request's current attempt. */
  private async run(requestId: string, resuming = false, admitted = false): Promise<void> {
    const { deps } = this;
    const { store, logger } = deps;
    const started = await this.begin(requestId, resuming, admitted);
    if (!started) return;
    const service = getService(store, started.service);
    deps.surface.sync(requestId);
    const executor = deps.executors[started.executor];
    const log = logger.child({ requestId, service: started.service, executor: started.executor });
    const journal = new RequestJournal(deps, requestId, () => this.draining);
    try {
      if (!service) throw new StepError('name', 'service_gone', messages.serviceGone(started.service), { fact: { code: 'service_gone', service: started.service } });
      if (!executor) throw new StepError('name', 'no_executor', messages.noExecutor(started.executor), { fact: { code: 'no_executor', kind: started.executor } });
      const ctx: RunContext = { request: started, service, journal, signal: this.abort.signal, logger: log, resuming };
      if (resuming && executor.recover) {
        const how = await executor.recover(ctx);
        if (how === 'rolled-back') throw new StepError(lastStep(started) ?? 'name', 'interrupted', messages.interruptedRolledBack(), { fact: { code: 'interrupted' } });
      } else {
        await executor.run(ctx);
      }
      await this.finish(requestId, 'succeeded');
    } catch (e) {
      if (this.draining && (this.abort.signal.aborted || (e instanceof StepError && e.code === 'shutdown'))) {
        log.warn('run checkpointed for shutdown; it resumes on the next start');
        return; // state stays running: recovery picks it up
      }
      const err = e instanceof StepError ? e : new StepError(lastStep(findIn(store.data, requestId)) ?? 'name', 'unexpected', (e as Error).message, { cause: e });
      log.error({ err, step: err.step, code: err.code }, 'run failed');
      await this.finish(requestId, 'failed', err);
    }
  }

  /**
   * approved → running (a new attempt), or running → running again when resuming after a crash. A
   * resumed run is not checked again: it is one of the instances it would count. An approved
   * request that was not admitted just now (approved before a restart) passes the run-start check
   * here, in the mutation that starts it; refused, it becomes blocked (a retry: failed again), and
   * its card and thread say why.
   */
  private async begin(requestId: string, resuming: boolean, admitted: boolean): Promise<ScaleRequest | undefined> {
    const { deps } = this;
    const { store, clock } = deps;
    const start = (admission?: Admission) => startAttempt(store, requestId, { at: clock.now().toISOString(), resuming }, admission);
    const r = findIn(store.data, requestId);
    const service = r && getService(store, r.service);
    const needsCheck = !resuming && !admitted && r?.state === 'approved' && service;
    const res = needsCheck ? await admitStart(deps, service, start) : await start();
    if (res === STALE) throw new Error('a start without an admission answered stale');
    if (res && 'code' in res) {
      deps.logger.warn({ requestId, code: res.code }, 'approved request not started: the run-start check refused it');
      deps.surface.sync(requestId);
      deps.surface.thread(requestId, messages.notStartedThread(res, threadLang(deps, requestId)));
      return undefined;
    }
    return res;
  }

  private async finish(requestId: string, outcome: 'succeeded' | 'failed', err?: StepError): Promise<void> {
    const { deps } = this;
    const at = deps.clock.now().toISOString();
    const r = await finishRun(deps.store, requestId, {
      at, outcome, ...(err ? { error: { step: err.step, ...errorRecord(err) }, auditDetail: `${err.step}: ${redact(err.message)}` } : {}),
    });
    deps.metrics.runsFinished.inc({ direction: r.direction, outcome });
    deps.surface.sync(requestId);
    deps.surface.thread(requestId, messages.runFinishedThread(r, threadLang(deps, requestId)));
  }

  /** On start-up: resume interrupted runs and start approved ones that never started. */
  async recover(): Promise<{ resumed: string[]; started: string[] }> {
    const { deps } = this;
    const resumed: string[] = [];
    const started: string[] = [];
    // Interrupted runs first: an approved request of the same service queues behind them and is checked when its turn comes.
    for (const r of deps.store.data.requests) {
      if (r.state === 'running') {
        resumed.push(r.id);
        this.chainRun(r, true);
      }
    }
    for (const r of deps.store.data.requests) {
      if (r.state === 'approved') {
        started.push(r.id);
        this.start(r.id);
      }
    }
    return { resumed, started };
  }

  /** Queues the run behind the service's current one: one run per service, services in parallel. */
  private chainRun(r: ScaleRequest, resuming: boolean, admitted = false): void {
    const prev = this.chains.get(r.service) ?? Promise.resolve();
    const next = prev.then(() => this.run(r.id, resuming, admitted)).catch((e: unknown) => this.deps.logger.error({ err: e, requestId: r.id }, 'run crashed'));
    this.chains.set(r.service, next);
    this.active.add(next);
    void next.finally(() => {
      this.active.delete(next);
      if (this.chains.get(r.service) === next) this.chains.delete(r.service);
    });
  }
}

function lastStep(r: ScaleRequest | undefined): StepName | undefined {
  const a = r?.attempts[r.attempts.length - 1];
  return a?.steps[a.steps.length - 1]?.name;
}

function currentAttempt(r: ScaleRequest): Attempt {
  return r.attempts[r.attempts.length - 1]!;
}

/** The journal of the request's current attempt, written through the store. */
export class RequestJournal implements Journal {
  constructor(private readonly deps: JournalDeps, private readonly requestId: string, private readonly stopping: () => boolean = () => false) {}

  private request(): ScaleRequest {
    return findIn(this.deps.store.data, this.requestId)!;
  }

  completed(name: StepName): StepRecord | undefined {
    const steps = currentAttempt(this.request()).steps;
    return steps.find((s) => s.name === name && s.state === 'done');
  }

  async step(name: StepName, fn: () => Promise<StepResult>): Promise<StepRecord['data']> {
    const done = this.completed(name);
    if (done) return done.data;
    // Shutting down: checkpoint here, between steps; the next start resumes from this step.
    if (this.stopping()) throw new StepError(name, 'shutdown', 'the bot is shutting down; this step runs after the restart', { fact: { code: 'shutdown' } });
    const { store, clock, metrics, surface } = this.deps;
    const startedAt = clock.now();
    // A step run again in the same attempt (interrupted) keeps what it recorded, e.g. the external job it must re-attach to.
    await beginStep(store, this.requestId, name, startedAt.toISOString());
    surface.sync(this.requestId);
    const t0 = performance.now();
    try {
      const res = await fn();
      const durationMs = performance.now() - t0;
      await this.finishStep(name, 'done', durationMs, res.fact ? { fact: redactFact(res.fact) } : {}, res.data);
      metrics.stepDuration.observe({ step: name, outcome: 'done' }, durationMs / 1000);
      return res.data;
    } catch (e) {
      const durationMs = performance.now() - t0;
      const err = e instanceof StepError ? e : new StepError(name, (e as { code?: string }).code ?? 'failed', (e as Error).message ?? String(e), { cause: e });
      await this.finishStep(name, 'failed', durationMs, { error: errorRecord(err) });
      metrics.stepDuration.observe({ step: name, outcome: 'failed' }, durationMs / 1000);
      if (e instanceof StepError) throw e;
      throw new StepError(name, err.code, redact(err.message), { cause: e });
    }
  }

  private async finishStep(
    name: StepName, state: StepRecord['state'], durationMs: number, outcome: { fact?: StepFact; error?: ErrorRecord }, data?: StepRecord['data'],
  ): Promise<void> {
    const at = this.deps.clock.now().toISOString();
    const rec = await finishStep(this.deps.store, this.requestId, name, { at, state, durationMs, outcome, ...(data ? { data } : {}) });
    this.deps.surface.sync(this.requestId);
    if (state === 'done') {
      // The thread speaks the card's language: the step's label and what it established.
      const lang = threadLang(this.deps, this.requestId);
      this.deps.surface.thread(this.requestId, messages.stepThread(name, durationMs, rec ? stepDetailText(lang.locale, rec) : undefined, lang));
    }
  }

  async record(name: StepName, data: NonNullable<StepRecord['data']>): Promise<void> {
    await recordStepData(this.deps.store, this.requestId, name, data);
  }

  async plan(line: string): Promise<void> {
    await addPlanLine(this.deps.store, this.requestId, redact(line));
  }

  async result(res: { vmName?: string; ip?: string; member?: string }): Promise<void> {
    await recordRunResult(this.deps.store, this.requestId, res);
  }

  async undone(fact: UndoneFact, step?: StepName): Promise<void> {
    await recordUndone(this.deps.store, this.requestId, redactFact(fact), step);
    this.deps.surface.sync(this.requestId);
  }

  thread(words: (locale: Locale) => string): void {
    this.deps.surface.thread(this.requestId, words(threadLang(this.deps, this.requestId).locale));
  }
}

/** Text of other systems inside a fact (an error, a health answer) may carry a secret: masked like a log line. */
function redactFact<F extends object>(f: F): F {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? redact(v) : v])) as F;
}

/** A step error as the store keeps it: its code, the operator's message and the card's fact, secrets masked. */
function errorRecord(e: StepError): ErrorRecord {
  return { code: e.code, message: redact(e.message), ...(e.fact ? { fact: redactFact(e.fact) } : {}) };
}

/** A card's thread speaks the card's language: the service's `locale`, else BOT_LOCALE. */
function threadLang(deps: Pick<RunnerDeps, 'store' | 'config' | 'clock'>, requestId: string): Lang {
  const r = findIn(deps.store.data, requestId);
  const service = r ? getService(deps.store, r.service) : undefined;
  return { locale: service?.locale ?? deps.config.BOT_LOCALE, tz: deps.config.BOT_TIMEZONE, now: deps.clock.now() };
}
