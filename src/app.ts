/**
 * createApp(options): the composition root of a bot. Every service is built here once, in dependency
 * order, and given what it uses in its constructor; then every listener is registered (by kind:
 * commands/index.ts, handlers/index.ts) and the HTTP routes are mounted. index.ts builds the real
 * integrations; tests build fakes.
 *
 * No late binding: the runner never decides (it only runs what was approved), so it is built before
 * the DecisionService, which starts runs through it; intake, which auto-approves, is built after the
 * decisions; the below-minimum check, which proposes through intake, after intake. Nothing needs a
 * thunk or an `attach`.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { App, HTTPReceiver, LogLevel, type App as BoltApp, type Logger as BoltLogger } from '@slack/bolt';
import type { WebClientOptions } from '@slack/web-api';
import { startAdminServer, type AdminServer } from './admin/socket.js';
import { cardRenderer } from './cardRenderer.js';
import { systemClock, type Clock } from './clock.js';
import { Confirmations } from './commands/autoscale/confirmations.js';
import type { CommandServices } from './commands/autoscale/types.js';
import { registerCommands } from './commands/index.js';
import type { Config } from './config.js';
import { registerListeners, startTicker, tick, type TickDeps } from './handlers/index.js';
import { createHttpServer } from './http.js';
import { AlertmanagerClient } from './integrations/alertmanagerApi.js';
import { cloneArgs, customizeArgs, type Govc } from './integrations/govc.js';
import { plgDepsFromConfig, type PlgDeps } from './integrations/plg/index.js';
import { SlackReachability, SlackSurface } from './integrations/slackSurface.js';
import { StoreInventory } from './integrations/storeInventory.js';
import { UserLocales } from './integrations/userLocales.js';
import { buildJenkins } from './integrations/wiring.js';
import type { Logger } from './logger.js';
import { createMetrics } from './metrics.js';
import { getService } from './store/services.js';
import type { StoreView as Store } from './store/store.js';
import { LIVE_CARD_STATES, type ExecutorKind } from './store/types.js';
import { BelowMin } from './workflows/belowMin.js';
import { ChartPoster } from './workflows/chartPoster.js';
import { DecisionService } from './workflows/decisions.js';
import type { Deps } from './workflows/deps.js';
import { DryRunExecutor } from './workflows/dryRun.js';
import { FreezeCalendar } from './workflows/freeze.js';
import { IntakeService } from './workflows/intake.js';
import type { ChatSurface, Executor, Inventory } from './workflows/ports.js';
import { RunCoordinator } from './workflows/runner.js';
import { SettleWatcher } from './workflows/settle.js';
import { SilenceService } from './workflows/silences.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  store: Store;
  clock?: Clock;
  /** Extra WebClient options (tests: a fast retry policy). */
  slackClientOptions?: WebClientOptions;
  inventory?: Inventory;
  govc?: Govc;
  /** Jenkins REST; built from JENKINS_URL when not given. */
  jenkins?: Deps['jenkins'];
  executors?: Partial<Record<ExecutorKind, Executor>>;
  surface?: (base: SlackSurface) => ChatSurface;
  tickMs?: number;
  minCardUpdateIntervalMs?: number;
  defaultMetrics?: boolean;
  /** How long the card's chart may take (default CHART_DEADLINE_MS). */
  chartDeadlineMs?: number;
  /** Finish a listener before answering Slack's HTTP request (tests: the reply includes its effects). */
  processBeforeResponse?: boolean;
  /** How `/autoscale plg …` reaches the monitoring server; built from PLG_* when not given. */
  plg?: PlgDeps;
}

export interface BotApp {
  deps: Deps;
  bolt: BoltApp;
  server: Server;
  settle: SettleWatcher;
  /** Listens, recovers interrupted runs, approves what fell due while down, starts the tick. */
  start(): Promise<{ port: number }>;
  /** Stops taking work, lets runs checkpoint, flushes the store and Slack, closes the listener. */
  stop(): Promise<void>;
  /** One tick now (tests). */
  tick(): Promise<void>;
}

