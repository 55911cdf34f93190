/**
 * Starts the real bot (real Bolt in HTTP mode, real store, real HTTP routes) on a free port with
 * the Web API pointed at a FakeSlack, and drives it the way Slack and Alertmanager do: signed
 * slash commands, block_actions and view submissions, bearer-authenticated webhooks.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp, type AppOptions, type BotApp } from '../../src/app.js';
import type { Clock } from '../../src/clock.js';
import { loadConfig, serviceSchema, type Config, type Service, type ServiceInput } from '../../src/config.js';
import { createLogger } from '../../src/logger.js';
import { upsertServices } from '../../src/store/services.js';
import { Store } from '../../src/store/store.js';
import { FakeSlack } from '../fakes/slack.js';

export const SIGNING_SECRET = 'test-signing-secret-0123456789';
export const WEBHOOK_TOKEN = 'test-webhook-token-0123456789';

export class TestClock implements Clock {
  constructor(public t = Date.parse('2026-11-26T14:22:00Z')) {}
  now(): Date { return new Date(this.t); }
  advance(ms: number): void { this.t += ms; }
}

export function service(overrides: Partial<ServiceInput> & { name?: string } = {}): Service {
  const name = overrides.name ?? 'web-server';
  const base: ServiceInput = {
    name,
    channel: 'C0SERVICE1',
    template: `${name}-template`,
    vcenter: { datacenter: 'DC0', folder: '/DC0/vm', pool: '/DC0/host/DC0_C0/Resources', datastore: 'LocalDS_0', network: 'VM Network' },
    vmNamePrefix: name,
    network: { ipPool: { start: '127.0.10.10', end: '127.0.10.50' }, netmask: '255.255.255.0', gateway: '127.0.10.1', dns: ['127.0.10.2'], conflictCheck: 'none' },
    f5: { pool: `${name}-pool`, partition: 'Common', port: 80 },
    healthCheck: { type: 'tcp', port: 80, timeout: '30s' },
    scaling: { min: 1, max: 6, cooldown: '10m' },
    approval: { mode: 'manual', autoApproveAfter: '10m', approvers: [] },
  };
  return serviceSchema.parse({ ...base, ...overrides });
}

export interface TestBot {
  bot: BotApp;
  slack: FakeSlack;
  store: Store;
  config: Config;
  clock: TestClock;
  url: string;
  dataDir: string;
  webhook(body: unknown, token?: string): Promise<{ status: number; json: any }>;
  command(text: string, user?: string, channel?: string): Promise<{ status: number; json: any }>;
  click(actionId: string, value: string, user?: string, extra?: Record<string, unknown>): Promise<{ status: number; text: string }>;
  submitView(view: Record<string, unknown>, user?: string): Promise<{ status: number; json: any }>;
  event(event: Record<string, unknown>): Promise<{ status: number }>;
  settle(): Promise<void>;
  stop(opts?: { keepData?: boolean }): Promise<void>;
}

export interface StartOptions extends Partial<Omit<AppOptions, 'config' | 'logger' | 'store'>> {
  services?: Service[];
  env?: Record<string, string>;
  dataDir?: string;
  slack?: FakeSlack;
  /** Builds store-dependent integrations (executors, inventory) once the store is open. */
  build?: (store: Store) => Pick<AppOptions, 'inventory' | 'executors'>;
}

function sign(body: string, ts = Math.floor(Date.now() / 1000)): Record<string, string> {
  const sig = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${ts}:${body}`).digest('hex')}`;
  return { 'x-slack-request-timestamp': String(ts), 'x-slack-signature': sig };
}

