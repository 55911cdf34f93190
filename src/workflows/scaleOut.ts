/**
 * The local scale-out: reserve IP → name → clone → customize → power on → wait for the guest IP →
 * health check → add to the F5 pool. Each step is journaled before and after it runs; a failure
 * compensates in reverse (F5 member, VM, IP) and says what was undone.
 *
 * Crash recovery resumes: completed steps are skipped and the interrupted step is re-run
 * idempotently (an existing VM of ours is adopted by its mark, a 409 from F5 is success, powering on
 * a running VM is a no-op). If the resumed run fails, the usual compensation runs. A crash during
 * compensation is different: the attempt records that its rollback began (Attempt.rollback), and a
 * restart finishes the rollback and ends the request failed — it never resumes the steps.
 *
 * VMs are addressed by identity: the clone step records the VM's path, moref and UUID, every later
 * step and the rollback use them, and the lease keeps them for scale-in.
 */
import type { Service } from '../config.js';
import { markLeaseInUse, releaseAddress } from '../store/leases.js';
import { markRollbackStarted as recordRollbackStart } from '../store/runs.js';
import { findRequest } from '../store/requests.js';
import type { StoreView as Store } from '../store/store.js';
import type { RollbackFact, ScaleRequest, VmIdentity } from '../store/types.js';
import type { Clock } from '../clock.js';
import { catalog } from '../i18n/index.js';
import { isShutdown, recordUndo, StepError, touched, type Executor, type RunContext } from './ports.js';
import { nextVmName, reserveForService, type Prober } from './reserveIp.js';
import type { LoadBalancer, VCenter } from './vmPorts.js';
import { scaleIn } from './scaleIn.js';
import { identityData, identityFromData, rollbackVm, VM_STEPS, vmSteps, type StepIo, type StepPlan } from './vmSteps.js';
import { WarmPool } from './warmPool.js';
import type { LocalExecutorDeps } from './localExecutorDeps.js';

export type { LocalExecutorDeps } from './localExecutorDeps.js';

const lastAttempt = (r: ScaleRequest) => r.attempts[r.attempts.length - 1];


/** What a scale-out has established so far: what compensation undoes. */
export interface ScaleOutState {
  ip?: string;
  vm?: string;
  /** From the name step on, a VM by that name is ours — unless the clone found someone else's. */
  ownsVm?: boolean;
  /** The VM's identity, once the clone recorded it. */
  identity?: VmIdentity;
}

/** What reserve-ip and name need; without vCenter, names and addresses come from the store's leases only. */
export interface PlacementDeps {
  store: Store;
  clock: Clock;
  vcenter?: VCenter;
  probe?: Prober;
}

/**
 * The first two steps of every scale-out, whoever runs the VM steps afterwards: reserve an address
 * of the pool and choose the next free `<prefix>-<n>` name. Returns the plan of the VM steps.
 */
export async function reserveAndName(d: PlacementDeps, ctx: RunContext, state: ScaleOutState): Promise<StepPlan> {
  const { service, journal, signal, request } = ctx;
  const { vcenter } = d;
  const reserved = await journal.step('reserve-ip', async () => {
    const lease = await reserveForService({ store: d.store, vcenter, signal, at: d.clock.now().toISOString(), probe: d.probe }, service, request.id);
    return { fact: { code: 'ip_reserved', ip: lease.ip }, data: { ip: lease.ip } };
  });
  state.ip = String(reserved!.ip);

  const named = await journal.step('name', async () => {
    const vm = await nextVmName({ store: d.store, vcenter, signal }, service);
    return { fact: { code: 'vm_named', vm }, data: { vm } };
  });
  state.vm = String(named!.vm);
  state.ownsVm = true; // from here a VM by that name is ours (the name step found it free)
  return { requestId: request.id, service, vmName: state.vm, ip: state.ip };
}

/** What compensation needs: the store, and vCenter / F5 when this process can reach them. */
export interface CompensationDeps {
  store: Store;
  clock: Clock;
  vcenter?: VCenter;
  lb?: LoadBalancer;
}

/** The VM's identity the current attempt recorded (its clone, or the warm VM it took), whatever the step's state now. */
function cloneIdentity(r: ScaleRequest | undefined): VmIdentity | undefined {
  const steps = (r && lastAttempt(r)?.steps) ?? [];
  return identityFromData(steps.find((x) => x.name === 'clone')?.data) ?? identityFromData(steps.find((x) => x.name === 'take-warm')?.data);
}

