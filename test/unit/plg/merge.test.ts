import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { diffLines } from 'diff';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import {
  mergeAlertmanager,
  mergePrometheus,
  mergeRules,
  PlgMergeError,
  removeAlertmanager,
  removePrometheus,
  removeRules,
  ruleFileCovers,
} from '../../../src/integrations/plg/merge.js';
import { SETTINGS, service } from '../../fixtures/plg/services.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/plg/${name}`, import.meta.url), 'utf8');
const PROMETHEUS = fixture('prometheus.yml');
const RULES = fixture('alert_rules.yml');
const ALERTMANAGER = fixture('alertmanager.yml');
const WEB = service('web-server');
const API = service('api', { cpuThreshold: 70 });
const SETTINGS_WITH_RULES = { ...SETTINGS, rulesFileRef: 'rules/alert_rules.yml' };

/** The lines a merge removed from or added to `before` (diff by lines). */
function lineChanges(before: string, after: string): { removed: string[]; added: string[] } {
  const parts = diffLines(before, after);
  return {
    removed: parts.filter((p) => p.removed).map((p) => p.value),
    added: parts.filter((p) => p.added).map((p) => p.value),
  };
}

const files = [
  { name: 'prometheus.yml', text: PROMETHEUS, merge: (t: string) => mergePrometheus(t, WEB, SETTINGS_WITH_RULES), remove: (t: string) => removePrometheus(t, WEB) },
  { name: 'alert_rules.yml', text: RULES, merge: (t: string) => mergeRules(t, WEB), remove: (t: string) => removeRules(t, WEB) },
  { name: 'alertmanager.yml', text: ALERTMANAGER, merge: (t: string) => mergeAlertmanager(t, WEB, SETTINGS), remove: (t: string) => removeAlertmanager(t, WEB) },
];

describe.each(files)('merging into the user\'s $name', ({ text, merge, remove }) => {
  it('keeps every byte of the operator\'s file and only adds the managed lines', () => {
    const merged = merge(text);
    const { removed, added } = lineChanges(text, merged);
    expect(removed).toEqual([]);
    expect(added.join('')).toMatch(/managed by vm-autoscale-bot/);
    // what is added is one contiguous block (plus at most a blank separator line)
    expect(added.length).toBeLessThanOrEqual(2);
  });

  it('changes nothing the second time', () => {
    const once = merge(text);
    expect(merge(once)).toBe(once);
  });

  it('restores the original byte for byte on remove', () => {
    expect(remove(merge(text))).toBe(text);
  });

  it('leaves a file without the service untouched on remove', () => {
    expect(remove(text)).toBe(text);
  });
});

