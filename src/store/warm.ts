/**
 * The warm pool's leases (issue 14). A warm VM is an address lease in state `warm`: the VM's identity, the template it
 * was cloned from, how the pool keeps it. Every change is a named transition here, atomic and audited:
 *
 *   refill:   reserved+refill (address claimed) → vmName → vm identity → warm         (or released on failure)
 *   take:     warm → reserved for a scale-out request (`taken`) → in-use by markLeaseInUse
 *   return:   in-use (a scale-in's victim, out of F5 and stopped) → warm
 *   discard:  warm or a stale refill → released (its VM destroyed by identity first, by the caller)
 */
import { appendAudit } from './audit.js';
import { leasesIn } from './leases.js';
import { writerOf, type StoreView } from './store.js';
import type { IpLease, StoreData, TemplateOrigin, VmIdentity, WarmFact } from './types.js';

/** The service's warm VMs, oldest first. */
export function warmLeasesIn(d: Readonly<StoreData>, service: string): IpLease[] {
  return leasesIn(d, service).filter((l) => l.state === 'warm' && l.vm && l.vmName).sort((a, b) => (a.warm?.readyAt ?? a.at).localeCompare(b.warm?.readyAt ?? b.at));
}

/** Every warm VM of every service (services removed meanwhile included: the pool drains them). */
export function allWarmLeases(d: Readonly<StoreData>): IpLease[] {
  return Object.values(d.leases).filter((l) => l.state === 'warm');
}

/** Refills that have not finished (the bot was stopped or crashed during one): the pool cleans them up. */
export function refillLeasesIn(d: Readonly<StoreData>, service: string): IpLease[] {
  return leasesIn(d, service).filter((l) => l.state === 'reserved' && l.refill);
}

/** A warm VM a scale-out request took: found again on a retry or after a restart. */
export function takenLeaseOf(d: Readonly<StoreData>, service: string, requestId: string): IpLease | undefined {
  return leasesIn(d, service).find((l) => l.state === 'reserved' && l.requestId === requestId && l.taken);
}

/** The refill chose its VM's name: recorded before the clone, so a cleanup after a crash knows the exact path. */
export async function recordRefillName(store: StoreView, ip: string, refillId: string, vmName: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (l && l.requestId === refillId && l.refill) l.vmName = vmName;
  });
}

/** The refill's VM path was free right before its clone (see IpLease.refill.vmPathFree). */
export async function recordRefillPathFree(store: StoreView, ip: string, refillId: string, path: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (l && l.requestId === refillId && l.refill) l.refill.vmPathFree = path;
  });
}

/** The refill's clone is done: the VM's identity and the template it came from. */
export async function recordRefillVm(store: StoreView, ip: string, refillId: string, vm: VmIdentity, template: TemplateOrigin): Promise<void> {
  await writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (l && l.requestId === refillId && l.refill) Object.assign(l, { vm, template });
  });
}

/** The refill's VM is ready: the lease becomes warm. */
export async function markWarmReady(store: StoreView, ip: string, refillId: string, warm: WarmFact): Promise<boolean> {
  return writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (!l || l.requestId !== refillId || !l.refill || !l.vm) return false;
    delete l.refill;
    Object.assign(l, { state: 'warm', warm, at: warm.readyAt });
    appendAudit(d, { at: warm.readyAt, actor: 'bot', action: 'warm.ready', target: `${l.service}/${l.vmName}`, detail: `${l.vm.moref} at ${l.vm.path}, ${ip}, ${warm.state}` });
    return true;
  });
}

/** How the pool keeps a warm VM now (checked healthy, powered on or shut down by the pool). */
export async function updateWarm(store: StoreView, ip: string, moref: string, change: Partial<WarmFact>): Promise<void> {
  await writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (l && l.state === 'warm' && l.vm?.moref === moref && l.warm) Object.assign(l.warm, change);
  });
}

/** Which warm VM a scale-out takes: one of the service's template now, the pool's own state first. */
export interface WarmPick {
  template: string;
  prefer: WarmFact['state'];
}

