/**
 * What vCenter and F5 say about a service now. Instances count = the service's F5 pool members
 * (what really takes traffic); without F5, the VMs named `<prefix>-<n>` in vCenter.
 */
import type { Service } from '../config.js';
import { freeAddresses, usablePoolSize } from '../store/leases.js';
import type { StoreView as Store } from '../store/store.js';
import type { Check, Direction } from '../store/types.js';
import { serviceVmPattern, type Inventory, type LoadBalancer, type VCenter } from './ports.js';
import { nextFreeName } from './govc.js';

export class LiveInventory implements Inventory {
  constructor(private readonly store: Store, private readonly vcenter: VCenter, private readonly lb?: LoadBalancer) {}

  private async serviceVms(service: Service): Promise<string[]> {
    const re = serviceVmPattern(service.vmNamePrefix);
    return (await this.vcenter.listVms({ prefix: service.vmNamePrefix })).filter((n) => re.test(n));
  }

  async instances(service: Service) {
    if (this.lb) {
      try {
        const members = await this.lb.listMembers(service.f5.pool, service.f5.partition);
        return { count: members.length, source: 'f5' as const };
      } catch {
        // fall back to vCenter
      }
    }
    try {
      return { count: (await this.serviceVms(service)).length, source: 'vcenter' as const };
    } catch (e) {
      return { count: null, source: 'unknown' as const, detail: (e as Error).message };
    }
  }

  async nextVmName(service: Service) {
    return nextFreeName(service.vmNamePrefix, await this.vcenter.listVms({ prefix: service.vmNamePrefix }));
  }

  async previewIp(service: Service) {
    const guest = await this.vcenter.guestIps(await this.serviceVms(service)).catch(() => new Set<string>());
    return freeAddresses(this.store, service.network, guest, 1)[0] ?? null;
  }

  async preflight(service: Service, direction: Direction) {
    const checks: Check[] = [];
    const [templates, members] = await Promise.all([
      this.vcenter.listTemplates().then((t) => ({ ok: true as const, t }), (e: Error) => ({ ok: false as const, e })),
      this.lb ? this.lb.listMembers(service.f5.pool, service.f5.partition).then((m) => ({ ok: true as const, m }), (e: Error) => ({ ok: false as const, e })) : undefined,
    ]);
    if (direction === 'out') {
      if (templates.ok) checks.push(templates.t.includes(service.template) ? { ok: true, code: 'template_present', template: service.template } : { ok: false, code: 'template_missing', template: service.template });
      else checks.push({ ok: false, code: 'vcenter_unreachable', error: templates.e.message });
      // Usable: the pool without its network/broadcast address, gateway and DNS; free: not leased by any service.
      const size = usablePoolSize(service.network);
      const free = freeAddresses(this.store, service.network, new Set()).length;
      checks.push({ ok: free > 0, code: 'ips_free', free, size });
    }
    if (members === undefined) checks.push({ ok: false, code: 'f5_unconfigured' });
    else if (members.ok) checks.push({ ok: true, code: 'f5_reachable', pool: `/${service.f5.partition}/${service.f5.pool}`, members: members.m.length });
    else checks.push({ ok: false, code: 'f5_error', pool: `/${service.f5.partition}/${service.f5.pool}`, error: members.e.message });
    return checks;
  }
}