describe('mergePrometheus', () => {
  it('adds the scrape job autoscale-<service> whose targets come from the bot\'s /sd/prometheus, with the SD token', () => {
    const cfg = parse(mergePrometheus(PROMETHEUS, WEB, SETTINGS_WITH_RULES));
    const job = cfg.scrape_configs.find((j: { job_name: string }) => j.job_name === 'autoscale-web-server');
    expect(job.static_configs).toBeUndefined();
    expect(job.http_sd_configs).toEqual([{
      url: 'http://127.0.0.1:3000/sd/prometheus?service=web-server', refresh_interval: '30s', authorization: { type: 'Bearer', credentials: SETTINGS.sdToken },
    }]);
    expect(cfg.scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(['prometheus', 'alertmanager', 'loki', 'nginx-test-01', 'nginx-test-02', 'autoscale-web-server']);
  });

  it('keeps rule_files when an entry already loads the rules file (container path, same tail)', () => {
    const merged = mergePrometheus(PROMETHEUS, WEB, SETTINGS_WITH_RULES);
    expect(parse(merged).rule_files).toEqual(['/etc/prometheus/rules/alert_rules.yml']);
  });

  it('adds the rules file to rule_files when no entry loads it, and rule_files itself when missing', () => {
    const other = mergePrometheus(PROMETHEUS, WEB, { ...SETTINGS, rulesFileRef: 'rules/autoscale.yml' });
    expect(parse(other).rule_files).toEqual(['/etc/prometheus/rules/alert_rules.yml', 'rules/autoscale.yml']);
    const without = 'global:\n  scrape_interval: 15s\n';
    const added = mergePrometheus(without, WEB, SETTINGS_WITH_RULES);
    expect(added.startsWith(without)).toBe(true);
    expect(parse(added)).toMatchObject({ rule_files: ['rules/alert_rules.yml'], scrape_configs: [{ job_name: 'autoscale-web-server' }] });
    expect(mergePrometheus(added, WEB, SETTINGS_WITH_RULES)).toBe(added);
  });

  it('does not touch prometheus.yml when only the targets change: they travel through the SD answer', () => {
    const merged = mergePrometheus(PROMETHEUS, WEB, SETTINGS_WITH_RULES);
    expect(mergePrometheus(merged, service('web-server', { targets: ['10.255.1.203:9100'] }), SETTINGS_WITH_RULES)).toBe(merged);
  });

  it('updates the job in place when the refresh interval changes, touching no other line', () => {
    const merged = mergePrometheus(PROMETHEUS, WEB, SETTINGS_WITH_RULES);
    const moved = mergePrometheus(merged, service('web-server', { sdRefreshInterval: '10s' }), SETTINGS_WITH_RULES);
    const { removed, added } = lineChanges(merged, moved);
    expect(removed.join('')).toContain('refresh_interval: 30s');
    expect(added.join('')).toBe('        refresh_interval: 10s\n');
  });

  it('generates no job for a service with existingJob (and removes the one it generated before)', () => {
    const merged = mergePrometheus(PROMETHEUS, WEB, SETTINGS_WITH_RULES);
    const existing = service('web-server', { existingJob: 'nginx-test-01', targets: [] });
    expect(mergePrometheus(merged, existing, SETTINGS_WITH_RULES)).toBe(PROMETHEUS);
    expect(removePrometheus(PROMETHEUS, existing)).toBe(PROMETHEUS); // the operator's job stays
  });

  it('renames its job when prometheusJob changes, leaving no old job behind', () => {
    const merged = mergePrometheus(PROMETHEUS, WEB, SETTINGS_WITH_RULES);
    const renamed = mergePrometheus(merged, service('web-server', { prometheusJob: 'web' }), SETTINGS_WITH_RULES);
    const jobs = parse(renamed).scrape_configs.map((j: { job_name: string }) => j.job_name);
    expect(jobs).toContain('web');
    expect(jobs).not.toContain('autoscale-web-server');
    expect(removePrometheus(renamed, service('web-server', { prometheusJob: 'web' }))).toBe(PROMETHEUS);
  });

  it('refuses to overwrite an operator\'s job named like prometheusJob (the old meaning), saying to use existingJob', () => {
    // Before issue 13, prometheusJob: nginx-test-01 meant "my job nginx-test-01 already scrapes it".
    const old = service('web-server', { prometheusJob: 'nginx-test-01' });
    let error: PlgMergeError | undefined;
    try {
      mergePrometheus(PROMETHEUS, old, SETTINGS_WITH_RULES);
    } catch (e) {
      error = e as PlgMergeError;
    }
    expect(error).toBeInstanceOf(PlgMergeError);
    expect(error!.code).toBe('job_conflict');
    expect(error!.message).toContain('existingJob: nginx-test-01');
  });

  it('replaces the static job an older bot version wrote with the http_sd one', () => {
    const legacy = PROMETHEUS.trimEnd() + "\n  - job_name: autoscale-web-server  # managed by vm-autoscale-bot\n    static_configs:\n      - targets: ['10.255.1.201:9100']\n        labels: { service: web-server }\n";
    const job = parse(mergePrometheus(legacy, WEB, SETTINGS_WITH_RULES)).scrape_configs.find((j: { job_name: string }) => j.job_name === 'autoscale-web-server');
    expect(job.static_configs).toBeUndefined();
    expect(job.http_sd_configs).toHaveLength(1);
  });

  it('follows the indentation of the file it merges into', () => {
    const fourSpaces = "scrape_configs:\n    -   job_name: 'a'\n        static_configs:\n            - targets: ['127.0.0.1:1']\n";
    const merged = mergePrometheus(fourSpaces, WEB, SETTINGS);
    expect(merged.startsWith(fourSpaces)).toBe(true);
    expect(merged).toContain('\n    - job_name: autoscale-web-server');
    expect(parse(merged).scrape_configs).toHaveLength(2);
    expect(removePrometheus(merged, WEB)).toBe(fourSpaces);
  });

  it('refuses a file that is not YAML, with a coded error', () => {
    expect(() => mergePrometheus('scrape_configs: [\n', WEB, SETTINGS)).toThrowError(PlgMergeError);
    try {
      mergePrometheus('scrape_configs: [\n', WEB, SETTINGS);
    } catch (e) {
      expect((e as PlgMergeError).code).toBe('invalid_yaml');
    }
  });
});

describe('ruleFileCovers', () => {
  it.each([
    ['/etc/prometheus/rules/alert_rules.yml', 'rules/alert_rules.yml', true],
    ['/etc/prometheus/rules/*.yml', 'rules/alert_rules.yml', true],
    ['rules/*.yml', 'rules/alert_rules.yml', true],
    ['rules/alert_rules.yml', 'rules/alert_rules.yml', true],
    ['*.yml', 'rules/alert_rules.yml', false],
    ['/etc/prometheus/alerts/alert_rules.yml', 'rules/alert_rules.yml', false],
    ['/etc/prometheus/rules/other.yml', 'rules/alert_rules.yml', false],
    ['/srv/rules/alert_rules.yml', '/srv/rules/alert_rules.yml', true],
    ['/etc/rules/alert_rules.yml', '/srv/rules/alert_rules.yml', false],
  ])('%s loads %s: %s', (entry, ref, covers) => {
    expect(ruleFileCovers(entry, ref)).toBe(covers);
  });
});

describe('mergeRules', () => {
  it('adds the group autoscale-<service> after the operator\'s groups and their commented-out rules', () => {
    const merged = mergeRules(RULES, WEB);
    expect(parse(merged).groups.map((g: { name: string }) => g.name)).toEqual(['vm-autoscale', 'nginx-test-autoscale', 'autoscale-web-server']);
    expect(merged.indexOf('#     severity: warning')).toBeLessThan(merged.indexOf('autoscale-web-server'));
  });

  it('writes a complete rules file into an empty or `groups: []` file, and remove gives back `groups: []`', () => {
    const fromEmpty = mergeRules('', WEB);
    expect(parse(fromEmpty).groups[0].name).toBe('autoscale-web-server');
    const empty = '# rules\ngroups: []\n';
    const merged = mergeRules(empty, WEB);
    expect(parse(merged).groups).toHaveLength(1);
    expect(mergeRules(merged, WEB)).toBe(merged);
    expect(removeRules(merged, WEB)).toBe(empty);
  });

  it('keeps two services apart', () => {
    const both = mergeRules(mergeRules(RULES, WEB), API);
    expect(parse(both).groups.map((g: { name: string }) => g.name)).toEqual(['vm-autoscale', 'nginx-test-autoscale', 'autoscale-web-server', 'autoscale-api']);
    expect(removeRules(removeRules(both, API), WEB)).toBe(RULES);
    expect(removeRules(removeRules(both, WEB), API)).toBe(RULES);
  });
});

describe('mergeAlertmanager', () => {
  const routesOf = (text: string) => parse(text).route.routes as Array<Record<string, unknown>>;

  it('routes service="<name>" to the bot, before the route that would take its warning alerts', () => {
    const routes = routesOf(mergeAlertmanager(ALERTMANAGER, WEB, SETTINGS));
    expect(routes.map((r) => r.receiver)).toEqual(['jenkins-webhook', 'vm-autoscale-bot', 'jenkins-webhook']);
    expect(routes[1]).toMatchObject({ matchers: ['service="web-server"'], group_wait: '10s', group_interval: '1m', repeat_interval: '1h' });
  });

  it('adds the receiver once, with the bearer token and send_resolved', () => {
    const both = mergeAlertmanager(mergeAlertmanager(ALERTMANAGER, WEB, SETTINGS), API, SETTINGS);
    const receivers = parse(both).receivers as Array<{ name: string; webhook_configs?: unknown[] }>;
    expect(receivers.filter((r) => r.name === 'vm-autoscale-bot')).toHaveLength(1);
    expect(receivers[1]!.webhook_configs).toEqual([
      { url: 'http://127.0.0.1:3000/alertmanager', send_resolved: true, http_config: { authorization: { type: 'Bearer', credentials: SETTINGS.webhookToken } } },
    ]);
  });

  it('keeps the receiver while another service still routes to it', () => {
    const both = mergeAlertmanager(mergeAlertmanager(ALERTMANAGER, WEB, SETTINGS), API, SETTINGS);
    const onlyApi = removeAlertmanager(both, WEB);
    expect(parse(onlyApi).receivers.map((r: { name: string }) => r.name)).toEqual(['jenkins-webhook', 'vm-autoscale-bot']);
    expect(removeAlertmanager(onlyApi, API)).toBe(ALERTMANAGER);
  });

  it('goes before a catch-all route and before routes whose matchers would capture it', () => {
    const text = [
      'route:',
      '  receiver: default',
      '  routes:',
      '    - matchers: [\'team="db"\']',
      '      receiver: db',
      '    - matchers: [\'service=~"web-.*"\']',
      '      receiver: web-team',
      '    - receiver: everything',
      'receivers:',
      '  - name: default',
      '  - name: db',
      '  - name: web-team',
      '  - name: everything',
      '',
    ].join('\n');
    expect(routesOf(mergeAlertmanager(text, WEB, SETTINGS)).map((r) => r.receiver)).toEqual(['db', 'vm-autoscale-bot', 'web-team', 'everything']);
    expect(routesOf(mergeAlertmanager(text, API, SETTINGS)).map((r) => r.receiver)).toEqual(['db', 'web-team', 'vm-autoscale-bot', 'everything']);
  });

  it('moves its route up when a capturing route was added above it since', () => {
    const merged = mergeAlertmanager(ALERTMANAGER, WEB, SETTINGS);
    const catchAllFirst = merged.replace('  routes:\n', "  routes:\n    - receiver: 'jenkins-webhook'\n");
    const again = mergeAlertmanager(catchAllFirst, WEB, SETTINGS);
    expect(routesOf(again).map((r) => r.receiver)).toEqual(['vm-autoscale-bot', 'jenkins-webhook', 'jenkins-webhook', 'jenkins-webhook']);
  });

  it('keeps blank lines and comments between routes where they were', () => {
    const text = [
      'route:',
      '  receiver: default',
      '  routes:',
      '    # databases',
      '    - matchers: [\'team="db"\']',
      '      receiver: default',
      '',
      '    # everything else',
      '    - receiver: default',
      '',
      'receivers:',
      '  - name: default',
      '',
    ].join('\n');
    const merged = mergeAlertmanager(text, WEB, SETTINGS);
    expect(lineChanges(text, merged).removed).toEqual([]);
    expect(merged).toContain("receiver: default\n\n    - receiver: vm-autoscale-bot");
    expect(merged).toContain("repeat_interval: 1h\n\n    # everything else\n    - receiver: default");
    expect(mergeAlertmanager(merged, WEB, SETTINGS)).toBe(merged);
    expect(removeAlertmanager(merged, WEB)).toBe(text);
  });

  it('creates route.routes when the root route has none', () => {
    const text = "route:\n  receiver: 'default'\nreceivers:\n  - name: 'default'\n";
    const merged = mergeAlertmanager(text, WEB, SETTINGS);
    expect(merged.startsWith("route:\n  receiver: 'default'\n")).toBe(true);
    expect(routesOf(merged).map((r) => r.receiver)).toEqual(['vm-autoscale-bot']);
    expect(mergeAlertmanager(merged, WEB, SETTINGS)).toBe(merged);
  });
});

describe('the real promtool and amtool', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plg-merge-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  // These tools only parse files; they connect nowhere, so the user's addresses stay data.
  const check = (tool: string, args: string[]) => execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

  it('accept the merged rules file and a prometheus.yml that loads it', () => {
    mkdirSync(join(dir, 'rules'), { recursive: true });
    const rules = join(dir, 'rules', 'alert_rules.yml');
    writeFileSync(rules, mergeRules(mergeRules(RULES, WEB), API));
    expect(check('promtool', ['check', 'rules', rules])).toContain('SUCCESS: 4 rules found');
    // The user's rule_files entry is a path inside the container; point it at our copy.
    const config = join(dir, 'prometheus.yml');
    writeFileSync(config, mergePrometheus(PROMETHEUS, WEB, SETTINGS_WITH_RULES).replace('/etc/prometheus/rules/alert_rules.yml', rules));
    expect(check('promtool', ['check', 'config', config])).toContain('is valid prometheus config file syntax');
  });

  it('accept the merged alertmanager.yml', () => {
    const config = join(dir, 'alertmanager.yml');
    writeFileSync(config, mergeAlertmanager(mergeAlertmanager(ALERTMANAGER, WEB, SETTINGS), API, SETTINGS));
    expect(check('amtool', ['check-config', config])).toContain('SUCCESS');
  });

  it('routes the service\'s alerts to the bot and the others as before (amtool config routes test)', () => {
    const config = join(dir, 'alertmanager.yml');
    writeFileSync(config, mergeAlertmanager(ALERTMANAGER, WEB, SETTINGS));
    const route = (...labels: string[]) => check('amtool', ['config', 'routes', 'test', `--config.file=${config}`, ...labels]).trim();
    expect(route('service=web-server', 'autoscale=out', 'severity=warning', 'alertname=AutoscaleScaleOut')).toBe('vm-autoscale-bot');
    expect(route('service=web-server', 'autoscale=in', 'severity=info', 'alertname=AutoscaleScaleIn')).toBe('vm-autoscale-bot');
    expect(route('service=other', 'severity=warning')).toBe('jenkins-webhook');
  });
});
