/**
 * Warm pools (issue 14): a service with `warmPool: { size, state }` keeps `size` VMs cloned from its template and
 * customized with a leased pool address — `running` ones powered on and healthy, `stopped` ones booted once (so the
 * customization applied, and checked healthy) and shut down — outside F5 and not counted as instances. A scale-out
 * takes one (scaleOut.ts) and the pool refills in the background.
 *
 * One maintenance pass per service at a time (`maintain`, from the tick, after a take and at start), in this order:
 *   1. clean up refills a stop or a crash left unfinished: their VM (by recorded identity, or at its exact path by
 *      the refill's own mark) is destroyed, the address released; while vCenter still runs a clone, it waits;
 *   2. drain what the pool should not keep: VMs of an old template (other name, or the same name with a new moref:
 *      a new version), VMs beyond `size`, every VM of a service without a pool (or removed);
 *   3. keep the rest ready: a running pool's VMs are checked every `checkEveryMs`, one that fails two probes in a
 *      row is destroyed (and replaced); a VM a scale-in returned stopped is powered on for a running pool;
 *   4. refill, one clone at a time per service, while the pool is short, never past `scaling.max` + `size` VMs of
 *      the service in total, not during a freeze, and not for a disabled service; after a failed refill it waits
 *      `retryAfterMs` before the next.
 * Every VM it destroys is named by identity (VmIdentity, checked against moref and UUID by vCenter first).
 */
import type { Service } from '../config.js';
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import { checkHealth } from '../integrations/health.js';
import { identityOf } from '../integrations/govc.js';
import { leasesIn } from '../store/leases.js';
import type { StoreView as Store } from '../store/store.js';
import type { IpLease, TemplateOrigin } from '../store/types.js';
import {
  allWarmLeases, claimForDiscard, discardWarm, markWarmReady, recordRefillName, recordRefillPathFree, recordRefillVm, refillLeasesIn, takeWarm, updateWarm, warmLeasesIn,
} from '../store/warm.js';
import { FreezeCalendar } from './freeze.js';
import { nextVmName, reserveForService, type Prober } from './reserveIp.js';
import type { LoadBalancer, VCenter } from './vmPorts.js';
import { destroyVm, identityFromData, madeByClone, RESUME_CLONE_GRACE_MS, RESUME_CLONE_LIMIT_MS, shutDownVm, vmSteps, type StepIo, type StepPlan } from './vmSteps.js';

export interface WarmPoolDeps {
  store: Store;
  clock: Clock;
  vcenter: VCenter;
  lb?: LoadBalancer;
  probe?: Prober;
  logger?: Logger;
  health?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Whether a change freeze holds the service now: no refill then (default: the freeze calendar below). */
  frozen?: (service: Service, now: Date) => boolean;
  /** The bot's freeze calendar (its BOT_TIMEZONE); the composition root passes it (default: windows read in UTC). */
  freezes?: Pick<FreezeCalendar, 'frozenUntil'>;
  /** After a failed refill, the service's next refill waits this long (default 60 s). */
  retryAfterMs?: number;
  /** How often a running warm VM is probed (default 30 s); a failed probe is repeated after recheckAfterMs (3 s). */
  checkEveryMs?: number;
  recheckAfterMs?: number;
  /** How long a guest shutdown may take before the VM is powered off (default 120 s). */
  shutdownTimeoutMs?: number;
  /** An unfinished refill with no VM yet is cleaned up only this long after it started (default RESUME_CLONE_GRACE_MS). */
  cleanupGraceMs?: number;
}

/** The id a refill leases its address and marks its VM with: `wp-<service>-<time>` (the mark's request). */
const refillId = (service: string, now: Date) => `wp-${service}-${now.getTime().toString(36)}`;

const isAbort = (e: unknown, signal: AbortSignal) => signal.aborted || (e as Error)?.name === 'AbortError';

