/**
 * The PLG push end to end against real software on loopback: OpenSSH's sshd (keys generated here),
 * Debian's prometheus and prometheus-alertmanager with --web.enable-lifecycle, the user's current
 * files (addresses rewritten to 127.0.0.x before any server loads them) in a temp dir laid out as
 * on their server, checks run by promtool/amtool through SSH, reloads by HTTP POST /-/reload.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/config.js';
import { mergeAlertmanager, mergePrometheus, mergeRules, removeAlertmanager, removePrometheus, removeRules } from '../../src/integrations/plg/merge.js';
import { applyPush, planPush, planRemove, type PlgDeps, type PlgPlan } from '../../src/integrations/plg/push.js';
import { connectSsh } from '../../src/integrations/plg/ssh.js';
import { SETTINGS, service } from '../fixtures/plg/services.js';
import { startAlertmanager } from '../helpers/alertmanager.js';
import { startBot, type TestBot } from '../helpers/bot.js';
import { freePort, waitFor } from '../helpers/net.js';
import { assertLoopbackOnly, rewriteToLoopback, startPrometheus, type RunningServer } from '../helpers/prometheus.js';
import { readUserKey, startSshd, type TestSshd } from '../helpers/sshd.js';

const fixture = (name: string) => readFileSync(new URL(`../fixtures/plg/${name}`, import.meta.url), 'utf8');

let stack: string;
let paths: PlgDeps['paths'];
let originals: { prometheus: string; rules: string; alertmanager: string };
let sshd: TestSshd;
let prometheus: RunningServer;
let alertmanager: RunningServer;
let web: Service;
let settings: typeof SETTINGS;
let userKey: string;
let bot: TestBot;

const read = () => ({ prometheus: readFileSync(paths.prometheus, 'utf8'), rules: readFileSync(paths.rules, 'utf8'), alertmanager: readFileSync(paths.alertmanager, 'utf8') });
const listDir = (dir: string) => readdirSync(dir).sort();

function deps(overrides: Partial<PlgDeps> = {}, hostKey = sshd.hostKeyFingerprint): PlgDeps {
  return {
    connect: () => connectSsh({ host: '127.0.0.1', port: sshd.port, username: sshd.user, privateKey: userKey, hostKeyFingerprint: hostKey }),
    paths,
    settings,
    checks: { prometheus: 'promtool check config {file}', rules: 'promtool check rules {file}', alertmanager: 'amtool check-config {file}' },
    reloads: { prometheus: `${prometheus.url}/-/reload`, alertmanager: `${alertmanager.url}/-/reload` },
    prometheusUrl: prometheus.url,
    alertmanagerUrl: alertmanager.url,
    verifyTimeoutMs: 15_000,
    ...overrides,
  };
}

/** Belt and braces: what a push would load into the running servers names loopback only. */
function assertPushStaysLocal(svc: Service): void {
  const s = { ...settings, rulesFileRef: 'rules/alert_rules.yml' };
  assertLoopbackOnly(mergePrometheus(read().prometheus, svc, s), 'merged prometheus.yml');
  assertLoopbackOnly(mergeAlertmanager(read().alertmanager, svc, s), 'merged alertmanager.yml');
}

