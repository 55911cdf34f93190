/**
 * The VM steps of a scale-out, as plain functions of a plan: the local executor runs them inside its
 * journal, and `cli.js run-step` runs them from a Jenkins pipeline — one implementation for both.
 * Each is idempotent where a retry or a resume needs it to be.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { z } from 'zod';
import { serviceSchema, type Service } from '../config.js';
import { formatDuration } from '../duration.js';
import { waitHealthy, type HealthTarget } from '../integrations/health.js';
import { identityOf, ownerMark, readOwnerMark } from '../integrations/govc.js';
import type { VmInfo } from '../integrations/vmInfo.js';
import type { StepRecord, UndoneFact, VmIdentity } from '../store/types.js';
import { ms } from './policy.js';
import { StepError, type StepResult } from './ports.js';
import type { LoadBalancer, VCenter } from './vmPorts.js';

const vmIdentitySchema = z.object({ path: z.string().min(1), moref: z.string().min(1), uuid: z.string().min(1), instanceUuid: z.string().optional() });

/** What a run has decided before the VM steps: the service, the request, the VM name and address. */
export const stepPlanSchema = z.object({
  requestId: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  service: serviceSchema,
  vmName: z.string().regex(/^[a-z0-9-]+$/),
  ip: z.string(),
  /** The VM's identity once the clone recorded it; without it, steps prove the VM at its exact path by the bot's mark. */
  vm: vmIdentitySchema.optional(),
});
export type StepPlan = z.infer<typeof stepPlanSchema>;

/** The VM steps and their order come from the step registry; each has its implementation below. */
export { VM_STEPS, type VmStep } from './steps.js';
import type { VmStep } from './steps.js';

/**
 * How long a resumed clone waits for a clone task that vCenter still runs (the bot crashed while
 * govc waited for it) before giving up with `clone_wait_timeout`. A full clone of a large template
 * on a busy vCenter can take this long; LocalExecutorDeps.resumeCloneLimitMs overrides it.
 */
export const RESUME_CLONE_LIMIT_MS = 30 * 60_000;
/**
 * How long a resumed clone waits for the VM even when vCenter shows no clone task of the template:
 * a task may not be listed yet, and vcsim never lists one while its -method-delay holds the call.
 */
export const RESUME_CLONE_GRACE_MS = 60_000;
/** How often a resumed clone looks at vCenter while it waits. */
export const RESUME_CLONE_POLL_MS = 2000;

export interface StepIo {
  vcenter: VCenter;
  lb?: LoadBalancer;
  signal?: AbortSignal;
  /** True when re-running a step that a crash interrupted. */
  resuming?: boolean;
  health?: { initialDelayMs?: number; maxDelayMs?: number };
  /** Limit of a resumed clone's wait for the interrupted clone task (default RESUME_CLONE_LIMIT_MS). */
  resumeCloneLimitMs?: number;
  /** How long it waits when no clone task is visible (default RESUME_CLONE_GRACE_MS, never beyond the limit). */
  resumeCloneGraceMs?: number;
  resumeClonePollMs?: number;
  /**
   * The journal of the clone step, when there is one: the clone writes down that its exact path was
   * free right before it cloned (`vmPathFree`), and a resumed clone reads it back. That record is the
   * proof for a VM an interrupted clone left without the bot's mark (govc 0.24 writes the annotation
   * after the clone task, so a clone cut short by a crash leaves none).
   */
  cloneRecord?: { read(): StepRecord['data'] | undefined; write(data: NonNullable<StepRecord['data']>): Promise<void> };
}

const member = (p: StepPlan) => `${p.ip}:${p.service.f5.port}`;
/**
 * How often the health step looks at a booting guest: every 250 ms (a TCP connect or one GET, bounded by
 * healthCheck.timeout). An exponential backoff (1, 2, 4, 8, 10 s) would see a guest up to 10 s after it came up,
 * for no gain: the check is cheap and it is the only thing the run waits for. StepIo.health overrides it (tests).
 */
export const HEALTH_POLL = { initialDelayMs: 250, maxDelayMs: 250 } as const;
const healthTimeout = (s: Service) => ms(s.healthCheck.timeout, 300_000);
const sleep = (msec: number, signal?: AbortSignal) => delay(msec, undefined, { signal });

