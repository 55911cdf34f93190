/**
 * Merges one service's managed parts into the operator's Prometheus, rules and Alertmanager files,
 * and removes them again. Pure: text in, text out. Everything outside the managed items is kept
 * byte for byte (see yaml-splice.ts); merging twice gives the identical text.
 */
import { posix } from 'node:path';
import type { Service } from '../../config.js';
import { routeCaptures, type Labels } from './am-routes.js';
import {
  BOT_RECEIVER,
  MANAGED_MARK,
  generatedJobName,
  managedName,
  sdUrl,
  renderReceiver,
  renderRoute,
  renderRuleGroup,
  renderScrapeJob,
  serviceMatcher,
  type RenderSettings,
} from './render.js';
import { listItems, parseYaml, PlgMergeError, removeItem, upsertItem, type ItemMatcher } from './yaml-splice.js';

export { PlgMergeError } from './yaml-splice.js';

export interface MergeSettings extends RenderSettings {
  /**
   * How prometheus.yml should name the rules file in `rule_files` (as Prometheus resolves it:
   * relative to prometheus.yml's directory, or absolute). Undefined: rule_files is left alone.
   */
  rulesFileRef?: string;
}

const field = (item: unknown, key: string): unknown =>
  typeof item === 'object' && item !== null ? (item as Record<string, unknown>)[key] : undefined;

const isRuleGroupOf = (service: Service): ItemMatcher => (item) => field(item, 'name') === managedName(service);
const isBotReceiver: ItemMatcher = (item) => field(item, 'name') === BOT_RECEIVER;

/** The route the bot owns for this service: to the bot's receiver, matching exactly service="<name>". */
export const isRouteOf = (service: Service): ItemMatcher => (item) => {
  if (field(item, 'receiver') !== BOT_RECEIVER) return false;
  const matchers = field(item, 'matchers');
  return (Array.isArray(matchers) && matchers.includes(serviceMatcher(service))) || field(field(item, 'match'), 'service') === service.name;
};

// ---------------------------------------------------------------------------------------------
// Prometheus

/**
 * True when the job named `name` carries the bot's mark on its first line (`- job_name: x  # managed by …`): the bot
 * wrote it. A job without the mark is the operator's, and the bot never replaces or removes it.
 */
function isMarkedJob(text: string, name: string): boolean {
  const quoted = name.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&');
  return new RegExp(`^\\s*-\\s*job_name:\\s*(['"]?)${quoted}\\1\\s*#\\s*${MANAGED_MARK}\\s*$`, 'm').test(text);
}

/** True when the job's http_sd asks the bot for this service's instances (the path part of sdUrl). */
function asksForService(item: unknown, service: Service): boolean {
  const sd = field(item, 'http_sd_configs');
  const tail = sdUrl(service, { botPublicUrl: '' });
  return Array.isArray(sd) && sd.some((c) => typeof field(c, 'url') === 'string' && (field(c, 'url') as string).endsWith(tail));
}

/**
 * The scrape jobs the bot wrote for this service, by name: the one it generates now, an older one under another name
 * (prometheusJob changed, or the autoscale-<name> job from before http_sd), but only those carrying the bot's mark.
 */
function ownJobNames(text: string, service: Service): string[] {
  const jobs = listItems(text, ['scrape_configs'], 'prometheus.yml');
  const names = jobs
    .filter((j) => field(j, 'job_name') === managedName(service) || field(j, 'job_name') === generatedJobName(service) || asksForService(j, service))
    .map((j) => field(j, 'job_name'))
    .filter((n): n is string => typeof n === 'string');
  return [...new Set(names)].filter((n) => isMarkedJob(text, n));
}

const jobNamed = (name: string): ItemMatcher => (item) => field(item, 'job_name') === name;

export function mergePrometheus(text: string, service: Service, settings: MergeSettings): string {
  let out = text;
  const name = generatedJobName(service);
  if (name !== undefined) {
    const exists = listItems(out, ['scrape_configs'], 'prometheus.yml').some(jobNamed(name));
    if (exists && !isMarkedJob(out, name)) {
      // Before issue 13 prometheusJob meant "my own job already scrapes it": such a service, stored with the old
      // meaning, would now overwrite the operator's job. Refused, with what to write instead.
      throw new PlgMergeError(
        'job_conflict',
        `prometheus.yml already has a job "${name}" that the bot did not write. monitoring.prometheusJob names the job the bot CREATES. ` +
          `If your own job "${name}" already scrapes ${service.name}, set monitoring.existingJob: ${name} (and remove prometheusJob and targets); ` +
          `otherwise choose another prometheusJob.`,
      );
    }
    for (const old of ownJobNames(out, service).filter((n) => n !== name)) out = removeItem(out, ['scrape_configs'], jobNamed(old), 'prometheus.yml');
    out = upsertItem(out, ['scrape_configs'], jobNamed(name), renderScrapeJob(service, settings), 'prometheus.yml', { mark: MANAGED_MARK });
  } else {
    // existingJob: the operator's job scrapes the service; a job the bot generated earlier would scrape it twice.
    for (const old of ownJobNames(out, service)) out = removeItem(out, ['scrape_configs'], jobNamed(old), 'prometheus.yml');
  }
  return settings.rulesFileRef ? ensureRuleFile(out, settings.rulesFileRef) : out;
}

