/**
 * Pure generators of the monitoring config for one service: the Prometheus scrape job, the alert
 * rule group, and the Alertmanager receiver + route that deliver its alerts to the bot.
 * merge.ts splices these into the operator's files; renderStandalone makes files that are each
 * valid on their own, for review (`cli plg render --out DIR`).
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { serviceSchema, type Service } from '../../config.js';
import { toYaml } from './yaml-splice.js';

export interface RenderSettings {
  /** Where Alertmanager reaches the bot (BOT_PUBLIC_URL); the webhook is `<url>/alertmanager`. */
  botPublicUrl: string;
  /** ALERT_WEBHOOK_TOKEN, sent by Alertmanager as `Authorization: Bearer …`. */
  webhookToken: string;
  /**
   * PROMETHEUS_SD_TOKEN, sent by Prometheus to `<botPublicUrl>/sd/prometheus` as `Authorization: Bearer …`.
   * `plg push` refuses without it (see push.ts); unset here, the job carries a placeholder (review files).
   */
  sdToken?: string;
}

export type Monitoring = NonNullable<Service['monitoring']>;

export const BOT_RECEIVER = 'vm-autoscale-bot';
export const SCALE_OUT_ALERT = 'AutoscaleScaleOut';
export const SCALE_IN_ALERT = 'AutoscaleScaleIn';
/** Trailing comment on the first line of every item the bot writes, so operators know who owns it. */
export const MANAGED_MARK = 'managed by vm-autoscale-bot';

/** Timings of the service's route. group_wait is short because `for:` already debounced the alert. */
export const ROUTE_TIMING = { group_wait: '10s', group_interval: '1m', repeat_interval: '1h' } as const;

const MONITORING_DEFAULTS: Monitoring = serviceSchema.shape.monitoring.unwrap().parse({});

export function monitoringOf(service: Service): Monitoring {
  return service.monitoring ?? MONITORING_DEFAULTS;
}

export const managedName = (service: Pick<Service, 'name'>): string => `autoscale-${service.name}`;
export const serviceMatcher = (service: Pick<Service, 'name'>): string => `service="${service.name}"`;

/** The route Prometheus' http_sd asks for the service's instances (src/handlers/serviceDiscovery.ts). */
export const SD_PATH = '/sd/prometheus';
/** Written instead of PROMETHEUS_SD_TOKEN in files for review (`cli plg render` without --include-secrets). */
export const SD_TOKEN_PLACEHOLDER = 'REPLACE-WITH-PROMETHEUS_SD_TOKEN';

/**
 * True when the bot generates the service's scrape job: always, unless `monitoring.existingJob` says the operator's
 * own job already scrapes the service (a second job would scrape it twice and the rules would read only one).
 */
export function hasScrapeJob(service: Service): boolean {
  return monitoringOf(service).existingJob === undefined;
}

/** The name of the job the bot generates (`monitoring.prometheusJob`, default autoscale-<service>); undefined with existingJob. */
export function generatedJobName(service: Service): string | undefined {
  const m = monitoringOf(service);
  return m.existingJob !== undefined ? undefined : (m.prometheusJob ?? managedName(service));
}

/** The job the service's rules (and the card's chart) select: the generated one, or the operator's existingJob. */
export function ruleJob(service: Service): string {
  return monitoringOf(service).existingJob ?? generatedJobName(service)!;
}

/** Where the job's http_sd asks for the service's instances. */
export function sdUrl(service: Pick<Service, 'name'>, settings: Pick<RenderSettings, 'botPublicUrl'>): string {
  return `${settings.botPublicUrl.replace(/\/+$/, '')}${SD_PATH}?service=${encodeURIComponent(service.name)}`;
}

export interface HttpSdConfig {
  url: string;
  refresh_interval: string;
  authorization: { type: 'Bearer'; credentials: string };
}

