/**
 * What Slack is shown of the monitoring server's config, and who may see it: `/autoscale plg diff`
 * and `plg push` against real sshd with the user's Alertmanager file (addresses at 127.0.0.x, every
 * secret a fake FAKE-… value, more receiver types around it) and a Prometheus file with secrets.
 * No FAKE- value may appear in anything the fake Slack recorded. PLG and Jenkins commands, diff
 * included, and their Apply buttons are for ADMIN_USERS only.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeJenkins, type FakeJenkins } from '../fakes/jenkins.js';
import { blockText, buttons } from '../fakes/slack.js';
import { service, startBot, type TestBot } from '../helpers/bot.js';
import { freePort, waitFor } from '../helpers/net.js';
import { startSshd, type TestSshd } from '../helpers/sshd.js';

const ADMIN = 'U0ADMIN01';
const OTHER_ADMIN = 'U0ADMIN02';
const OUTSIDER = 'U0RANDOM01';
const fixture = (name: string) => readFileSync(new URL(`../fixtures/plg/secrets/${name}`, import.meta.url), 'utf8');
const fakesIn = (text: string) => [...new Set(text.match(/FAKE-[A-Za-z0-9-]+/g) ?? [])];

let dir: string;
let sshd: TestSshd;
let jenkins: FakeJenkins;
let tb: TestBot;
let paths: { prometheus: string; rules: string; alertmanager: string };
let secrets: string[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'plg-secrets-'));
  mkdirSync(join(dir, 'prometheus', 'rules'), { recursive: true });
  mkdirSync(join(dir, 'alertmanager', 'config'), { recursive: true });
  paths = { prometheus: join(dir, 'prometheus', 'prometheus.yml'), rules: join(dir, 'prometheus', 'rules', 'alert_rules.yml'), alertmanager: join(dir, 'alertmanager', 'config', 'alertmanager.yml') };
  writeFileSync(paths.prometheus, fixture('prometheus.yml').replace('RULES_FILE', paths.rules));
  writeFileSync(paths.rules, 'groups: []\n');
  writeFileSync(paths.alertmanager, fixture('alertmanager.yml'));
  secrets = [...fakesIn(fixture('prometheus.yml')), ...fakesIn(fixture('alertmanager.yml'))];
  [sshd, jenkins] = await Promise.all([startSshd(), startFakeJenkins({ user: 'autoscale-bot', token: '11f0c2a7d7e24e3b9a5f7d0c6b3e8a9d12' })]);
  tb = await startBot({
    services: [service({ executor: 'jenkins', jenkins: { job: 'autoscale-web-server', token: 'FAKE-jenkins-service-token' }, monitoring: { targets: [`127.0.0.1:${await freePort()}`], cpuThreshold: 80, memoryThreshold: 85, for: '5m' } })],
    env: {
      ADMIN_USERS: `${ADMIN},${OTHER_ADMIN}`,
      PLG_SSH_HOST: '127.0.0.1', PLG_SSH_PORT: String(sshd.port), PLG_SSH_USER: sshd.user, PLG_SSH_KEY_FILE: sshd.userKeyFile, PLG_SSH_HOST_KEY: sshd.hostKeyFingerprint,
      PLG_PROMETHEUS_CONFIG: paths.prometheus, PLG_PROMETHEUS_RULES: paths.rules, PLG_ALERTMANAGER_CONFIG: paths.alertmanager,
      BOT_PUBLIC_URL: `http://127.0.0.1:${await freePort()}`, PROMETHEUS_SD_TOKEN: 'test-sd-token-0123456789abcdef',
      JENKINS_URL: jenkins.url, JENKINS_USER: 'autoscale-bot', JENKINS_TOKEN: '11f0c2a7d7e24e3b9a5f7d0c6b3e8a9d12',
    },
  });
}, 120_000);

afterAll(async () => {
  await tb?.stop();
  await Promise.all([sshd?.stop(), jenkins?.close()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

async function later(before: number): Promise<any> {
  await waitFor(() => tb.slack.responses.length > before, 60_000, 'a response_url post');
  return tb.slack.responses[before]!.body;
}

/** Everything the fake Slack recorded: Web API calls, response_url posts, messages as shown now. */
const recorded = () => JSON.stringify([tb.slack.calls, tb.slack.responses, tb.slack.messages]);

