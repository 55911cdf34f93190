/**
 * The Jenkins scale-out: reserve IP → name (as the local executor does), then one `jenkins-build`
 * step that starts the service's job with the plan as a parameter, follows the queue item to its
 * build and mirrors the build's stages (clone … f5-add, each a `run-step` of the bot's own CLI) as
 * journal steps of the same names, so the card reads as it does for a local run.
 *
 * A failed or aborted build gets the local executor's compensation. The pipeline's `post` block has
 * usually rolled back already (`run-step rollback`); that is reported, and the bot's own rollback
 * then finds nothing left — both are idempotent. What each stage did is read from the JSON line its
 * `run-step` printed (runStepProtocol.ts: facts and codes, never English text) and stored as those facts. The queue item and the build are recorded on the
 * step while it runs, so after a restart the bot re-attaches to the same build instead of starting
 * another. Scale-ins run locally: the job only scales out.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { jenkinsRunText } from '../cards/jenkinsMessages.js';
import { JenkinsError, type BuildResult, type JenkinsClient, type StageInfo } from '../integrations/jenkins/client.js';
import { DEFAULT_PLAN_FILE, jobNameFor, type JobParameter } from '../integrations/jenkins/jobConfig.js';
import { parseRunStepLines, type RunStepLine } from '../integrations/jenkins/runStepProtocol.js';
import { registerSecrets } from '../logger.js';
import { markLeaseInUse } from '../store/leases.js';
import { findRequest } from '../store/requests.js';
import { listServices } from '../store/services.js';
import type { ErrorFact, StepFact, StepName, StepRecord } from '../store/types.js';
import { isShutdown, StepError, touched, type Executor, type Journal, type RunContext, type StepResult } from './ports.js';
import { compensateScaleOut, reserveAndName, type CompensationDeps, type PlacementDeps, type ScaleOutState } from './scaleOut.js';
import { VM_STEPS, type StepPlan, type VmStep } from './vmSteps.js';

/** The calls of the Jenkins REST client this executor makes. */
export type JenkinsBuilds = Pick<JenkinsClient, 'buildWithParameters' | 'waitForBuild' | 'getBuild' | 'stages' | 'progressiveText'>;

export interface JenkinsExecutorDeps extends PlacementDeps, CompensationDeps {
  jenkins: JenkinsBuilds;
  /** Runs scale-ins; absent when the bot has no vCenter access. */
  local?: Executor;
  /** Delay between polls of the queue item and the build; default 2 s. */
  pollMs?: number;
}

/** What the build showed that compensation needs. */
interface BuildFacts {
  /** The clone stage found someone else's VM by that name: it must never be destroyed. */
  foreignVm?: boolean;
  /** What the pipeline's own rollback (`post { failure / aborted }`) undid, as `run-step rollback` reported it. */
  pipelineRollback?: NonNullable<RunStepLine['undone']>;
}

/** Facts recorded on the jenkins-build step while it runs. */
interface Attached { queueUrl?: string; build?: number; buildUrl?: string }

const MAX_POLL_FAILURES = 5;
const MAX_CONSOLE = 4 * 1024 * 1024;
const isVmStep = (name: string): name is VmStep => (VM_STEPS as readonly string[]).includes(name);

export class JenkinsExecutor implements Executor {
  readonly kind = 'jenkins' as const;
  constructor(private readonly d: JenkinsExecutorDeps) {
    // The services' webhook tokens are secrets: masked wherever they would appear in a log line.
    registerSecrets(listServices(d.store).map((s) => s.jenkins?.token));
  }

  async recover(ctx: RunContext): Promise<'resumed' | 'rolled-back'> {
    const at = this.attached(ctx.request.id);
    const job = jobNameFor(ctx.service);
    ctx.journal.thread((l) =>
      at.build !== undefined ? jenkinsRunText.reattached(job, `#${at.build}`, l) : at.queueUrl ? jenkinsRunText.reattached(job, undefined, l) : jenkinsRunText.resumed(l));
    await this.run(ctx);
    return 'resumed';
  }

