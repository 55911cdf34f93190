/**
 * The local scale-in: disable the F5 member for new connections, drain, remove the member, shut the
 * guest down (power off after a timeout), destroy the VM, release its IP. If anything fails before
 * the VM is gone, the member is put back and re-enabled (and a shut-down VM powered on again).
 *
 * The victim comes from its lease, by identity: the lease records the VM's path, moref and UUID
 * when the bot cloned it. A lease without one (schema 1) is re-proven only by the bot's mark on the
 * VM at its exact path naming the lease's service and request (an operator adopts an old VM by
 * writing that annotation); otherwise nothing is touched, not even the F5 member.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { identityOf, ownerMark, readOwnerMark } from '../integrations/govc.js';
import { recordLeaseVm, releaseAddress } from '../store/leases.js';
import type { StepName, VmIdentity } from '../store/types.js';
import type { Service } from '../config.js';
import type { LocalExecutorDeps } from './localExecutorDeps.js';
import { returnToWarm } from '../store/warm.js';
import type { WarmPool } from './warmPool.js';
import { ms } from './policy.js';
import { isShutdown, recordUndo, StepError, touched, type RunContext } from './ports.js';
import { shutDownVm } from './vmSteps.js';

// timers/promises removes its abort listener when the timer fires: the runner's signal lives as long as the bot.
const sleep = (msec: number, signal?: AbortSignal) => delay(msec, undefined, { signal });

/** The identity of the VM the lease of `ip` says the bot created as `vm`, proven; else a StepError. */
async function victimIdentity(d: LocalExecutorDeps, service: Service, vm: string, ip: string, signal: AbortSignal): Promise<VmIdentity> {
  const lease = d.store.data.leases[ip];
  if (!lease || lease.service !== service.name || lease.vmName !== vm || lease.state !== 'in-use') {
    throw new StepError('f5-disable', 'no_victim', `${ip} is not leased to ${vm} of ${service.name} any more; nothing was removed`, { fact: { code: 'not_leased', ip, vm, service: service.name } });
  }
  if (lease.vm) return lease.vm;
  const path = await d.vcenter.vmPathIn(service.vcenter, vm, signal);
  const info = await d.vcenter.vmAt(path, signal);
  const mark = readOwnerMark(info?.annotation);
  const id = identityOf(info);
  if (!info || !id || info.template || mark?.service !== service.name || mark.requestId !== lease.requestId) {
    const mark = ownerMark(service.name, lease.requestId);
    throw new StepError('f5-disable', 'unproven_vm',
      `the bot has no record of ${vm}'s identity (its lease predates identities) and ${path} ${info ? 'does not carry' : 'is not there to carry'} its mark ` +
      `"${mark}": nothing was removed. If ${path} is the bot's VM, write that line into its annotation and retry.`, { fact: { code: 'unproven_vm', vm, path, mark, present: Boolean(info) } });
  }
  await recordLeaseVm(d.store, service.name, ip, id);
  return id;
}

/**
 * `warm`: the service's warm pool. When it is short (and the victim is of the service's template), the victim goes back
 * to the pool after its shutdown (step warm-return) instead of being destroyed; it keeps its address. The choice is
 * made once, before the first of the two ways starts, and a resumed run keeps it.
 */
