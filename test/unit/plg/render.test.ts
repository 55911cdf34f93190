import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { renderRoute, renderRuleGroup, renderScrapeJob, renderStandalone, renderToDir, SD_TOKEN_PLACEHOLDER, TOKEN_PLACEHOLDER } from '../../../src/integrations/plg/render.js';
import { SETTINGS, service } from '../../fixtures/plg/services.js';

const WEB = service('web-server', { cpuThreshold: 75, memoryThreshold: 90, for: '3m', scaleInCpuBelow: 15, scaleInMemoryBelow: 25, scaleInFor: '45m' });

describe('render', () => {
  it('makes the scrape job autoscale-<service> that asks the bot for the targets (http_sd, bearer, 30s refresh)', () => {
    expect(renderScrapeJob(WEB, SETTINGS)).toEqual({
      job_name: 'autoscale-web-server',
      http_sd_configs: [{
        url: 'http://127.0.0.1:3000/sd/prometheus?service=web-server',
        refresh_interval: '30s',
        authorization: { type: 'Bearer', credentials: SETTINGS.sdToken },
      }],
    });
    // No static list any more: the configured targets come through the same SD answer as the bot's VMs.
    expect(JSON.stringify(renderScrapeJob(WEB, SETTINGS))).not.toContain('10.255.1.201');
  });

  it('names the job monitoring.prometheusJob (the job the bot creates) and takes the service\'s refresh interval', () => {
    const svc = service('web-server', { prometheusJob: 'web', sdRefreshInterval: '5s' });
    const job = renderScrapeJob(svc, { ...SETTINGS, botPublicUrl: 'https://bot.example.com/' });
    expect(job).toMatchObject({ job_name: 'web', http_sd_configs: [{ url: 'https://bot.example.com/sd/prometheus?service=web-server', refresh_interval: '5s' }] });
    expect(renderRuleGroup(svc).rules[0]!.expr).toContain('job="web"');
    expect(parse(renderStandalone(svc, SETTINGS)['prometheus.yml']).scrape_configs.map((j: { job_name: string }) => j.job_name)).toEqual(['web']);
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

  it('generates no job for monitoring.existingJob and points the rules at that job', () => {
    const svc = service('web-server', { existingJob: 'nginx-test-01', targets: [] });
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

  it('keeps the SD token out of files meant for git unless asked', async () => {
    await renderToDir(WEB, SETTINGS, dir);
    const prom = readFileSync(join(dir, 'prometheus.yml'), 'utf8');
    expect(prom).not.toContain(SETTINGS.sdToken);
    expect(parse(prom).scrape_configs[0].http_sd_configs[0].authorization).toEqual({ type: 'Bearer', credentials: SD_TOKEN_PLACEHOLDER });
    await renderToDir(WEB, SETTINGS, dir, { includeSecrets: true });
    expect(readFileSync(join(dir, 'prometheus.yml'), 'utf8')).toContain(SETTINGS.sdToken);
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