  async run(ctx: RunContext): Promise<void> {
    const { service, journal, signal, request } = ctx;
    if (request.direction === 'in') {
      if (!this.d.local) throw new StepError('f5-disable', 'no_local', jenkinsRunText.noLocalForScaleIn(service.name), { fact: { code: 'no_local', service: service.name } });
      journal.thread((l) => jenkinsRunText.scaleInLocal(service.name, l));
      return this.d.local.run(ctx);
    }
    const state: ScaleOutState = {};
    const facts: BuildFacts = {};
    try {
      const plan = await reserveAndName(this.d, ctx, state);
      await journal.step('jenkins-build', () => this.build(ctx, plan, facts));
      await markLeaseInUse(this.d.store, service.name, plan.ip, plan.vmName, this.d.clock.now().toISOString());
      await journal.result({ vmName: plan.vmName, ip: plan.ip, member: `${plan.ip}:${service.f5.port}` });
    } catch (e) {
      if (isShutdown(e, signal)) throw e; // shutting down: the build goes on; recovery re-attaches
      await this.reportPipelineRollback(journal, facts);
      const r = findRequest(this.d.store, request.id)!;
      if (!this.d.vcenter && state.vm && touched(journal, r, 'clone')) await journal.undone({ code: 'vm_left_to_pipeline', vm: state.vm });
      await compensateScaleOut(this.d, ctx, state, { cloneFoundForeignVm: facts.foreignVm });
      throw e;
    }
  }

  /** Starts the build (or finds the one started before a restart), follows it, and reads its result. */
  private async build(ctx: RunContext, plan: StepPlan, facts: BuildFacts): Promise<StepResult> {
    const { service, journal, signal } = ctx;
    const { jenkins } = this.d;
    const job = jobNameFor(service);
    const at = this.attached(ctx.request.id);
    let queueUrl = at.queueUrl;
    if (!queueUrl) {
      try {
        queueUrl = await jenkins.buildWithParameters(job, buildParameters(plan));
      } catch (e) {
        if (e instanceof JenkinsError && e.code === 'not_found') {
          throw new StepError('jenkins-build', 'no_job', jenkinsRunText.jobMissing(job, service.name), { cause: e, fact: { code: 'no_job', job, service: service.name } });
        }
        throw e;
      }
      await journal.record('jenkins-build', { job, queueUrl });
    }
    let ref = at.build !== undefined ? { number: at.build, url: at.buildUrl ?? '' } : undefined;
    if (!ref) {
      try {
        ref = await jenkins.waitForBuild(queueUrl, { signal, pollMs: this.d.pollMs });
      } catch (e) {
        if (e instanceof JenkinsError && e.code === 'cancelled') throw new StepError('jenkins-build', 'cancelled', jenkinsRunText.queueCancelled(job), { cause: e, fact: { code: 'queue_cancelled', job } });
        throw e;
      }
      await journal.record('jenkins-build', { build: ref.number, buildUrl: ref.url });
      const started = ref;
      journal.thread((l) => jenkinsRunText.buildStarted(job, started.number, started.url, l));
    }
    const end = await this.follow(ctx, job, ref.number);
    facts.foreignVm = lineOf(end.console, 'clone', 'clone')?.code === 'duplicate_name';
    facts.pipelineRollback = lineOf(end.console, 'Declarative: Post Actions', 'rollback')?.undone;
    const data = { job, queueUrl, build: ref.number, buildUrl: ref.url };
    if (end.result === 'SUCCESS') return { fact: { code: 'build_finished', job, build: ref.number, result: end.result, durationMs: end.durationMs }, data };
    const why = end.failedStage ? failureOf(end.console, end.failedStage) : consoleTail(end.console);
    const result = end.result ?? 'FAILURE';
    const fact: ErrorFact = {
      code: 'build_failed', job, build: ref.number, result, tail: why.text,
      ...(end.failedStage ? { stage: end.failedStage } : {}), ...(why.fact ? { cause: why.fact } : {}),
    };
    throw new StepError(end.failedStage ?? 'jenkins-build', end.result === 'ABORTED' ? 'aborted' : 'build_failed',
      jenkinsRunText.buildFailed(job, ref.number, result, end.failedStage, why.text), { fact });
  }