export class WarmPool {
  private readonly running = new Map<string, Promise<void>>();
  private readonly again = new Set<string>();
  private readonly failedAt = new Map<string, number>();
  /** Warm VMs of services no longer kept here, being drained (by address). */
  private readonly orphans = new Map<string, Promise<void>>();
  private readonly stopping = new AbortController();
  /** template name → moref, looked up once per pass. */
  private templateIds = new Map<string, Promise<string | undefined>>();

  constructor(private readonly d: WarmPoolDeps) {}

  /** Starts a maintenance pass for each of `services` (and for warm VMs of services no longer listed); returns at once. */
  maintain(services: readonly Service[]): void {
    if (this.stopping.signal.aborted) return;
    this.templateIds = new Map();
    const names = new Set(services.map((s) => s.name));
    for (const s of services) this.kick(s);
    // Warm VMs of a removed service: drained (by identity) with nothing to refill.
    for (const l of allWarmLeases(this.d.store.data)) {
      if (names.has(l.service) || this.orphans.has(l.ip)) continue;
      // One drain per VM at a time (a tick comes every few seconds; a destroy may take longer).
      this.orphans.set(l.ip, this.discard(l, 'its service was removed, or is not run by this executor')
        .catch((e: unknown) => this.d.logger?.error({ err: e, service: l.service, vm: l.vmName }, 'warm VM of a removed service: drain failed; tried again later'))
        .finally(() => this.orphans.delete(l.ip)));
    }
  }

  /** A pass for one service (after a take, say): queued behind the running one, never two at once. */
  kick(service: Service): void {
    if (this.stopping.signal.aborted) return;
    if (this.running.has(service.name)) {
      this.again.add(service.name);
      return;
    }
    const pass = this.pass(service)
      .catch((e: unknown) => { if (!isAbort(e, this.stopping.signal)) this.d.logger?.error({ err: e, service: service.name }, 'warm pool pass failed'); })
      .finally(() => {
        this.running.delete(service.name);
        if (this.again.delete(service.name)) this.kick(service);
      });
    this.running.set(service.name, pass);
  }

  /** Resolves when no pass runs. */
  async idle(): Promise<void> {
    while (this.running.size || this.orphans.size) await Promise.all([...this.running.values(), ...this.orphans.values()]);
  }

  /** Stops: a refill in flight is abandoned (the next start cleans it up). */
  async shutdown(): Promise<void> {
    this.stopping.abort();
    await Promise.all([...this.running.values(), ...this.orphans.values()]);
  }

  /**
   * The ready warm VM a scale-out of `requestId` takes (or took, on a retry or a resume); undefined when none is
   * ready. A VM of another template than the service's now is never taken.
   */
  async take(service: Service, requestId: string): Promise<IpLease | undefined> {
    if (!service.warmPool) return undefined;
    const at = this.d.clock.now().toISOString();
    const taken = await takeWarm(this.d.store, service.name, requestId, at, { template: service.template, prefer: service.warmPool.state });
    if (taken) this.kick(service);
    return taken;
  }

  /** Whether a scale-in's victim should go back to the pool instead of being destroyed: the pool is short and it fits. */
  wants(service: Service, victim: IpLease): boolean {
    const pool = service.warmPool;
    if (!pool || !service.enabled || !victim.vm || victim.template?.name !== service.template) return false;
    const d = this.d.store.data;
    return warmLeasesIn(d, service.name).length + refillLeasesIn(d, service.name).length < pool.size;
  }

  private now() {
    return this.d.clock.now();
  }

  private frozen(service: Service, now: Date): boolean {
    if (this.d.frozen) return this.d.frozen(service, now);
    return (this.d.freezes ?? new FreezeCalendar('UTC')).frozenUntil(service, now) !== undefined;
  }