async function getJson<T>(url: string): Promise<T> {
  const res = await fetch(url);
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}`);
  return (await res.json()) as T;
}
const ruleGroups = async () => (await getJson<{ data: { groups: Array<{ name: string }> } }>(`${prometheus.url}/api/v1/rules`)).data.groups.map((g) => g.name).sort();
const targetJobs = async () =>
  (await getJson<{ data: { activeTargets: Array<{ labels: Record<string, string> }> } }>(`${prometheus.url}/api/v1/targets`)).data.activeTargets.map((t) => t.labels.job);
/** Alertmanager's own routing, applied to the config it has loaded. */
const amRoute = (...labels: string[]) =>
  execFileSync('amtool', ['config', 'routes', 'test', `--alertmanager.url=${alertmanager.url}`, ...labels], { encoding: 'utf8' }).trim();
const ready = async (server: RunningServer) => server.running() && (await fetch(`${server.url}/-/ready`)).ok;

function expectApplied(plan: PlgPlan) {
  expect(plan.noop).toBe(false);
  return plan;
}

beforeAll(async () => {
  stack = mkdtempSync(join(tmpdir(), 'plg-stack-'));
  // The user's layout: /mnt/plg-stack/{prometheus/prometheus.yml, prometheus/rules/alert_rules.yml, alertmanager/config/alertmanager.yml}
  mkdirSync(join(stack, 'prometheus', 'rules'), { recursive: true });
  mkdirSync(join(stack, 'alertmanager', 'config'), { recursive: true });
  paths = {
    prometheus: join(stack, 'prometheus', 'prometheus.yml'),
    rules: join(stack, 'prometheus', 'rules', 'alert_rules.yml'),
    alertmanager: join(stack, 'alertmanager', 'config', 'alertmanager.yml'),
  };
  originals = {
    // Addresses → 127.0.0.x; the rules path is the one inside their container → ours.
    prometheus: rewriteToLoopback(fixture('prometheus.yml')).replace('/etc/prometheus/rules/alert_rules.yml', paths.rules),
    rules: fixture('alert_rules.yml'),
    alertmanager: rewriteToLoopback(fixture('alertmanager.yml')),
  };
  writeFileSync(paths.prometheus, originals.prometheus);
  writeFileSync(paths.rules, originals.rules);
  writeFileSync(paths.alertmanager, originals.alertmanager);

  web = service('web-server', { targets: [`127.0.0.1:${await freePort()}`] });
  // The pushed job asks this bot for its targets (GET /sd/prometheus).
  bot = await startBot({ services: [web], env: { PROMETHEUS_SD_TOKEN: SETTINGS.sdToken } });
  settings = { ...SETTINGS, botPublicUrl: bot.url };
  [sshd, prometheus, alertmanager] = await Promise.all([startSshd(), startPrometheus(paths.prometheus), startAlertmanager(paths.alertmanager)]);
  userKey = readUserKey(sshd);
});

afterAll(async () => {
  await Promise.all([sshd?.stop(), prometheus?.stop(), alertmanager?.stop(), bot?.stop()]);
  if (stack) rmSync(stack, { recursive: true, force: true });
});

describe('plg push over SSH to real Prometheus and Alertmanager', () => {
  it('refuses a server whose host key is not the pinned one, showing both fingerprints', async () => {
    const r = await planPush(web, deps({}, sshd.otherFingerprint));
    expect(r).toMatchObject({ ok: false, code: 'host_key_mismatch' });
    expect(!r.ok && r.message).toContain(sshd.hostKeyFingerprint);
    expect(!r.ok && r.message).toContain(sshd.otherFingerprint);
  });

  it('pushes: Prometheus lists the new rule group and job, Alertmanager routes service=web-server to the bot', async () => {
    assertPushStaysLocal(web);
    const t0 = performance.now();
    const planned = await planPush(web, deps());
    console.log(`plan (connect, read 3 files, merge, diff) took ${Math.round(performance.now() - t0)} ms`);
    if (!planned.ok) throw new Error(planned.message);
    const plan = expectApplied(planned.plan);
    expect(plan.files.map((f) => [f.role, f.changed])).toEqual([['rules', true], ['prometheus', true], ['alertmanager', true]]);
    expect(plan.files.find((f) => f.role === 'alertmanager')!.diff).toContain('+    - receiver: vm-autoscale-bot');
    expect(JSON.stringify(plan)).not.toContain(settings.webhookToken);

    const result = await applyPush(plan, deps());
    console.log(`push applied in ${Math.round(result.durationMs)} ms:`, result.steps.map((s) => `${s.step}${s.role ? `(${s.role})` : ''} ${s.durationMs}ms`).join(', '));
    if (!result.ok) throw new Error(`${result.code}: ${result.message}\n${JSON.stringify(result.steps, null, 2)}`);
    expect(result.steps.filter((s) => s.step === 'check').map((s) => s.ok)).toEqual([true, true, true]);

    expect(await ruleGroups()).toEqual(['autoscale-web-server', 'nginx-test-autoscale', 'vm-autoscale']);
    await waitFor(async () => (await targetJobs()).includes('autoscale-web-server'), 20_000, 'the new scrape job in /api/v1/targets');
    expect(amRoute('service=web-server', 'autoscale=out', 'severity=warning', 'alertname=AutoscaleScaleOut')).toBe('vm-autoscale-bot');
    expect(amRoute('service=web-server', 'autoscale=in', 'severity=info', 'alertname=AutoscaleScaleIn')).toBe('vm-autoscale-bot');
    expect(amRoute('service=nginx-test', 'severity=warning')).toBe('jenkins-webhook');
  });

  it('keeps the user\'s jobs, rules and routes byte for byte outside the managed parts, with backups beside each file', () => {
    const now = read();
    const s = { ...settings, rulesFileRef: 'rules/alert_rules.yml' };
    expect(now.prometheus).toBe(mergePrometheus(originals.prometheus, web, s));
    expect(now.rules).toBe(mergeRules(originals.rules, web));
    expect(now.alertmanager).toBe(mergeAlertmanager(originals.alertmanager, web, s));
    expect(removePrometheus(now.prometheus, web)).toBe(originals.prometheus);
    expect(removeRules(now.rules, web)).toBe(originals.rules);
    expect(removeAlertmanager(now.alertmanager, web)).toBe(originals.alertmanager);

    for (const [role, path] of Object.entries(paths)) {
      const dir = join(path, '..');
      const backups = listDir(dir).filter((f) => f.includes('.bak-'));
      expect(backups).toHaveLength(1);
      expect(readFileSync(join(dir, backups[0]!), 'utf8')).toBe(originals[role as keyof typeof originals]);
      expect(listDir(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
    }
  });

  it('does nothing on a second push', async () => {
    const before = { files: read(), dirs: Object.values(paths).map((p) => listDir(join(p, '..'))) };
    const planned = await planPush(web, deps());
    expect(planned.ok && planned.plan.noop).toBe(true);
    expect(planned.ok && planned.plan.files.map((f) => f.diff)).toEqual(['', '', '']);
    const result = await applyPush((planned as { plan: PlgPlan }).plan, deps());
    expect(result).toMatchObject({ ok: true, noop: true });
    expect(read()).toEqual(before.files);
    expect(Object.values(paths).map((p) => listDir(join(p, '..')))).toEqual(before.dirs);
  });

  it('notices when a reload did not take, even for an update the servers seemed to show already', async () => {
    const before = read();
    const hotter = service('web-server', { targets: web.monitoring!.targets, cpuThreshold: 60 });
    // A "reload" that reloads nothing: the job and group are there from the first push anyway.
    const d = deps({ reloads: { prometheus: 'true', alertmanager: 'true' }, verifyTimeoutMs: 1500 });
    const planned = await planPush(hotter, d);
    if (!planned.ok) throw new Error(planned.message);
    expect(planned.plan.files.map((f) => f.changed)).toEqual([true, false, false]);

    const result = await applyPush(planned.plan, d);
    expect(result).toMatchObject({ ok: false, code: 'verify_failed', rolledBack: true });
    expect(!result.ok && result.message).toContain('no config reload since the change');
    expect(read()).toEqual(before);
  });

  it('leaves the original files in place and both servers running when promtool rejects the new rules', async () => {
    const before = read();
    const dirsBefore = Object.values(paths).map((p) => listDir(join(p, '..')));
    // Injected: a duration promtool cannot read (the services file's schema would refuse it).
    const broken = service('api', { targets: [`127.0.0.1:${await freePort()}`] });
    const bad = { ...broken, monitoring: { ...broken.monitoring!, for: '5 minutes' } };
    const planned = await planPush(bad, deps());
    if (!planned.ok) throw new Error(planned.message);

    const result = await applyPush(planned.plan, deps());
    expect(result).toMatchObject({ ok: false, code: 'check_failed', rolledBack: false });
    expect(!result.ok && result.message).toMatch(/alert_rules\.yml.*failed validation.*promtool check rules/s);
    expect(result.steps.find((s) => s.step === 'check' && !s.ok)?.detail).toMatch(/5 minutes/);
    expect(result.steps.some((s) => s.step === 'install')).toBe(false);

    expect(read()).toEqual(before);
    expect(Object.values(paths).map((p) => listDir(join(p, '..')))).toEqual(dirsBefore);
    expect(await ready(prometheus)).toBe(true);
    expect(await ready(alertmanager)).toBe(true);
    expect(await ruleGroups()).toContain('autoscale-web-server');
  });

  it('restores the backups and reloads again when the running servers do not show the change', async () => {
    const before = read();
    const api = service('api', { targets: [`127.0.0.1:${await freePort()}`] });
    assertPushStaysLocal(api);
    const closed = `http://127.0.0.1:${await freePort()}`;
    const d = deps({ prometheusUrl: closed, verifyTimeoutMs: 1500 });
    const planned = await planPush(api, d);
    if (!planned.ok) throw new Error(planned.message);

    const result = await applyPush(planned.plan, d);
    expect(result).toMatchObject({ ok: false, code: 'verify_failed', rolledBack: true });
    expect(result.steps.filter((s) => s.step === 'restore').map((s) => [s.role, s.ok])).toEqual([['rules', true], ['prometheus', true], ['alertmanager', true]]);
    expect(result.steps.filter((s) => s.step === 'reload_after_restore').map((s) => [s.role, s.ok])).toEqual([['prometheus', true], ['alertmanager', true]]);
    expect(read()).toEqual(before);
    expect(await ruleGroups()).not.toContain('autoscale-api');
    expect(amRoute('service=api', 'severity=warning')).toBe('jenkins-webhook');
  });

  it('refuses to apply when a file changed on the server after the diff', async () => {
    const planned = await planRemove(web, deps());
    if (!planned.ok) throw new Error(planned.message);
    const edited = `${read().rules}# edited by hand meanwhile\n`;
    writeFileSync(paths.rules, edited);
    const result = await applyPush(planned.plan, deps());
    expect(result).toMatchObject({ ok: false, code: 'changed_since_plan' });
    expect(!result.ok && result.message).toContain(paths.rules);
    expect(read().rules).toBe(edited);
    writeFileSync(paths.rules, edited.replace('# edited by hand meanwhile\n', ''));
  });

  it('removes the service again, giving back the original files', async () => {
    const planned = await planRemove(web, deps());
    if (!planned.ok) throw new Error(planned.message);
    const result = await applyPush(planned.plan, deps());
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    expect(read()).toEqual(originals);
    expect(await ruleGroups()).toEqual(['nginx-test-autoscale', 'vm-autoscale']);
    expect(amRoute('service=web-server', 'severity=warning')).toBe('jenkins-webhook');
  });

  it('creates a dedicated rules file that does not exist yet and adds it to rule_files', async () => {
    const dedicated = join(stack, 'prometheus', 'rules', 'autoscale.yml');
    const api = service('api', { targets: [`127.0.0.1:${await freePort()}`] });
    assertPushStaysLocal(api);
    const d = deps({ paths: { ...paths, rules: dedicated } });
    const planned = await planPush(api, d);
    if (!planned.ok) throw new Error(planned.message);
    expect(planned.plan.files.find((f) => f.role === 'rules')).toMatchObject({ existed: false, changed: true });

    const result = await applyPush(planned.plan, d);
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    expect(result.steps.find((s) => s.step === 'backup' && s.role === 'rules')?.detail).toContain('nothing to back up');
    expect(parse(read().prometheus).rule_files).toEqual([paths.rules, 'rules/autoscale.yml']);
    expect(await ruleGroups()).toEqual(['autoscale-api', 'nginx-test-autoscale', 'vm-autoscale']);

    const removal = await planRemove(api, d);
    if (!removal.ok) throw new Error(removal.message);
    expect(await applyPush(removal.plan, d)).toMatchObject({ ok: true, noop: false });
    expect(readFileSync(dedicated, 'utf8')).toBe('groups: []\n');
    expect(await ruleGroups()).toEqual(['nginx-test-autoscale', 'vm-autoscale']);
  });

  it('pushes a service whose own job scrapes it (existingJob): rules only, checked against that job; a job Prometheus lacks is rolled back', async () => {
    const own = service('own-svc', { existingJob: 'nginx-test-01', targets: [] });
    assertPushStaysLocal(own);
    const planned = await planPush(own, deps());
    if (!planned.ok) throw new Error(planned.message);
    expect(parse(read().prometheus).scrape_configs.map((j: { job_name: string }) => j.job_name)).toContain('nginx-test-01');
    expect(planned.plan.files.find((f) => f.role === 'prometheus')!.diff).not.toContain('job_name');
    const result = await applyPush(planned.plan, deps());
    if (!result.ok) throw new Error(`${result.code}: ${result.message}`);
    expect(result.steps.find((s) => s.step === 'verify' && s.role === 'prometheus')!.detail).toContain('job nginx-test-01 loaded');
    expect(await ruleGroups()).toContain('autoscale-own-svc');

    // A typo in existingJob would leave the rules reading nothing: the push fails verification and is undone.
    const typo = service('typo-svc', { existingJob: 'nginx-tset-01', targets: [] });
    const before = read();
    const typoPlan = await planPush(typo, deps());
    if (!typoPlan.ok) throw new Error(typoPlan.message);
    const failed = await applyPush(typoPlan.plan, deps({ verifyTimeoutMs: 3000 }));
    expect(failed).toMatchObject({ ok: false, code: 'verify_failed', rolledBack: true });
    expect(!failed.ok && failed.message).toContain('job nginx-tset-01 absent');
    expect(read()).toEqual(before);

    const removal = await planRemove(own, deps());
    if (!removal.ok) throw new Error(removal.message);
    expect(await applyPush(removal.plan, deps())).toMatchObject({ ok: true });
    expect(parse(read().prometheus).scrape_configs.map((j: { job_name: string }) => j.job_name)).toContain('nginx-test-01'); // the operator's job stays
  });

  it('reports an unreachable SSH server clearly and touches no file', async () => {
    const planned = await planPush(web, deps());
    if (!planned.ok) throw new Error(planned.message);
    const before = read();
    await sshd.stop();

    const again = await planPush(web, deps());
    expect(again).toMatchObject({ ok: false, code: 'unreachable' });
    expect(!again.ok && again.message).toContain(`127.0.0.1:${sshd.port}`);
    const result = await applyPush(planned.plan, deps());
    expect(result).toMatchObject({ ok: false, code: 'unreachable', rolledBack: false });
    expect(result.steps.map((s) => [s.step, s.ok])).toEqual([['connect', false]]);
    expect(read()).toEqual(before);
    expect(existsSync(paths.rules)).toBe(true);
  });
});
