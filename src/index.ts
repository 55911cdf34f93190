/** Composition root: loadConfig → build deps → createApp → start; SIGTERM drains. */
import { existsSync } from 'node:fs';
import { createApp } from './app.js';
import { loadConfig, SECRET_ENV } from './config.js';
import { buildIntegrations } from './wiring.js';
import { createLogger, registerSecrets } from './logger.js';
import { retentionFromEnv } from './store/archive.js';
import { Store, StoreError } from './store/store.js';

async function main(): Promise<void> {
  if (existsSync('.env')) process.loadEnvFile('.env');
  const loaded = loadConfig(process.env);
  if (!loaded.ok) {
    process.stderr.write(`vm-autoscale-bot: invalid configuration (see .env.example):\n${loaded.problems.map((p) => `  ${p}`).join('\n')}\n`);
    process.exit(2);
  }
  const config = loaded.config;
  registerSecrets(SECRET_ENV.map((k) => process.env[k]));
  const logger = createLogger(config.LOG_LEVEL);
  if (config.ADMIN_USERS.length === 0) logger.warn('ADMIN_USERS is empty: anyone in a channel with the bot may run mutating /autoscale commands');
  if (config.defaultExecutor === 'dry-run') logger.warn('DRY RUN: no GOVC_URL and no EXECUTOR; cards and logs say DRY RUN and nothing is changed');

  const retention = retentionFromEnv(process.env);
  if (!retention.ok) {
    process.stderr.write(`vm-autoscale-bot: invalid configuration (see .env.example):\n  ${retention.message}\n`);
    process.exit(2);
  }
  let store: Store;
  try {
    // Takes DATA_DIR/db.lock first: a second bot on the same DATA_DIR refuses to start.
    store = await Store.open(config.DATA_DIR, { role: 'bot', retentionMs: retention.ms, stopWaiting: (h) => h.role === 'bot' });
  } catch (e) {
    if (e instanceof StoreError) {
      process.stderr.write(`vm-autoscale-bot: ${e.message}\n`);
      process.exit(1);
    }
    throw e;
  }
  const integrations = buildIntegrations(config, store, logger);
  const bot = createApp({ config, logger, store, inventory: integrations.inventory, executors: integrations.executors, govc: integrations.govc, jenkins: integrations.jenkins });
  const { port } = await bot.start();
  logger.info({ port, mode: config.socketMode ? 'socket' : 'http', executor: config.defaultExecutor }, 'vm-autoscale-bot is serving');
  bot.bolt.client.auth.test().catch((e: unknown) => logger.warn({ err: (e as Error).message }, 'Slack auth.test failed: check SLACK_BOT_TOKEN and SLACK_API_URL'));

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'stopping: current steps finish or checkpoint, then the store is flushed');
    bot.stop().then(() => store.close()).then(
      () => process.exit(0),
      (e: unknown) => {
        logger.error({ err: e }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`vm-autoscale-bot: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
