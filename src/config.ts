/**
 * Configuration: zod schemas for the environment and for the services file.
 * Both fail loudly: one line per bad variable or field, with its path and what to do.
 */
import { configIssue } from './i18n/configIssues.js';
import { LOCALES } from './i18n/locales.js';
import { z } from 'zod';
import { durationMs } from './duration.js';
import { FREEZE_TEXT_MAX, freezeText, LIST_TEXT_MAX, listText, SLACK_INPUT_MAX } from './formText.js';
import { validate as validateCron } from 'node-cron';
import { parseCron } from './freezeWindow.js';
import { ipToInt, isIPv4, isNetmask, sameSubnet } from './ipv4.js';

// "required" reads better than zod's "expected string, received undefined" for a missing field.
z.config({ customError: (iss) => (iss.code === 'invalid_type' && iss.input === undefined ? 'required' : undefined) });

// ---------------------------------------------------------------------------------------------
// Services file

/**
 * Every duration has a maximum for its field, so a typo like `999999999d` is refused when it is written instead of
 * turning into an overflowing date later. The string itself is short: a duration needs no more than a few parts.
 */
export const DURATION_TEXT_MAX = 32;
export function boundedDuration(max: string) {
  const maxMs = durationMs(max);
  if (maxMs === undefined) throw new Error(`bad maximum duration ${max}`);
  return z
    .string()
    .max(DURATION_TEXT_MAX, { message: `expected a duration like 30s, 10m, 1h (at most ${DURATION_TEXT_MAX} characters)` })
    .superRefine((s, ctx) => {
      if (s.length > DURATION_TEXT_MAX) return; // said above
      const v = durationMs(s);
      if (v === undefined) ctx.addIssue({ code: 'custom', ...configIssue('duration') });
      else if (v > maxMs) ctx.addIssue({ code: 'custom', ...configIssue('durationTooLong', { value: s, max }) });
    });
}

/**
 * The maximum of every duration field, with why (README lists them). The freeze window's 7d is also how far back
 * the freeze matcher looks for a window's start.
 */
export const DURATION_MAX = {
  'healthCheck.timeout': '1h', // a VM that is not healthy an hour after power-on will not become so
  'scaling.cooldown': '7d',
  'scaling.cooldownIn': '7d',
  'scaling.drainTimeout': '24h',
  'scaling.settle': '24h',
  'scaling.freeze.duration': '7d',
  'approval.autoApproveAfter': '24h',
  'monitoring.for': '24h',
  'monitoring.scaleInFor': '24h',
  'monitoring.scrapeInterval': '1h',
  'monitoring.sdRefreshInterval': '10m', // longer, and a new VM stays unwatched for that long after its scale-out
  'monitoring.evaluationInterval': '1h',
  'monitoring.groupWait': '1h',
  'monitoring.groupInterval': '24h',
  'monitoring.repeatInterval': '7d',
} as const;
const duration = (field: keyof typeof DURATION_MAX) => boundedDuration(DURATION_MAX[field]);

// The form's text of lists and freeze windows, and Slack's input limit: in a leaf the card builders share (formText.ts).
export { FREEZE_TEXT_MAX, freezeText, LIST_TEXT_MAX, listText, SLACK_INPUT_MAX };
export const MAX_TARGETS = 200;
export const MAX_APPROVERS = 50;
export const MAX_FREEZE_WINDOWS = 30;

const ipv4 = z.string().max(15, { message: 'expected an IPv4 address like 10.0.0.1' }).refine(isIPv4, configIssue('ipv4'));
const hostPort = z
  .string()
  .max(261, { message: 'expected host:port' })
  .refine((s) => /^[A-Za-z0-9.-]+:\d{1,5}$/.test(s), configIssue('hostPort'))
  .refine((s) => Number(s.split(':')[1]) <= 65535, configIssue('portMax'));
