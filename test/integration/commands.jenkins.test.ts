/** `/autoscale jenkins diff|push|remove` through signed Slack requests, against the fake Jenkins' REST API. */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/cards/ids.js';
import type { Service } from '../../src/config.js';
import { PENDING_WEBHOOK_TOKEN, renderJobConfig } from '../../src/integrations/jenkins/jobConfig.js';
import { redact } from '../../src/logger.js';
import { getService } from '../../src/store/services.js';
import { JenkinsClient } from '../../src/integrations/jenkins/client.js';
import { leasesOf } from '../../src/store/leases.js';
import { findRequest } from '../../src/store/requests.js';
import { upsertServices } from '../../src/store/services.js';
import { JenkinsExecutor } from '../../src/workflows/jenkinsExecutor.js';
import { startFakeJenkins, type FakeJenkins } from '../fakes/jenkins.js';
import { blockText, buttons } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { waitFor } from '../helpers/net.js';

const ADMIN = 'U0ADMIN01';
const USER = 'autoscale-bot';
const TOKEN = '11f0c2a7d7e24e3b9a5f7d0c6b3e8a9d12';
const JOB = 'autoscale-web-server';
const WEBHOOK_TOKEN = 'webhook-token-0123456789';

let jenkins: FakeJenkins | undefined;
let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  await jenkins?.close();
  tb = undefined;
  jenkins = undefined;
});

const webServer = (over: Partial<Service> = {}) => service({ executor: 'jenkins', jenkins: { job: JOB, token: WEBHOOK_TOKEN }, ...over });

async function start(opts: { token?: string; env?: Record<string, string>; services?: Service[] } = {}): Promise<{ tb: TestBot; jenkins: FakeJenkins }> {
  jenkins = await startFakeJenkins({ user: USER, token: TOKEN, requireCrumbForTokenAuth: true });
  tb = await startBot({
    services: opts.services ?? [webServer()],
    env: { JENKINS_URL: jenkins.url, JENKINS_USER: USER, JENKINS_TOKEN: opts.token ?? TOKEN, JENKINS_BOT_CLI: '/opt/vm-autoscale-bot/dist/cli.js', ADMIN_USERS: ADMIN, ...opts.env },
  });
  return { tb, jenkins };
}

/** The next response_url post after `before` (the answer that replaces the placeholder). */
async function response(t: TestBot, before: number): Promise<any> {
  await waitFor(() => t.slack.responses.length > before, 10_000, 'a response_url post');
  return t.slack.responses[before]!.body;
}

async function commandAndWait(t: TestBot, text: string, user = ADMIN): Promise<{ now: any; later: any }> {
  const before = t.slack.responses.length;
  const now = (await t.command(text, user)).json;
  return { now, later: await response(t, before) };
}

async function click(t: TestBot, action: string, value: string): Promise<string[]> {
  const before = t.slack.responses.length;
  await t.click(action, value);
  return t.slack.responses.slice(before).map((r) => r.body.text as string);
}

const writes = (j: FakeJenkins) => j.requests.filter((r) => r.method === 'POST').map((r) => r.path.split('?')[0]);