function boltLogger(log: Logger): BoltLogger {
  let level = LogLevel.INFO;
  const l = log.child({ module: 'bolt' });
  return {
    debug: (...m: unknown[]) => l.debug(m.map(String).join(' ')),
    info: (...m: unknown[]) => l.info(m.map(String).join(' ')),
    warn: (...m: unknown[]) => l.warn(m.map(String).join(' ')),
    error: (...m: unknown[]) => l.error(m.map(String).join(' ')),
    setLevel: (v: LogLevel) => { level = v; },
    getLevel: () => level,
    setName: () => undefined,
  };
}

export function createApp(o: AppOptions): BotApp {
  const { config, logger, store } = o;
  const clock = o.clock ?? systemClock;
  const freezes = new FreezeCalendar(config.BOT_TIMEZONE);
  const reachability = new SlackReachability(clock);
  const clientOptions: WebClientOptions = { slackApiUrl: config.SLACK_API_URL, ...o.slackClientOptions, fetch: reachability.track(o.slackClientOptions?.fetch) };
  const receiver = config.socketMode
    ? undefined
    : new HTTPReceiver({ signingSecret: config.SLACK_SIGNING_SECRET!, endpoints: '/slack/events', unhandledRequestTimeoutMillis: 3001, processBeforeResponse: o.processBeforeResponse ?? false, logger: boltLogger(logger) });
  const app = new App({
    token: config.SLACK_BOT_TOKEN,
    ...(receiver ? { receiver } : { socketMode: true, appToken: config.SLACK_APP_TOKEN }),
    clientOptions,
    tokenVerificationEnabled: false,
    logger: boltLogger(logger),
  });

  // Ports: where cards go, what vCenter / F5 say, who runs the steps.
  const metrics = createMetrics(store, o.defaultMetrics ?? true);
  const slackSurface = new SlackSurface({
    client: app.client, store, clock, logger: logger.child({ module: 'slack' }), minUpdateIntervalMs: o.minCardUpdateIntervalMs,
    render: cardRenderer({ store, clock, freezes, tz: config.BOT_TIMEZONE, alertmanagerUrl: config.ALERTMANAGER_URL, grafanaUrl: config.GRAFANA_URL, locale: config.BOT_LOCALE }),
  });
  const surface = o.surface ? o.surface(slackSurface) : slackSurface;
  const inventory = o.inventory ?? new StoreInventory(store);
  const executors: Partial<Record<ExecutorKind, Executor>> = { 'dry-run': new DryRunExecutor({ cloneArgs, customizeArgs }), ...o.executors };
  const jenkins = o.jenkins ?? buildJenkins(config, logger);

  // The domain services, each after what it uses.
  const runner = new RunCoordinator({ config, store, clock, logger, metrics, surface, inventory, executors, freezes });
  const settle = new SettleWatcher({ store, clock, surface, locale: config.BOT_LOCALE });
  const charts = config.PROMETHEUS_URL && surface.image
    ? new ChartPoster({
        store, surface, clock, logger: logger.child({ module: 'chart' }), prometheusUrl: config.PROMETHEUS_URL, timeZone: config.BOT_TIMEZONE,
        locale: (name) => getService(store, name)?.locale ?? config.BOT_LOCALE, deadlineMs: o.chartDeadlineMs,
      })
    : undefined;
  const silences = new SilenceService({
    store, clock, logger: logger.child({ module: 'silences' }), surface, timeZone: config.BOT_TIMEZONE,
    alertmanager: config.ALERTMANAGER_URL ? new AlertmanagerClient(config.ALERTMANAGER_URL) : undefined, alertmanagerUrl: config.ALERTMANAGER_URL,
    locale: (name) => (name ? getService(store, name)?.locale : undefined) ?? config.BOT_LOCALE,
    cardLink: async (card) => (await app.client.chat.getPermalink({ channel: card.channel, message_ts: card.ts })).permalink,
  });
  // users.info with include_locale needs the users:read scope; without it every lookup answers BOT_LOCALE.
  const userLocales = new UserLocales({
    clock, fallback: config.BOT_LOCALE,
    lookup: async (user) => (await app.client.users.info({ user, include_locale: true })).user?.locale,
  });
  const decisions = new DecisionService({ config, store, clock, metrics, surface, inventory, freezes, runner });
  const intake = new IntakeService({ config, store, clock, logger, metrics, surface, inventory, decisions, settle, charts, silences });
  const belowMin = new BelowMin({ store, clock, logger, inventory, surface, intake });
  const deps: Deps = {
    config, store, clock, logger, metrics, surface, inventory, executors, freezes,
    intake, belowMin, decisions, runner, settle, charts, silences, govc: o.govc, jenkins, userLocales,
  };

  // What only the listeners hold: the pending confirmations of the commands that ask first, the PLG connection.
  const plg: CommandServices['plg'] = o.plg ? { ok: true, deps: o.plg } : plgDepsFromConfig(config);
  const listenerDeps = { ...deps, confirmations: new Confirmations(clock), plg };
  registerCommands(app, listenerDeps);
  registerListeners(app, listenerDeps);
  app.error(async (e) => { logger.error({ err: e }, 'Slack listener failed'); });
  const tickDeps: TickDeps = { ...deps, settle };

  const server = createHttpServer(deps, receiver?.requestListener, Date.now(), { slack: () => reachability.status() });
  let stopTicker: (() => void) | undefined;
  let admin: AdminServer | undefined;

  return {
    deps,
    bolt: app,
    server,
    settle,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.PORT, config.HOST, () => resolve());
      });
      if (config.socketMode) await app.start();
      // The CLI's mutating commands (`services apply`) come in here while we run: we are the only
      // writer of db.json (we hold its lock), so they change our copy, never the file behind our back.
      // `requests approve|reject|retry` (break-glass while Slack is down) decide through our DecisionService.
      admin = await startAdminServer(store.dataDir, { store, clock, decisions }, logger).catch((e: unknown) => {
        // E.g. a DATA_DIR path longer than a unix socket path may be (~107 bytes): the bot still serves, the CLI cannot change the store meanwhile.
        logger.error({ err: e }, 'cannot listen on DATA_DIR/admin.sock: `services apply` and `requests approve|reject|retry` will refuse while the bot runs');
        return undefined;
      });
      // Cards re-render from the store: whatever changed while we were down shows now.
      for (const r of store.data.requests) if (LIVE_CARD_STATES.includes(r.state)) surface.sync(r.id);
      const recovered = await runner.recover();
      if (recovered.resumed.length || recovered.started.length) logger.info(recovered, 'recovered runs after start');
      await tick(tickDeps).catch((e: unknown) => logger.error({ err: e }, 'first tick failed'));
      stopTicker = startTicker(tickDeps, o.tickMs);
      return { port: (server.address() as AddressInfo).port };
    },
    async stop() {
      stopTicker?.();
      await admin?.close();
      // Stop starting steps first: runs checkpoint at the next step boundary while we close.
      const drained = runner.shutdown();
      server.closeIdleConnections?.();
      await new Promise<void>((r) => server.close(() => r()));
      await drained;
      await Promise.all(Object.values(executors).map((e) => e?.shutdown?.()));
      await Promise.race([Promise.all([charts?.idle(), silences.idle()]), new Promise((r) => setTimeout(r, 5_000).unref())]);
      await store.flush();
      // Slack may be down: give queued card updates a bounded time (cards re-render from the store on the next start).
      await Promise.race([surface.idle(), new Promise((r) => setTimeout(r, 10_000).unref())]);
      if (config.socketMode) await app.stop();
    },
    tick: () => tick(tickDeps),
  };
}