  private async pass(service: Service): Promise<void> {
    const signal = this.stopping.signal;
    for (const l of refillLeasesIn(this.d.store.data, service.name)) await this.cleanupRefill(service, l, signal);
    await this.drain(service, signal);
    await this.keepReady(service, signal);
    await this.refill(service, signal);
  }

  private async templateMoref(name: string): Promise<string | undefined> {
    let p = this.templateIds.get(name);
    if (!p) {
      p = this.d.vcenter.vmInfo(name, this.stopping.signal).then((i) => (i?.template ? i.moref : undefined), () => undefined);
      this.templateIds.set(name, p);
    }
    return p;
  }

  /** Old template, beyond size, no pool: destroyed by identity, address released. */
  private async drain(service: Service, signal: AbortSignal): Promise<void> {
    const warm = warmLeasesIn(this.d.store.data, service.name);
    const size = service.warmPool?.size ?? 0;
    const current = service.warmPool ? await this.templateMoref(service.template) : undefined;
    let kept = 0;
    for (const l of warm) {
      if (signal.aborted) return;
      const why = !service.warmPool ? 'the service has no warm pool'
        : l.template?.name !== service.template ? `the service's template is ${service.template} now (this VM is of ${l.template?.name ?? 'an unknown template'})`
        : current && l.template?.moref && l.template.moref !== current ? `a new version of ${service.template} (${current}, was ${l.template.moref})`
        : kept >= size ? `the pool keeps ${size}` : undefined;
      if (why) await this.discard(l, why);
      else kept++;
    }
  }

  /** Running pools: a probe every checkEveryMs, a failing VM destroyed; a stopped VM (returned by a scale-in) powered on. */
  private async keepReady(service: Service, signal: AbortSignal): Promise<void> {
    if (service.warmPool?.state !== 'running') return;
    const every = this.d.checkEveryMs ?? 30_000;
    const h = service.healthCheck;
    for (const l of warmLeasesIn(this.d.store.data, service.name)) {
      if (signal.aborted) return;
      const vm = l.vm!;
      const plan: StepPlan = { requestId: l.requestId, service, vmName: l.vmName!, ip: l.ip, vm };
      try {
        if (l.warm?.state === 'stopped') {
          const started = Date.now();
          await this.boot(plan, signal);
          await updateWarm(this.d.store, l.ip, vm.moref, { state: 'running', checkedAt: this.now().toISOString(), bootMs: Date.now() - started });
          continue;
        }
        if (l.warm?.checkedAt && this.now().getTime() - Date.parse(l.warm.checkedAt) < every) continue;
        // Two probes a few seconds apart must fail: one lost packet does not cost a clone.
        const target = { type: h.type, host: l.ip, port: h.port, path: h.path, expectStatus: h.expectStatus };
        let r = await checkHealth(target, 5000);
        if (!r.ok) {
          await new Promise((res) => setTimeout(res, this.d.recheckAfterMs ?? 3000));
          r = await checkHealth(target, 5000);
        }
        if (!r.ok) {
          await this.discard(l, `its health check failed twice: ${r.detail}`);
          continue;
        }
        await updateWarm(this.d.store, l.ip, vm.moref, { checkedAt: this.now().toISOString() });
      } catch (e) {
        if (isAbort(e, signal)) throw e;
        await this.discard(l, `it could not be made ready: ${(e as Error).message}`);
      }
    }
  }

  /** Power on → guest IP → healthy (vmSteps, as a scale-out runs them). */
  private async boot(plan: StepPlan, signal: AbortSignal): Promise<void> {
    const io = this.io(signal);
    await vmSteps['power-on'](plan, io);
    await vmSteps['wait-ip'](plan, io);
    await vmSteps.health(plan, io);
  }

  private io(signal: AbortSignal): StepIo {
    return { vcenter: this.d.vcenter, lb: this.d.lb, signal, health: this.d.health };
  }