export function removePrometheus(text: string, service: Service): string {
  // rule_files is left as it is: the rules file usually holds the operator's own groups too. Only jobs the bot wrote
  // are removed; with existingJob the operator's job stays.
  let out = text;
  for (const old of ownJobNames(out, service)) out = removeItem(out, ['scrape_configs'], jobNamed(old), 'prometheus.yml');
  return out;
}

function ensureRuleFile(text: string, ref: string): string {
  const entries = listItems(text, ['rule_files'], 'prometheus.yml').filter((e): e is string => typeof e === 'string');
  if (entries.some((e) => ruleFileCovers(e, ref))) return text;
  return upsertItem(text, ['rule_files'], (e) => e === ref, ref, 'prometheus.yml');
}

/**
 * True when the `rule_files` entry (a glob) loads the file `ref`. A relative entry must match ref
 * segment by segment (both resolve against prometheus.yml's directory). An absolute entry is a
 * path inside Prometheus's own filesystem — in the usual Docker stack `/etc/prometheus/…`, while
 * the bot sees `/mnt/plg-stack/prometheus/…` — so only its last segments are compared with ref.
 */
export function ruleFileCovers(entry: string, ref: string): boolean {
  const e = posix.normalize(entry).split('/');
  const r = posix.normalize(ref).split('/');
  if (!posix.isAbsolute(entry) && e.length !== r.length) return false;
  if (posix.isAbsolute(ref) && posix.isAbsolute(entry) && e.length !== r.length) return false;
  if (e.length < r.length) return false;
  const tail = e.slice(e.length - r.length);
  return tail.every((seg, i) => globSegment(seg).test(r[i]!));
}

function globSegment(glob: string): RegExp {
  let rx = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') rx += '[^/]*';
    else if (c === '?') rx += '[^/]';
    else if (c === '[') {
      const close = glob.indexOf(']', i + 2);
      if (close < 0) rx += '\\[';
      else {
        rx += '[' + glob.slice(i + 1, close).replace(/^!/, '^').replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else rx += c.replace(/[.+^${}()|\\\]]/g, '\\$&');
  }
  return new RegExp(`^${rx}$`);
}

// ---------------------------------------------------------------------------------------------
// Rules

export function mergeRules(text: string, service: Service): string {
  return upsertItem(text, ['groups'], isRuleGroupOf(service), renderRuleGroup(service), 'the rules file', { mark: MANAGED_MARK });
}

export function removeRules(text: string, service: Service): string {
  return removeItem(text, ['groups'], isRuleGroupOf(service), 'the rules file');
}

// ---------------------------------------------------------------------------------------------
// Alertmanager

/** The label sets of the service's alerts, as Alertmanager sees them. */
export function alertLabelSets(service: Service): Labels[] {
  return renderRuleGroup(service).rules.map((r) => ({ alertname: r.alert, ...r.labels }));
}

/** Index of the first route that would stop the service's alerts before they reach ours. */
export function routeInsertIndex(routes: readonly unknown[], service: Service): number {
  const labels = alertLabelSets(service);
  const i = routes.findIndex((r) => routeCaptures(r, labels));
  return i < 0 ? routes.length : i;
}

export function mergeAlertmanager(text: string, service: Service, settings: RenderSettings): string {
  // Remove and re-insert the route so it moves if a capturing route was added above it since.
  const without = removeItem(text, ['route', 'routes'], isRouteOf(service), 'alertmanager.yml');
  const withRoute = upsertItem(without, ['route', 'routes'], isRouteOf(service), renderRoute(service), 'alertmanager.yml', {
    mark: `${MANAGED_MARK} (service ${service.name})`,
    position: (routes) => routeInsertIndex(routes, service),
  });
  return upsertItem(withRoute, ['receivers'], isBotReceiver, renderReceiver(settings), 'alertmanager.yml', { mark: MANAGED_MARK });
}

/** Removes the service's route, and the bot's receiver once no route refers to it any more. */
export function removeAlertmanager(text: string, service: Service): string {
  const out = removeItem(text, ['route', 'routes'], isRouteOf(service), 'alertmanager.yml');
  return refersToReceiver(listItems(out, ['route', 'routes'], 'alertmanager.yml'), BOT_RECEIVER) || rootReceiver(out) === BOT_RECEIVER
    ? out
    : removeItem(out, ['receivers'], isBotReceiver, 'alertmanager.yml');
}

function refersToReceiver(routes: readonly unknown[], receiver: string): boolean {
  return routes.some((r) => field(r, 'receiver') === receiver || refersToReceiver((field(r, 'routes') as unknown[] | undefined) ?? [], receiver));
}

function rootReceiver(text: string): unknown {
  return parseYaml(text, 'alertmanager.yml').getIn(['route', 'receiver']);
}
