/**
 * Part of the composition root: the real integrations (govc, F5, Jenkins, the live inventory) and the
 * executors that drive them, from the environment. Here at the top, not in integrations/, because the
 * executors are workflows: integrations never import workflows.
 */
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import type { Config } from './config.js';
import type { F5Client } from './integrations/f5.js';
import type { Govc } from './integrations/govc.js';
import { LiveInventory } from './integrations/inventory.js';
import type { JenkinsClient } from './integrations/jenkins/client.js';
import type { Inventory } from './integrations/ports.js';
import { StoreInventory } from './integrations/storeInventory.js';
import { buildF5, buildGovc, buildJenkins } from './integrations/wiring.js';
import type { Logger } from './logger.js';
import { FreezeCalendar } from './workflows/freeze.js';
import type { StoreView as Store } from './store/store.js';
import type { ExecutorKind } from './store/types.js';
import { JenkinsExecutor } from './workflows/jenkinsExecutor.js';
import type { Executor } from './workflows/ports.js';
import { LocalExecutor } from './workflows/scaleOut.js';

export interface Integrations {
  inventory: Inventory;
  executors: Partial<Record<ExecutorKind, Executor>>;
  govc?: Govc;
  f5?: F5Client;
  jenkins?: JenkinsClient;
}

export function buildIntegrations(config: Config, store: Store, logger: Logger, clock: Clock = systemClock): Integrations {
  const govc = buildGovc(config);
  const f5 = buildF5(config, logger);
  const jenkins = buildJenkins(config, logger);
  const local = govc ? new LocalExecutor({ store, clock, vcenter: govc, lb: f5, logger: logger.child({ module: 'local' }), freezes: new FreezeCalendar(config.BOT_TIMEZONE) }) : undefined;
  const executors: Partial<Record<ExecutorKind, Executor>> = {
    ...(local ? { local } : {}),
    // Without vCenter access the bot still reserves addresses and names from its leases; the pipeline does the rest.
    ...(jenkins ? { jenkins: new JenkinsExecutor({ store, clock, jenkins, vcenter: govc, lb: f5, local }) } : {}),
  };
  return { govc, f5, jenkins, executors, inventory: govc ? new LiveInventory(store, govc, f5) : new StoreInventory(store) };
}