/** The failure that started compensation, as a fact; without one, the attempt's last failed step. */
function failureOf(r: ScaleRequest, error: unknown): RollbackFact['error'] {
  if (error instanceof StepError) return { step: error.step, code: error.code, message: error.message, ...(error.fact ? { fact: error.fact } : {}) };
  if (error instanceof Error) return { step: 'unknown', code: (error as { code?: string }).code ?? 'failed', message: error.message };
  const failed = lastAttempt(r)?.steps.filter((x) => x.state === 'failed').at(-1);
  return failed ? { step: failed.name, code: failed.error?.code ?? 'failed', message: failed.error?.message ?? '', ...(failed.error?.fact ? { fact: failed.error.fact } : {}) }
    : { step: 'unknown', code: 'failed', message: '' };
}

/** Records that compensation of the current attempt began (the first record wins: a resumed rollback keeps it). */
async function markRollbackStarted(d: CompensationDeps, requestId: string, fact: Omit<RollbackFact, 'startedAt'>): Promise<RollbackFact> {
  const at = d.clock.now().toISOString();
  return recordRollbackStart(d.store, requestId, at, fact);
}

/**
 * Undo in reverse: F5 member, VM, IP. Each undo is best effort and recorded. Idempotent, so it is
 * safe after a Jenkins pipeline's own rollback, and after a crash in the middle of it. Before it
 * undoes anything it records on the attempt that the rollback began (Attempt.rollback). Without
 * vCenter the VM steps are not undone here. The VM is destroyed only by its recorded identity (or
 * its mark; see rollbackVm).
 */
export async function compensateScaleOut(
  d: CompensationDeps, ctx: RunContext, state: ScaleOutState, opts: { cloneFoundForeignVm?: boolean; error?: unknown } = {},
): Promise<void> {
  const { service, journal, request, logger } = ctx;
  const r = d.store.data.requests.find((x) => x.id === request.id)!;
  const ownsVm = Boolean(state.ownsVm) && !opts.cloneFoundForeignVm;
  await markRollbackStarted(d, request.id, { error: failureOf(r, opts.error), ip: state.ip, vmName: state.vm, ownsVm });
  if (state.ip && state.vm && d.vcenter) {
    const identity = state.identity ?? cloneIdentity(r);
    const plan: StepPlan = { requestId: request.id, service, vmName: state.vm, ip: state.ip, ...(identity ? { vm: identity } : {}) };
    const undone = await rollbackVm(plan, { vcenter: d.vcenter, lb: d.lb }, {
      memberTouched: touched(journal, r, 'f5-add'),
      // A warm VM the run took is the bot's (its refill cloned it; the lease names it by identity).
      vmOwned: ownsVm && (touched(journal, r, 'clone') || touched(journal, r, 'take-warm')),
      ...(identity ? { vm: identity } : {}),
    });
    for (const u of undone) {
      if (!u.ok) logger.error({ step: u.step, undone: u.fact }, 'rollback: could not undo; fix by hand');
      await journal.undone(u.fact, u.step);
    }
  }
  if (state.ip) {
    const ip = state.ip;
    const held = d.store.data.leases[ip];
    // Already released (a rollback resumed after a crash): nothing to undo, nothing to record.
    if (held && held.service === service.name && held.requestId === request.id) {
      await recordUndo(journal, 'reserve-ip', { code: 'release_ip', ip }, () =>
        releaseAddress(d.store, service.name, ip, d.clock.now().toISOString(), request.id));
    }
  }
}