describe('/autoscale plg diff and push show no secret of the monitoring config', () => {
  it("shows the diff of the user's files with every secret masked, in context lines too", async () => {
    expect(secrets.length).toBeGreaterThan(20);
    const n = tb.slack.responses.length;
    await tb.command('plg diff web-server', ADMIN);
    const text = blockText((await later(n)).blocks);
    expect(text).toContain('name: vm-autoscale-bot'); // the bot's receiver is shown …
    expect(text).toContain("api_url: 'https://hooks.slack.com/[REDACTED]'"); // … next to the user's last receiver, masked
    expect(text).toContain("credentials: '[REDACTED]'");
    expect(fakesIn(recorded())).toEqual([]);
  });

  it('shows the push prompt with Apply / Cancel and no secret; a later non-admin Apply is refused and changes nothing', async () => {
    const before = readFileSync(paths.alertmanager, 'utf8');
    const n = tb.slack.responses.length;
    await tb.command('plg push web-server', ADMIN);
    const prompt = await later(n);
    const apply = buttons(prompt.blocks).find((b) => b.action_id === 'plg_apply')!;
    expect(apply).toBeDefined();
    expect(fakesIn(recorded())).toEqual([]);
    // ADMIN stops being an admin between the prompt and the click: the button asks again.
    const admins = tb.bot.deps.config.ADMIN_USERS;
    admins.splice(0, admins.length, OTHER_ADMIN);
    try {
      const m = tb.slack.responses.length;
      await tb.click('plg_apply', apply.value, ADMIN);
      const refusal = (await later(m)).text as string;
      expect(refusal).toBe(`Only admins may do this (ADMIN_USERS: <@${OTHER_ADMIN}>). Nothing was changed.`);
    } finally {
      admins.splice(0, admins.length, ADMIN, OTHER_ADMIN);
    }
    expect(readFileSync(paths.alertmanager, 'utf8')).toBe(before);
    expect(tb.store.data.audit.some((a) => a.action === 'plg.push')).toBe(false);
  });
});

describe('PLG and Jenkins commands are for admins only', () => {
  const commands = ['plg diff web-server', 'plg push web-server', 'plg remove web-server', 'jenkins diff web-server', 'jenkins push web-server', 'jenkins remove web-server'];

  it.each(commands)('refuses `/autoscale %s` to a non-admin, naming the admins', async (cmd) => {
    const n = tb.slack.responses.length;
    const r = await tb.command(cmd, OUTSIDER);
    const name = cmd.split(' ').slice(0, 2).join(' ');
    expect(r.json.text).toBe(`Only admins may run \`/autoscale ${name}\` (ADMIN_USERS: <@${ADMIN}>, <@${OTHER_ADMIN}>). Nothing was changed.`);
    await tb.settle();
    expect(tb.slack.responses.length).toBe(n); // nothing was read from the monitoring server or Jenkins
  });

  it('marks them as admin-only in the help', async () => {
    const help = (await tb.command('help', OUTSIDER)).json.text as string;
    for (const cmd of commands) expect(help).toMatch(new RegExp(`/autoscale ${cmd.split(' ').slice(0, 2).join(' ')} <service>\` — [^\n]*_\\(admins\\)_`));
  });

  it('refuses a Jenkins Apply by a user who is no longer an admin', async () => {
    const n = tb.slack.responses.length;
    await tb.command('jenkins push web-server', ADMIN);
    const prompt = await later(n);
    const apply = buttons(prompt.blocks).find((b) => b.action_id === 'jenkins_apply');
    expect(apply).toBeDefined();
    const admins = tb.bot.deps.config.ADMIN_USERS;
    admins.splice(0, admins.length, OTHER_ADMIN);
    try {
      const m = tb.slack.responses.length;
      await tb.click('jenkins_apply', apply!.value, ADMIN);
      expect((await later(m)).text).toContain(`Only admins may do this (ADMIN_USERS: <@${OTHER_ADMIN}>)`);
    } finally {
      admins.splice(0, admins.length, ADMIN, OTHER_ADMIN);
    }
    expect(jenkins.requests.filter((r) => r.method === 'POST').map((r) => r.path)).toEqual([]); // no job was created
    expect(fakesIn(recorded())).toEqual([]);
  });
});
