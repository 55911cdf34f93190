import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandArgs } from '../../../src/integrations/plg/commands.js';
import { maskedDiff, maskSecrets } from '../../../src/integrations/plg/diff.js';
import { planPush, rulesFileRefFor, DEFAULT_CHECKS, type PlgDeps } from '../../../src/integrations/plg/push.js';
import { mergeAlertmanager, mergePrometheus } from '../../../src/integrations/plg/merge.js';
import { SETTINGS, service } from '../../fixtures/plg/services.js';

describe('commandArgs', () => {
  it('splits a configured command and substitutes {file} and {name} inside single arguments', () => {
    const file = '/mnt/plg stack/prometheus/prometheus.yml.autoscale-1.tmp';
    expect(commandArgs('docker exec prometheus promtool check config /etc/prometheus/{name}', file)).toEqual([
      'docker', 'exec', 'prometheus', 'promtool', 'check', 'config', '/etc/prometheus/prometheus.yml.autoscale-1.tmp',
    ]);
    expect(commandArgs('promtool check config {file}', file)).toEqual(['promtool', 'check', 'config', file]);
    expect(commandArgs(`sh -c 'echo "a b"' x`, file)).toEqual(['sh', '-c', 'echo "a b"', 'x']);
  });
});

describe('rulesFileRefFor', () => {
  it('names the rules file relative to prometheus.yml when it lies below it, else absolute', () => {
    expect(rulesFileRefFor({ prometheus: '/mnt/plg-stack/prometheus/prometheus.yml', rules: '/mnt/plg-stack/prometheus/rules/alert_rules.yml', alertmanager: '' })).toBe('rules/alert_rules.yml');
    expect(rulesFileRefFor({ prometheus: '/mnt/plg-stack/prometheus/prometheus.yml', rules: '/srv/rules/a.yml', alertmanager: '' })).toBe('/srv/rules/a.yml');
  });
});

describe('maskSecrets', () => {
  it('hides the bot token, the operator\'s passwords and URL tokens in what Slack will show', () => {
    const am = readFileSync(new URL('../../fixtures/plg/alertmanager.yml', import.meta.url), 'utf8').replace("password: 'REDACTED'", "password: 'hunter2-real'");
    const masked = maskSecrets(mergeAlertmanager(am, service('web-server'), SETTINGS), SETTINGS);
    expect(masked).not.toContain(SETTINGS.webhookToken);
    expect(masked).not.toContain('hunter2-real');
    expect(masked).not.toContain('plg-autoscale-token');
    expect(masked).toContain("credentials: '[REDACTED]'");
    expect(masked).toContain("username: 'danacloud'");
  });

  const secretsFixture = (name: string) => readFileSync(new URL(`../../fixtures/plg/secrets/${name}`, import.meta.url), 'utf8');
  /** Every fake secret of a fixture: each is spelled FAKE-… */
  const fakes = (text: string) => [...new Set(text.match(/FAKE-[A-Za-z0-9-]+/g) ?? [])].filter((f) => f !== 'FAKE-');

  it("masks every secret of the user's Alertmanager and Prometheus files, in block, flow and multi-line forms, and keeps the rest readable", () => {
    for (const name of ['alertmanager.yml', 'prometheus.yml']) {
      const text = secretsFixture(name);
      expect(fakes(text).length).toBeGreaterThan(5);
      const masked = maskSecrets(text, SETTINGS);
      expect(fakes(masked)).toEqual([]);
    }
    const am = maskSecrets(secretsFixture('alertmanager.yml'), SETTINGS);
    expect(am).toContain("slack_api_url: 'https://hooks.slack.com/[REDACTED]'");
    expect(am).toContain("{url: 'http://127.0.0.9:9000/[REDACTED]', http_config: {basic_auth: {username: ops, password: '[REDACTED]'}}}");
    expect(am).toContain("auth_password: '[REDACTED]'\n        auth_secret: '[REDACTED]'\n");
    expect(am).toContain('type: Bearer');
    expect(am).toContain("username: 'danacloud'");
    expect(am).toContain("channel: '#alerts'");
  });

  it('masks header secrets, Teams URLs, values behind aliases, quoted keys, _file paths and files that do not parse', () => {
    const text = [
      'defaults:',
      '  shared: &pw FAKE-anchored-secret',
      'receivers:',
      '  - name: teams',
      '    msteams_configs:',
      "      - webhook_url: 'https://example.webhook.office.com/webhookb2/FAKE-teams-token'",
      '        http_config:',
      '          http_headers:',
      '            Authorization: {values: [FAKE-header-authorization]}',
      '            X-Custom: {values: [visible-value], secrets: [FAKE-header-secret]}',
      '          basic_auth: {username: u, password: *pw}',
      '          tls_config: {key: FAKE-inline-private-key, key_file: /etc/FAKE-key-path, ca_file: /etc/ca.pem}',
      '    webhook_configs:',
      '      - "url": "http://127.0.0.9/hook?token=FAKE-query-token"',
      '        "password_file": /etc/FAKE-password-path',
      '',
    ].join('\n');
    const masked = maskSecrets(text, SETTINGS);
    expect(fakes(masked)).toEqual([]);
    expect(masked).toContain('visible-value');
    expect(masked).toContain('ca_file: /etc/ca.pem');
    const broken = 'receivers: [\n  password: FAKE-unparsable-password\n  # bearer_token: FAKE-commented-token\n  see https://hooks.slack.com/services/T0/B0/FAKE-hook-in-text\n';
    expect(fakes(maskSecrets(broken, SETTINGS))).toEqual([]);
  });

  it('keeps secrets out of added, removed and context lines of the diff, and says so when only a secret changes', () => {
    const am = secretsFixture('alertmanager.yml');
    const merged = mergeAlertmanager(am, service('web-server'), SETTINGS);
    const diff = maskedDiff('alertmanager.yml', am, merged, SETTINGS);
    expect(diff).toContain("\n         api_url: 'https://hooks.slack.com/[REDACTED]'\n"); // the last receiver's URL: a context line of the bot's receiver
    expect(diff).toMatch(/^\+ +credentials: '\[REDACTED\]'$/m);
    expect(fakes(diff)).toEqual([]);
    expect(diff).not.toContain(SETTINGS.webhookToken);
    const removed = maskedDiff('alertmanager.yml', merged, am, SETTINGS);
    expect(fakes(removed)).toEqual([]);
    expect(removed).toMatch(/^-/m);
    const prom = secretsFixture('prometheus.yml');
    expect(fakes(maskedDiff('prometheus.yml', prom, mergePrometheus(prom, service('web-server'), SETTINGS), SETTINGS))).toEqual([]);
    const rotated = am.replace('FAKE-jenkins-basic-password', 'FAKE-rotated-password');
    expect(maskedDiff('alertmanager.yml', am, rotated, SETTINGS)).toBe('alertmanager.yml: only secret values change (not shown)\n');
  });
});