export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;
  /** The services' warm pools: kept by `maintain`, taken from by a scale-out, returned to by a scale-in. */
  readonly warm: WarmPool;
  constructor(private readonly d: LocalExecutorDeps) {
    this.warm = new WarmPool({ store: d.store, clock: d.clock, vcenter: d.vcenter, lb: d.lb, probe: d.probe, health: d.health, logger: d.logger, freezes: d.freezes, ...d.warm });
  }

  maintain(services: readonly Service[]): void {
    this.warm.maintain(services);
  }

  idle(): Promise<void> {
    return this.warm.idle();
  }

  shutdown(): Promise<void> {
    return this.warm.shutdown();
  }

  /**
   * After a crash: an attempt whose rollback had begun finishes its rollback and fails with the
   * error that started it (the runner records it); any other attempt resumes from its last step.
   */
  async recover(ctx: RunContext): Promise<'resumed' | 'rolled-back'> {
    const fact = ctx.request.direction === 'out' ? lastAttempt(ctx.request)?.rollback : undefined;
    if (fact) {
      ctx.journal.thread((l) => catalog(l).messages.restartedRollingBack);
      await compensateScaleOut(this.d, ctx, { ip: fact.ip, vm: fact.vmName, ownsVm: fact.ownsVm });
      throw new StepError(fact.error.step === 'unknown' ? 'name' : fact.error.step, fact.error.code, fact.error.message, fact.error.fact ? { fact: fact.error.fact } : undefined);
    }
    ctx.journal.thread((l) => catalog(l).messages.restartedResuming);
    await this.run(ctx);
    return 'resumed';
  }

  /**
   * A scale-out of a service with a warm pool takes a ready warm VM (step take-warm) instead of reserving, naming and
   * cloning; none ready (or the attempt already went the cold way): undefined, and no step is recorded.
   */
  private async takeWarm(ctx: RunContext, state: ScaleOutState): Promise<WarmPlan | undefined> {
    const { service, journal, request } = ctx;
    const current = findRequest(this.d.store, request.id) ?? request;
    const cold = (['reserve-ip', 'name', 'clone'] as const).some((x) => touched(journal, current, x));
    if (!service.warmPool || cold) return undefined;
    let data = journal.completed('take-warm')?.data;
    if (!data) {
      const lease = await this.warm.take(service, request.id);
      if (!lease?.vm || !lease.vmName || !lease.taken) return undefined;
      const { vm, vmName, ip, taken } = lease;
      data = await journal.step('take-warm', async () => ({
        fact: { code: 'warm_taken', vm: vmName, ip, state: taken.state },
        data: { ip, vm: vmName, warmState: taken.state, ...identityData(vm) },
      }));
    }
    const identity = identityFromData(data);
    if (!identity || typeof data?.ip !== 'string' || typeof data.vm !== 'string') throw new StepError('take-warm', 'no_identity', 'the warm VM taken has no recorded identity');
    Object.assign(state, { ip: data.ip, vm: data.vm, ownsVm: true, identity });
    return { requestId: request.id, service, vmName: data.vm, ip: data.ip, vm: identity, stopped: data.warmState === 'stopped' };
  }

  async run(ctx: RunContext): Promise<void> {
    if (ctx.request.direction === 'in') return scaleIn(this.d, ctx, this.warm);
    const { service, journal, signal } = ctx;
    const { vcenter, lb } = this.d;
    const state: ScaleOutState = {};
    try {
      const warm = await this.takeWarm(ctx, state);
      const plan = warm ?? (await reserveAndName(this.d, ctx, state));
      const io: StepIo = {
        vcenter, lb, signal, resuming: ctx.resuming, health: this.d.health,
        resumeCloneLimitMs: this.d.resumeCloneLimitMs, resumeCloneGraceMs: this.d.resumeCloneGraceMs, resumeClonePollMs: this.d.resumeClonePollMs,
      };
      const current = () => findRequest(this.d.store, ctx.request.id);
      io.cloneRecord = {
        read: () => current() && lastAttempt(current()!)?.steps.find((x) => x.name === 'clone')?.data,
        write: (data) => journal.record('clone', data),
      };
      // From the warm pool: a running VM is one health check from serving; a stopped one boots first.
      const steps = !warm ? VM_STEPS : VM_STEPS.filter((x) => x === 'health' || x === 'f5-add' || (warm.stopped && (x === 'power-on' || x === 'wait-ip')));
      for (const step of steps) {
        const data = await journal.step(step, async () => {
          try {
            return await vmSteps[step](plan, io);
          } catch (e) {
            if (e instanceof StepError && e.code === 'duplicate_name') state.ownsVm = false; // someone else's VM: never destroy it
            throw e;
          }
        });
        if (step === 'clone') {
          // From here on every step names the VM by the identity the clone recorded.
          const identity = identityFromData(data);
          if (identity) plan.vm = state.identity = identity;
        }
      }
      const member = `${plan.ip}:${service.f5.port}`;

      await markLeaseInUse(this.d.store, service.name, plan.ip, plan.vmName, this.d.clock.now().toISOString(), plan.vm, warm ? undefined : { name: service.template });
      await journal.result({ vmName: plan.vmName, ip: plan.ip, member });
    } catch (e) {
      if (isShutdown(e, signal)) throw e; // shutting down: leave it to recovery
      await compensateScaleOut(this.d, ctx, state, { error: e });
      throw e;
    }
  }
}

export interface WarmPlan extends StepPlan {
  /** The warm VM was stopped: power-on and wait-ip run before the health check. */
  stopped: boolean;
}

export type { Service };
