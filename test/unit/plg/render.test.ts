import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRoute, renderRuleGroup, renderScrapeJob, renderStandalone, renderToDir, TOKEN_PLACEHOLDER } from '../../../src/integrations/plg/render.js';
import { SETTINGS, service } from '../../fixtures/plg/services.js';

const WEB = service('web-server', { cpuThreshold: 75, memoryThreshold: 90, for: '3m', scaleInCpuBelow: 15, scaleInMemoryBelow: 25, scaleInFor: '45m' });

describe('render', () => {
  it('makes the scrape job autoscale-<service> with the targets, labelled service', () => {
    expect(renderScrapeJob(WEB)).toEqual({
      job_name: 'autoscale-web-server',
      static_configs: [{ targets: ['10.255.1.201:9100', '10.255.1.202:9100'], labels: { service: 'web-server' } }],
    });
  });

  it('makes a scale-out alert on CPU busy % or memory used % over the thresholds, for `for`', () => {
    const [out] = renderRuleGroup(WEB).rules;
    expect(out).toMatchObject({ alert: 'AutoscaleScaleOut', for: '3m', labels: { service: 'web-server', autoscale: 'out', severity: 'warning' } });
    expect(out!.expr).toBe(
      '(100 * (1 - avg(rate(node_cpu_seconds_total{job="autoscale-web-server",mode="idle"}[5m]))) > 75) or ' +
        '(100 * avg(1 - node_memory_MemAvailable_bytes{job="autoscale-web-server"} / node_memory_MemTotal_bytes{job="autoscale-web-server"}) > 90)',
    );
    expect(Object.keys(out!.annotations)).toEqual(['summary', 'description']);
  });

  it('makes a scale-in alert when both are below the lower thresholds for scaleInFor', () => {
    const [, scaleIn] = renderRuleGroup(WEB).rules;
    expect(scaleIn).toMatchObject({ alert: 'AutoscaleScaleIn', for: '45m', labels: { service: 'web-server', autoscale: 'in' } });
    expect(scaleIn!.expr).toMatch(/< 15\) and \(.*< 25\)$/);
  });

  it('selects an existing job when the service names prometheusJob', () => {
    const svc = service('web-server', { prometheusJob: 'nginx-test-01' });
    expect(renderRuleGroup(svc).rules[0]!.expr).toContain('job="nginx-test-01"');
    expect(parse(renderStandalone(svc, SETTINGS)['prometheus.yml']).scrape_configs).toEqual([]);
  });

  it('routes with matchers service="<name>" and the bot receiver', () => {
    expect(renderRoute(WEB)).toMatchObject({ receiver: 'vm-autoscale-bot', matchers: ['service="web-server"'] });
  });
});

describe('renderStandalone and renderToDir', () => {
  const dir = mkdtempSync(join(tmpdir(), 'plg-render-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes three files that promtool and amtool accept on their own', async () => {
    const paths = await renderToDir(WEB, SETTINGS, dir);
    expect(paths.map((p) => p.slice(dir.length + 1))).toEqual(['prometheus.yml', 'rules.yml', 'alertmanager.yml']);
    const run = (tool: string, args: string[]) => execFileSync(tool, args, { encoding: 'utf8', cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
    expect(run('promtool', ['check', 'config', join(dir, 'prometheus.yml')])).toContain('SUCCESS: 1 rule files found');
    expect(run('promtool', ['check', 'rules', join(dir, 'rules.yml')])).toContain('SUCCESS: 2 rules found');
    expect(run('amtool', ['check-config', join(dir, 'alertmanager.yml')])).toContain('SUCCESS');
  });

  it('keeps the webhook token out of files meant for git unless asked', async () => {
    await renderToDir(WEB, SETTINGS, dir);
    const am = readFileSync(join(dir, 'alertmanager.yml'), 'utf8');
    expect(am).not.toContain(SETTINGS.webhookToken);
    expect(am).toContain(TOKEN_PLACEHOLDER);
    await renderToDir(WEB, SETTINGS, dir, { includeSecrets: true });
    expect(readFileSync(join(dir, 'alertmanager.yml'), 'utf8')).toContain(SETTINGS.webhookToken);
  });

  it('sends the webhook to BOT_PUBLIC_URL/alertmanager with the bearer token and resolved notices', () => {
    const am = parse(renderStandalone(WEB, { ...SETTINGS, botPublicUrl: 'https://bot.example.com/' })['alertmanager.yml']);
    expect(am.receivers[0].webhook_configs[0]).toEqual({
      url: 'https://bot.example.com/alertmanager',
      send_resolved: true,
      http_config: { authorization: { type: 'Bearer', credentials: SETTINGS.webhookToken } },
    });
    expect(am.route.routes[0].receiver).toBe('vm-autoscale-bot');
  });
});
