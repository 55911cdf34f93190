/** Builds the real integrations (govc, F5, Jenkins) from the environment, when configured. */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import type { Store } from '../store/store.js';
import type { ExecutorKind } from '../store/types.js';
import type { Clock } from '../clock.js';
import { systemClock } from '../clock.js';
import type { Executor, Inventory } from '../workflows/ports.js';
import { JenkinsExecutor } from '../workflows/jenkinsExecutor.js';
import { LocalExecutor } from '../workflows/scaleOut.js';
import { F5Client } from './f5.js';
import { Govc } from './govc.js';
import { JenkinsClient } from './jenkins/client.js';
import { LiveInventory } from './inventory.js';
import { StoreInventory } from './storeInventory.js';

export interface Integrations {
  inventory: Inventory;
  executors: Partial<Record<ExecutorKind, Executor>>;
  govc?: Govc;
  f5?: F5Client;
  jenkins?: JenkinsClient;
}

export type GovcSettings = Pick<Config, 'GOVC_URL' | 'GOVC_USERNAME' | 'GOVC_PASSWORD' | 'GOVC_INSECURE' | 'GOVC_DATACENTER' | 'GOVC_BIN'>;
export type F5Settings = Pick<Config, 'F5_SERVERS' | 'F5_USERNAME' | 'F5_PASSWORD' | 'F5_VERIFY_TLS' | 'F5_CA_FILE'>;

export function buildGovc(config: GovcSettings): Govc | undefined {
  if (!config.GOVC_URL) return undefined;
  return new Govc({
    bin: config.GOVC_BIN,
    env: { GOVC_URL: config.GOVC_URL, GOVC_USERNAME: config.GOVC_USERNAME, GOVC_PASSWORD: config.GOVC_PASSWORD, GOVC_INSECURE: config.GOVC_INSECURE, GOVC_DATACENTER: config.GOVC_DATACENTER },
  });
}

export function buildF5(config: F5Settings, logger: Logger): F5Client | undefined {
  if (config.F5_SERVERS.length === 0) return undefined;
  return new F5Client({
    servers: config.F5_SERVERS, username: config.F5_USERNAME!, password: config.F5_PASSWORD!,
    verifyTls: config.F5_VERIFY_TLS, caFile: config.F5_CA_FILE, logger: logger.child({ module: 'f5' }),
  });
}

export function buildJenkins(config: Pick<Config, 'JENKINS_URL' | 'JENKINS_USER' | 'JENKINS_TOKEN'>, logger: Logger): JenkinsClient | undefined {
  if (!config.JENKINS_URL) return undefined;
  return new JenkinsClient({ url: config.JENKINS_URL, user: config.JENKINS_USER!, token: config.JENKINS_TOKEN!, logger: logger.child({ module: 'jenkins' }) });
}

export function buildIntegrations(config: Config, store: Store, logger: Logger, clock: Clock = systemClock): Integrations {
  const govc = buildGovc(config);
  const f5 = buildF5(config, logger);
  const jenkins = buildJenkins(config, logger);
  const local = govc ? new LocalExecutor({ store, clock, vcenter: govc, lb: f5, logger: logger.child({ module: 'local' }) }) : undefined;
  const executors: Partial<Record<ExecutorKind, Executor>> = {
    ...(local ? { local } : {}),
    // Without vCenter access the bot still reserves addresses and names from its leases; the pipeline does the rest.
    ...(jenkins ? { jenkins: new JenkinsExecutor({ store, clock, jenkins, vcenter: govc, lb: f5, local }) } : {}),
  };
  return { govc, f5, jenkins, executors, inventory: govc ? new LiveInventory(store, govc, f5) : new StoreInventory(store) };
}
