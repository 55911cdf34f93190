/**
 * The fake must answer as Jenkins does, or the client tests prove nothing: these pin the parts of
 * its protocol that the client tests do not exercise through JenkinsClient.
 */
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { JenkinsClient } from '../../../src/integrations/jenkins/client.js';
import { generateWebhookToken, renderJobConfig, type JobService } from '../../../src/integrations/jenkins/jobConfig.js';
import { pipelineRunner, startFakeJenkins, type FakeJenkins, type ShRunner } from '../../fakes/jenkins.js';
import { waitFor } from '../../helpers/net.js';

const USER = 'autoscale-bot';
const TOKEN = '11f0c2a7d7e24e3b9a5f7d0c6b3e8a9d12';
const WEBHOOK_TOKEN = generateWebhookToken();
const AUTH = `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`;
const service: JobService = {
  name: 'web-server',
  template: 'web-server-template',
  f5: { pool: 'web-server-pool', partition: 'Common', port: 80 },
  jenkins: { job: 'autoscale-web-server', webhookTrigger: true, token: WEBHOOK_TOKEN },
};

/** What Alertmanager (payload v4) posts, as in the user guide's curl example. */
const alert = (status: 'firing' | 'resolved') => ({
  version: '4',
  status,
  receiver: 'jenkins-webhook-web-server',
  alerts: [
    {
      status,
      labels: { alertname: 'HighCPU', instance: '10.255.1.100:9100', service: 'web-server', autoscaleConfigId: 'autoscale-001', severity: 'critical' },
      annotations: { summary: 'CPU usage is above 80%', description: 'CPU usage is 85% for 5 minutes' },
    },
  ],
});

let fake: FakeJenkins | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function startWithJob(): Promise<FakeJenkins> {
  fake = await startFakeJenkins({ user: USER, token: TOKEN });
  fake.addJob('autoscale-web-server', renderJobConfig(service));
  return fake;
}