  /** How many VMs the service has in all: serving (F5 members, else in-use leases) + warm + being made. */
  private async total(service: Service): Promise<number> {
    const leases = leasesIn(this.d.store.data, service.name);
    const mine = leases.filter((l) => l.state !== 'in-use').length;
    const { pool, partition } = service.f5;
    const serving = this.d.lb ? await this.d.lb.listMembers(pool, partition).then((m) => m.length, () => undefined) : undefined;
    return mine + (serving ?? leases.filter((l) => l.state === 'in-use').length);
  }

  private async refill(service: Service, signal: AbortSignal): Promise<void> {
    const pool = service.warmPool;
    if (!pool || !service.enabled) return;
    for (;;) {
      if (signal.aborted) return;
      const now = this.now();
      const failed = this.failedAt.get(service.name);
      if (failed !== undefined && Date.now() - failed < (this.d.retryAfterMs ?? 60_000)) return;
      if (this.frozen(service, now)) return;
      if (warmLeasesIn(this.d.store.data, service.name).length >= pool.size) return;
      const total = await this.total(service);
      if (total >= service.scaling.max + pool.size) {
        this.d.logger?.info({ service: service.name, total, limit: service.scaling.max + pool.size }, 'warm pool short, but the service has scaling.max + warmPool.size VMs: no refill');
        return;
      }
      try {
        await this.refillOne(service, pool.state, signal);
        this.failedAt.delete(service.name);
      } catch (e) {
        if (isAbort(e, signal)) return;
        this.failedAt.set(service.name, Date.now());
        this.d.logger?.error({ err: e, service: service.name }, 'warm pool refill failed; it tries again later');
        return;
      }
    }
  }

  /**
   * One warm VM: address (reserved, marked as a refill), name (recorded first), clone with the refill's mark (identity
   * recorded), customize, power on, guest IP, healthy; `stopped`: then shut down. Undone on failure.
   */
  private async refillOne(service: Service, state: 'stopped' | 'running', signal: AbortSignal): Promise<void> {
    const { store, vcenter } = this.d;
    const started = Date.now();
    const now = this.now();
    const id = refillId(service.name, now);
    const lease = await reserveForService({ store, vcenter, signal, at: now.toISOString(), probe: this.d.probe, refill: true }, service, id);
    const vmName = await nextVmName({ store, vcenter, signal }, service);
    await recordRefillName(store, lease.ip, id, vmName);
    const plan: StepPlan = { requestId: id, service, vmName, ip: lease.ip };
    const io: StepIo = {
      ...this.io(signal),
      // The clone writes down that its exact path was free right before it cloned: a cleanup after a crash reads it.
      cloneRecord: {
        read: () => { const f = store.data.leases[lease.ip]?.refill?.vmPathFree; return f ? { vmPathFree: f } : undefined; },
        write: async (data) => { if (typeof data.vmPathFree === 'string') await recordRefillPathFree(store, lease.ip, id, data.vmPathFree); },
      },
    };
    try {
      const cloned = await vmSteps.clone(plan, io);
      const vm = identityFromData(cloned.data);
      if (!vm) throw new Error(`the clone of ${vmName} recorded no VM identity`);
      const template: TemplateOrigin = { name: service.template, ...(await this.templateMoref(service.template).then((m) => (m ? { moref: m } : {}))) };
      await recordRefillVm(store, lease.ip, id, vm, template);
      plan.vm = vm;
      await vmSteps.customize(plan, io);
      const booting = Date.now();
      await this.boot(plan, signal);
      const bootMs = Date.now() - booting;
      if (state === 'stopped') await shutDownVm(vcenter, vm, { timeoutMs: this.d.shutdownTimeoutMs ?? 120_000, pollMs: 500, signal });
      const readyAt = this.now().toISOString();
      await markWarmReady(store, lease.ip, id, { state, readyAt, checkedAt: readyAt, bootMs, buildMs: Date.now() - started });
      this.d.logger?.info({ service: service.name, vm: vmName, ip: lease.ip, state, ms: Date.now() - started }, 'warm VM ready');
    } catch (e) {
      if (isAbort(e, signal)) throw e; // stopping: the next start cleans this refill up
      const l = store.data.leases[lease.ip];
      if (l) await this.cleanupRefill(service, l, signal, { why: `the refill failed: ${(e as Error).message}`, settled: true });
      throw e;
    }
  }

