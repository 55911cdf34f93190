/**
 * The guest's boot, modelled: a TCP listener on the VM's address (127.0.x.y only) that starts
 * answering `bootMs` after the VM was powered on, and stops when it is powered off or destroyed.
 * It stands both for the service's health endpoint and for the guest answering ping (the old
 * pipeline's probe connects to it; ICMP to an address nobody owns cannot be modelled on loopback).
 *
 * Power-on is detected by the call order: `bootedVCenter` wraps the bot's VCenter port (the IP comes
 * from the customize call of the same VM path); the old pipeline reports its own `vm.power -on`.
 */
import { createServer, type Server } from 'node:net';
import type { CustomizeParams } from '../src/integrations/govc.js';
import type { VmIdentity } from '../src/store/types.js';
import type { VCenter } from '../src/workflows/vmPorts.js';

export type GuestState = 'off' | 'booting' | 'up';

interface Guest { state: GuestState; timer?: NodeJS.Timeout; server?: Server; bootedOnce: boolean }

export class GuestModel {
  private readonly guests = new Map<string, Guest>();
  constructor(private readonly port: number, private readonly bootMs: number, private readonly log: (l: string) => void = () => undefined) {}

  private guest(ip: string): Guest {
    if (!ip.startsWith('127.')) throw new Error(`guest model: ${ip} is not a loopback address`);
    let g = this.guests.get(ip);
    if (!g) this.guests.set(ip, (g = { state: 'off', bootedOnce: false }));
    return g;
  }

  poweredOn(ip: string): void {
    const g = this.guest(ip);
    if (g.state !== 'off') return;
    g.state = 'booting';
    g.timer = setTimeout(() => {
      const srv = createServer((s) => s.end());
      srv.once('error', (e) => this.log(`  guest ${ip}: ${e.message}`));
      srv.listen(this.port, ip, () => {
        if (g.state !== 'booting') { srv.close(); return; }
        g.server = srv;
        g.state = 'up';
        g.bootedOnce = true;
      });
    }, this.bootMs);
  }

  poweredOff(ip: string): void {
    const g = this.guests.get(ip);
    if (!g) return;
    clearTimeout(g.timer);
    g.server?.close();
    g.server = undefined;
    g.state = 'off';
  }

  state(ip: string): GuestState { return this.guests.get(ip)?.state ?? 'off'; }
  /** Booted at least once and now off: a `stopped` warm VM whose customization has applied. */
  bootedAndStopped(ip: string): boolean { const g = this.guests.get(ip); return !!g && g.bootedOnce && g.state === 'off'; }

  async close(): Promise<void> {
    for (const ip of [...this.guests.keys()]) this.poweredOff(ip);
  }
}

const pathOf = (vm: VmIdentity | string): string => (typeof vm === 'string' ? vm : vm.path);

/** The VCenter port with power changes reported to the guest model (IP known from the VM's customize call). */
export function bootedVCenter(inner: VCenter, guests: GuestModel, log: (l: string) => void): VCenter {
  const ipOfPath = new Map<string, string>();
  const ipOf = (vm: VmIdentity): string | undefined => ipOfPath.get(vm.path);
  return new Proxy(inner, {
    get(t, prop) {
      const v: unknown = Reflect.get(t, prop, t);
      if (typeof v !== 'function') return v;
      const fn = v as (...a: unknown[]) => Promise<unknown>;
      return async (...args: unknown[]) => {
        const out = await fn.apply(t, args);
        if (prop === 'customize') {
          const p = args[0] as CustomizeParams;
          ipOfPath.set(pathOf(p.vm as VmIdentity | string), p.ip);
        } else if (prop === 'powerOn' || prop === 'powerOff' || prop === 'shutdownGuest' || prop === 'destroy') {
          const ip = ipOf(args[0] as VmIdentity);
          if (!ip) log(`  guest model: ${String(prop)} of ${(args[0] as VmIdentity).path} with no customized IP seen`);
          else if (prop === 'powerOn') guests.poweredOn(ip);
          else guests.poweredOff(ip);
        }
        return out;
      };
    },
  });
}
