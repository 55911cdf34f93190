/**
 * The benchmark's baseline must really do what the user's old pipeline did, or its figure means
 * nothing: scan, ping test, clone + customize + power on, wait for the guest, then the F5 add.
 */
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GuestModel } from '../../../bench/guestBoot.js';
import { runOldPipeline, STAGES, type OldPipelineEvent } from '../../../bench/oldPipeline.js';
import { startFakeF5, type FakeF5 } from '../../fakes/f5.js';
import { freePort } from '../../helpers/net.js';
import { GOVC_BIN, startVcsim, VCSIM_POOL, type Vcsim } from '../../helpers/vcsim.js';

describe('the old pipeline baseline (bench/oldPipeline.ts)', () => {
  let vcsim: Vcsim;
  let f5: FakeF5;
  let port: number;
  let guests: GuestModel;
  let busy: Server;

  beforeAll(async () => {
    vcsim = await startVcsim();
    await vcsim.makeTemplate('old-template');
    f5 = await startFakeF5({ pools: ['old-pool'] });
    port = await freePort();
    guests = new GuestModel(port, 300);
    // 127.0.91.11 is taken by a running host: the scan must pass over it.
    busy = createServer((s) => s.end());
    await new Promise<void>((r) => busy.listen(port, '127.0.91.11', () => r()));
  }, 60_000);

  afterAll(async () => {
    await guests?.close();
    await new Promise<void>((r) => (busy ? busy.close(() => r()) : r()));
    await f5?.stop();
    await vcsim?.stop();
  });

  it('scans past the busy address, clones, waits for the guest to answer and only then adds the F5 member', async () => {
    const events: OldPipelineEvent[] = [];
    let memberAtPowerOn: boolean | undefined;
    const r = await runOldPipeline({
      govcBin: GOVC_BIN,
      govcEnv: vcsim.processEnv,
      template: 'old-template',
      vmName: 'old-web-1',
      folder: '/DC0/vm',
      pool: VCSIM_POOL,
      datastore: 'LocalDS_0',
      ipPool: { start: '127.0.91.10', end: '127.0.91.20' },
      netmask: '255.255.255.0',
      gateway: '127.0.91.1',
      dns: ['127.0.91.2'],
      probePort: port,
      f5: { url: f5.url, username: 'admin', password: 'f5-test-password', pool: 'old-pool', partition: 'Common', port },
      scale: 1 / 100,
      onEvent: (e) => {
        events.push(e);
        if (e.kind === 'powered-on') {
          memberAtPowerOn = f5.state.pools.get('/Common/old-pool')!.members.size > 0;
          guests.poweredOn(e.ip);
        }
      },
    });

    // The first address is skipped as get-available-ip.py does, .11 answers, .12 is the first silent one.
    expect(r.scanned).toEqual(['127.0.91.11', '127.0.91.12']);
    expect(r.ip).toBe('127.0.91.12');
    const started = events.filter((e) => e.kind === 'stage' && e.phase === 'start').map((e) => (e.kind === 'stage' ? e.stage : ''));
    expect(started).toEqual([...STAGES]);
    const order = events.map((e) => (e.kind === 'stage' ? `${e.stage}:${e.phase}` : e.kind));
    expect(order.indexOf('powered-on')).toBeGreaterThan(order.indexOf('create-vm:start'));
    expect(order.indexOf('powered-on')).toBeLessThan(order.indexOf('wait-for-boot:start'));
    expect(memberAtPowerOn).toBe(false);
    expect(guests.state(r.ip)).toBe('up');

    const vm = await vcsim.govcRun(['vm.info', '-json', '-vm.ipath', '/DC0/vm/old-web-1']);
    expect(vm).toContain('poweredOn');
    const member = f5.state.pools.get('/Common/old-pool')!.members.get(`127.0.91.12:${port}`);
    expect(member?.address).toBe('127.0.91.12');
  }, 60_000);
});
