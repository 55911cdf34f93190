/**
 * Bad input, table-driven: malformed webhooks, slash-command arguments, modal inputs and services
 * files — shell metacharacters, addresses out of range, a pool ending before it starts, huge
 * payloads, unicode, YAML anchors and alias bombs. Each gets a clear answer; nothing is stored or run.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { MAX_DURATION_MS } from '../../src/duration.js';
import { parseServicesYaml } from '../../src/servicesFile.js';
import { upsertServices } from '../../src/store/services.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { ensureBuilt } from '../helpers/botProcess.js';
import { openedView, submitted, type Fill } from '../helpers/slackViews.js';

let tb: TestBot;
beforeAll(async () => {
  tb = await startBot({ services: [service()] });
});
afterAll(async () => {
  await tb.stop();
});

/** What must never change after bad input: no request, no lease, the same services. */
function snapshot() {
  const d = tb.store.data;
  return JSON.stringify({ requests: d.requests.length, leases: d.leases, services: d.services, templates: d.templates });
}

const withAlert = (mutate: (p: any) => void) => {
  const p: any = alertPayload();
  mutate(p);
  return JSON.stringify(p);
};

const webhooks: Array<[string, string, number, RegExp]> = [
  ['not JSON', 'service=web-server', 400, /malformed JSON/],
  ['truncated JSON', '{"version":"4","alerts":[', 400, /malformed JSON/],
  ['a JSON array', '[]', 400, /invalid Alertmanager payload/],
  ['JSON null', 'null', 400, /invalid Alertmanager payload/],
  ['no version', withAlert((p) => delete p.version), 400, /version/],
  ['version 3', withAlert((p) => (p.version = '3')), 400, /version/],
  ['alerts not a list', withAlert((p) => (p.alerts = 'web-server')), 400, /alerts/],
  ['an unknown alert status', withAlert((p) => (p.alerts[0].status = 'exploding')), 400, /status/],
  ['a numeric label value', withAlert((p) => (p.alerts[0].labels.service = 42)), 400, /labels/],
  ['a 10 kB label value', withAlert((p) => (p.alerts[0].labels.service = 'x'.repeat(10_000))), 400, /labels/],
  ['1001 alerts', withAlert((p) => (p.alerts = Array.from({ length: 1001 }, () => p.alerts[0]))), 400, /alerts/],
  ['a 2 MiB payload', withAlert((p) => (p.alerts[0].annotations.description = 'x'.repeat(2 * 1024 * 1024))), 413, /larger than/],
];

const ignoredAlerts: Array<[string, Record<string, string>, string]> = [
  ['shell metacharacters in the service label', { service: 'web-server; rm -rf / #' }, 'unknown_service'],
  ['command substitution in the service label', { service: '$(reboot)' }, 'unknown_service'],
  ['a unicode service name', { service: '웹서버' }, 'unknown_service'],
  ['path traversal in the service label', { service: '../../etc/passwd' }, 'unknown_service'],
  ['an unknown direction', { autoscale: 'sideways' }, 'bad_direction'],
  ['no service label at all', { service: '' }, 'no_service_label'],
];

const commands: Array<[string, string, RegExp]> = [
  ['shell metacharacters in a service name', 'scale out "web-server; rm -rf /"', /No service named/],
  ['command substitution', 'service show $(id)', /No service named|not allowed|Usage/],
  ['a unicode service name', 'scale out 웹서버', /No service named/],
  ['path traversal', 'preflight ../../etc/passwd', /No service named/],
  ['too many arguments', 'scale out web-server now please', /Usage: `\/autoscale scale out <service>`/],
  ['a missing argument', 'scale out', /Usage: `\/autoscale scale out <service>`/],
  ['an unknown subcommand', 'rm -rf /', /Unknown command/],
  ['a 4000-character argument', `scale out ${'a'.repeat(4000)}`, /No service named/],
  ['a template name with shell characters (no vCenter here: refused before any lookup)', 'template delete "t;reboot"', /shell characters are not allowed|vCenter is not configured/],
  ['a huge history count', 'history web-server 99999999999999999999', /Last|No requests/],
  ['a unicode history service', 'history 서비스', /No service named/],
];

