/**
 * The local scale-in: disable the F5 member for new connections, drain, remove the member, shut the
 * guest down (power off after a timeout), destroy the VM, release its IP. If anything fails before
 * the VM is gone, the member is put back and re-enabled (and a shut-down VM powered on again).
 */
import { setTimeout as delay } from 'node:timers/promises';
import { releaseAddress } from '../store/leases.js';
import type { StepName } from '../store/types.js';
import type { LocalExecutorDeps } from './scaleOut.js';
import { ms } from './policy.js';
import { isShutdown, recordUndo, StepError, type RunContext } from './ports.js';

// timers/promises removes its abort listener when the timer fires: the runner's signal lives as long as the bot.
const sleep = (msec: number, signal?: AbortSignal) => delay(msec, undefined, { signal });

export async function scaleIn(d: LocalExecutorDeps, ctx: RunContext): Promise<void> {
  const { service, journal, signal, request } = ctx;
  const vm = request.preview.vmName;
  const ip = request.preview.ip;
  if (!vm || !ip) throw new StepError('f5-disable', 'no_victim', `no VM the bot created is known for ${service.name}; nothing to remove`);
  const lb = d.lb;
  if (!lb) throw new StepError('f5-disable', 'no_f5', 'F5_SERVERS is not configured: cannot drain the pool member');
  const { pool, partition, port } = service.f5;
  const member = `${ip}:${port}`;
  const done = (s: StepName) => Boolean(journal.completed(s));
  if (!done('f5-disable')) {
    // Never below the minimum, whatever happened since the card was posted.
    const members = await lb.listMembers(pool, partition);
    if (members.length <= service.scaling.min) {
      throw new StepError('f5-disable', 'min_instances', `${service.name} has ${members.length} pool member(s); its minimum is ${service.scaling.min}, so nothing was removed`);
    }
  }
  try {
    await journal.step('f5-disable', async () => {
      await lb.setMemberSession(pool, partition, ip, port, 'user-disabled');
      return { detail: `${member} takes no new connections` };
    });
    await journal.step('drain', async () => {
      const limit = ms(service.scaling.drainTimeout, 300_000);
      const started = Date.now();
      for (;;) {
        const { curConns } = await lb.memberStats(pool, partition, ip, port);
        if (curConns === 0) return { detail: `drained in ${Math.round((Date.now() - started) / 1000)}s` };
        if (Date.now() - started >= limit) return { detail: `${curConns} connection(s) still open after ${service.scaling.drainTimeout}; removing anyway` };
        await sleep(d.drainPollMs ?? 2000, signal);
      }
    });
    await journal.step('f5-remove', async () => {
      await lb.removeMember(pool, partition, ip, port);
      if (service.f5.deviceGroup) await lb.configSync(service.f5.deviceGroup);
      return { detail: `${member} removed from /${partition}/${pool}` };
    });
    await journal.step('shutdown', async () => {
      await d.vcenter.shutdownGuest(vm, signal).catch(() => undefined);
      const deadline = Date.now() + (d.shutdownTimeoutMs ?? 120_000);
      while (Date.now() < deadline) {
        const info = await d.vcenter.vmInfo(vm, signal);
        if (!info || info.powerState === 'poweredOff') return { detail: 'guest shut down' };
        await sleep(1000, signal);
      }
      await d.vcenter.powerOff(vm, signal);
      return { detail: 'guest did not shut down in time; powered off' };
    });
    await journal.step('destroy', async () => {
      await d.vcenter.destroy(vm, signal);
      return { detail: vm };
    });
    await journal.step('release-ip', async () => {
      await releaseAddress(d.store, service.name, ip, d.clock.now().toISOString());
      return { detail: ip };
    });
    await journal.result({ vmName: vm, ip, member });
  } catch (e) {
    if (isShutdown(e, signal)) throw e; // resumed after the restart
    if (!done('destroy')) {
      // The VM is still there: put it back in service.
      if (done('shutdown')) await recordUndo(journal, 'shutdown', { done: `powered ${vm} on again`, todo: `power ${vm} on again` }, () => d.vcenter.powerOn(vm));
      if (done('f5-remove')) await recordUndo(journal, 'f5-remove', { done: `re-added ${member}`, todo: `re-add ${member}` }, () => lb.addMember(pool, partition, ip, port));
      if (done('f5-disable') || done('f5-remove')) {
        await recordUndo(journal, 'f5-disable', { done: `re-enabled ${member}`, todo: `re-enable ${member}` }, () => lb.setMemberSession(pool, partition, ip, port, 'user-enabled'));
      }
    }
    throw e;
  }
}
