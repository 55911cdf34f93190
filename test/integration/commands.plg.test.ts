/**
 * `/autoscale plg diff|push|remove` through signed Slack requests, against real sshd, Prometheus and
 * Alertmanager on loopback (the user's files, addresses rewritten to 127.0.0.x first).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blockText, buttons } from '../fakes/slack.js';
import { service, startBot, type TestBot } from '../helpers/bot.js';
import { startAlertmanager } from '../helpers/alertmanager.js';
import { freePort, waitFor } from '../helpers/net.js';
import { rewriteToLoopback, startPrometheus, type RunningServer } from '../helpers/prometheus.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/plg/${name}`, import.meta.url), 'utf8');

let dir: string;
let sshd: TestSshd;
let prometheus: RunningServer;
let alertmanager: RunningServer;
let tb: TestBot;
let paths: { prometheus: string; rules: string; alertmanager: string };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plg-cmd-'));
  mkdirSync(join(dir, 'prometheus', 'rules'), { recursive: true });
  mkdirSync(join(dir, 'alertmanager', 'config'), { recursive: true });
  paths = { prometheus: join(dir, 'prometheus', 'prometheus.yml'), rules: join(dir, 'prometheus', 'rules', 'alert_rules.yml'), alertmanager: join(dir, 'alertmanager', 'config', 'alertmanager.yml') };
  writeFileSync(paths.prometheus, rewriteToLoopback(fixture('prometheus.yml')).replace('/etc/prometheus/rules/alert_rules.yml', paths.rules));
  writeFileSync(paths.rules, fixture('alert_rules.yml'));
  writeFileSync(paths.alertmanager, rewriteToLoopback(fixture('alertmanager.yml')));
  [sshd, prometheus, alertmanager] = await Promise.all([startSshd(), startPrometheus(paths.prometheus), startAlertmanager(paths.alertmanager)]);
  const target = `127.0.0.1:${await freePort()}`;
  tb = await startBot({
    services: [service({ monitoring: { targets: [target], cpuThreshold: 80, memoryThreshold: 85, for: '5m' } })],
    env: {
      PLG_SSH_HOST: '127.0.0.1', PLG_SSH_PORT: String(sshd.port), PLG_SSH_USER: sshd.user, PLG_SSH_KEY_FILE: sshd.userKeyFile, PLG_SSH_HOST_KEY: sshd.hostKeyFingerprint,
      PLG_PROMETHEUS_CONFIG: paths.prometheus, PLG_PROMETHEUS_RULES: paths.rules, PLG_ALERTMANAGER_CONFIG: paths.alertmanager,
      PLG_PROMETHEUS_CHECK: 'promtool check config {file}', PLG_RULES_CHECK: 'promtool check rules {file}', PLG_ALERTMANAGER_CHECK: 'amtool check-config {file}',
      PLG_PROMETHEUS_RELOAD: `${prometheus.url}/-/reload`, PLG_ALERTMANAGER_RELOAD: `${alertmanager.url}/-/reload`,
      PROMETHEUS_URL: prometheus.url, ALERTMANAGER_URL: alertmanager.url, BOT_PUBLIC_URL: `http://127.0.0.1:${await freePort()}`, PROMETHEUS_SD_TOKEN: 'test-sd-token-0123456789abcdef',
    },
  });
}, 120_000);

afterAll(async () => {
  await tb?.stop();
  await Promise.all([sshd?.stop(), prometheus?.stop(), alertmanager?.stop()]);
  rmSync(dir, { recursive: true, force: true });
});

async function response(before: number): Promise<any> {
  await waitFor(() => tb.slack.responses.length > before, 60_000, 'a response_url post');
  return tb.slack.responses[before]!.body;
}

describe('/autoscale plg', () => {
  it('diff shows the change without buttons and changes nothing', async () => {
    const before = readFileSync(paths.prometheus, 'utf8');
    const n = tb.slack.responses.length;
    const r = await tb.command('plg diff web-server');
    expect(r.json.text).toContain('Reading the monitoring config for web-server');
    const body = await response(n);
    expect(blockText(body.blocks)).toContain('autoscale-web-server');
    expect(blockText(body.blocks)).toContain('The rules read job `autoscale-web-server`, which the bot generates');
    expect(buttons(body.blocks)).toHaveLength(0);
    expect(readFileSync(paths.prometheus, 'utf8')).toBe(before);
  });

  it('push shows the diff with Apply / Cancel; Cancel changes nothing', async () => {
    const before = readFileSync(paths.alertmanager, 'utf8');
    const n = tb.slack.responses.length;
    await tb.command('plg push web-server');
    const body = await response(n);
    const b = buttons(body.blocks);
    expect(b.map((x) => x.action_id)).toEqual(['plg_apply', 'plg_cancel']);
    const m = tb.slack.responses.length;
    await tb.click('plg_cancel', b[1]!.value);
    expect((await response(m)).text).toContain('Cancelled');
    expect(readFileSync(paths.alertmanager, 'utf8')).toBe(before);
    // The cancelled diff cannot be applied afterwards.
    const k = tb.slack.responses.length;
    await tb.click('plg_apply', b[0]!.value);
    expect((await response(k)).text).toContain('expired');
  });

  it('Apply installs, reloads and verifies; Prometheus loads the rule group; a second push is a no-op', async () => {
    const n = tb.slack.responses.length;
    await tb.command('plg push web-server');
    const body = await response(n);
    const apply = buttons(body.blocks).find((x) => x.action_id === 'plg_apply')!;
    const m = tb.slack.responses.length;
    await tb.click('plg_apply', apply.value);
    await waitFor(() => tb.slack.responses.slice(m).some((r) => /pushed for|failed/.test(r.body.text ?? '')), 60_000, 'the apply report');
    const report = tb.slack.responses.slice(m).map((r) => r.body.text).join('\n');
    expect(report).toContain('Monitoring config pushed for *web-server*');
    const rules = await (await fetch(`${prometheus.url}/api/v1/rules`)).json() as { data: { groups: Array<{ name: string }> } };
    expect(rules.data.groups.map((g) => g.name)).toContain('autoscale-web-server');
    expect(tb.store.data.audit.some((a) => a.action === 'plg.push' && a.target === 'web-server' && a.actor === 'U0ADMIN01')).toBe(true);
    const k = tb.slack.responses.length;
    await tb.command('plg push web-server');
    expect(blockText((await response(k)).blocks)).toContain('already up to date');
  });

  it('is refused to non-admins when ADMIN_USERS is set', async () => {
    tb.bot.deps.config.ADMIN_USERS.push('U0ADMIN01');
    try {
      const r = await tb.command('plg push web-server', 'U0RANDOM01');
      expect(r.json.text).toContain('Only admins may run `/autoscale plg push`');
    } finally {
      tb.bot.deps.config.ADMIN_USERS.length = 0;
    }
  });
});
