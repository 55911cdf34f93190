import { describe, expect, it } from 'vitest';
import { DURATION_MAX, formatIssues, FREEZE_TEXT_MAX, freezeText, LIST_TEXT_MAX, listText, loadConfig, serviceSchema, servicesFileSchema, SLACK_INPUT_MAX } from '../../src/config.js';
import { parseServicesYaml } from '../../src/servicesFile.js';
import { durationMs, MAX_DURATION_MS, parseDuration } from '../../src/duration.js';

const minimal = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's', ALERT_WEBHOOK_TOKEN: '0123456789abcdef' };

describe('environment', () => {
  it('applies the contract defaults', () => {
    const r = loadConfig(minimal);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.config).toMatchObject({ HOST: '0.0.0.0', PORT: 3000, DATA_DIR: './data', SLACK_API_URL: 'https://slack.com/api/', BOT_TIMEZONE: 'UTC', defaultExecutor: 'dry-run', socketMode: false, GOVC_BIN: 'govc', F5_VERIFY_TLS: true });
  });

  it('defaults to the local executor when GOVC_URL is set, and Socket Mode with an app token', () => {
    const r = loadConfig({ ...minimal, GOVC_URL: 'https://vc/sdk', SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: '' });
    expect(r.ok && r.config.defaultExecutor).toBe('local');
    expect(r.ok && r.config.socketMode).toBe(true);
  });

  it('reports one line per bad variable, naming it', () => {
    const r = loadConfig({ PORT: '99999', BOT_TIMEZONE: 'Mars/Olympus', F5_SERVERS: 'not a url', PLG_SSH_HOST_KEY: 'abc' });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    const names = r.problems.map((p) => p.split(':')[0]);
    expect(names).toEqual(expect.arrayContaining(['SLACK_BOT_TOKEN', 'ALERT_WEBHOOK_TOKEN', 'PORT', 'BOT_TIMEZONE', 'F5_SERVERS[0]', 'PLG_SSH_HOST_KEY', 'SLACK_SIGNING_SECRET']));
  });
});

const valid = `
services:
  - name: web-server
    channel: C0123456789
    template: web-server-template
    vcenter: { datacenter: DC0, folder: /DC0/vm }
    vmNamePrefix: web-server
    network:
      ipPool: { start: 127.0.10.10, end: 127.0.10.50 }
      netmask: 255.255.255.0
      gateway: 127.0.10.1
    f5: { pool: web-server-pool, port: 80 }
    healthCheck: { type: http, port: 80, path: /healthz, timeout: 5m }
    scaling: { min: 2, max: 6, cooldown: 10m }
`;

describe('services file', () => {
  it('accepts the contract format and fills defaults', () => {
    const r = parseServicesYaml(valid);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.services[0]).toMatchObject({ enabled: true, approval: { mode: 'manual', approvers: [] }, f5: { partition: 'Common' }, network: { conflictCheck: 'icmp', dns: [] } });
  });

  it.each([
    ['pool end before start', valid.replace('end: 127.0.10.50', 'end: 127.0.10.5'), 'services[0].network.ipPool.end: pool end 127.0.10.5 is before start 127.0.10.10'],
    ['min above max', valid.replace('min: 2', 'min: 7'), 'services[0].scaling.min: min 7 is greater than max 6'],
    ['a bad duration', valid.replace('cooldown: 10m', 'cooldown: ten minutes'), 'services[0].scaling.cooldown: expected a duration'],
    ['an address out of range', valid.replace('gateway: 127.0.10.1', 'gateway: 127.0.10.256'), 'services[0].network.gateway: expected an IPv4 address'],
    ['shell metacharacters in a name', valid.replace('name: web-server', 'name: "web;rm -rf /"'), 'services[0].name:'],
    ['a duplicate name', valid + valid.replace('services:\n', ''), 'duplicate service name "web-server"'],
    ['a duplicate key', valid.replace('vmNamePrefix: web-server', 'vmNamePrefix: web-server\n    vmNamePrefix: x'), '(yaml):'],
    ['an alias bomb', 'a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\nservices: [*d]\n', '(yaml):'],
  ])('refuses %s with path and reason', (_what, text, expected) => {
    const r = parseServicesYaml(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.problems.join('\n')).toContain(expected);
  });

  it('parses durations as operators write them', () => {
    expect(parseDuration('30s')).toBe(30_000);
    expect(parseDuration('1h30m')).toBe(5_400_000);
    expect(parseDuration('10')).toBeUndefined();
    expect(parseDuration('-5m')).toBeUndefined();
  });
});