  /** Polls the build until it ends, mirroring its stages on the journal. */
  private async follow(ctx: RunContext, job: string, n: number): Promise<{ result: BuildResult | null; durationMs: number; console: string; failedStage?: VmStep }> {
    const { jenkins } = this.d;
    const mirror = new StageMirror(ctx.journal);
    let log = '';
    let start = 0;
    let failures = 0;
    for (;;) {
      try {
        // In this order, a stage seen ended has its output in the console read after it.
        const info = await jenkins.getBuild(job, n);
        const stages = await jenkins.stages(job, n);
        const chunk = await jenkins.progressiveText(job, n, start);
        log = (log + chunk.text).slice(-MAX_CONSOLE);
        start = chunk.nextStart;
        failures = 0;
        mirror.update(stages, log);
        if (!info.building) {
          const failedStage = await mirror.finish(stages, log, info.result);
          return { result: info.result, durationMs: info.durationMs, console: log, failedStage };
        }
      } catch (e) {
        if (ctx.signal.aborted) throw e;
        if (!(e instanceof JenkinsError && e.transient) || ++failures > MAX_POLL_FAILURES) {
          await mirror.abandon(e as Error);
          throw e;
        }
        ctx.logger.warn({ err: (e as Error).message, failures }, 'jenkins: build poll failed, retrying');
      }
      await sleep(this.d.pollMs ?? 2000, undefined, { signal: ctx.signal }).catch(() => undefined);
      if (ctx.signal.aborted) throw new StepError('jenkins-build', 'aborted', jenkinsRunText.stoppedFollowing(), { fact: { code: 'stopped_following' } });
    }
  }

  /** Lists what the pipeline's own rollback undid (the bot's rollback then finds it gone). */
  private async reportPipelineRollback(journal: Journal, facts: BuildFacts): Promise<void> {
    for (const u of facts.pipelineRollback ?? []) {
      // A failed undo is reported, but its step is not marked undone.
      const step: StepName | undefined = u.ok ? u.step : undefined;
      await journal.undone({ ...u.fact, by: 'pipeline' }, step);
    }
  }

  /** The queue item and build recorded on this attempt's jenkins-build step before a restart. */
  private attached(requestId: string): Attached {
    const a = findRequest(this.d.store, requestId)?.attempts.at(-1);
    const data: StepRecord['data'] = a?.steps.find((s) => s.name === 'jenkins-build')?.data;
    return {
      queueUrl: typeof data?.queueUrl === 'string' ? data.queueUrl : undefined,
      build: typeof data?.build === 'number' ? data.build : undefined,
      buildUrl: typeof data?.buildUrl === 'string' ? data.buildUrl : undefined,
    };
  }
}

/** The job's parameters (see JOB_PARAMETERS). The plan leaves out the webhook token: the agents do not need it. */
export function buildParameters(plan: StepPlan): Record<JobParameter, string> {
  const { jenkins: _jenkins, ...service } = plan.service;
  return {
    SERVICE: service.name,
    REQUEST_ID: plan.requestId,
    VM_NAME: plan.vmName,
    VM_IP: plan.ip,
    TEMPLATE: service.template,
    F5_POOL: service.f5.pool,
    PLAN: JSON.stringify({ ...plan, service }),
    PLAN_FILE: DEFAULT_PLAN_FILE,
  };
}

/**
 * Each pipeline stage named like a VM step becomes a journal step of that name: started when the
 * stage starts, done or failed when it ends (with `run-step`'s line as its detail or error).
 */
class StageMirror {
  private readonly open = new Map<VmStep, { resolve: (r: StepResult) => void; reject: (e: Error) => void }>();
  private readonly steps: Array<Promise<unknown>> = [];
  private readonly started = new Set<VmStep>();

  constructor(private readonly journal: Journal) {}

  update(stages: StageInfo[], log: string): void {
    for (const s of stages) {
      if (!isVmStep(s.name) || s.status === 'NOT_EXECUTED') continue;
      if (s.status === 'SUCCESS') {
        const fact = successOf(log, s.name);
        this.settle(s.name, fact ? { fact } : {});
      } else if (s.status === 'FAILED' || s.status === 'ABORTED' || s.status === 'UNSTABLE') {
        const why = failureOf(log, s.name);
        const code = s.status === 'ABORTED' ? 'aborted' : 'stage_failed';
        this.settle(s.name, why.text
          ? new StepError(s.name, code, why.text, why.fact ? { fact: why.fact } : undefined)
          : new StepError(s.name, code, jenkinsRunText.stageEnded(s.name, s.status), { fact: { code: 'stage_ended', stage: s.name, status: s.status } }));
      } else this.start(s.name);
    }
  }