const modalInputs: Array<[string, Record<string, Fill>, string, RegExp]> = [
  ['shell metacharacters in the name', { name: 'api;reboot' }, 'name', /lower-case|not allowed|characters/],
  ['a unicode name', { name: '서비스' }, 'name', /lower-case|not allowed|characters/],
  ['an address out of range', { 'network.gateway': '10.20.0.300' }, 'network.gateway', /IPv4/],
  ['a pool that ends before it starts', { 'network.ipPool.end': '10.20.0.5' }, 'network.ipPool.end', /before start/],
  ['a netmask that is not one', { 'network.netmask': '255.0.255.0' }, 'network.netmask', /netmask/],
  ['a port out of range', { 'f5.port': '70000' }, 'f5.port', /65535|less than or equal/i],
  ['a duration in words', { 'healthCheck.timeout': '5 minutes' }, 'healthCheck.timeout', /duration/],
  ['min above max', { 'scaling.min': '9', 'scaling.max': '3' }, 'scaling.min', /greater than max/],
  ['a cooldown of 999999999d', { 'scaling.cooldown': '999999999d' }, 'scaling.cooldown', /^999999999d is longer than the maximum of 7d$/],
  ['an auto-approval after 25h', { 'approval.autoApproveAfter': '25h' }, 'approval.autoApproveAfter', /^25h is longer than the maximum of 24h$/],
  ['a freeze of 8 days', { 'scaling.freeze': '0 18 * * 5 | 8d | long weekend' }, 'scaling.freeze', /^#1 duration: 8d is longer than the maximum of 7d$/],
  ['a pool that overlaps the stored web-server\'s', { 'network.ipPool.start': '127.0.10.40', 'network.ipPool.end': '127.0.10.60', 'network.gateway': '127.0.10.1' }, 'network.ipPool.start', /of service "api-gateway" overlaps the pool 127\.0\.10\.10-127\.0\.10\.50 of service "web-server"/],
];

const servicesFiles: Array<[string, string, RegExp]> = [
  ['a YAML alias bomb', `a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nservices: *e\n`, /\(yaml\)/],
  ['anchors that merge a bad pool into a service', `base: &b\n  ipPool: { start: 127.0.10.50, end: 127.0.10.10 }\nservices:\n  - name: x\n    network: *b\n`, /services\[0\]/],
  ['shell metacharacters in a name', 'services:\n  - name: "a`reboot`"\n', /services\[0\]\.name/],
  ['a unicode name', 'services:\n  - name: 웹\n', /services\[0\]\.name/],
  ['binary junk', '\u0000\u0001\u0002{{{', /\(yaml\)|\(root\)/],
  ['more than 1 MiB', `services: []\n# ${'x'.repeat(1024 * 1024)}\n`, /larger than/],
  ['not a list of services', 'services: web-server\n', /services/],
];

describe('bad webhooks', () => {
  it.each(webhooks)('refuses %s with a clear answer and stores nothing', async (_what, body, status, message) => {
    const before = snapshot();
    const r = await tb.webhook(body);
    expect(r.status).toBe(status);
    expect(JSON.stringify(r.json)).toMatch(message);
    expect(snapshot()).toBe(before);
  });

  it.each(ignoredAlerts)('ignores an alert with %s (200, so Alertmanager does not retry) and runs nothing', async (_what, labels, outcome) => {
    const before = snapshot();
    const p: any = alertPayload();
    p.alerts[0].labels = { ...p.alerts[0].labels, ...labels };
    if (labels.service === '') delete p.alerts[0].labels.service;
    const r = await tb.webhook(p);
    expect(r.status).toBe(200);
    expect(r.json.alerts[0].outcome).toBe(outcome);
    expect(snapshot()).toBe(before);
  });
});

describe('bad slash-command arguments', () => {
  it.each(commands)('answers %s clearly and changes nothing', async (_what, text, message) => {
    const before = snapshot();
    const r = await tb.command(text);
    expect(r.status).toBe(200);
    const n = tb.slack.responses.length;
    let reply = r.json?.text ?? '';
    if (!message.test(reply)) {
      // Commands that look things up answer through response_url.
      await new Promise((res) => setTimeout(res, 300));
      reply += tb.slack.responses.slice(n - 1).map((x) => JSON.stringify(x.body)).join('\n');
    }
    if (process.env.SHOW_REPLIES) console.log(text.slice(0, 40), "=>", reply.slice(0, 160));
    expect(reply).toMatch(message);
    await tb.settle();
    expect(snapshot()).toBe(before);
  });
});

describe('bad modal input', () => {
  const GOOD: Record<string, Fill> = {
    name: 'api-gateway', template: 'api-template', vmNamePrefix: 'api',
    'network.ipPool.start': '10.20.0.10', 'network.ipPool.end': '10.20.0.20', 'network.netmask': '255.255.255.0', 'network.gateway': '10.20.0.1',
    'f5.pool': 'api-pool', 'f5.port': '8080', 'healthCheck.port': '8080', 'scaling.min': '2', 'scaling.max': '5',
  };
  it.each(modalInputs)('answers %s inline (response_action: errors) and stores nothing', async (_what, fill, field, message) => {
    const before = snapshot();
    await tb.command('service create');
    const r = await tb.submitView(submitted(openedView(tb), { ...GOOD, ...fill }));
    expect(r.status).toBe(200);
    expect(r.json?.response_action).toBe('errors');
    expect(r.json.errors[field]).toMatch(message);
    expect(snapshot()).toBe(before);
  });
});

describe('bad services files', () => {
  let dir: string;
  beforeAll(() => { ensureBuilt(); dir = mkdtempSync(join(tmpdir(), 'bad-services-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.each(servicesFiles)('refuses %s: exit 2, path and reason, nothing written', (_what, text, message) => {
    expect(parseServicesYaml(text).ok).toBe(false);
    const file = join(dir, 'services.yml');
    writeFileSync(file, text);
    let status = 0;
    let stderr = '';
    try {
      execFileSync(process.execPath, [new URL('../../dist/cli.js', import.meta.url).pathname, 'services', 'apply', '-f', file], { env: { PATH: process.env.PATH, DATA_DIR: join(dir, 'data') }, encoding: 'utf8', stdio: 'pipe' });
    } catch (e) {
      status = (e as { status: number }).status;
      stderr = String((e as { stderr: string }).stderr);
    }
    expect(status).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).toContain('nothing was written');
  });
});

describe('services that overlap, applied from the CLI', () => {
  let dir: string;
  beforeAll(() => { ensureBuilt(); dir = mkdtempSync(join(tmpdir(), 'overlap-services-')); });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function apply(services: unknown[]): { status: number; stdout: string; stderr: string } {
    const file = join(dir, 'services.yml');
    writeFileSync(file, stringify({ services }));
    try {
      const stdout = execFileSync(process.execPath, [new URL('../../dist/cli.js', import.meta.url).pathname, 'services', 'apply', '-f', file], { env: { PATH: process.env.PATH, DATA_DIR: join(dir, 'data') }, encoding: 'utf8', stdio: 'pipe' });
      return { status: 0, stdout, stderr: '' };
    } catch (e) {
      const x = e as { status: number; stdout: string; stderr: string };
      return { status: x.status, stdout: String(x.stdout), stderr: String(x.stderr) };
    }
  }

  it('refuses a file whose service shares the stored one\'s IP pool or VM names, naming both, and writes nothing', () => {
    const web = service();
    expect(apply([web]).status).toBe(0);
    const dbBefore = readFileSync(join(dir, 'data', 'db.json'), 'utf8');
    const api = service({ name: 'api', network: { ...web.network, ipPool: { start: '127.0.10.50', end: '127.0.10.60' } } });
    const canary = service({ name: 'web-canary', vmNamePrefix: 'web-server', vcenter: { datacenter: 'DC0', folder: '/DC0/vm/' }, network: { ...web.network, ipPool: { start: '127.0.10.70', end: '127.0.10.80' } } });
    const r = apply([api, canary]);
    expect(r.status).toBe(2);
    expect(r.stderr.split('\n')).toEqual([
      expect.stringContaining('conflicts with itself or the stored services; nothing was written:'),
      '  services[0].network.ipPool: the pool 127.0.10.50-127.0.10.60 of service "api" overlaps the pool 127.0.10.10-127.0.10.50 of service "web-server" (both hold 127.0.10.50); pools must not share addresses',
      '  services[1].vmNamePrefix: services "web-canary" and "web-server" would both name their VMs web-server-<n> in folder /DC0/vm; give one of them another vmNamePrefix or vcenter.folder',
      '',
    ]);
    expect(readFileSync(join(dir, 'data', 'db.json'), 'utf8')).toBe(dbBefore);
    // The same file, each in a place of its own, is taken.
    const fixed = apply([{ ...api, network: { ...api.network, ipPool: { start: '127.0.10.51', end: '127.0.10.60' } } }, { ...canary, vcenter: { datacenter: 'DC0', folder: '/DC0/vm/canary' } }]);
    expect(fixed).toMatchObject({ status: 0, stdout: expect.stringContaining('created: api, web-canary') });
  });
});

describe('a duration stored before the limits existed', () => {
  it('still gives the alert a card, not a 500 that Alertmanager would retry forever', async () => {
    const t = await startBot();
    try {
      const base = service();
      // Written around the schema, as an old db.json holds it.
      const old = { ...base, scaling: { ...base.scaling, cooldown: '999999999d' }, approval: { ...base.approval, mode: 'timeout' as const, autoApproveAfter: '999999999d' } };
      await upsertServices(t.store, [old], 'old-version', t.clock.now().toISOString());
      const r = await t.webhook(alertPayload());
      expect(r.status).toBe(200);
      expect(r.json.alerts[0].outcome).toBe('created');
      await t.settle();
      expect(t.slack.topLevel('C0SERVICE1')).toHaveLength(1);
      // It acts on the longest duration the bot knows (7 days), not on an overflowing date.
      const request = t.store.data.requests[0]!;
      expect(Date.parse(request.autoApproveAt!) - t.clock.now().getTime()).toBe(MAX_DURATION_MS);
    } finally {
      await t.stop();
    }
  });
});

export const BAD_INPUT_CASES = webhooks.length + ignoredAlerts.length + commands.length + modalInputs.length + servicesFiles.length;