export async function startBot(o: StartOptions = {}): Promise<TestBot> {
  const slack = o.slack ?? (await new FakeSlack().start());
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'autoscale-test-'));
  const loaded = loadConfig({
    SLACK_BOT_TOKEN: 'xoxb-test-token',
    SLACK_SIGNING_SECRET: SIGNING_SECRET,
    SLACK_API_URL: slack.url,
    SLACK_DEFAULT_CHANNEL: 'C0DEFAULT1',
    ALERT_WEBHOOK_TOKEN: WEBHOOK_TOKEN,
    HOST: '127.0.0.1',
    PORT: '0',
    DATA_DIR: dataDir,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...o.env,
  });
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'));
  const config = loaded.config;
  const clock = (o.clock as TestClock | undefined) ?? new TestClock();
  const store = await Store.open(dataDir, { clock });
  if (o.services?.length) await upsertServices(store, o.services, 'test', clock.now().toISOString());
  const built = o.build?.(store) ?? {};
  const bot = createApp({
    config,
    logger: createLogger(config.LOG_LEVEL),
    store,
    clock,
    slackClientOptions: { retryConfig: { retries: 0 }, ...o.slackClientOptions },
    tickMs: o.tickMs ?? 3_600_000,
    minCardUpdateIntervalMs: o.minCardUpdateIntervalMs ?? 0,
    defaultMetrics: false,
    inventory: built.inventory ?? o.inventory,
    executors: built.executors ?? o.executors,
    surface: o.surface,
    govc: o.govc,
    processBeforeResponse: o.processBeforeResponse ?? true,
    chartDeadlineMs: o.chartDeadlineMs,
  });
  const { port } = await bot.start();
  const url = `http://127.0.0.1:${port}`;
  const post = async (path: string, body: string, headers: Record<string, string>) => {
    const res = await fetch(`${url}${path}`, { method: 'POST', body, headers });
    const text = await res.text();
    let json: any;
    try { json = text ? JSON.parse(text) : undefined; } catch { json = text; }
    return { status: res.status, json, text };
  };
  let n = 0;
  const tb: TestBot = {
    bot, slack, store, config, clock, url, dataDir,
    webhook: (body, token = WEBHOOK_TOKEN) =>
      post('/alertmanager', typeof body === 'string' ? body : JSON.stringify(body), { 'content-type': 'application/json', authorization: `Bearer ${token}` }),
    command: (text, user = 'U0ADMIN01', channel = 'C0SERVICE1') => {
      const body = new URLSearchParams({
        token: 'legacy', team_id: 'T0FAKE', channel_id: channel, user_id: user, command: '/autoscale', text,
        response_url: `${slack.base}/response/${++n}`, trigger_id: `trigger-${n}`, api_app_id: 'A0FAKE',
      }).toString();
      return post('/slack/events', body, { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) });
    },
    click: async (actionId, value, user = 'U0ADMIN01', extra = {}) => {
      const payload = {
        type: 'block_actions', team: { id: 'T0FAKE' }, user: { id: user, username: user }, api_app_id: 'A0FAKE',
        trigger_id: `trigger-${++n}`, response_url: `${slack.base}/response/${n}`,
        channel: { id: 'C0SERVICE1' }, container: { type: 'message', channel_id: 'C0SERVICE1', message_ts: '1700000000.000001' },
        actions: [{ type: 'button', action_id: actionId, block_id: 'decision', value, action_ts: String(Date.now() / 1000) }],
        ...extra,
      };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      const r = await post('/slack/events', body, { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) });
      return { status: r.status, text: r.text };
    },
    submitView: (view, user = 'U0ADMIN01') => {
      const payload = { type: 'view_submission', team: { id: 'T0FAKE' }, user: { id: user }, api_app_id: 'A0FAKE', trigger_id: `trigger-${++n}`, view: { id: 'V1', ...view } };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return post('/slack/events', body, { 'content-type': 'application/x-www-form-urlencoded', ...sign(body) });
    },
    event: async (event) => {
      const body = JSON.stringify({ type: 'event_callback', team_id: 'T0FAKE', api_app_id: 'A0FAKE', event, event_id: `Ev${++n}`, event_time: Math.floor(Date.now() / 1000) });
      const r = await post('/slack/events', body, { 'content-type': 'application/json', ...sign(body) });
      return { status: r.status };
    },
    async settle() {
      for (let i = 0; i < 5; i++) {
        await bot.deps.runner.idle();
        await bot.deps.charts?.idle();
        await bot.deps.store.flush();
        await bot.deps.surface.idle();
      }
    },
    async stop(opts = {}) {
      await bot.stop();
      if (!o.slack) await slack.stop();
      if (!opts.keepData && !o.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return tb;
}

/** An Alertmanager v4 notification, the shape Alertmanager really sends. */
export function alertPayload(opts: { service?: string; status?: 'firing' | 'resolved'; alertname?: string; direction?: 'out' | 'in'; labels?: Record<string, string>; fingerprint?: string } = {}) {
  const status = opts.status ?? 'firing';
  const labels = { alertname: opts.alertname ?? 'HighCPU', service: opts.service ?? 'web-server', autoscale: opts.direction ?? 'out', severity: 'warning', ...opts.labels };
  return {
    version: '4',
    groupKey: `{}/{service="${labels.service}"}:{alertname="${labels.alertname}"}`,
    truncatedAlerts: 0,
    receiver: 'vm-autoscale-bot',
    status,
    alerts: [{
      status,
      labels,
      annotations: { summary: 'CPU above 80% for 5 minutes', description: 'avg CPU busy 91% over 3 instances' },
      startsAt: '2026-11-26T14:15:00Z',
      endsAt: status === 'resolved' ? '2026-11-26T14:40:00Z' : '0001-01-01T00:00:00Z',
      generatorURL: 'http://prometheus.local:9090/graph?g0.expr=cpu',
      fingerprint: opts.fingerprint ?? 'a1b2c3d4e5f60718',
    }],
    groupLabels: { service: labels.service },
    commonLabels: labels,
    commonAnnotations: {},
    externalURL: 'http://alertmanager.local:9093',
  };
}
