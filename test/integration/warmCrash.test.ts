/**
 * A crash mid-refill, for real: the bot runs as its own process against vcsim and the fake F5 and is SIGKILLed while
 * vCenter clones a warm VM; the next process destroys the VM the refill left (the bot died before it could record the
 * identity, and govc had not written the mark yet: proven by the free path the refill wrote down before it cloned,
 * as a scale-out's clone is), releases its address and fills the pool again.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { readOwnerMark } from '../../src/integrations/govc.js';
import { service } from '../helpers/bot.js';
import { readStore, startProcessWorld } from '../helpers/botProcess.js';
import { freePort, waitFor } from '../helpers/net.js';
import { healthTarget } from '../helpers/stack.js';

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('warm pool: crash mid-refill', () => {
  it('cleans up the VM a SIGKILLed refill left behind (proven by the free path it recorded), and refills', async () => {
    const port = await freePort();
    for (const ip of ['127.0.48.10', '127.0.48.11']) {
      const t = await healthTarget(ip, port);
      cleanup.push(() => t.close());
    }
    const { vcsim, f5, dataDir, start } = await startProcessWorld(cleanup, {
      vcsimDelay: { CloneVM_Task: 3000 }, dirPrefix: 'autoscale-warmcrash-',
      services: [service({
        network: { ipPool: { start: '127.0.48.10', end: '127.0.48.20' }, netmask: '255.255.255.0', gateway: '127.0.48.1', dns: [], conflictCheck: 'none' },
        healthCheck: { type: 'tcp', port, timeout: '30s' },
        f5: { pool: 'web-server-pool', partition: 'Common', port },
        warmPool: { size: 1, state: 'running' },
      })],
    });

    const first = await start();
    // The refill leased its address and named its VM; vCenter is cloning it (3 s): kill the bot now.
    const stale = await waitFor(() => Object.values(readStore(dataDir).leases).find((l) => l.refill && l.vmName), 30_000, 'a refill to start');
    await new Promise((r) => setTimeout(r, 500));
    first.child.kill('SIGKILL');
    await first.exited;
    expect(readStore(dataDir).leases[stale.ip]).toMatchObject({ state: 'reserved', refill: expect.anything() });
    expect(readStore(dataDir).leases[stale.ip]!.vm).toBeUndefined();
    // The clone finishes without the bot: a VM no lease names by identity, and without the bot's mark (govc 0.24
    // writes the annotation after the clone task); the refill wrote down that its exact path was free before it cloned.
    const left = await waitFor(async () => vcsim.govc.vmInfo(stale.vmName!).catch(() => undefined), 30_000, 'the interrupted clone to finish');
    expect(readOwnerMark(left.annotation)).toBeUndefined();
    expect(readStore(dataDir).leases[stale.ip]!.refill?.vmPathFree).toBe(left.path);

    const second = await start();
    await waitFor(() => {
      const warm = Object.values(readStore(dataDir).leases).filter((l) => l.state === 'warm');
      return warm.length === 1 && warm[0]!.vm?.moref !== left.moref ? warm : undefined;
    }, 60_000, 'the pool to be filled again');
    const d = readStore(dataDir);
    // The audit trail is DATA_DIR/audit.jsonl (db.json keeps none on disk).
    // db.json and audit.jsonl are written in one batch, db.json first: wait for the trail to catch up.
    const readAudit = () => readFileSync(join(dataDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; target?: string; detail?: string });
    const audit = await waitFor(() => { const a = readAudit(); return a.some((x) => x.action === 'warm.ready') ? a : undefined; }, 10_000, 'the audit trail');
    expect(audit.find((a) => a.action === 'warm.refill.discard'), second.output()).toMatchObject({ target: `web-server/${stale.vmName}` });
    expect(audit.map((a) => a.action)).toEqual(expect.arrayContaining(['ip.reserve', 'warm.refill.discard', 'warm.ready']));
    expect(await vcsim.govc.lookup({ path: left.path!, moref: left.moref!, uuid: left.uuid! }).catch(() => undefined)).toBeUndefined();
    expect(Object.values(d.leases).filter((l) => l.refill)).toEqual([]);
    // Nothing joined F5: warm VMs serve no traffic.
    expect(f5.state.pools.get('/Common/web-server-pool')!.members.size).toBe(0);
  }, 120_000);
});