export interface ScrapeJob {
  job_name: string;
  scrape_interval?: string;
  http_sd_configs: HttpSdConfig[];
}

/**
 * The service's scrape job: its instances come from the bot (http_sd), the configured `monitoring.targets` and every
 * VM the bot created, so the job is pushed once and follows every scale-out and scale-in by itself. Between refreshes,
 * and while the bot is unreachable, Prometheus keeps the list it last got. Syntax of Prometheus 2.42 (Debian):
 * `http_sd_configs` takes the HTTP client options (`authorization`) inline.
 */
export function renderScrapeJob(service: Service, settings: RenderSettings): ScrapeJob {
  const m = monitoringOf(service);
  const name = generatedJobName(service);
  if (name === undefined) throw new Error(`service ${service.name} uses existingJob ${m.existingJob ?? ''}: the bot generates no scrape job for it`);
  return {
    job_name: name,
    ...(m.scrapeInterval ? { scrape_interval: m.scrapeInterval } : {}),
    http_sd_configs: [
      {
        url: sdUrl(service, settings),
        refresh_interval: m.sdRefreshInterval ?? DEFAULT_SD_REFRESH,
        authorization: { type: 'Bearer', credentials: settings.sdToken ?? SD_TOKEN_PLACEHOLDER },
      },
    ],
  };
}

/** For services stored before monitoring.sdRefreshInterval existed (the store keeps configs as they were parsed). */
const DEFAULT_SD_REFRESH = '30s';

export interface AlertRule {
  alert: string;
  expr: string;
  for: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
}

export interface RuleGroup {
  name: string;
  interval?: string;
  rules: AlertRule[];
}

/**
 * PromQL for the service's CPU busy % and memory used %, averaged over its instances. With a warm pool, its VMs
 * (labelled warm="true" by the bot's service discovery) are left out: they serve no traffic.
 */
export function serviceExpressions(service: Service): { cpuBusy: string; memoryUsed: string } {
  const sel = `job="${ruleJob(service)}"${service.warmPool ? ',warm!="true"' : ''}`;
  return {
    cpuBusy: `100 * (1 - avg(rate(node_cpu_seconds_total{${sel},mode="idle"}[5m])))`,
    memoryUsed: `100 * avg(1 - node_memory_MemAvailable_bytes{${sel}} / node_memory_MemTotal_bytes{${sel}})`,
  };
}

export function renderRuleGroup(service: Service): RuleGroup {
  const m = monitoringOf(service);
  const { cpuBusy, memoryUsed } = serviceExpressions(service);
  const name = service.name;
  return {
    name: managedName(service),
    ...(m.evaluationInterval ? { interval: m.evaluationInterval } : {}),
    rules: [
      {
        alert: SCALE_OUT_ALERT,
        expr: `(${cpuBusy} > ${m.cpuThreshold}) or (${memoryUsed} > ${m.memoryThreshold})`,
        for: m.for,
        labels: { service: name, autoscale: 'out', severity: 'warning' },
        annotations: {
          summary: `${name}: CPU or memory above the scale-out threshold`,
          description:
            `CPU busy above ${m.cpuThreshold}% or memory used above ${m.memoryThreshold}% (average over ${name}'s instances)` +
            ` for ${m.for}; now {{ $value | printf "%.1f" }}%. vm-autoscale-bot proposes adding a VM.`,
        },
      },
      {
        alert: SCALE_IN_ALERT,
        expr: `(${cpuBusy} < ${m.scaleInCpuBelow}) and (${memoryUsed} < ${m.scaleInMemoryBelow})`,
        for: m.scaleInFor,
        labels: { service: name, autoscale: 'in', severity: 'info' },
        annotations: {
          summary: `${name}: CPU and memory below the scale-in threshold`,
          description:
            `CPU busy below ${m.scaleInCpuBelow}% and memory used below ${m.scaleInMemoryBelow}% (average over ${name}'s instances)` +
            ` for ${m.scaleInFor}; CPU now {{ $value | printf "%.1f" }}%. vm-autoscale-bot proposes removing a VM.`,
        },
      },
    ],
  };
}