/** The clone step's record `data`: the VM's identity, flat (step data holds primitives). */
export function identityData(id: VmIdentity): Record<string, string> {
  return { vmPath: id.path, vmMoref: id.moref, vmUuid: id.uuid, ...(id.instanceUuid ? { vmInstanceUuid: id.instanceUuid } : {}) };
}

/** The identity a clone step recorded, if it did. */
export function identityFromData(data: StepRecord['data'] | undefined): VmIdentity | undefined {
  const { vmPath, vmMoref, vmUuid, vmInstanceUuid } = data ?? {};
  if (typeof vmPath !== 'string' || typeof vmMoref !== 'string' || typeof vmUuid !== 'string') return undefined;
  return { path: vmPath, moref: vmMoref, uuid: vmUuid, ...(typeof vmInstanceUuid === 'string' ? { instanceUuid: vmInstanceUuid } : {}) };
}

/** Whether the bot's mark on the VM names this plan's service and request (and it is a VM, not a template). */
function markedForPlan(info: VmInfo, p: Pick<StepPlan, 'service' | 'requestId'>): boolean {
  const mark = readOwnerMark(info.annotation);
  return !info.template && mark?.service === p.service.name && mark.requestId === p.requestId;
}

/**
 * The plan's VM, proven: the recorded identity, else the VM at the exact path `<folder>/<name>`
 * when it carries this request's mark. undefined when there is no such VM; `foreign` when a VM is
 * at the path but is not proven the bot's own.
 */
export async function provenVm(p: StepPlan, io: StepIo): Promise<{ vm?: VmIdentity; foreign?: string; path: string }> {
  if (p.vm) return { vm: p.vm, path: p.vm.path };
  const path = await io.vcenter.vmPathIn(p.service.vcenter, p.vmName, io.signal);
  const info = await io.vcenter.vmAt(path, io.signal);
  if (!info) return { path };
  const vm = identityOf(info);
  return vm && markedForPlan(info, p) ? { vm, path } : { foreign: path, path };
}

async function planVm(p: StepPlan, io: StepIo, step: VmStep): Promise<VmIdentity> {
  const r = await provenVm(p, io);
  if (r.vm) return r.vm;
  const mark = ownerMark(p.service.name, p.requestId);
  throw new StepError(step, r.foreign ? 'not_ours' : 'not_found', r.foreign
    ? `the VM at ${r.foreign} does not carry this request's mark (${mark}): not the bot's, left alone`
    : `no VM at ${r.path}`, { fact: r.foreign ? { code: 'vm_not_ours', path: r.foreign, mark } : { code: 'vm_missing', path: r.path } });
}

/**
 * Whether the VM at `path` is the one this request's clone made: it carries the request's mark, or
 * (a clone cut short before govc wrote the mark) the clone step recorded that the path was free
 * right before it cloned, and exactly one VM, not a template, now has that path.
 */
async function madeByThisClone(io: StepIo, p: StepPlan, path: string, info: VmInfo): Promise<boolean> {
  return madeByClone(io.vcenter, p, path, info, io.cloneRecord?.read()?.vmPathFree, io.signal);
}

/**
 * The rule behind madeByThisClone, for any clone that wrote down `pathFree` (a scale-out's clone step, a warm-pool
 * refill): the VM at `path` carries the mark of `p`'s request, or it carries no mark, is not a template, its path is
 * the one recorded free right before the clone, and exactly one VM has that path now.
 */
export async function madeByClone(vcenter: VCenter, p: Pick<StepPlan, 'service' | 'requestId' | 'vmName'>, path: string, info: VmInfo, pathFree: unknown, signal?: AbortSignal): Promise<boolean> {
  if (markedForPlan(info, p)) return true;
  // Another request's mark, a template, or no record that the path was free: not this clone's.
  if (info.template || readOwnerMark(info.annotation) || pathFree !== path) return false;
  const same = (await vcenter.findByName(p.vmName, signal)).filter((x) => x === path);
  return same.length === 1;
}