async function invoke(f: FakeJenkins, how: { query?: string; headers?: Record<string, string> }, body: unknown) {
  const res = await request(`${f.url}generic-webhook-trigger/invoke${how.query ?? ''}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...how.headers },
    body: JSON.stringify(body),
  });
  return { status: res.statusCode, json: (await res.body.json()) as Record<string, unknown> };
}

describe('fake Jenkins: Generic Webhook Trigger', () => {
  it.each([
    ['?token=', { query: `?token=${WEBHOOK_TOKEN}` }],
    ['a token: header', { headers: { token: WEBHOOK_TOKEN } }],
    ['Authorization: Bearer', { headers: { authorization: `Bearer ${WEBHOOK_TOKEN}` } }],
  ])('triggers the job whose token comes as %s, without auth or crumb, resolving the alert', async (_how, how) => {
    const f = await startWithJob();
    const { status, json } = await invoke(f, how, alert('firing'));
    expect(status).toBe(200);
    expect(json).toEqual({
      message: 'Triggered jobs.',
      jobs: {
        'autoscale-web-server': {
          triggered: true,
          id: 1,
          url: 'queue/item/1/',
          regexpFilterExpression: '^firing$',
          regexpFilterText: 'firing',
          resolvedVariables: {
            alertname: 'HighCPU',
            instance: '10.255.1.100:9100',
            severity: 'critical',
            service: 'web-server',
            autoscaleConfigId: 'autoscale-001',
            status: 'firing',
            summary: 'CPU usage is above 80%',
            description: 'CPU usage is 85% for 5 minutes',
          },
        },
      },
    });
    const client = new JenkinsClient({ url: f.url, user: USER, token: TOKEN });
    const build = await client.waitForBuild(`${f.url}queue/item/1/`, { pollMs: 10 });
    await waitFor(() => f.builds('autoscale-web-server')[0]?.result);
    expect(f.builds('autoscale-web-server')[0]?.console).toMatch(/^Started by Alert: HighCPU - Service: web-server\n/);
    expect(build.number).toBe(1);
  });

  it('does not trigger on a resolved notification (the firing filter)', async () => {
    const f = await startWithJob();
    const { status, json } = await invoke(f, { query: `?token=${WEBHOOK_TOKEN}` }, alert('resolved'));
    expect(status).toBe(200);
    expect(json.jobs).toMatchObject({ 'autoscale-web-server': { triggered: false, regexpFilterText: 'resolved' } });
    expect(f.queueItem(1)).toBeUndefined();
  });

  it("answers an unknown token with 404 and the plugin's message", async () => {
    const f = await startWithJob();
    expect(await invoke(f, { query: '?token=nope' }, alert('firing'))).toEqual({
      status: 404,
      json: { jobs: null, message: 'Did not find any jobs with GenericTrigger configured!\nA token was supplied.\n' },
    });
    const none = await invoke(f, {}, alert('firing'));
    expect(none.status).toBe(404);
    expect(none.json.message).toContain('No token was supplied.');
  });
});

describe('fake Jenkins: REST rules', () => {
  it('answers wrong credentials with 401 and WWW-Authenticate: Basic realm="Jenkins"', async () => {
    const f = await startWithJob();
    const res = await request(`${f.url}api/json`, { headers: { authorization: `Basic ${Buffer.from(`${USER}:wrong`).toString('base64')}` } });
    await res.body.dump();
    expect(res.statusCode).toBe(401);
    expect(res.headers['www-authenticate']).toBe('Basic realm="Jenkins"');
  });

  it('wants a Content-Type on createItem and well-formed XML', async () => {
    const f = await startWithJob();
    const noType = await request(`${f.url}createItem?name=x`, { method: 'POST', headers: { authorization: AUTH }, body: '<project/>' });
    await noType.body.dump();
    expect(noType.statusCode).toBe(400);
    const broken = await request(`${f.url}createItem?name=x`, { method: 'POST', headers: { authorization: AUTH, 'content-type': 'application/xml' }, body: '<project><a></project>' });
    await broken.body.dump();
    expect(broken.statusCode).toBe(500);
    expect(f.jobs.has('x')).toBe(false);
  });

  it('binds a crumb to its session: the crumb of one session with the cookie of another is refused', async () => {
    fake = await startFakeJenkins({ user: USER, token: TOKEN, requireCrumbForTokenAuth: true });
    const issue = async () => {
      const res = await request(`${fake?.url}crumbIssuer/api/json`, { headers: { authorization: AUTH } });
      const { crumb } = (await res.body.json()) as { crumb: string };
      return { crumb, cookie: String(res.headers['set-cookie']).split(';')[0] ?? '' };
    };
    const a = await issue();
    const b = await issue();
    const post = async (crumb: string, cookie: string) => {
      const res = await request(`${fake?.url}createItem?name=j${Math.random().toString(36).slice(2)}`, {
        method: 'POST',
        headers: { authorization: AUTH, 'content-type': 'application/xml', 'jenkins-crumb': crumb, cookie },
        body: '<project/>',
      });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await post(a.crumb, b.cookie)).toBe(403);
    expect(await post(a.crumb, '')).toBe(403);
    expect(await post(a.crumb, a.cookie)).toBe(200);
  });

  it('shows a queue item waiting, then left with its executable', async () => {
    const f = await startWithJob();
    const res = await request(`${f.url}job/autoscale-web-server/buildWithParameters`, {
      method: 'POST',
      headers: { authorization: AUTH, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'REQUEST_ID=req-1',
    });
    await res.body.dump();
    expect(res.statusCode).toBe(201);
    expect(res.headers.location).toBe(`${f.url}queue/item/1/`);
    expect(f.queueItem(1)).toMatchObject({ _class: 'hudson.model.Queue$BuildableItem', why: 'Waiting for next available executor', blocked: false, buildable: true });
    const left = await waitFor(() => (f.queueItem(1)?.executable ? f.queueItem(1) : undefined));
    expect(left).toMatchObject({ _class: 'hudson.model.Queue$LeftItem', cancelled: false, executable: { number: 1, url: `${f.url}job/autoscale-web-server/1/` } });
  });
});

describe('fake Jenkins: declarative post conditions, in the order Jenkins runs them', () => {
  const job = (post: string) => `<flow-definition><properties><hudson.model.ParametersDefinitionProperty><parameterDefinitions>
<hudson.model.StringParameterDefinition><name>X</name><defaultValue></defaultValue></hudson.model.StringParameterDefinition>
</parameterDefinitions></hudson.model.ParametersDefinitionProperty></properties><definition class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"><script>
pipeline {
  agent any
  stages {
    stage('only') { steps { sh 'work' } }
  }
  post {
${post}
  }
}</script></definition></flow-definition>`;
  /** Records the commands; `work` exits with `code`. */
  const recording = (ran: string[], code: number, failing = 'work'): ShRunner => async (command) => {
    ran.push(command);
    return { code: command === failing ? code : 0, output: '' };
  };
  async function runOnce(post: string, sh: ShRunner) {
    fake = await startFakeJenkins({ user: USER, token: TOKEN, runBuild: pipelineRunner(sh) });
    fake.addJob('j', job(post));
    const client = new JenkinsClient({ url: fake.url, user: USER, token: TOKEN });
    const { number } = await client.waitForBuild(await client.buildWithParameters('j', {}), { pollMs: 10 });
    const f = fake;
    return waitFor(() => f.builds('j').find((b) => b.number === number && !b.building));
  }
  // Written in another order than Jenkins runs them: the fake must sort them as Jenkins does.
  const all = "    cleanup { sh 'cleanup' }\n    failure { sh 'failure' }\n    success { sh 'success' }\n    always { sh 'always' }\n    unsuccessful { sh 'unsuccessful' }";

  it('after a failure: always, then failure and unsuccessful, then cleanup last', async () => {
    const ran: string[] = [];
    const build = await runOnce(all, recording(ran, 1));
    expect(ran).toEqual(['work', 'always', 'failure', 'unsuccessful', 'cleanup']);
    expect(build.result).toBe('FAILURE');
  });

  it('after a success: always, success, cleanup; a failing post block fails the build and cleanup still runs', async () => {
    const ran: string[] = [];
    expect((await runOnce(all, recording(ran, 0))).result).toBe('SUCCESS');
    expect(ran).toEqual(['work', 'always', 'success', 'cleanup']);
    const again: string[] = [];
    const build = await runOnce(all, recording(again, 2, 'always'));
    expect(again).toEqual(['work', 'always', 'failure', 'unsuccessful', 'cleanup']);
    expect(build.result).toBe('FAILURE');
  });

  it('refuses a condition it does not model (changed needs the previous build)', async () => {
    const ran: string[] = [];
    const build = await runOnce("    changed { sh 'changed' }", recording(ran, 0));
    expect(build.result).toBe('FAILURE');
    expect(build.console).toContain('post condition changed is not modelled by the fake');
    expect(ran).toEqual([]);
  });
});
