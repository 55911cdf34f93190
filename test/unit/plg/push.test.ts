import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { commandArgs } from '../../../src/integrations/plg/commands.js';
import { maskSecrets } from '../../../src/integrations/plg/diff.js';
import { rulesFileRefFor } from '../../../src/integrations/plg/push.js';
import { mergeAlertmanager } from '../../../src/integrations/plg/merge.js';
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
});