const port = z.number().int().min(1).max(65535);
/** A Prometheus job name as the services file may give it (it is written into prometheus.yml and into PromQL). */
const jobName = z.string().max(200).refine((s) => /^[a-zA-Z0-9_-]+$/.test(s), configIssue('jobNameChars'));
const slackId = z.string().refine((s) => /^[A-Z0-9]{2,}$/.test(s), configIssue('slackId'));
// vCenter inventory paths and names: printable, no control characters, no shell surprises needed
// (we never use a shell), but keep them sane for govc's own path syntax.
const inventoryPath = z
  .string()
  .min(1)
  .max(255)
  .refine((s) => /^[^\u0000-\u001f\u007f`$;|&<>]+$/.test(s), configIssue('pathChars'));
const dnsName = z
  .string()
  .min(1)
  .max(63)
  .refine((s) => /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(s), configIssue('dnsName'));
const f5Name = z
  .string()
  .min(1)
  .max(127)
  .refine((s) => /^[A-Za-z0-9_.-]+$/.test(s), configIssue('nameChars'));

/**
 * node-cron validates the syntax; the bot's own small matcher (freezeWindow.ts) evaluates it,
 * because node-cron does not export one that can answer "did a window start in the last N hours".
 * An expression must satisfy both.
 */
function isCron(expr: string): boolean {
  if (!validateCron(expr)) return false;
  try {
    parseCron(expr);
    return true;
  } catch {
    return false;
  }
}

export const freezeWindowSchema = z.object({
  cron: z.string().max(100).refine(isCron, configIssue('cron')),
  duration: duration('scaling.freeze.duration'),
  reason: z.string().max(200).optional(),
});

export const serviceSchema = z
  .object({
    name: dnsName,
    enabled: z.boolean().default(true),
    channel: slackId,
    template: inventoryPath,
    vcenter: z.object({
      datacenter: inventoryPath.optional(),
      folder: inventoryPath.optional(),
      pool: inventoryPath.optional(),
      datastore: inventoryPath.optional(),
      network: inventoryPath.optional(),
    }),
    vmNamePrefix: dnsName,
    executor: z.enum(['local', 'dry-run', 'jenkins']).optional(),
    network: z.object({
      ipPool: z.object({ start: ipv4, end: ipv4 }),
      netmask: z.string().max(15).refine(isNetmask, configIssue('netmask')),
      gateway: ipv4,
      dns: z.array(ipv4).max(3).default([]),
      conflictCheck: z.enum(['icmp', 'tcp', 'none']).default('icmp'),
    }),
    f5: z.object({
      pool: f5Name,
      partition: f5Name.default('Common'),
      port: port,
      vip: ipv4.optional(),
      deviceGroup: f5Name.optional(),
    }),
    healthCheck: z.object({
      type: z.enum(['http', 'tcp']).default('tcp'),
      port: port,
      path: z.string().startsWith('/').max(200).default('/'),
      expectStatus: z.number().int().min(100).max(599).default(200),
      timeout: duration('healthCheck.timeout').default('5m'),
    }),
    scaling: z.object({
      min: z.number().int().min(0).max(100),
      max: z.number().int().min(1).max(100),
      cooldown: duration('scaling.cooldown').default('10m'),
      cooldownIn: duration('scaling.cooldownIn').optional(),
      maxPerHour: z.number().int().min(1).max(60).default(3),
      drainTimeout: duration('scaling.drainTimeout').default('5m'),
      settle: duration('scaling.settle').default('15m'),
      freeze: z
        .array(freezeWindowSchema)
        .max(MAX_FREEZE_WINDOWS)
        .refine((ws) => freezeText(ws).length <= FREEZE_TEXT_MAX, configIssue('freezeTextTooLong', { max: FREEZE_TEXT_MAX }))
        .default([]),
    }),
    approval: z.object({
      mode: z.enum(['manual', 'timeout', 'auto']).default('manual'),
      autoApproveAfter: duration('approval.autoApproveAfter').default('10m'),
      approvers: z.array(slackId).max(MAX_APPROVERS).default([]),
    }).prefault({}),
    monitoring: z
      .object({
        /** The job the bot GENERATES (http_sd from the bot) and its rules select; default autoscale-<name>. */
        prometheusJob: jobName.optional(),
        /** Instead: the operator's own job already scrapes the service. No job is generated; the rules select this one. */
        existingJob: jobName.optional(),
        /** node_exporter's port on the VMs the bot creates: /sd/prometheus lists them as <ip>:<exporterPort>. */
        exporterPort: port.default(9100),
        /** How often Prometheus asks the bot for the service's instances (http_sd refresh_interval). */
        sdRefreshInterval: duration('monitoring.sdRefreshInterval').default('30s'),
        targets: z
          .array(hostPort)
          .max(MAX_TARGETS)
          .refine((ts) => listText(ts).length <= LIST_TEXT_MAX, configIssue('targetsTextTooLong', { max: LIST_TEXT_MAX }))
          .default([]),
        cpuThreshold: z.number().min(1).max(100).default(80),
        memoryThreshold: z.number().min(1).max(100).default(85),
        for: duration('monitoring.for').default('5m'),
        scaleInCpuBelow: z.number().min(0).max(100).default(20),
        scaleInMemoryBelow: z.number().min(0).max(100).default(30),
        scaleInFor: duration('monitoring.scaleInFor').default('30m'),
        /** The job's own scrape_interval and the rule group's evaluation interval (Prometheus' globals when unset). */
        scrapeInterval: duration('monitoring.scrapeInterval').optional(),
        evaluationInterval: duration('monitoring.evaluationInterval').optional(),
        /** Timings of the service's Alertmanager route. */
        groupWait: duration('monitoring.groupWait').default('10s'),
        groupInterval: duration('monitoring.groupInterval').default('1m'),
        repeatInterval: duration('monitoring.repeatInterval').default('1h'),
      })
      .optional(),
    /** This service's cards in this language (default BOT_LOCALE). */
    locale: z.enum(LOCALES).optional(),
    /**
     * VMs kept ready outside F5 (not counted as instances): cloned, customized with a leased pool IP and, for
     * `running`, powered on and healthy; `stopped` ones were booted once (so customization applied), then shut down.
     * A scale-out takes one when one is ready; the bot refills the pool in the background (workflows/warmPool.ts).
     */
    warmPool: z
      .object({
        size: z.number().int().refine((n) => n >= 1 && n <= 10, configIssue('warmPoolSize')),
        state: z.string().refine((v) => v === 'stopped' || v === 'running', configIssue('warmPoolState')).pipe(z.enum(['stopped', 'running'])).default('running'),
      })
      .strict()
      .optional(),
    jenkins: z
      .object({
        job: z.string().refine((s) => /^[A-Za-z0-9_.-]+$/.test(s), configIssue('nameChars')),
        token: z.string().min(8).max(200).optional(),
        /** A Generic Webhook Trigger on the job (off by default); its token is generated by `jenkins push`. */
        webhookTrigger: z.boolean().optional(),
        scm: z
          .object({ url: z.string().url(), scriptPath: z.string().default('Jenkinsfile'), branch: z.string().default('main') })
          .optional(),
      })
      .optional(),
  })
  .superRefine((s, ctx) => {
    const { start, end } = s.network.ipPool;
    if (isIPv4(start) && isIPv4(end)) {
      if (ipToInt(start) > ipToInt(end)) {
        ctx.addIssue({ code: 'custom', path: ['network', 'ipPool', 'end'], ...configIssue('poolEndBeforeStart', { start, end }) });
      } else if (ipToInt(end) - ipToInt(start) >= 65536) {
        ctx.addIssue({ code: 'custom', path: ['network', 'ipPool'], ...configIssue('poolTooLarge') });
      }
      if (isNetmask(s.network.netmask) && isIPv4(s.network.gateway)) {
        if (!sameSubnet(start, s.network.gateway, s.network.netmask) || !sameSubnet(end, s.network.gateway, s.network.netmask)) {
          ctx.addIssue({
            code: 'custom', path: ['network', 'ipPool'],
            ...configIssue('poolOutsideSubnet', { start, end, gateway: s.network.gateway, netmask: s.network.netmask }),
          });
        }
      }
    }
    // monitoring.existingJob means "the bot generates no job": anything that only a generated job would use is refused
    // rather than silently ignored (issue 13: targets were dropped when prometheusJob meant "existing job").
    if (s.monitoring?.existingJob !== undefined) {
      if (s.monitoring.targets.length > 0) {
        ctx.addIssue({ code: 'custom', path: ['monitoring', 'targets'], ...configIssue('targetsWithExistingJob', { job: s.monitoring.existingJob }) });
      }
      if (s.monitoring.prometheusJob !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['monitoring', 'prometheusJob'], ...configIssue('bothJobs') });
      }
    }
    if (s.scaling.min > s.scaling.max) {
      ctx.addIssue({ code: 'custom', path: ['scaling', 'min'], ...configIssue('minAboveMax', { min: s.scaling.min, max: s.scaling.max }) });
    }
    if (s.warmPool && s.executor === 'jenkins') {
      ctx.addIssue({ code: 'custom', path: ['warmPool'], ...configIssue('warmPoolNeedsLocal') });
    }
    // The Jenkins texts must fit the modal's inputs too; checked here, not in the jenkins sub-schema, so that group's
    // own definition stays one place that other changes extend.
    const jenkinsTexts: Array<[string[], string | undefined]> = [
      [['job'], s.jenkins?.job], [['scm', 'url'], s.jenkins?.scm?.url], [['scm', 'scriptPath'], s.jenkins?.scm?.scriptPath], [['scm', 'branch'], s.jenkins?.scm?.branch],
    ];
    for (const [path, value] of jenkinsTexts) {
      if (value !== undefined && value.length > SLACK_INPUT_MAX) {
        ctx.addIssue({ code: 'custom', path: ['jenkins', ...path], ...configIssue('tooLong', { max: SLACK_INPUT_MAX, length: value.length }) });
      }
    }
  });

export type Service = z.infer<typeof serviceSchema>;
export type ServiceInput = z.input<typeof serviceSchema>;

export const servicesFileSchema = z
  .object({ services: z.array(serviceSchema) })
  .superRefine((f, ctx) => {
    const seen = new Map<string, number>();
    f.services.forEach((s, i) => {
      const prev = seen.get(s.name);
      if (prev !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['services', i, 'name'], ...configIssue('duplicateName', { name: s.name, prev }) });
      } else seen.set(s.name, i);
    });
  });

/** An issue's path as the problem lines print it: `services[1].network.ipPool`, `(root)` for none. */
export function issuePath(path: readonly PropertyKey[]): string {
  return path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('').replace(/^\./, '') || '(root)';
}

/** Renders zod issues as `path: message` lines, one per problem. */
export function formatIssues(error: z.ZodError, prefix = ''): string[] {
  return error.issues.map((i) => `${prefix}${issuePath(i.path)}: ${i.message}`);
}

// ---------------------------------------------------------------------------------------------
// Environment

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'expected true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');
const optionalText = z.string().min(1).optional();
const url = z.string().url({ message: 'expected a URL like https://host:port' });
const reload = z.string().min(1);

function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

export const envSchema = z
  .object({
    SLACK_BOT_TOKEN: z.string({ message: 'required: the bot token (xoxb-…) from the Slack app' }).regex(/^xox[bp]-/, { message: 'must start with xoxb-' }),
    SLACK_SIGNING_SECRET: optionalText,
    SLACK_APP_TOKEN: z.string().regex(/^xapp-/, { message: 'must start with xapp- (an app-level token with connections:write)' }).optional(),
    SLACK_API_URL: url.default('https://slack.com/api/'),
    SLACK_DEFAULT_CHANNEL: optionalText,
    HOST: z.string().default('0.0.0.0'),
    PORT: z.coerce.number({ message: 'expected a port number' }).int().min(0).max(65535).default(3000),
    ALERT_WEBHOOK_TOKEN: z.string({ message: 'required: the bearer token Alertmanager sends' }).min(16, { message: 'use at least 16 characters' }),
    DATA_DIR: z.string().default('./data'),
    GOVC_URL: optionalText,
    GOVC_USERNAME: optionalText,
    GOVC_PASSWORD: optionalText,
    GOVC_INSECURE: bool.optional(),
    GOVC_DATACENTER: optionalText,
    GOVC_BIN: z.string().default('govc'),
    F5_SERVERS: z
      .string()
      .optional()
      .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []))
      .pipe(z.array(url)),
    F5_USERNAME: optionalText,
    F5_PASSWORD: optionalText,
    F5_VERIFY_TLS: bool.default(true),
    F5_CA_FILE: optionalText,
    PLG_SSH_HOST: optionalText,
    PLG_SSH_PORT: z.coerce.number().int().min(1).max(65535).default(22),
    PLG_SSH_USER: optionalText,
    PLG_SSH_KEY_FILE: optionalText,
    PLG_SSH_HOST_KEY: z.string().regex(/^SHA256:[A-Za-z0-9+/]{43}=?$/, { message: 'expected a SHA256:… fingerprint (ssh-keygen -lf key.pub)' }).optional(),
    PLG_SSH_SUDO: bool.default(false),
    PLG_PROMETHEUS_CONFIG: z.string().default('/mnt/plg-stack/prometheus/prometheus.yml'),
    PLG_PROMETHEUS_RULES: z.string().default('/mnt/plg-stack/prometheus/rules/alert_rules.yml'),
    PLG_ALERTMANAGER_CONFIG: z.string().default('/mnt/plg-stack/alertmanager/config/alertmanager.yml'),
    PLG_PROMETHEUS_CHECK: optionalText,
    PLG_RULES_CHECK: optionalText,
    PLG_ALERTMANAGER_CHECK: optionalText,
    PLG_PROMETHEUS_RELOAD: reload.default('docker restart prometheus'),
    PLG_ALERTMANAGER_RELOAD: reload.default('docker restart alertmanager'),
    PROMETHEUS_URL: url.optional(),
    ALERTMANAGER_URL: url.optional(),
    GRAFANA_URL: url.optional(),
    JENKINS_URL: url.optional(),
    JENKINS_USER: optionalText,
    JENKINS_TOKEN: optionalText,
    /** Where the bot's CLI and node are on the Jenkins agents: the generated pipeline runs `$NODE_BIN $BOT_CLI run-step …`. */
    JENKINS_BOT_CLI: z.string().regex(/^[^\u0000-\u001f\u007f]+$/, { message: 'a path without control characters' }).default('dist/cli.js'),
    JENKINS_NODE_BIN: z.string().regex(/^[^\u0000-\u001f\u007f]+$/, { message: 'a path without control characters' }).default('node'),
    BOT_PUBLIC_URL: url.optional(),
    EXECUTOR: z.enum(['local', 'dry-run', 'jenkins']).optional(),
    ADMIN_USERS: z
      .string()
      .optional()
      .transform((s) => (s ? s.split(',').map((x) => x.trim()).filter(Boolean) : []))
      .pipe(z.array(slackId)),
    BOT_TIMEZONE: z.string().default('UTC').refine(isTimeZone, { message: 'expected an IANA time zone like UTC or Asia/Seoul' }),
    LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    /** The language of cards, modals, App Home and help where neither the service nor the user says otherwise. */
    BOT_LOCALE: z.enum(LOCALES, { message: `expected one of: ${LOCALES.join(', ')}` }).default('en'),
    /** Bearer token Prometheus sends to GET /sd/prometheus; without it the route answers 404. */
    PROMETHEUS_SD_TOKEN: z.string().min(16, { message: 'use at least 16 characters' }).optional(),
  })
;

/** Checks across variables; run on the raw environment so they are reported with the others. */
function crossChecks(e: Record<string, string | undefined>): string[] {
  const out: string[] = [];
  if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) out.push('SLACK_SIGNING_SECRET: required in HTTP mode (or set SLACK_APP_TOKEN for Socket Mode)');
  if (e.F5_SERVERS && (!e.F5_USERNAME || !e.F5_PASSWORD)) out.push('F5_USERNAME: F5_USERNAME and F5_PASSWORD are required when F5_SERVERS is set');
  if (e.EXECUTOR === 'local' && !e.GOVC_URL) out.push('GOVC_URL: required when EXECUTOR=local');
  if (e.EXECUTOR === 'jenkins' && !e.JENKINS_URL) out.push('JENKINS_URL: required when EXECUTOR=jenkins');
  if (e.JENKINS_URL && (!e.JENKINS_USER || !e.JENKINS_TOKEN)) out.push('JENKINS_USER: JENKINS_USER and JENKINS_TOKEN (an API token) are required when JENKINS_URL is set');
  return out;
}

export type Env = z.infer<typeof envSchema>;

export interface Config extends Env {
  /** Executor for services that name none. */
  defaultExecutor: 'local' | 'dry-run' | 'jenkins';
  socketMode: boolean;
}

export type LoadResult = { ok: true; config: Config } | { ok: false; problems: string[] };

/** Parses the environment. Never throws; the caller prints the problems and exits 2. */
export function loadConfig(env: NodeJS.ProcessEnv): LoadResult {
  // Treat empty strings as unset: `.env` files often carry `FOO=`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const r = envSchema.safeParse(cleaned);
  const problems = [...(r.success ? [] : formatIssues(r.error)), ...crossChecks(cleaned)];
  if (!r.success || problems.length) return { ok: false, problems };
  const e = r.data;
  return {
    ok: true,
    config: { ...e, defaultExecutor: e.EXECUTOR ?? (e.GOVC_URL ? 'local' : 'dry-run'), socketMode: Boolean(e.SLACK_APP_TOKEN) },
  };
}

/** Names of environment variables whose values must never reach a log, a card or an error. */
export const SECRET_ENV = [
  'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET', 'SLACK_APP_TOKEN', 'ALERT_WEBHOOK_TOKEN',
  'GOVC_PASSWORD', 'F5_PASSWORD', 'JENKINS_TOKEN', 'PROMETHEUS_SD_TOKEN',
] as const;
