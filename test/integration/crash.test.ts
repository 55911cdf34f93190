/**
 * Crash recovery, for real: the bot runs as its own process against vcsim and the fake F5, is
 * SIGKILLed in the middle of a step, and a new process resumes from the journal.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { alertPayload, service } from '../helpers/bot.js';
import { readStore, startProcessWorld, type BotProcess } from '../helpers/botProcess.js';
import { freePort, waitFor } from '../helpers/net.js';
import { healthTarget } from '../helpers/stack.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

async function setup(subnet: number, vcsimDelay: Record<string, number> = {}, opts: { healthTimeout?: string; listen?: boolean } = {}) {
  const port = await freePort();
  const listen = async () => {
    const target = await healthTarget(`127.0.${subnet}.10`, port);
    cleanup.push(() => target.close());
  };
  if (opts.listen !== false) await listen();
  const world = await startProcessWorld(cleanup, {
    vcsimDelay, dirPrefix: 'autoscale-crash-',
    services: [service({
      network: { ipPool: { start: `127.0.${subnet}.10`, end: `127.0.${subnet}.20` }, netmask: '255.255.255.0', gateway: `127.0.${subnet}.1`, dns: [], conflictCheck: 'none' },
      healthCheck: { type: 'tcp', port, timeout: opts.healthTimeout ?? '30s' },
      f5: { pool: 'web-server-pool', partition: 'Common', port },
      approval: { mode: 'auto' },
    })],
  });
  return { ...world, port, listen };
}

function step(dataDir: string, name: string): string | undefined {
  const r = readStore(dataDir).requests[0];
  return r?.attempts.at(-1)?.steps.find((s) => s.name === name)?.state;
}

async function killWhen(bot: BotProcess, dataDir: string, stepName: string): Promise<void> {
  await waitFor(() => step(dataDir, stepName) === 'running', 30_000, `${stepName} to start`);
  await new Promise((r) => setTimeout(r, 300));
  bot.child.kill('SIGKILL');
  await bot.exited;
}

describe('crash recovery (resume from the journal)', () => {
  it('resumes after a SIGKILL mid-clone: adopts the VM the interrupted clone made, and finishes', async () => {
    const s = await setup(16, { CloneVM_Task: 3000 });
    const bot = await s.start();
    expect((await bot.webhook(alertPayload())).status).toBe(200);
    await killWhen(bot, s.dataDir, 'clone');
    expect(readStore(s.dataDir).requests[0]!.state).toBe('running');

    const again = await s.start();
    await waitFor(() => ['succeeded', 'failed'].includes(readStore(s.dataDir).requests[0]!.state), 60_000, 'the resumed run to end');
    const r = readStore(s.dataDir).requests[0]!;
    expect(r.state, again.output()).toBe('succeeded');
    expect(r.events.some((e) => e.type === 'recovered')).toBe(true);
    expect(r.attempts).toHaveLength(1);
    // Exactly one VM of the service, with the reserved address, and one pool member.
    const vms = (await s.vcsim.govc.listVms({ prefix: 'web-server-' })).filter((n) => /^web-server-\d+$/.test(n));
    expect(vms).toEqual(['web-server-1']);
    expect((await s.vcsim.govc.vmInfo('web-server-1'))?.ipAddress).toBe('127.0.16.10');
    expect([...s.f5.state.pools.get('/Common/web-server-pool')!.members.keys()]).toEqual([`127.0.16.10:${s.port}`]);
    expect(Object.values(readStore(s.dataDir).leases)).toEqual([expect.objectContaining({ ip: '127.0.16.10', state: 'in-use' })]);
  });

  it('finishes the rollback after a SIGKILL during it, and ends the request failed instead of resuming the run', async () => {
    // Nothing answers the health check, so the run rolls back; powering the VM off takes vcsim 4 s.
    const s = await setup(18, { PowerOffVM_Task: 4000 }, { healthTimeout: '2s', listen: false });
    const bot = await s.start();
    expect((await bot.webhook(alertPayload())).status).toBe(200);
    await waitFor(() => readStore(s.dataDir).requests[0]?.attempts.at(-1)?.rollback !== undefined, 30_000, 'the rollback to begin');
    await new Promise((r) => setTimeout(r, 1000)); // inside the power-off
    bot.child.kill('SIGKILL');
    await bot.exited;
    const atCrash = readStore(s.dataDir).requests[0]!;
    expect(atCrash.state).toBe('running');
    expect(atCrash.attempts[0]!.rollback).toMatchObject({ error: { step: 'health', code: 'unhealthy' }, ip: '127.0.18.10', vmName: 'web-server-1', ownsVm: true });

    // Now the health check would pass: a resumed run would go on to F5 and "succeed" with a half-rolled-back VM.
    await s.listen();
    await s.start();
    await waitFor(() => ['succeeded', 'failed'].includes(readStore(s.dataDir).requests[0]!.state), 60_000, 'the request to end');
    const r = readStore(s.dataDir).requests[0]!;
    expect(r.state).toBe('failed');
    expect(r.attempts).toHaveLength(1);
    expect(r.attempts[0]!.error).toMatchObject({ step: 'health', code: 'unhealthy' });
    expect(r.attempts[0]!.steps.map((x) => [x.name, x.state])).toEqual([
      ['reserve-ip', 'undone'], ['name', 'done'], ['clone', 'undone'], ['customize', 'done'], ['power-on', 'done'], ['wait-ip', 'done'], ['health', 'failed'],
    ]);
    expect(r.attempts[0]!.undone).toEqual(expect.arrayContaining([{ code: 'destroy_vm', vm: 'web-server-1' }, { code: 'release_ip', ip: '127.0.18.10' }]));
    expect(await s.vcsim.govc.vmAt('/DC0/vm/web-server-1')).toBeUndefined();
    expect((await s.vcsim.govc.listVms({ prefix: 'web-server-' })).filter((n) => /^web-server-\d+$/.test(n))).toEqual([]);
    expect(s.f5.state.pools.get('/Common/web-server-pool')!.members.size).toBe(0);
    expect(readStore(s.dataDir).leases).toEqual({});
  });

  it('resumes after a SIGKILL mid-F5: the member is added once and the run succeeds', async () => {
    const s = await setup(17);
    const bot = await s.start();
    s.f5.state.latencyMs = 3000; // every F5 call takes 3 s: the kill lands inside the member POST
    expect((await bot.webhook(alertPayload())).status).toBe(200);
    await killWhen(bot, s.dataDir, 'f5-add');
    s.f5.state.latencyMs = 0;

    await s.start();
    await waitFor(() => ['succeeded', 'failed'].includes(readStore(s.dataDir).requests[0]!.state), 60_000, 'the resumed run to end');
    const r = readStore(s.dataDir).requests[0]!;
    expect(r.state).toBe('succeeded');
    expect(r.attempts[0]!.steps.filter((x) => x.name === 'clone')).toHaveLength(1);
    expect([...s.f5.state.pools.get('/Common/web-server-pool')!.members.keys()]).toEqual([`127.0.17.10:${s.port}`]);
    const vms = (await s.vcsim.govc.listVms({ prefix: 'web-server-' })).filter((n) => /^web-server-\d+$/.test(n));
    expect(vms).toEqual(['web-server-1']);
  });
});
