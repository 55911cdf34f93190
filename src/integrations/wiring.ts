/**
 * Builds the real clients (govc, F5, Jenkins) from the environment, when configured. The executors
 * that use them are workflows and are composed above, in src/wiring.ts.
 */
import type { Config } from '../config.js';
import type { Logger } from '../logger.js';
import { F5Client } from './f5.js';
import { Govc } from './govc.js';
import { JenkinsClient } from './jenkins/client.js';

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
