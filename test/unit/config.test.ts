import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { parseServicesYaml } from '../../src/servicesFile.js';
import { parseDuration } from '../../src/duration.js';

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
