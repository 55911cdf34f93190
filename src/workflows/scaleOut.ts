/**
 * The local scale-out: reserve IP → name → clone → customize → power on → wait for the guest IP →
 * health check → add to the F5 pool. Each step is journaled before and after it runs; a failure
 * compensates in reverse (F5 member, VM, IP) and says what was undone.
 *
 * Crash recovery resumes: completed steps are skipped and the interrupted step is re-run
 * idempotently (an existing VM of ours is adopted, a 409 from F5 is success, powering on a running
 * VM is a no-op). If the resumed run fails, the usual compensation runs.
 */
import type { Service } from '../config.js';
import { nextFreeName } from '../integrations/govc.js';
import { leasesOf, markLeaseInUse, releaseAddress } from '../store/leases.js';
import type { Store } from '../store/store.js';
import type { ScaleRequest, StepName } from '../store/types.js';
import type { Clock } from '../clock.js';
import { isShutdown, recordUndo, StepError, type Executor, type Journal, type RunContext } from './ports.js';
import { defaultProber, reserveAddress, type Prober } from './reserveIp.js';
import type { LoadBalancer, VCenter } from './vmPorts.js';
import { serviceVmPattern } from './vmPorts.js';
import { scaleIn } from './scaleIn.js';
import { rollbackVm, VM_STEPS, vmSteps, type StepIo, type StepPlan } from './vmSteps.js';

export interface LocalExecutorDeps {
  store: Store;
  clock: Clock;
  vcenter: VCenter;
  lb?: LoadBalancer;
  probe?: Prober;
  /** Health-check backoff; tests shorten it. */
  health?: { initialDelayMs?: number; maxDelayMs?: number };
  /** How long a resumed clone waits for a VM whose clone task may still run in vCenter. */
  resumeCloneWaitMs?: number;
  /** Scale-in: how often to read the member's connection count while draining. */
  drainPollMs?: number;
  /** Scale-in: how long a guest shutdown may take before the VM is powered off. */
  shutdownTimeoutMs?: number;
}

const lastAttempt = (r: ScaleRequest) => r.attempts[r.attempts.length - 1];

/** Which steps of the current attempt ran (done, failed or interrupted), for compensation. */
export function touched(journal: Journal, r: ScaleRequest, step: StepName): boolean {
  return Boolean(journal.completed(step)) || Boolean(lastAttempt(r)?.steps.some((s) => s.name === step));
}

/** What a scale-out has established so far: what compensation undoes. */
export interface ScaleOutState {
  ip?: string;
  vm?: string;
  /** From the name step on, a VM by that name is ours — unless the clone found someone else's. */
  ownsVm?: boolean;
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
  const leasedNames = () => leasesOf(d.store, service.name).flatMap((l) => (l.vmName ? [l.vmName] : []));
  const reserved = await journal.step('reserve-ip', async () => {
    const vms = vcenter ? (await vcenter.listVms({ prefix: service.vmNamePrefix }, signal)).filter((n) => serviceVmPattern(service.vmNamePrefix).test(n)) : [];
    const guestIps = vcenter ? await vcenter.guestIps(vms, signal) : new Set<string>();
    const lease = await reserveAddress({ store: d.store, at: d.clock.now().toISOString(), guestIps, probe: d.probe ?? defaultProber }, service, request.id);
    return { detail: `${lease.ip} reserved`, data: { ip: lease.ip } };
  });
  state.ip = String(reserved!.ip);

  const named = await journal.step('name', async () => {
    const names = vcenter ? await vcenter.listVms({ prefix: service.vmNamePrefix }, signal) : leasedNames();
    const vm = nextFreeName(service.vmNamePrefix, names);
    return { detail: vm, data: { vm } };
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

/**
 * Undo in reverse: F5 member, VM, IP. Each undo is best effort and recorded. Idempotent, so it is
 * safe after a Jenkins pipeline's own rollback. Without vCenter the VM steps are not undone here.
 */
export async function compensateScaleOut(
  d: CompensationDeps, ctx: RunContext, state: ScaleOutState, opts: { cloneFoundForeignVm?: boolean } = {},
): Promise<void> {
  const { service, journal, request, logger } = ctx;
  const r = d.store.data.requests.find((x) => x.id === request.id)!;
  if (state.ip && state.vm && d.vcenter) {
    const plan: StepPlan = { requestId: request.id, service, vmName: state.vm, ip: state.ip };
    const undone = await rollbackVm(plan, { vcenter: d.vcenter, lb: d.lb }, {
      memberTouched: touched(journal, r, 'f5-add'),
      vmOwned: Boolean(state.ownsVm) && !opts.cloneFoundForeignVm && touched(journal, r, 'clone'),
    });
    for (const u of undone) {
      if (!u.ok) logger.error({ step: u.step }, u.text);
      await journal.undone(u.text, u.step);
    }
  }
  if (state.ip) {
    const ip = state.ip;
    await recordUndo(journal, 'reserve-ip', { done: `released ${ip}`, todo: `release ${ip}` }, () =>
      releaseAddress(d.store, service.name, ip, d.clock.now().toISOString(), request.id));
  }
}

export class LocalExecutor implements Executor {
  readonly kind = 'local' as const;
  constructor(private readonly d: LocalExecutorDeps) {}

  async recover(ctx: RunContext): Promise<'resumed' | 'rolled-back'> {
    ctx.journal.thread(':arrows_counterclockwise: The bot restarted during this run; resuming from the last completed step.');
    await this.run(ctx);
    return 'resumed';
  }

  async run(ctx: RunContext): Promise<void> {
    if (ctx.request.direction === 'in') return scaleIn(this.d, ctx);
    const { service, journal, signal } = ctx;
    const { vcenter, lb } = this.d;
    const state: ScaleOutState = {};
    try {
      const plan = await reserveAndName(this.d, ctx, state);
      const io: StepIo = { vcenter, lb, signal, resuming: ctx.resuming, health: this.d.health, resumeCloneWaitMs: this.d.resumeCloneWaitMs };
      for (const step of VM_STEPS) {
        await journal.step(step, async () => {
          try {
            return await vmSteps[step](plan, io);
          } catch (e) {
            if (e instanceof StepError && e.code === 'duplicate_name') state.ownsVm = false; // someone else's VM: never destroy it
            throw e;
          }
        });
      }
      const member = `${plan.ip}:${service.f5.port}`;

      await markLeaseInUse(this.d.store, service.name, plan.ip, plan.vmName, this.d.clock.now().toISOString());
      await journal.result({ vmName: plan.vmName, ip: plan.ip, member });
    } catch (e) {
      if (isShutdown(e, signal)) throw e; // shutting down: leave it to recovery
      await compensateScaleOut(this.d, ctx, state);
      throw e;
    }
  }
}

export type { Service };