export interface Receiver {
  name: string;
  webhook_configs: Array<{
    url: string;
    send_resolved: boolean;
    http_config: { authorization: { type: 'Bearer'; credentials: string } };
  }>;
}

export function webhookUrl(settings: RenderSettings): string {
  return `${settings.botPublicUrl.replace(/\/+$/, '')}/alertmanager`;
}

export function renderReceiver(settings: RenderSettings): Receiver {
  return {
    name: BOT_RECEIVER,
    webhook_configs: [
      {
        url: webhookUrl(settings),
        send_resolved: true,
        http_config: { authorization: { type: 'Bearer', credentials: settings.webhookToken } },
      },
    ],
  };
}

export interface Route {
  receiver: string;
  matchers: string[];
  group_by: string[];
  group_wait: string;
  group_interval: string;
  repeat_interval: string;
}

/** `matchers:` needs Alertmanager ≥ 0.22 (Debian bookworm ships 0.25). */
export function renderRoute(service: Service): Route {
  return {
    receiver: BOT_RECEIVER,
    matchers: [serviceMatcher(service)],
    group_by: ['alertname', 'service', 'autoscale'],
    group_wait: service.monitoring?.groupWait ?? ROUTE_TIMING.group_wait,
    group_interval: service.monitoring?.groupInterval ?? ROUTE_TIMING.group_interval,
    repeat_interval: service.monitoring?.repeatInterval ?? ROUTE_TIMING.repeat_interval,
  };
}

// ---------------------------------------------------------------------------------------------
// Standalone files for review

export type StandaloneFiles = { 'prometheus.yml': string; 'rules.yml': string; 'alertmanager.yml': string };

export function renderStandalone(service: Service, settings: RenderSettings): StandaloneFiles {
  const header = (what: string) =>
    `# ${what} for service ${service.name}, generated by vm-autoscale-bot for review.\n` +
    `# \`/autoscale plg push ${service.name}\` merges the same parts into the live files.\n`;
  const prometheus = {
    rule_files: ['rules.yml'],
    scrape_configs: hasScrapeJob(service) ? [renderScrapeJob(service, settings)] : [],
  };
  const alertmanager = {
    route: { receiver: BOT_RECEIVER, routes: [renderRoute(service)] },
    receivers: [renderReceiver(settings)],
  };
  return {
    'prometheus.yml': header('Prometheus scrape job') + toYaml(prometheus),
    'rules.yml': header('Alert rules') + toYaml({ groups: [renderRuleGroup(service)] }),
    'alertmanager.yml': header('Alertmanager receiver and route') + toYaml(alertmanager),
  };
}

/** Placeholder written instead of the token unless the caller asks for the real one. */
export const TOKEN_PLACEHOLDER = 'REPLACE-WITH-ALERT_WEBHOOK_TOKEN';

/**
 * Writes the three standalone files into `dir` (created if missing) and returns their paths.
 * Files meant for review in git must not carry the bearer tokens (the webhook's and the SD's), so they are
 * replaced by placeholders unless `includeSecrets` is set.
 */
export async function renderToDir(
  service: Service,
  settings: RenderSettings,
  dir: string,
  opts: { includeSecrets?: boolean } = {},
): Promise<string[]> {
  const files = renderStandalone(service, opts.includeSecrets ? settings : { ...settings, webhookToken: TOKEN_PLACEHOLDER, sdToken: SD_TOKEN_PLACEHOLDER });
  await mkdir(dir, { recursive: true });
  const paths: string[] = [];
  for (const [name, text] of Object.entries(files)) {
    const path = join(dir, name);
    await writeFile(path, text, { mode: 0o600 });
    paths.push(path);
  }
  return paths;
}
