/** Builds the PLG push dependencies from the environment (PLG_*, BOT_PUBLIC_URL, …). */
import { readFile } from 'node:fs/promises';
import type { Config } from '../../config.js';
import { DEFAULT_CHECKS, type PlgDeps } from './push.js';
import { connectSsh, PlgSshError } from './ssh.js';

export type PlgDepsResult = { ok: true; deps: PlgDeps } | { ok: false; code: 'not_configured'; message: string };

type PlgConfig = Pick<
  Config,
  | 'PLG_SSH_HOST' | 'PLG_SSH_PORT' | 'PLG_SSH_USER' | 'PLG_SSH_KEY_FILE' | 'PLG_SSH_HOST_KEY' | 'PLG_SSH_SUDO'
  | 'PLG_PROMETHEUS_CONFIG' | 'PLG_PROMETHEUS_RULES' | 'PLG_ALERTMANAGER_CONFIG'
  | 'PLG_PROMETHEUS_CHECK' | 'PLG_RULES_CHECK' | 'PLG_ALERTMANAGER_CHECK'
  | 'PLG_PROMETHEUS_RELOAD' | 'PLG_ALERTMANAGER_RELOAD'
  | 'PROMETHEUS_URL' | 'ALERTMANAGER_URL' | 'BOT_PUBLIC_URL' | 'ALERT_WEBHOOK_TOKEN' | 'PROMETHEUS_SD_TOKEN'
>;

export function plgDepsFromConfig(config: PlgConfig): PlgDepsResult {
  const required = ['PLG_SSH_HOST', 'PLG_SSH_USER', 'PLG_SSH_KEY_FILE', 'PLG_SSH_HOST_KEY', 'BOT_PUBLIC_URL'] as const;
  const missing = required.filter((k) => !config[k]);
  if (missing.length > 0) {
    return { ok: false, code: 'not_configured', message: `PLG push needs ${missing.join(', ')} (see .env.example)` };
  }
  const keyFile = config.PLG_SSH_KEY_FILE!;
  return {
    ok: true,
    deps: {
      connect: async () => {
        const privateKey = await readFile(keyFile).catch((e: Error) => {
          throw new PlgSshError('auth_failed', `cannot read PLG_SSH_KEY_FILE ${keyFile}: ${e.message}`, { cause: e });
        });
        return connectSsh({
          host: config.PLG_SSH_HOST!,
          port: config.PLG_SSH_PORT,
          username: config.PLG_SSH_USER!,
          privateKey,
          hostKeyFingerprint: config.PLG_SSH_HOST_KEY!,
          sudo: config.PLG_SSH_SUDO,
        });
      },
      paths: { prometheus: config.PLG_PROMETHEUS_CONFIG, rules: config.PLG_PROMETHEUS_RULES, alertmanager: config.PLG_ALERTMANAGER_CONFIG },
      settings: { botPublicUrl: config.BOT_PUBLIC_URL!, webhookToken: config.ALERT_WEBHOOK_TOKEN, sdToken: config.PROMETHEUS_SD_TOKEN },
      checks: {
        prometheus: config.PLG_PROMETHEUS_CHECK ?? DEFAULT_CHECKS.prometheus,
        rules: config.PLG_RULES_CHECK ?? DEFAULT_CHECKS.rules,
        alertmanager: config.PLG_ALERTMANAGER_CHECK ?? DEFAULT_CHECKS.alertmanager,
      },
      reloads: { prometheus: config.PLG_PROMETHEUS_RELOAD, alertmanager: config.PLG_ALERTMANAGER_RELOAD },
      prometheusUrl: config.PROMETHEUS_URL,
      alertmanagerUrl: config.ALERTMANAGER_URL,
    },
  };
}