/** Powers off (unless off) and destroys the VM of this identity; false when it is gone already. vCenter refuses another VM at its path. */
export async function destroyVm(vcenter: VCenter, vm: VmIdentity, signal?: AbortSignal): Promise<boolean> {
  const info = await vcenter.lookup(vm, signal);
  if (!info) return false;
  if (info.powerState !== 'poweredOff') await vcenter.powerOff(vm, signal);
  await vcenter.destroy(vm, signal);
  return true;
}

/**
 * Shuts the guest down and waits for the VM to be off, looking every `pollMs`; powers it off after `timeoutMs`.
 * Says which of the two it took (a VM that is gone counts as shut down).
 */
export async function shutDownVm(vcenter: VCenter, vm: VmIdentity, o: { timeoutMs: number; pollMs: number; signal?: AbortSignal }): Promise<'shut_down' | 'powered_off'> {
  await vcenter.shutdownGuest(vm, o.signal).catch(() => undefined);
  const deadline = Date.now() + o.timeoutMs;
  while (Date.now() < deadline) {
    const info = await vcenter.lookup(vm, o.signal);
    if (!info || info.powerState === 'poweredOff') return 'shut_down';
    await sleep(o.pollMs, o.signal);
  }
  await vcenter.powerOff(vm, o.signal);
  return 'powered_off';
}

/**
 * A clone interrupted by a crash may still run in vCenter. Look at the exact path: a VM there with
 * this request's mark is ours (adopt it); any other VM there is someone else's. Nothing there: wait
 * while vCenter still runs a clone task of the template, up to the limit (and for a short grace when
 * it shows none); then the caller clones again — should the first clone finish after all, vCenter
 * refuses the second by name and the marked VM is adopted then (see clone). Ownership is decided by
 * the mark, never by timing.
 */
async function adoptInterruptedClone(io: StepIo, p: StepPlan, path: string): Promise<VmIdentity | undefined> {
  const limit = io.resumeCloneLimitMs ?? RESUME_CLONE_LIMIT_MS;
  const started = Date.now();
  for (;;) {
    const info = await io.vcenter.vmAt(path, io.signal);
    if (info) {
      const id = identityOf(info);
      if (id && (await madeByThisClone(io, p, path, info))) return id;
      throw new StepError('clone', 'duplicate_name', `a VM ${path} exists but does not carry this request's mark: it is not ours and was left alone`, { fact: { code: 'duplicate_path', path } });
    }
    // A vCenter whose tasks we cannot read: clone again; a duplicate is then resolved by the mark.
    const running = await io.vcenter.cloneTaskRunning(p.service.template, io.signal).catch(() => false);
    const waited = Date.now() - started;
    if (!running && waited >= Math.min(limit, io.resumeCloneGraceMs ?? RESUME_CLONE_GRACE_MS)) return undefined;
    if (waited >= limit) {
      throw new StepError('clone', 'clone_wait_timeout',
        `the interrupted clone of ${p.service.template} is still running in vCenter after ${formatDuration(limit)}; nothing was cloned again — check vCenter's tasks, then Retry`,
        { fact: { code: 'clone_wait_timeout', template: p.service.template, limitMs: limit } });
    }
    await sleep(io.resumeClonePollMs ?? RESUME_CLONE_POLL_MS, io.signal);
  }
}