  /** After the build: settles what is still open; returns the stage that failed, if any. */
  async finish(stages: StageInfo[], log: string, result: BuildResult | null): Promise<VmStep | undefined> {
    this.update(stages, log);
    for (const name of [...this.open.keys()]) {
      if (result === 'SUCCESS') this.settle(name, {});
      else this.settle(name, new StepError(name, 'build_failed', jenkinsRunText.stageEnded(name, result ?? 'unknown'), { fact: { code: 'stage_ended', stage: name, status: result ?? 'unknown' } }));
    }
    await Promise.allSettled(this.steps);
    return stages.find((s): s is StageInfo & { name: VmStep } => isVmStep(s.name) && ['FAILED', 'ABORTED', 'UNSTABLE'].includes(s.status))?.name;
  }

  /** The build can no longer be followed: what is open fails with that reason. */
  async abandon(e: Error): Promise<void> {
    for (const name of [...this.open.keys()]) this.settle(name, e);
    await Promise.allSettled(this.steps);
  }

  private start(name: VmStep): void {
    if (this.open.has(name) || this.started.has(name)) return;
    this.started.add(name);
    const done = new Promise<StepResult>((resolve, reject) => this.open.set(name, { resolve, reject }));
    done.catch(() => undefined); // settled before the journal awaits it: not an unhandled rejection
    const p = this.journal.step(name, () => done);
    p.catch(() => undefined); // the build's result is what fails the run
    this.steps.push(p);
  }

  private settle(name: VmStep, outcome: StepResult | Error): void {
    this.start(name);
    const d = this.open.get(name);
    if (!d) return;
    this.open.delete(name);
    if (outcome instanceof Error) d.reject(outcome);
    else d.resolve(outcome);
  }
}

/** The console lines of a stage, without the Pipeline markers and the echoed commands. */
export function stageLines(log: string, stage: string): string[] {
  const lines = log.split(/\r?\n/);
  const from = lines.lastIndexOf(`[Pipeline] { (${stage})`);
  if (from < 0) return [];
  const out: string[] = [];
  for (const l of lines.slice(from + 1)) {
    if (l === '[Pipeline] // stage') break;
    if (l.startsWith('[Pipeline]') || l.startsWith('+ ') || !l.trim()) continue;
    out.push(l);
  }
  return out;
}

const clip = (s: string) => (s.length > 600 ? `${s.slice(0, 599)}…` : s);

/** The protocol line that `run-step <step>` printed in the stage. */
function lineOf(log: string, stage: string, step: string): RunStepLine | undefined {
  return parseRunStepLines(stageLines(log, stage)).find((l) => l.step === step);
}

/** What the stage's run-step established. */
function successOf(log: string, stage: VmStep): StepFact | undefined {
  const line = lineOf(log, stage, stage);
  return line?.ok ? line.fact : undefined;
}

/**
 * What went wrong in the stage: run-step's failure (its fact, and its message for operators), else the stage's last
 * lines as Jenkins printed them (no fact: shown as they are).
 */
function failureOf(log: string, stage: string): { text: string; fact?: ErrorFact } {
  const line = lineOf(log, stage, stage);
  if (line && !line.ok && (line.message || line.error)) return { text: clip(line.message ?? line.error!.code), ...(line.error ? { fact: line.error } : {}) };
  return { text: clip(stageLines(log, stage).slice(-5).join(' | ')) };
}

/** When no VM stage failed (the plan stage, say): a failed run-step's failure, else the console's last meaningful lines. */
function consoleTail(log: string): { text: string; fact?: ErrorFact } {
  const failed = parseRunStepLines(log.split(/\r?\n/)).find((l) => !l.ok && (l.message || l.error));
  if (failed) return { text: clip(`${failed.step}: ${failed.message ?? failed.error!.code}`), ...(failed.error ? { fact: failed.error } : {}) };
  const lines = log.split(/\r?\n/).filter((l) => l.trim() && !l.startsWith('[Pipeline]') && !l.startsWith('Finished: '));
  return { text: clip(lines.slice(-5).join(' | ')) };
}