describe('/autoscale jenkins', () => {
  it('help lists the Jenkins commands under their own heading', async () => {
    const { tb } = await start();
    const help = (await tb.command('help')).json.text as string;
    expect(help).toContain('*Jenkins*');
    expect(help).toContain("• `/autoscale jenkins diff <service>` — what `jenkins push` would change in the service's Jenkins job (changes nothing)");
    expect(help).toContain('• `/autoscale jenkins push <service>` — ');
    expect(help).toMatch(/• `\/autoscale jenkins remove <service>` — .* _\(admins\)_/);
  });

  it('diff shows the config a push would create, without buttons, and writes nothing', async () => {
    const { tb, jenkins } = await start();
    const { now, later } = await commandAndWait(tb, 'jenkins diff web-server', ADMIN); // diff is admin-only too (issue 11, item 7)
    expect(now.text).toBe(`Comparing job *${JOB}* in Jenkins with the bot's config…`);
    expect(later.text).toBe(`Job *${JOB}* does not exist in Jenkins yet; \`/autoscale jenkins push web-server\` would create it:`);
    const text = blockText(later.blocks);
    expect(text).toContain('+<flow-definition plugin="workflow-job">');
    expect(text).toContain('/opt/vm-autoscale-bot/dist/cli.js'); // JENKINS_BOT_CLI reaches the pipeline
    expect(text).not.toContain(WEBHOOK_TOKEN); // the webhook token is masked in diffs
    expect(buttons(later.blocks)).toEqual([]);
    expect(jenkins.jobs.size).toBe(0);
    expect(writes(jenkins)).toEqual([]);
  });

  it('push posts the diff with Apply / Cancel; Apply creates the job; a second push is a no-op', async () => {
    const { tb, jenkins } = await start();
    const { later } = await commandAndWait(tb, 'jenkins push web-server');
    expect(later.text).toBe(`Create Jenkins job *${JOB}*? Its config.xml:`);
    const b = buttons(later.blocks);
    expect(b.map((x) => x.action_id)).toEqual([ACTION.jenkinsApply, ACTION.jenkinsCancel]);
    expect(b.map((x) => x.action_id)).toEqual(['jenkins_apply', 'jenkins_cancel']);
    expect(b[0]!.value).toMatch(/^cf-[0-9a-f]{16}$/); // an id only, never the config
    expect(jenkins.jobs.size).toBe(0);

    const told = await click(tb, ACTION.jenkinsApply, b[0]!.value);
    expect(told).toEqual([`:hourglass_flowing_sand: Writing job *${JOB}* to Jenkins…`, `:white_check_mark: Jenkins job *${JOB}* created by <@${ADMIN}>.`]);
    expect(jenkins.jobs.get(JOB)).toBe(renderJobConfig(webServer(), { botCliPath: '/opt/vm-autoscale-bot/dist/cli.js', nodeBin: 'node' }));
    expect(writes(jenkins)).toEqual(['/createItem']);
    expect(tb.store.data.audit.filter((a) => a.action.startsWith('jenkins.'))).toEqual([
      expect.objectContaining({ action: 'jenkins.push', actor: ADMIN, target: JOB, detail: 'web-server: created' }),
    ]);
    // The same button again: already used.
    expect((await click(tb, ACTION.jenkinsApply, b[0]!.value)).at(-1)).toContain('expired or was already used');

    const again = await commandAndWait(tb, 'jenkins push web-server');
    expect(again.later.text).toBe(`Job *${JOB}* in Jenkins already matches the bot's config. Nothing to push.`);
    expect(again.later.blocks).toBeUndefined();
    expect((await commandAndWait(tb, 'jenkins diff web-server')).later.text).toBe(`Job *${JOB}* in Jenkins already matches the bot's config. Nothing to push.`);
    expect(writes(jenkins)).toEqual(['/createItem']);
  });

  it('a service asking for the webhook trigger: diff stores nothing; push generates a random token, keeps it in the store and shows it nowhere', async () => {
    const { tb, jenkins } = await start({ services: [webServer({ jenkins: { job: JOB, webhookTrigger: true } })] });
    const diff = await commandAndWait(tb, 'jenkins diff web-server');
    expect(blockText(diff.later.blocks)).toContain(`<token>${PENDING_WEBHOOK_TOKEN}</token>`);
    expect(getService(tb.store, 'web-server')!.jenkins!.token).toBeUndefined();

    const { later } = await commandAndWait(tb, 'jenkins push web-server');
    const token = getService(tb.store, 'web-server')!.jenkins!.token!;
    expect(token).toMatch(/^gwt-[A-Za-z0-9_-]{43}$/);
    expect(token).not.toBe(`${JOB}-token`);
    expect(blockText(later.blocks)).toMatch(/<token>\[REDACTED sha256:[0-9a-f]{8}\]<\/token>/);
    await click(tb, ACTION.jenkinsApply, buttons(later.blocks)[0]!.value);
    expect(jenkins.jobs.get(JOB)).toContain(`<token>${token}</token>`);
    expect((await commandAndWait(tb, 'jenkins diff web-server')).later.text).toBe(`Job *${JOB}* in Jenkins already matches the bot's config. Nothing to push.`);
    // Nowhere in Slack, the audit trail or the logs.
    expect(JSON.stringify([tb.slack.responses, tb.slack.messages])).not.toContain(token);
    expect(JSON.stringify(tb.store.data.audit)).not.toContain(token);
    expect(tb.store.data.audit).toContainEqual(expect.objectContaining({ action: 'jenkins.token.generate', actor: ADMIN, target: JOB }));
    expect(redact(`token=${token}`)).toBe('token=[REDACTED]');
  });

  it('push after a service change shows just that change; Cancel leaves the job as it was; Apply then updates it', async () => {
    const { tb, jenkins } = await start();
    const before = renderJobConfig(webServer(), { botCliPath: '/opt/vm-autoscale-bot/dist/cli.js' });
    jenkins.addJob(JOB, before);
    await upsertServices(tb.store, [webServer({ template: 'web-server-template-2027' })], ADMIN, new Date().toISOString());

    const { later } = await commandAndWait(tb, 'jenkins push web-server');
    expect(later.text).toBe(`Update Jenkins job *${JOB}*? The change:`);
    const text = blockText(later.blocks);
    expect(text).toMatch(/^\+\s+<defaultValue>web-server-template-2027<\/defaultValue>$/m);
    expect(text).toMatch(/^-\s+<defaultValue>web-server-template<\/defaultValue>$/m);
    const [apply, cancel] = buttons(later.blocks);
    expect(await click(tb, ACTION.jenkinsCancel, cancel!.value)).toEqual(['Cancelled. Nothing was changed.']);
    expect(jenkins.jobs.get(JOB)).toBe(before);
    expect((await click(tb, ACTION.jenkinsApply, apply!.value)).at(-1)).toContain('expired or was already used');
    expect(jenkins.jobs.get(JOB)).toBe(before);

    const second = await commandAndWait(tb, 'jenkins push web-server');
    expect((await click(tb, ACTION.jenkinsApply, buttons(second.later.blocks)[0]!.value)).at(-1)).toBe(`:white_check_mark: Jenkins job *${JOB}* updated by <@${ADMIN}>.`);
    expect(jenkins.jobs.get(JOB)).toContain('<defaultValue>web-server-template-2027</defaultValue>');
    expect(writes(jenkins)).toEqual([`/job/${JOB}/config.xml`]);
  });

  it('push and remove are for admins only; diff is for anyone', async () => {
    const { tb, jenkins } = await start();
    for (const cmd of ['jenkins push web-server', 'jenkins remove web-server']) {
      const res = await tb.command(cmd, 'U0READER1');
      expect(res.json.text).toBe(`Only admins may run \`/autoscale ${cmd.replace(' web-server', '')}\` (ADMIN_USERS: <@${ADMIN}>). Nothing was changed.`);
      expect(res.json.blocks).toBeUndefined();
    }
    expect(jenkins.requests).toEqual([]);
  });

  it('only the admin who pushed can apply it', async () => {
    const { tb, jenkins } = await start({ env: { ADMIN_USERS: `${ADMIN},U0ADMIN02` } });
    const { later } = await commandAndWait(tb, 'jenkins push web-server');
    const before = tb.slack.responses.length;
    await tb.click(ACTION.jenkinsApply, buttons(later.blocks)[0]!.value, 'U0ADMIN02');
    expect(tb.slack.responses[before]!.body.text).toBe(`Only <@${ADMIN}>, who ran the command, can confirm it. Nothing was changed.`);
    expect(jenkins.jobs.size).toBe(0);
  });

  it('remove asks first, then deletes the job and records who did', async () => {
    const { tb, jenkins } = await start();
    jenkins.addJob(JOB, renderJobConfig(webServer()));
    const res = await tb.command('jenkins remove web-server');
    expect(res.json.text).toBe(`Delete Jenkins job *${JOB}* with its build history? Services using \`executor: jenkins\` cannot scale out until it is pushed again.`);
    const b = buttons(res.json.blocks);
    expect(b.map((x) => [x.action_id, x.style])).toEqual([[ACTION.confirmCommand, 'danger'], [ACTION.cancelCommand, undefined]]);
    expect(jenkins.jobs.has(JOB)).toBe(true);

    const told = await click(tb, ACTION.confirmCommand, b[0]!.value);
    expect(told[0]).toBe(`:wastebasket: Jenkins job *${JOB}* deleted by <@${ADMIN}>.`);
    expect(jenkins.jobs.has(JOB)).toBe(false);
    expect(tb.slack.topLevel('C0SERVICE1').map((m) => m.text)).toEqual([`:wastebasket: Jenkins job *${JOB}* deleted by <@${ADMIN}>.`]);
    expect(tb.store.data.audit.filter((a) => a.action.startsWith('jenkins.'))).toEqual([
      expect.objectContaining({ action: 'jenkins.remove', actor: ADMIN, target: JOB, detail: 'web-server: deleted' }),
    ]);

    // Again: Jenkins has no such job any more.
    expect((await click(tb, ACTION.confirmCommand, buttons((await tb.command('jenkins remove web-server')).json.blocks)[0]!.value))[0]).toBe(`Jenkins has no job *${JOB}*. Nothing was changed.`);
  });

  it('remove is refused while a scale-out runs on the job', async () => {
    const { tb, jenkins } = await start();
    jenkins.addJob(JOB, renderJobConfig(webServer()));
    await tb.store.mutate((d) => {
      d.requests.push({
        id: 'sr-running', service: 'web-server', direction: 'out', state: 'running', executor: 'jenkins', source: 'manual', fireCount: 1,
        lastFiredAt: '2026-11-26T14:00:00Z', createdAt: '2026-11-26T14:00:00Z', updatedAt: '2026-11-26T14:00:00Z',
        preview: { instances: 1, instancesSource: 'f5', min: 1, max: 6, template: 't', vmName: null, ip: null, f5Pool: 'p', checks: [] }, attempts: [], events: [],
      });
    });
    const res = await tb.command('jenkins remove web-server');
    expect(res.json.text).toBe(`A scale-out (sr-running) is running on *${JOB}*; delete the job when it has finished. Nothing was changed.`);
    expect(res.json.blocks).toBeUndefined();
    expect(jenkins.jobs.has(JOB)).toBe(true);
  });

  it('names an unknown service or a bad name, and says when Jenkins is not configured', async () => {
    const first = (await start()).tb;
    expect((await first.command('jenkins diff nope')).json.text).toBe('No service named `nope`. `/autoscale service list` shows them.');
    expect((await first.command('jenkins push "web;reboot"')).json.text).toContain('is not a valid service name: shell characters are not allowed (`;`)');
    expect((await first.command('jenkins diff')).json.text).toBe('Usage: `/autoscale jenkins diff <service>`');
    await first.stop();
    const unconfigured = (tb = await startBot({ services: [webServer()] }));
    for (const cmd of ['jenkins diff web-server', 'jenkins push web-server', 'jenkins remove web-server']) {
      expect((await unconfigured.command(cmd)).json.text).toBe('Jenkins is not configured on this bot (JENKINS_URL, JENKINS_USER, JENKINS_TOKEN). Nothing was changed.');
    }
  });

  it('a scale-out on a service whose job is missing says to push it; after the push, Retry runs the job', async () => {
    jenkins = await startFakeJenkins({ user: USER, token: TOKEN, queueDelayMs: 10 }); // builds run the pipeline without executing it
    const client = new JenkinsClient({ url: jenkins.url, user: USER, token: TOKEN });
    const t = (tb = await startBot({
      services: [webServer({ approval: { mode: 'auto', autoApproveAfter: '10m', approvers: [] } })],
      env: { JENKINS_URL: jenkins.url, JENKINS_USER: USER, JENKINS_TOKEN: TOKEN, ADMIN_USERS: ADMIN },
      // No vCenter on this bot: addresses and names come from its leases, the pipeline does the rest.
      build: (store) => ({ executors: { jenkins: new JenkinsExecutor({ store, clock: { now: () => new Date() }, jenkins: client, pollMs: 20 }) } }),
    }));
    const res = await t.webhook(alertPayload());
    await t.settle();
    const id = res.json.alerts[0].requestId as string;
    const r = findRequest(t.store, id)!;
    expect(r.state).toBe('failed');
    expect(r.attempts[0]!.error).toEqual({
      step: 'jenkins-build', code: 'no_job', message: `Jenkins has no job ${JOB}; create it with \`/autoscale jenkins push web-server\``, fact: { code: 'no_job', job: JOB, service: 'web-server' },
    });
    expect(r.attempts[0]!.undone).toEqual([{ code: 'release_ip', ip: '127.0.10.10' }]);

    const { later } = await commandAndWait(t, 'jenkins push web-server');
    await click(t, ACTION.jenkinsApply, buttons(later.blocks)[0]!.value);
    await t.click('retry_scale', id);
    await t.settle();
    const again = findRequest(t.store, id)!;
    expect(again.state, JSON.stringify(again.attempts.at(-1)?.error)).toBe('succeeded');
    expect(again.attempts[1]!.steps.map((x) => x.name)).toEqual(['reserve-ip', 'name', 'jenkins-build', 'clone', 'customize', 'power-on', 'wait-ip', 'health', 'f5-add']);
    expect(jenkins.builds(JOB).map((b) => [b.result, b.params.VM_NAME, b.params.VM_IP])).toEqual([['SUCCESS', 'web-server-1', '127.0.10.10']]);
    expect(leasesOf(t.store, 'web-server')).toEqual([expect.objectContaining({ ip: '127.0.10.10', state: 'in-use', vmName: 'web-server-1' })]);
  });

  it('reports a Jenkins refusal without the API token', async () => {
    const { tb, jenkins } = await start({ token: 'wrong-token-0123456789' });
    const { later } = await commandAndWait(tb, 'jenkins push web-server');
    expect(later.text).toMatch(new RegExp(`^:x: Jenkins: could not read or write job \\*${JOB}\\*: GET /job/${JOB}/config.xml: 401`));
    expect(JSON.stringify(later)).not.toContain('wrong-token-0123456789');
    expect(buttons(later.blocks)).toEqual([]);
    expect(jenkins.jobs.size).toBe(0);
  });
});