/** The warm VM a scale-out of the service would take now (what the card shows, and what takeWarm takes), oldest first. */
export function nextWarm(d: Readonly<StoreData>, service: string, pick: WarmPick): IpLease | undefined {
  const ready = warmLeasesIn(d, service).filter((l) => l.template?.name === pick.template);
  return ready.find((l) => l.warm?.state === pick.prefer) ?? ready[0];
}

/**
 * A scale-out request takes a ready warm VM of the service (oldest first, `prefer` state first), atomically: two
 * requests never take one VM. Idempotent: the request that already took one gets it back.
 */
export async function takeWarm(store: StoreView, service: string, requestId: string, at: string, pick: WarmPick): Promise<IpLease | undefined> {
  return writerOf(store).mutate((d) => {
    const mine = takenLeaseOf(d, service, requestId);
    if (mine) return { ...mine };
    const l = nextWarm(d, service, pick);
    if (!l) return undefined;
    const warm = l.warm!;
    delete l.warm;
    Object.assign(l, { state: 'reserved', requestId, at, taken: { at, state: warm.state, ...(warm.bootMs !== undefined ? { bootMs: warm.bootMs } : {}) } });
    appendAudit(d, { at, actor: 'bot', action: 'warm.take', target: `${service}/${l.vmName}`, detail: `${requestId}: ${l.vm?.moref} at ${l.vm?.path}, ${l.ip}, ${warm.state}` });
    return { ...l };
  });
}

/**
 * A scale-in's victim goes back to the pool instead of being destroyed: it is out of F5 and stopped. Only the VM
 * the lease of `ip` names by identity (`moref`), and only while it is in use.
 */
export async function returnToWarm(store: StoreView, service: string, ip: string, moref: string, requestId: string, at: string): Promise<boolean> {
  return writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (!l || l.service !== service) return false;
    if (l.state === 'warm' && l.requestId === requestId) return true; // a resumed step
    if (l.state !== 'in-use' || l.vm?.moref !== moref) return false;
    delete l.protected;
    delete l.taken;
    Object.assign(l, { state: 'warm', requestId, at, warm: { state: 'stopped', readyAt: at } satisfies WarmFact });
    appendAudit(d, { at, actor: 'bot', action: 'warm.return', target: `${service}/${l.vmName}`, detail: `${requestId}: ${moref} at ${l.vm.path}, ${ip}` });
    return true;
  });
}

/**
 * The pool is about to destroy a warm VM: first it takes the lease out of the pool, atomically, so no scale-out can
 * take the VM meanwhile (a take that came first wins: then false, and nothing is destroyed). The lease becomes an
 * unfinished refill, so a crash before the destroy is cleaned up like one (by the recorded identity).
 */
export async function claimForDiscard(store: StoreView, ip: string, expect: { requestId: string; moref: string }, at: string): Promise<boolean> {
  return writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (!l || l.state !== 'warm' || l.requestId !== expect.requestId || l.vm?.moref !== expect.moref) return false;
    delete l.warm;
    Object.assign(l, { state: 'reserved', refill: { startedAt: at, discarding: true } });
    return true;
  });
}

/**
 * The pool lets go of a warm VM or an unfinished refill (its VM destroyed, or proven absent, by the caller): the
 * address is released, audited with why. Only the lease as the caller saw it (`requestId`, and `moref` when it has one).
 */
export async function discardWarm(store: StoreView, ip: string, expect: { requestId: string; moref?: string }, why: string, at: string): Promise<boolean> {
  return writerOf(store).mutate((d) => {
    const l = d.leases[ip];
    if (!l || l.requestId !== expect.requestId || (l.state !== 'warm' && !l.refill) || l.vm?.moref !== expect.moref) return false;
    delete d.leases[ip];
    appendAudit(d, { at, actor: 'bot', action: l.refill && !l.refill.discarding ? 'warm.refill.discard' : 'warm.discard', target: `${l.service}/${l.vmName ?? ip}`, detail: `${why} (${l.vm ? `${l.vm.moref} at ${l.vm.path}, ` : ''}${ip})` });
    return true;
  });
}