export const vmSteps: Record<VmStep, (p: StepPlan, io: StepIo) => Promise<StepResult>> = {
  async clone(p, io) {
    const { service, vmName } = p;
    const path = await io.vcenter.vmPathIn(service.vcenter, vmName, io.signal);
    // Only a clone that got as far as vCenter can have left a VM or a task behind: with a journal,
    // that is one that recorded its free path; without one (a pipeline), assume it may have.
    const interrupted = io.resuming && (!io.cloneRecord || io.cloneRecord.read()?.vmPathFree === path);
    if (interrupted) {
      const adopted = await adoptInterruptedClone(io, p, path);
      if (adopted) return { fact: { code: 'vm_adopted', path, moref: adopted.moref, when: 'while_down' }, data: identityData(adopted) };
    }
    if (!interrupted) {
      // The path must be free: a VM there already is this request's (marked) or someone else's.
      const before = await io.vcenter.vmAt(path, io.signal);
      const id = identityOf(before);
      if (before && id && markedForPlan(before, p)) return { fact: { code: 'vm_adopted', path, moref: id.moref, when: 'earlier' }, data: identityData(id) };
      if (before) throw new StepError('clone', 'duplicate_name', `a VM named ${vmName} appeared in vCenter meanwhile; it is not ours and was left alone`, { fact: { code: 'duplicate_name', vm: vmName } });
      // Only a path that is free now can hold a VM this clone makes; write it down before cloning.
      await io.cloneRecord?.write({ vmPathFree: path });
    }
    try {
      await io.vcenter.clone({ template: service.template, name: vmName, ...service.vcenter, annotation: ownerMark(service.name, p.requestId) }, io.signal);
    } catch (e) {
      if ((e as { code?: string }).code === 'duplicate_name') {
        // Ours after all when it carries this request's mark (an interrupted clone that finished meanwhile).
        const there = await io.vcenter.vmAt(path, io.signal).catch(() => undefined);
        const id = identityOf(there);
        if (there && id && (markedForPlan(there, p) || (io.resuming && (await madeByThisClone(io, p, path, there))))) return { fact: { code: 'vm_adopted', path, moref: id.moref, when: 'earlier' }, data: identityData(id) };
        throw new StepError('clone', 'duplicate_name', `a VM named ${vmName} appeared in vCenter meanwhile; it is not ours and was left alone`, { cause: e, fact: { code: 'duplicate_name', vm: vmName } });
      }
      throw e;
    }
    // One VM at the path, or the bot cannot tell which is the one it made (vCenter refuses a second
    // VM of a name in a folder; the simulator does not).
    const atPath = (await io.vcenter.findByName(vmName, io.signal)).filter((x) => x === path);
    if (atPath.length > 1) throw new StepError('clone', 'ambiguous', `${atPath.length} VMs have the path ${path} after the clone: the bot cannot tell its own and leaves them alone — check by hand`, { fact: { code: 'ambiguous', count: atPath.length, path } });
    const id = identityOf(await io.vcenter.vmAt(path, io.signal));
    if (!id) throw new StepError('clone', 'no_identity', `cloned ${vmName} but vCenter shows no VM with moref and UUID at ${path}`, { fact: { code: 'no_identity', vm: vmName, path } });
    return { fact: { code: 'vm_cloned', vm: vmName, template: service.template, path: id.path, moref: id.moref }, data: identityData(id) };
  },

  async customize(p, io) {
    const { service, vmName, ip } = p;
    const n = service.network;
    const vm = await planVm(p, io, 'customize');
    try {
      await io.vcenter.customize({ vm, ip, netmask: n.netmask, gateway: n.gateway, dns: n.dns, hostname: vmName }, io.signal);
    } catch (e) {
      // A resumed customize that already took effect: vCenter says a customization is pending.
      if (!(io.resuming && /CustomizationPending/i.test((e as Error).message))) throw e;
    }
    return { fact: { code: 'guest_customized', ip, netmask: n.netmask, gateway: n.gateway } };
  },

  async 'power-on'(p, io) {
    await io.vcenter.powerOn(await planVm(p, io, 'power-on'), io.signal);
    return { fact: { code: 'vm_powered_on', vm: p.vmName } };
  },

  async 'wait-ip'(p, io) {
    const { service, vmName, ip } = p;
    const seen = await io.vcenter.waitForIp(await planVm(p, io, 'wait-ip'), healthTimeout(service), io.signal);
    if (!seen) throw new StepError('wait-ip', 'timeout', `${vmName} reported no IPv4 address within ${service.healthCheck.timeout}`, { fact: { code: 'ip_timeout', vm: vmName, timeoutMs: healthTimeout(service) } });
    if (seen !== ip) throw new StepError('wait-ip', 'wrong_ip', `${vmName} reports ${seen}, expected ${ip} (customization did not apply?)`, { fact: { code: 'wrong_ip', vm: vmName, seen, expected: ip } });
    return { fact: { code: 'ip_seen', ip: seen } };
  },

  async health({ service, ip }, io) {
    const h = service.healthCheck;
    const target: HealthTarget = { type: h.type, host: ip, port: h.port, path: h.path, expectStatus: h.expectStatus };
    const r = await waitHealthy(target, { timeoutMs: healthTimeout(service), signal: io.signal, ...HEALTH_POLL, ...io.health });
    if (!r.ok) {
      throw new StepError('health', r.aborted ? 'aborted' : 'unhealthy', `${ip}:${h.port} not healthy after ${formatDuration(r.elapsedMs)} (${r.attempts} checks): ${r.detail}`,
        { fact: { code: 'unhealthy', target: `${ip}:${h.port}`, elapsedMs: r.elapsedMs, checks: r.attempts, answer: r.detail } });
    }
    return { fact: { code: 'healthy', answer: r.detail, checks: r.attempts } };
  },

  async 'f5-add'(p, io) {
    const { pool, partition, port, deviceGroup } = p.service.f5;
    if (!io.lb) throw new StepError('f5-add', 'no_f5', 'F5_SERVERS is not configured: cannot add the pool member', { fact: { code: 'no_f5', action: 'add' } });
    await io.lb.addMember(pool, partition, p.ip, port);
    const back = await io.lb.getMember(pool, partition, p.ip, port);
    if (!back) {
      throw new StepError('f5-add', 'not_found', `member ${member(p)} was added but is not in /${partition}/${pool} when read back`,
        { fact: { code: 'member_missing', member: member(p), pool: `/${partition}/${pool}` } });
    }
    const sync = deviceGroup ? { syncGroup: deviceGroup, syncStatus: (await io.lb.configSync(deviceGroup)).status } : {};
    return { fact: { code: 'member_added', member: member(p), pool: `/${partition}/${pool}`, state: back.state, session: back.session, ...sync }, data: { member: member(p) } };
  },
};

