/**
 * The bench's guest model: the address answers only some time after the bot powered its VM on, and
 * goes silent when the VM is shut down — what tells a ready `running` warm VM from a `stopped` one.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { bootedVCenter, GuestModel } from '../../../bench/guestBoot.js';
import { modelledPing } from '../../../bench/oldPipeline.js';
import type { VmIdentity } from '../../../src/store/types.js';
import type { VCenter } from '../../../src/workflows/vmPorts.js';
import { freePort } from '../../helpers/net.js';

const vm: VmIdentity = { path: '/DC0/vm/web-1', moref: 'vm-1', uuid: 'u-1' } as VmIdentity;
const done = async (): Promise<void> => undefined;
const inner = { customize: done, powerOn: done, shutdownGuest: done, powerOff: done, destroy: done } as unknown as VCenter;

describe('the guest-boot model of the benchmarks', () => {
  let guests: GuestModel | undefined;
  afterEach(async () => { await guests?.close(); });

  it('answers on the customized address only after the boot time that follows power-on, and not after a shutdown', async () => {
    const port = await freePort();
    guests = new GuestModel(port, 150);
    const vc = bootedVCenter(inner, guests, () => undefined);
    await vc.customize({ vm, ip: '127.0.93.10', netmask: '255.255.255.0', gateway: '127.0.93.1', dns: [], hostname: 'web-1' });
    expect(await modelledPing('127.0.93.10', port, 20)).toBe(false);

    await vc.powerOn(vm);
    expect(guests.state('127.0.93.10')).toBe('booting');
    expect(await modelledPing('127.0.93.10', port, 20)).toBe(false);
    await new Promise((r) => setTimeout(r, 250));
    expect(guests.state('127.0.93.10')).toBe('up');
    expect(await modelledPing('127.0.93.10', port, 200)).toBe(true);

    await vc.shutdownGuest(vm);
    expect(guests.bootedAndStopped('127.0.93.10')).toBe(true);
    expect(await modelledPing('127.0.93.10', port, 20)).toBe(false);
  });
});