describe('the SD token in a push', () => {
  it('is masked in the diff of prometheus.yml, while the SD URL stays readable', () => {
    const prom = readFileSync(new URL('../../fixtures/plg/prometheus.yml', import.meta.url), 'utf8');
    const diff = maskedDiff('prometheus.yml', prom, mergePrometheus(prom, service('web-server'), SETTINGS), SETTINGS);
    expect(diff).not.toContain(SETTINGS.sdToken);
    expect(diff).toMatch(/^\+ +credentials: '\[REDACTED\]'$/m);
    expect(diff).toContain('+      - url: http://127.0.0.1:3000/sd/prometheus?service=web-server');
  });

  const deps = (settings: PlgDeps['settings'], connected: string[]): PlgDeps => ({
    connect: async () => { connected.push('ssh'); throw new Error('no server in this test'); },
    paths: { prometheus: '/p/prometheus.yml', rules: '/p/rules.yml', alertmanager: '/a/alertmanager.yml' },
    settings, checks: DEFAULT_CHECKS, reloads: { prometheus: 'true', alertmanager: 'true' },
  });

  it('is required: without PROMETHEUS_SD_TOKEN (or BOT_PUBLIC_URL) plg push refuses, naming the variable, before connecting', async () => {
    const connected: string[] = [];
    const noToken = await planPush(service('web-server'), deps({ botPublicUrl: SETTINGS.botPublicUrl, webhookToken: SETTINGS.webhookToken }, connected));
    expect(noToken).toMatchObject({ ok: false, code: 'not_configured' });
    expect(!noToken.ok && noToken.message).toMatch(/^PROMETHEUS_SD_TOKEN is not set/);
    const noUrl = await planPush(service('web-server'), deps({ ...SETTINGS, botPublicUrl: '' }, connected));
    expect(!noUrl.ok && noUrl.message).toMatch(/^BOT_PUBLIC_URL is not set/);
    expect(connected).toEqual([]);
  });

  it('is not needed for a service whose own job scrapes it (existingJob): the push goes on to the server', async () => {
    const connected: string[] = [];
    const r = await planPush(service('web-server', { existingJob: 'nginx-test-01', targets: [] }), deps({ botPublicUrl: SETTINGS.botPublicUrl, webhookToken: SETTINGS.webhookToken }, connected));
    expect(r).toMatchObject({ ok: false, code: 'ssh_failed' });
    expect(connected).toEqual(['ssh']);
  });
});