/** One thing a rollback of the VM steps did or failed to do, by the step it undoes. */
export interface RolledBack { step: 'f5-add' | 'clone'; ok: boolean; fact: UndoneFact }

/**
 * Undoes the VM steps in reverse: the F5 member (if `memberTouched`), then the VM (if `vmOwned`) —
 * by identity only: `what.vm` or the plan's, else the VM at the exact path when it carries this
 * request's mark. A VM that is not proven the bot's own is never destroyed; that is reported.
 * Idempotent: a missing member or VM is already undone and not listed. Returns what was undone or failed.
 */
export async function rollbackVm(
  p: StepPlan, io: StepIo, what: { memberTouched: boolean; vmOwned: boolean; vm?: VmIdentity },
): Promise<RolledBack[]> {
  const out: RolledBack[] = [];
  const { pool, partition, port } = p.service.f5;
  if (what.memberTouched && io.lb) {
    const lb = io.lb;
    await lb.removeMember(pool, partition, p.ip, port).then(
      // false: not in the pool (never added, or already removed, e.g. by a pipeline's own rollback)
      (removed) => void (removed && out.push({ step: 'f5-add', ok: true, fact: { code: 'remove_member', member: member(p) } })),
      (e: Error) => out.push({ step: 'f5-add', ok: false, fact: { code: 'remove_member', member: member(p), failed: e.message } }),
    );
  }
  if (!what.vmOwned) return out;
  let found: { vm?: VmIdentity; foreign?: string; path: string };
  try {
    found = await provenVm({ ...p, vm: what.vm ?? p.vm }, io);
  } catch (e) {
    out.push({ step: 'clone', ok: false, fact: { code: 'vm_lookup_failed', vm: p.vmName, error: (e as Error).message } });
    return out;
  }
  if (found.foreign) {
    out.push({ step: 'clone', ok: false, fact: { code: 'vm_not_proven', path: found.foreign } });
    return out;
  }
  const vm = found.vm;
  if (!vm) return out; // never cloned, or already gone
  await destroyVm(io.vcenter, vm, io.signal).then(
    (destroyed) => void (destroyed && out.push({ step: 'clone', ok: true, fact: { code: 'destroy_vm', vm: p.vmName } })),
    (e: Error) => out.push({ step: 'clone', ok: false, fact: { code: 'destroy_vm', vm: p.vmName, path: vm.path, failed: e.message } }),
  );
  return out;
}

export type { Service };