describe('bounded durations', () => {
  /** A valid service (as the services file has it) with one duration field set. */
  function withDuration(path: string, value: string) {
    const s: any = {
      name: 'web-server', channel: 'C0123456789', template: 't', vcenter: {}, vmNamePrefix: 'web-server',
      network: { ipPool: { start: '127.0.10.10', end: '127.0.10.50' }, netmask: '255.255.255.0', gateway: '127.0.10.1' },
      f5: { pool: 'p', port: 80 }, healthCheck: { port: 80 }, scaling: { min: 1, max: 2 }, monitoring: {},
    };
    const keys = path.split('.');
    if (keys[1] === 'freeze') s.scaling.freeze = [{ cron: '0 22 * * 5', duration: value }];
    else {
      s[keys[0]!] ??= {};
      s[keys[0]!][keys[1]!] = value;
    }
    return { services: [s] };
  }
  const problemsOf = (file: unknown) => {
    const r = servicesFileSchema.safeParse(file);
    return r.success ? [] : formatIssues(r.error);
  };
  const freezePath = (path: string) => (path === 'scaling.freeze.duration' ? 'scaling.freeze[0].duration' : path);

  it.each(Object.entries(DURATION_MAX))('%s accepts its maximum %s and refuses one second more, naming the path, the value and the maximum', (path, max) => {
    expect(problemsOf(withDuration(path, max))).toEqual([]);
    const over = `${max}1s`;
    expect(problemsOf(withDuration(path, over))).toEqual([`services[0].${freezePath(path)}: ${over} is longer than the maximum of ${max}`]);
  });

  it('refuses 999999999d and numbers of days too large to count, instead of storing them', () => {
    expect(problemsOf(withDuration('scaling.cooldown', '999999999d'))).toEqual(['services[0].scaling.cooldown: 999999999d is longer than the maximum of 7d']);
    expect(problemsOf(withDuration('approval.autoApproveAfter', `${'9'.repeat(25)}d`))).toEqual([`services[0].approval.autoApproveAfter: ${'9'.repeat(25)}d is longer than the maximum of 24h`]);
    expect(problemsOf(withDuration('monitoring.for', `${'9'.repeat(400)}d`))).toEqual(['services[0].monitoring.for: expected a duration like 30s, 10m, 1h (at most 32 characters)']);
  });

  it('acts on at most MAX_DURATION_MS when a value stored before the limits is read', () => {
    expect(parseDuration('999999999d')).toBe(MAX_DURATION_MS);
    expect(parseDuration(`${'9'.repeat(400)}d`)).toBe(MAX_DURATION_MS);
    expect(durationMs('999999999d')).toBe(999_999_999 * 86_400_000);
    // No field allows more than the cap: the cap never changes a valid value.
    for (const max of Object.values(DURATION_MAX)) expect(durationMs(max)!).toBeLessThanOrEqual(MAX_DURATION_MS);
  });
});

describe('text limits that the service modal shares', () => {
  it('takes 60 targets and 12 freeze windows with reasons, and refuses what would not fit a Slack input', () => {
    const base = serviceSchema.parse({
      name: 'web-server', channel: 'C0123456789', template: 't', vcenter: {}, vmNamePrefix: 'web-server',
      network: { ipPool: { start: '127.0.10.10', end: '127.0.10.50' }, netmask: '255.255.255.0', gateway: '127.0.10.1' },
      f5: { pool: 'p', port: 80 }, healthCheck: { port: 80 }, scaling: { min: 1, max: 2 },
    });
    const targets = Array.from({ length: 60 }, (_, i) => `web-server-${i + 1}.prod.example.internal:9100`);
    const freeze = Array.from({ length: 12 }, (_, i) => ({ cron: `0 ${i} * * 1-5`, duration: '30m', reason: `batch window ${i + 1}: ${'ledger reconciliation, '.repeat(6)}` }));
    expect(serviceSchema.safeParse({ ...base, monitoring: { targets }, scaling: { ...base.scaling, freeze } }).success).toBe(true);

    const tooMany = Array.from({ length: 120 }, (_, i) => `web-server-${i + 1}.prod.example.internal:9100`);
    expect(listText(tooMany).length).toBeGreaterThan(LIST_TEXT_MAX);
    const r = serviceSchema.safeParse({ ...base, monitoring: { targets: tooMany } });
    expect(r.success ? [] : formatIssues(r.error)).toEqual([expect.stringMatching(/^monitoring\.targets: the targets take more than 3000 characters/)]);

    const long = Array.from({ length: 20 }, (_, i) => ({ cron: `0 ${i} * * 1-5`, duration: '30m', reason: 'r'.repeat(200) }));
    expect(freezeText(long).length).toBeGreaterThan(FREEZE_TEXT_MAX);
    const f = serviceSchema.safeParse({ ...base, scaling: { ...base.scaling, freeze: long } });
    expect(f.success ? [] : formatIssues(f.error)).toEqual([expect.stringMatching(/^scaling\.freeze: the windows take more than 3000 characters/)]);

    const url = `https://git.example.internal/${'a'.repeat(SLACK_INPUT_MAX)}.git`;
    const j = serviceSchema.safeParse({ ...base, jenkins: { job: 'autoscale-web', scm: { url } } });
    expect(j.success ? [] : formatIssues(j.error)).toEqual([`jenkins.scm.url: at most 3000 characters (this one has ${url.length})`]);
  });
});
