/**
 * Inventory from the store alone, for bots without vCenter/F5 access (dry-run): instances are the
 * VMs the bot created (in-use leases), the next name and IP come from the leases.
 */
import type { Service } from '../config.js';
import { freeAddresses, leasesOf, usablePoolSize } from '../store/leases.js';
import type { StoreView as Store } from '../store/store.js';
import type { Check, Direction } from '../store/types.js';
import type { Inventory } from './ports.js';
import { nextFreeName } from './govc.js';

export class StoreInventory implements Inventory {
  constructor(private readonly store: Store) {}

  async instances(service: Service) {
    const count = leasesOf(this.store, service.name).filter((l) => l.state === 'in-use').length;
    return { count, source: 'store' as const };
  }

  async nextVmName(service: Service) {
    return nextFreeName(service.vmNamePrefix, leasesOf(this.store, service.name).map((l) => l.vmName ?? ''));
  }

  async previewIp(service: Service) {
    return freeAddresses(this.store, service.network, new Set(), 1)[0] ?? null;
  }

  async preflight(service: Service, _direction: Direction): Promise<Check[]> {
    const size = usablePoolSize(service.network);
    const free = freeAddresses(this.store, service.network, new Set()).length;
    return [
      { ok: free > 0, code: 'ips_free', free, size },
      { ok: true, code: 'not_consulted' },
    ];
  }
}
