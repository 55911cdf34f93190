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
import { waitHealthy, type HealthTarget } from '../integrations/health.js';
import { nextFreeName } from '../integrations/govc.js';
import { formatDuration } from '../duration.js';
import { markLeaseInUse, releaseAddress } from '../store/leases.js';
import type { Store } from '../store/store.js';
import type { ScaleRequest, StepName } from '../store/types.js';
import type { Clock } from '../clock.js';
import { ms } from './policy.js';
import { StepError, type Executor, type Journal, type RunContext } from './ports.js';
import { defaultProber, reserveAddress, type Prober } from './reserveIp.js';
import type { LoadBalancer, VCenter } from './vmPorts.js';
import { serviceVmPattern } from './vmPorts.js';
import { scaleIn } from './scaleIn.js';

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
function touched(journal: Journal, r: ScaleRequest, step: StepName): boolean {
  return Boolean(journal.completed(step)) || Boolean(lastAttempt(r)?.steps.some((s) => s.name === step));
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
    const { service, journal, signal, request } = ctx;
    const { vcenter, lb } = this.d;
    const state: { ip?: string; vm?: string; ownsVm?: boolean } = {};
    try {
      const reserved = await journal.step('reserve-ip', async () => {
        const vms = (await vcenter.listVms({ prefix: service.vmNamePrefix }, signal)).filter((n) => serviceVmPattern(service.vmNamePrefix).test(n));
        const guestIps = await vcenter.guestIps(vms, signal);
        const lease = await reserveAddress({ store: this.d.store, at: this.d.clock.now().toISOString(), guestIps, probe: this.d.probe ?? defaultProber }, service, request.id);
        return { detail: `${lease.ip} reserved`, data: { ip: lease.ip } };
      });
      state.ip = String(reserved!.ip);

      const named = await journal.step('name', async () => {
        const names = await vcenter.listVms({ prefix: service.vmNamePrefix }, signal);
        const vm = nextFreeName(service.vmNamePrefix, names);
        return { detail: vm, data: { vm } };
      });
      state.vm = String(named!.vm);
      if (journal.completed('clone')) state.ownsVm = true;
      const vm = state.vm;
      const ip = state.ip;

      state.ownsVm = true; // from here a VM by that name is ours (the name step found it free)
      await journal.step('clone', async () => {
        if (ctx.resuming && (await this.adoptInterruptedClone(vm, signal))) return { detail: `${vm} already existed (clone finished while the bot was down)` };
        try {
          await vcenter.clone({ template: service.template, name: vm, ...service.vcenter }, signal);
        } catch (e) {
          if ((e as { code?: string }).code === 'duplicate_name') {
            state.ownsVm = false; // someone else made it meanwhile: never destroy it
            throw new StepError('clone', 'duplicate_name', `a VM named ${vm} appeared in vCenter meanwhile; it is not ours and was left alone`, { cause: e });
          }
          throw e;
        }
        return { detail: `${vm} from ${service.template}` };
      });

      await journal.step('customize', async () => {
        try {
          await vcenter.customize({ vm, ip, netmask: service.network.netmask, gateway: service.network.gateway, dns: service.network.dns, hostname: vm }, signal);
        } catch (e) {
          // A resumed customize that already took effect: vCenter says a customization is pending.
          if (!(ctx.resuming && /CustomizationPending/i.test((e as Error).message))) throw e;
        }
        return { detail: `${ip}/${service.network.netmask} gw ${service.network.gateway}` };
      });

      await journal.step('power-on', async () => {
        await vcenter.powerOn(vm, signal);
        return { detail: vm };
      });

      const timeoutMs = ms(service.healthCheck.timeout, 300_000);
      await journal.step('wait-ip', async () => {
        const seen = await vcenter.waitForIp(vm, timeoutMs, signal);
        if (!seen) throw new StepError('wait-ip', 'timeout', `${vm} reported no IPv4 address within ${service.healthCheck.timeout}`);
        if (seen !== ip) throw new StepError('wait-ip', 'wrong_ip', `${vm} reports ${seen}, expected ${ip} (customization did not apply?)`);
        return { detail: seen };
      });

      await journal.step('health', async () => {
        const target: HealthTarget = { type: service.healthCheck.type, host: ip, port: service.healthCheck.port, path: service.healthCheck.path, expectStatus: service.healthCheck.expectStatus };
        const r = await waitHealthy(target, { timeoutMs, signal, ...this.d.health });
        if (!r.ok) throw new StepError('health', r.aborted ? 'aborted' : 'unhealthy', `${ip}:${service.healthCheck.port} not healthy after ${formatDuration(r.elapsedMs)} (${r.attempts} checks): ${r.detail}`);
        return { detail: `${r.detail} after ${r.attempts} check(s)` };
      });

      const member = `${ip}:${service.f5.port}`;
      await journal.step('f5-add', async () => {
        if (!lb) throw new StepError('f5-add', 'no_f5', 'F5_SERVERS is not configured: cannot add the pool member');
        await lb.addMember(service.f5.pool, service.f5.partition, ip, service.f5.port);
        const back = await lb.getMember(service.f5.pool, service.f5.partition, ip, service.f5.port);
        if (!back) throw new StepError('f5-add', 'not_found', `member ${member} was added but is not in /${service.f5.partition}/${service.f5.pool} when read back`);
        let detail = `${member} in /${service.f5.partition}/${service.f5.pool} (${back.state}, ${back.session})`;
        if (service.f5.deviceGroup) {
          const sync = await lb.configSync(service.f5.deviceGroup);
          detail += `; config-sync to ${service.f5.deviceGroup}: ${sync.status}`;
        }
        return { detail, data: { member } };
      });

      await markLeaseInUse(this.d.store, service.name, ip, vm, this.d.clock.now().toISOString());
      await journal.result({ vmName: vm, ip, member });
    } catch (e) {
      if (signal.aborted) throw e; // shutting down: leave it to recovery
      await this.compensate(ctx, state);
      throw e;
    }
  }

  /** A clone interrupted by a crash may still finish in vCenter: wait briefly for the VM, then adopt it. */
  private async adoptInterruptedClone(vm: string, signal: AbortSignal): Promise<boolean> {
    const deadline = Date.now() + (this.d.resumeCloneWaitMs ?? 60_000);
    for (;;) {
      const info = await this.d.vcenter.vmInfo(vm, signal);
      if (info && !info.template) return true;
      if (Date.now() >= deadline) return false;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }

  /** Undo in reverse: F5 member, VM, IP. Each undo is best effort and recorded. */
  private async compensate(ctx: RunContext, state: { ip?: string; vm?: string; ownsVm?: boolean }): Promise<void> {
    const { service, journal, request, logger } = ctx;
    const fresh = (): ScaleRequest => this.d.store.data.requests.find((r) => r.id === request.id)!;
    const undo = async (text: string, step: StepName, fn: () => Promise<unknown>) => {
      try {
        await fn();
        await journal.undone(text, step);
      } catch (e) {
        logger.error({ err: e, step }, 'compensation failed');
        await journal.undone(`FAILED to ${text.replace(/^\w+/, (w) => w.toLowerCase())}: ${(e as Error).message} — fix by hand`, step);
      }
    };
    const r = fresh();
    if (state.ip && this.d.lb && touched(journal, r, 'f5-add')) {
      const lb = this.d.lb;
      const ip = state.ip;
      await undo(`removed F5 member ${ip}:${service.f5.port}`, 'f5-add', () => lb.removeMember(service.f5.pool, service.f5.partition, ip, service.f5.port));
    }
    if (state.vm && state.ownsVm && touched(journal, r, 'clone')) {
      const vm = state.vm;
      const exists = await this.d.vcenter.exists(vm).catch(() => true);
      if (exists) {
        await undo(`powered off and destroyed ${vm}`, 'clone', async () => {
          await this.d.vcenter.powerOff(vm);
          await this.d.vcenter.destroy(vm);
        });
      }
    }
    if (state.ip) {
      const ip = state.ip;
      await undo(`released ${ip}`, 'reserve-ip', () => releaseAddress(this.d.store, service.name, ip, this.d.clock.now().toISOString(), request.id));
    }
  }
}

export type { Service };
