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
  hasScrapeJob,
  managedName,
  renderReceiver,
  renderRoute,
  renderRuleGroup,
  renderScrapeJob,
  serviceMatcher,
  type RenderSettings,
} from './render.js';
import { listItems, parseYaml, removeItem, upsertItem, type ItemMatcher } from './yaml-splice.js';

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

const isScrapeJobOf = (service: Service): ItemMatcher => (item) => field(item, 'job_name') === managedName(service);
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

export function mergePrometheus(text: string, service: Service, settings: MergeSettings): string {
  let out = text;
  if (hasScrapeJob(service)) {
    out = upsertItem(out, ['scrape_configs'], isScrapeJobOf(service), renderScrapeJob(service), 'prometheus.yml', { mark: MANAGED_MARK });
  } else {
    out = removeItem(out, ['scrape_configs'], isScrapeJobOf(service), 'prometheus.yml');
  }
  return settings.rulesFileRef ? ensureRuleFile(out, settings.rulesFileRef) : out;
}

export function removePrometheus(text: string, service: Service): string {
  // rule_files is left as it is: the rules file usually holds the operator's own groups too.
  return removeItem(text, ['scrape_configs'], isScrapeJobOf(service), 'prometheus.yml');
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
