/**
 * The VM steps of a scale-out, as plain functions of a plan: the local executor runs them inside its
 * journal, and `cli.js run-step` runs them from a Jenkins pipeline — one implementation for both.
 * Each is idempotent where a retry or a resume needs it to be.
 */
import { z } from 'zod';
import { serviceSchema, type Service } from '../config.js';
import { formatDuration } from '../duration.js';
import { waitHealthy, type HealthTarget } from '../integrations/health.js';
import { ms } from './policy.js';
import { StepError, type StepResult } from './ports.js';
import type { LoadBalancer, VCenter } from './vmPorts.js';

/** What a run has decided before the VM steps: the service, the request, the VM name and address. */
export const stepPlanSchema = z.object({
  requestId: z.string().regex(/^[A-Za-z0-9_.-]+$/),
  service: serviceSchema,
  vmName: z.string().regex(/^[a-z0-9-]+$/),
  ip: z.string(),
});
export type StepPlan = z.infer<typeof stepPlanSchema>;

export const VM_STEPS = ['clone', 'customize', 'power-on', 'wait-ip', 'health', 'f5-add'] as const;
export type VmStep = (typeof VM_STEPS)[number];

export interface StepIo {
  vcenter: VCenter;
  lb?: LoadBalancer;
  signal?: AbortSignal;
  /** True when re-running a step that a crash interrupted. */
  resuming?: boolean;
  health?: { initialDelayMs?: number; maxDelayMs?: number };
  /** How long a resumed clone waits for a VM whose clone task may still run in vCenter. */
  resumeCloneWaitMs?: number;
}

const member = (p: StepPlan) => `${p.ip}:${p.service.f5.port}`;
const healthTimeout = (s: Service) => ms(s.healthCheck.timeout, 300_000);

/** A clone interrupted by a crash may still finish in vCenter: wait briefly for the VM, then adopt it. */
async function adoptInterruptedClone(io: StepIo, vm: string): Promise<boolean> {
  const deadline = Date.now() + (io.resumeCloneWaitMs ?? 60_000);
  for (;;) {
    const info = await io.vcenter.vmInfo(vm, io.signal);
    if (info && !info.template) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((r) => setTimeout(r, 1000));
  }
}

export const vmSteps: Record<VmStep, (p: StepPlan, io: StepIo) => Promise<StepResult>> = {
  async clone({ service, vmName }, io) {
    if (io.resuming && (await adoptInterruptedClone(io, vmName))) return { detail: `${vmName} already existed (its clone finished while the bot was down)` };
    try {
      await io.vcenter.clone({ template: service.template, name: vmName, ...service.vcenter }, io.signal);
    } catch (e) {
      if ((e as { code?: string }).code === 'duplicate_name') {
        throw new StepError('clone', 'duplicate_name', `a VM named ${vmName} appeared in vCenter meanwhile; it is not ours and was left alone`, { cause: e });
      }
      throw e;
    }
    return { detail: `${vmName} from ${service.template}` };
  },

  async customize({ service, vmName, ip }, io) {
    const n = service.network;
    try {
      await io.vcenter.customize({ vm: vmName, ip, netmask: n.netmask, gateway: n.gateway, dns: n.dns, hostname: vmName }, io.signal);
    } catch (e) {
      // A resumed customize that already took effect: vCenter says a customization is pending.
      if (!(io.resuming && /CustomizationPending/i.test((e as Error).message))) throw e;
    }
    return { detail: `${ip}/${n.netmask} gw ${n.gateway}` };
  },

  async 'power-on'({ vmName }, io) {
    await io.vcenter.powerOn(vmName, io.signal);
    return { detail: vmName };
  },

  async 'wait-ip'({ service, vmName, ip }, io) {
    const seen = await io.vcenter.waitForIp(vmName, healthTimeout(service), io.signal);
    if (!seen) throw new StepError('wait-ip', 'timeout', `${vmName} reported no IPv4 address within ${service.healthCheck.timeout}`);
    if (seen !== ip) throw new StepError('wait-ip', 'wrong_ip', `${vmName} reports ${seen}, expected ${ip} (customization did not apply?)`);
    return { detail: seen };
  },

  async health({ service, ip }, io) {
    const h = service.healthCheck;
    const target: HealthTarget = { type: h.type, host: ip, port: h.port, path: h.path, expectStatus: h.expectStatus };
    const r = await waitHealthy(target, { timeoutMs: healthTimeout(service), signal: io.signal, ...io.health });
    if (!r.ok) throw new StepError('health', r.aborted ? 'aborted' : 'unhealthy', `${ip}:${h.port} not healthy after ${formatDuration(r.elapsedMs)} (${r.attempts} checks): ${r.detail}`);
    return { detail: `${r.detail} after ${r.attempts} check(s)` };
  },

  async 'f5-add'(p, io) {
    const { pool, partition, port, deviceGroup } = p.service.f5;
    if (!io.lb) throw new StepError('f5-add', 'no_f5', 'F5_SERVERS is not configured: cannot add the pool member');
    await io.lb.addMember(pool, partition, p.ip, port);
    const back = await io.lb.getMember(pool, partition, p.ip, port);
    if (!back) throw new StepError('f5-add', 'not_found', `member ${member(p)} was added but is not in /${partition}/${pool} when read back`);
    let detail = `${member(p)} in /${partition}/${pool} (${back.state}, ${back.session})`;
    if (deviceGroup) detail += `; config-sync to ${deviceGroup}: ${(await io.lb.configSync(deviceGroup)).status}`;
    return { detail, data: { member: member(p) } };
  },
};

/**
 * Undoes the VM steps in reverse: the F5 member (if `memberTouched`), then the VM (if `vmOwned`).
 * Idempotent: a missing member or VM is already undone and not listed. Returns what was undone or failed.
 */
export async function rollbackVm(
  p: StepPlan, io: StepIo, what: { memberTouched: boolean; vmOwned: boolean },
): Promise<Array<{ step: 'f5-add' | 'clone'; ok: boolean; text: string }>> {
  const out: Array<{ step: 'f5-add' | 'clone'; ok: boolean; text: string }> = [];
  const { pool, partition, port } = p.service.f5;
  if (what.memberTouched && io.lb) {
    const lb = io.lb;
    await lb.removeMember(pool, partition, p.ip, port).then(
      // false: not in the pool (never added, or already removed, e.g. by a pipeline's own rollback)
      (removed) => void (removed && out.push({ step: 'f5-add', ok: true, text: `removed F5 member ${member(p)}` })),
      (e: Error) => out.push({ step: 'f5-add', ok: false, text: `FAILED to remove F5 member ${member(p)}: ${e.message} — fix by hand` }),
    );
  }
  if (what.vmOwned && (await io.vcenter.exists(p.vmName).catch(() => true))) {
    await (async () => {
      await io.vcenter.powerOff(p.vmName);
      await io.vcenter.destroy(p.vmName);
    })().then(
      () => out.push({ step: 'clone', ok: true, text: `powered off and destroyed ${p.vmName}` }),
      (e: Error) => out.push({ step: 'clone', ok: false, text: `FAILED to power off and destroy ${p.vmName}: ${e.message} — fix by hand` }),
    );
  }
  return out;
}

export type { Service };