export async function scaleIn(d: LocalExecutorDeps, ctx: RunContext, warm?: WarmPool): Promise<void> {
  const { service, journal, signal, request } = ctx;
  const vm = request.preview.vmName;
  const ip = request.preview.ip;
  if (!vm || !ip) throw new StepError('f5-disable', 'no_victim', `no VM the bot created is known for ${service.name}; nothing to remove`, { fact: { code: 'no_victim', service: service.name } });
  const lb = d.lb;
  if (!lb) throw new StepError('f5-disable', 'no_f5', 'F5_SERVERS is not configured: cannot drain the pool member', { fact: { code: 'no_f5', action: 'drain' } });
  const { pool, partition, port } = service.f5;
  const member = `${ip}:${port}`;
  const done = (s: StepName) => Boolean(journal.completed(s));
  // Before anything changes: the VM must be proven the one the bot created (and still be it).
  const ran = (s: StepName) => touched(journal, d.store.data.requests.find((r) => r.id === request.id) ?? request, s);
  // Back in the pool already (a crash right after the lease changed, before the journal said so).
  const held = d.store.data.leases[ip];
  const returned = done('warm-return') || (held?.state === 'warm' && held.requestId === request.id);
  const id = done('destroy') || returned ? undefined : await victimIdentity(d, service, vm, ip, signal);
  if (id) await d.vcenter.lookup(id, signal).catch((e: unknown) => {
    throw new StepError('f5-disable', (e as { code?: string }).code ?? 'failed', (e as Error).message, { cause: e });
  });
  if (!done('f5-disable')) {
    // Never below the minimum, whatever happened since the card was posted.
    const members = await lb.listMembers(pool, partition);
    if (members.length <= service.scaling.min) {
      throw new StepError('f5-disable', 'min_instances', `${service.name} has ${members.length} pool member(s); its minimum is ${service.scaling.min}, so nothing was removed`,
        { fact: { code: 'min_instances', service: service.name, count: members.length, min: service.scaling.min } });
    }
  }
  try {
    await journal.step('f5-disable', async () => {
      await lb.setMemberSession(pool, partition, ip, port, 'user-disabled');
      return { fact: { code: 'member_disabled', member } };
    });
    await journal.step('drain', async () => {
      const limit = ms(service.scaling.drainTimeout, 300_000);
      const started = Date.now();
      for (;;) {
        const { curConns } = await lb.memberStats(pool, partition, ip, port);
        if (curConns === 0) return { fact: { code: 'drained', seconds: Math.round((Date.now() - started) / 1000) } };
        if (Date.now() - started >= limit) return { fact: { code: 'drain_timed_out', connections: curConns, timeoutMs: limit } };
        await sleep(d.drainPollMs ?? 2000, signal);
      }
    });
    await journal.step('f5-remove', async () => {
      await lb.removeMember(pool, partition, ip, port);
      if (service.f5.deviceGroup) await lb.configSync(service.f5.deviceGroup);
      return { fact: { code: 'member_removed', member, pool: `/${partition}/${pool}` } };
    });
    await journal.step('shutdown', async () => {
      const how = await shutDownVm(d.vcenter, id!, { timeoutMs: d.shutdownTimeoutMs ?? 120_000, pollMs: 1000, signal });
      return { fact: { code: how === 'shut_down' ? 'guest_shut_down' : 'vm_powered_off' } };
    });
    const lease = d.store.data.leases[ip];
    const toPool = ran('warm-return') || (!ran('destroy') && Boolean(warm && lease && warm.wants(service, lease)));
    if (toPool) {
      await journal.step('warm-return', async () => {
        const ok = returned || (await returnToWarm(d.store, service.name, ip, id!.moref, request.id, d.clock.now().toISOString()));
        if (!ok) throw new StepError('warm-return', 'no_victim', `${ip} is not leased to ${vm} of ${service.name} any more`, { fact: { code: 'not_leased', ip, vm, service: service.name } });
        return { fact: { code: 'warm_returned', vm, ip } };
      });
      await journal.result({ vmName: vm, ip, member });
      if (warm) warm.kick(service);
      return;
    }
    await journal.step('destroy', async () => {
      await d.vcenter.destroy(id!, signal);
      return { fact: { code: 'vm_destroyed', vm, moref: id!.moref, path: id!.path } };
    });
    await journal.step('release-ip', async () => {
      await releaseAddress(d.store, service.name, ip, d.clock.now().toISOString());
      return { fact: { code: 'ip_released', ip } };
    });
    await journal.result({ vmName: vm, ip, member });
  } catch (e) {
    if (isShutdown(e, signal)) throw e; // resumed after the restart
    if (!done('destroy')) {
      // The VM is still there: put it back in service.
      if (done('shutdown')) await recordUndo(journal, 'shutdown', { code: 'power_on_vm', vm }, () => d.vcenter.powerOn(id!));
      if (done('f5-remove')) await recordUndo(journal, 'f5-remove', { code: 'readd_member', member }, () => lb.addMember(pool, partition, ip, port));
      if (done('f5-disable') || done('f5-remove')) {
        await recordUndo(journal, 'f5-disable', { code: 'reenable_member', member }, () => lb.setMemberSession(pool, partition, ip, port, 'user-enabled'));
      }
    }
    throw e;
  }
}