  /**
   * An unfinished refill: its VM is destroyed when proven the refill's (its recorded identity, or the VM at the exact
   * path carrying the refill's mark), then the address is released. A VM at the path that is not proven its own is
   * left alone (and the address kept, so nothing else takes it); while vCenter still runs a clone of the template and
   * no VM is there yet, it waits for a later pass.
   */
  private async cleanupRefill(
    service: Service, l: IpLease, signal: AbortSignal,
    o: { why: string; settled: boolean } = { why: 'a refill the bot did not finish (it was stopped or crashed)', settled: false },
  ): Promise<void> {
    const why = o.why;
    const { vcenter, store } = this.d;
    let vm = l.vm;
    if (!vm && l.vmName) {
      const path = await vcenter.vmPathIn(service.vcenter, l.vmName, signal);
      const info = await vcenter.vmAt(path, signal);
      // The refill's mark, or (govc writes the mark after the clone task) the free path it wrote down before cloning.
      if (info && !(await madeByClone(vcenter, { service, requestId: l.requestId, vmName: l.vmName }, path, info, l.refill?.vmPathFree, signal))) {
        this.d.logger?.error({ service: service.name, path, lease: l.ip }, 'an unfinished refill\'s VM path holds a VM that is not proven the bot\'s: left alone, address kept — check it by hand');
        return;
      }
      vm = identityOf(info);
      if (!info && !o.settled) {
        // Its clone may still finish (vCenter may not list the task; vcsim never does while it delays one): wait a
        // grace period from the refill's start, and as long as vCenter shows a clone of the template running.
        const age = this.now().getTime() - Date.parse(l.refill?.startedAt ?? l.at);
        if (age < (this.d.cleanupGraceMs ?? RESUME_CLONE_GRACE_MS)) return;
        if (age < RESUME_CLONE_LIMIT_MS && (await vcenter.cloneTaskRunning(service.template, signal).catch(() => false))) return;
      }
    }
    if (vm) await destroyVm(vcenter, vm, signal);
    await discardWarm(store, l.ip, { requestId: l.requestId, ...(l.vm ? { moref: l.vm.moref } : {}) }, why, this.now().toISOString());
    this.d.logger?.info({ service: service.name, vm: l.vmName, ip: l.ip, why }, 'warm pool refill cleaned up');
  }

  /** Drops a warm VM: destroyed by identity, address released. */
  private async discard(l: IpLease, why: string): Promise<void> {
    const vm = l.vm!;
    // Out of the pool first: a scale-out that took it meanwhile keeps it, and nothing is destroyed.
    if (!(await claimForDiscard(this.d.store, l.ip, { requestId: l.requestId, moref: vm.moref }, this.now().toISOString()))) {
      this.d.logger?.info({ service: l.service, vm: l.vmName, ip: l.ip, why }, 'warm VM not discarded: it left the pool meanwhile (taken by a scale-out)');
      return;
    }
    await destroyVm(this.d.vcenter, vm, this.stopping.signal);
    await discardWarm(this.d.store, l.ip, { requestId: l.requestId, moref: vm.moref }, why, this.now().toISOString());
    this.d.logger?.info({ service: l.service, vm: l.vmName, ip: l.ip, why }, 'warm VM discarded');
  }

}

/** How long a scale-out from this warm VM should take: a running one is one health check away; a stopped one boots. */
export function expectedWarmMs(l: Pick<IpLease, 'warm'>): number | undefined {
  return l.warm?.state === 'running' ? 5_000 : l.warm?.bootMs;
}

