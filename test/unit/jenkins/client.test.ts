import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { JenkinsClient, JenkinsError, parseConsoleStages, type BuildInfo } from '../../../src/integrations/jenkins/client.js';
import { PIPELINE_STEPS, PLAN_STEP, renderJobConfig, type JobService } from '../../../src/integrations/jenkins/jobConfig.js';
import { pipelineRunner, startFakeJenkins, type FakeJenkins, type FakeJenkinsOptions, type ShRunner } from '../../fakes/jenkins.js';
import { waitFor } from '../../helpers/net.js';

const USER = 'autoscale-bot';
const TOKEN = '11f0c2a7d7e24e3b9a5f7d0c6b3e8a9d12';
const JOB = 'autoscale-web-server';
const service: JobService = {
  name: 'web-server',
  template: 'web-server-template',
  f5: { pool: 'web-server-pool', partition: 'Common', port: 80 },
  jenkins: { job: JOB },
};
const CONFIG = renderJobConfig(service, { botCliPath: '/opt/bot/dist/cli.js' });
const PARAMS = { SERVICE: 'web-server', REQUEST_ID: 'req-1', VM_NAME: 'web-server-3', VM_IP: '10.255.1.203', PLAN: '{}' };

let fake: FakeJenkins | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

async function start(opts: Partial<FakeJenkinsOptions> = {}): Promise<{ fake: FakeJenkins; client: JenkinsClient }> {
  fake = await startFakeJenkins({ user: USER, token: TOKEN, ...opts });
  return { fake, client: new JenkinsClient({ url: fake.url, user: USER, token: TOKEN, timeoutMs: 5_000 }) };
}

async function caught(p: Promise<unknown>): Promise<JenkinsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(JenkinsError);
  return e as JenkinsError;
}

const hits = (f: FakeJenkins, method: string, prefix: string) => f.requests.filter((r) => r.method === method && r.path.startsWith(prefix));

async function finished(client: JenkinsClient, number: number): Promise<BuildInfo> {
  return waitFor(async () => {
    const b = await client.getBuild(JOB, number);
    return b.building ? undefined : b;
  }, 10_000, `build #${number} to finish`);
}

/** Fails the `sh` of one step, succeeds (silently) otherwise. */
const failingAt = (step: string): ShRunner => async (command) =>
  command.includes(`run-step ${step} `) ? { code: 3, output: `${step}: health check timed out\n` } : { code: 0, output: '' };

describe('JenkinsClient: crumbs', () => {
  it('sends the crumb with the session cookie it is bound to, when Jenkins demands one', async () => {
    const { fake, client } = await start({ requireCrumbForTokenAuth: true });
    await client.createJob(JOB, CONFIG);
    expect(fake.jobs.get(JOB)).toBe(CONFIG);
    const [post] = hits(fake, 'POST', '/createItem');
    expect(post?.headers['jenkins-crumb']).toMatch(/^[0-9a-f]{64}$/);
    expect(post?.headers.cookie).toMatch(/^JSESSIONID\.[0-9a-f]{8}=node0/);
    expect(post?.headers['content-type']).toBe('application/xml');
    expect(hits(fake, 'GET', '/crumbIssuer/api/json')).toHaveLength(1);
  });

  it('is refused with 403 "No valid crumb" by such a Jenkins when a POST has none (and API-token auth needs none by default)', async () => {
    const strict = await start({ requireCrumbForTokenAuth: true });
    const auth = `Basic ${Buffer.from(`${USER}:${TOKEN}`).toString('base64')}`;
    const post = (url: string) => request(`${url}createItem?name=x`, { method: 'POST', headers: { authorization: auth, 'content-type': 'application/xml' }, body: '<project/>' });
    const refused = await post(strict.fake.url);
    expect(refused.statusCode).toBe(403);
    expect(await refused.body.text()).toContain('No valid crumb was included in the request');
    await strict.fake.close();
    const lenient = await start();
    const accepted = await post(lenient.fake.url);
    await accepted.body.dump();
    expect(accepted.statusCode).toBe(200);
  });

  it('fetches a new crumb once when Jenkins no longer accepts the cached one', async () => {
    const { fake, client } = await start({ requireCrumbForTokenAuth: true });
    await client.createJob(JOB, CONFIG);
    fake.expireSessions();
    await client.updateJob(JOB, CONFIG.replace('web-server-pool', 'pool-b'));
    expect(fake.jobs.get(JOB)).toContain('pool-b');
    expect(hits(fake, 'GET', '/crumbIssuer/api/json')).toHaveLength(2);
    expect(hits(fake, 'POST', `/job/${JOB}/config.xml`).map((r) => r.status)).toEqual([403, 200]);
  });

  it('gives up after one fresh crumb: a Jenkins that refuses every crumb is a forbidden error', async () => {
    const { fake, client } = await start({ requireCrumbForTokenAuth: true });
    fake.refuseAllCrumbs = true;
    const e = await caught(client.createJob(JOB, CONFIG));
    expect(e).toMatchObject({ code: 'forbidden', status: 403 });
    expect(e.message).toContain('No valid crumb');
    expect(hits(fake, 'GET', '/crumbIssuer/api/json')).toHaveLength(2);
    expect(hits(fake, 'POST', '/createItem')).toHaveLength(2);
  });

  it('posts without a crumb when CSRF protection is off (no crumb issuer)', async () => {
    const { fake, client } = await start({ csrfProtection: false });
    await client.createJob(JOB, CONFIG);
    expect(hits(fake, 'POST', '/createItem')[0]?.headers['jenkins-crumb']).toBeUndefined();
  });
});

describe('JenkinsClient: credentials', () => {
  it('reports a wrong token as an auth error that never contains the token', async () => {
    const { fake } = await start();
    const wrongToken = 'not-the-token-7c1f0e9a2b';
    const client = new JenkinsClient({ url: fake.url, user: USER, token: wrongToken });
    const e = await caught(client.getJobConfig(JOB));
    expect(e).toMatchObject({ code: 'auth', status: 401 });
    const everything = `${e.message} ${String(e.stack)} ${JSON.stringify(e)}`;
    expect(everything).not.toContain(wrongToken);
    expect(everything).not.toContain(Buffer.from(`${USER}:${wrongToken}`).toString('base64'));
    const eCreate = await caught(client.createJob(JOB, CONFIG));
    expect(eCreate.code).toBe('auth');
    expect(eCreate.message).not.toContain(wrongToken);
  });

  it('never sends the token to another host named in a Location header', async () => {
    const { client } = await start();
    const e = await caught(client.waitForBuild('http://evil.example.invalid/not-a-queue/'));
    expect(e.code).toBe('bad_request');
  });
});

describe('JenkinsClient: jobs', () => {
  it('creates, then leaves an identical job alone, then updates a changed one with a diff', async () => {
    const { fake, client } = await start({ requireCrumbForTokenAuth: true });
    expect(await client.previewJob(JOB, CONFIG)).toMatchObject({ action: 'create' });
    expect(await client.upsertJob(JOB, CONFIG)).toMatchObject({ action: 'created' });
    expect(await client.upsertJob(JOB, CONFIG)).toEqual({ action: 'unchanged', diff: '' });
    expect(hits(fake, 'POST', `/job/${JOB}/config.xml`)).toHaveLength(0);

    const changed = renderJobConfig({ ...service, f5: { ...service.f5, pool: 'web-server-pool-b' } }, { botCliPath: '/opt/bot/dist/cli.js' });
    const result = await client.upsertJob(JOB, changed);
    expect(result.action).toBe('updated');
    expect(result.diff).toMatch(/^-\s*<defaultValue>web-server-pool<\/defaultValue>$/m);
    expect(result.diff).toMatch(/^\+\s*<defaultValue>web-server-pool-b<\/defaultValue>$/m);
    expect(fake.jobs.get(JOB)).toBe(changed);
  });

  it('reports an existing name as code "exists" on createJob', async () => {
    const { fake, client } = await start();
    fake.addJob(JOB, CONFIG);
    const e = await caught(client.createJob(JOB, CONFIG));
    expect(e).toMatchObject({ code: 'exists', status: 400 });
    expect(e.message).toContain(`A job already exists with the name ‘${JOB}’`);
  });

  it('reads a missing job as undefined and deletes a job once', async () => {
    const { fake, client } = await start();
    expect(await client.getJobConfig(JOB)).toBeUndefined();
    fake.addJob(JOB, CONFIG);
    expect(await client.getJobConfig(JOB)).toMatch(/^<\?xml version='1.1' encoding='UTF-8'\?>\n<flow-definition/);
    expect(await client.deleteJob(JOB)).toBe(true);
    expect(fake.jobs.has(JOB)).toBe(false);
    expect(await client.deleteJob(JOB)).toBe(false);
    expect((await caught(client.updateJob(JOB, CONFIG))).code).toBe('not_found');
  });
});

describe('JenkinsClient: builds', () => {
  it('follows a build from the queue to SUCCESS, with every step a successful stage', async () => {
    const { fake, client } = await start({ queueDelayMs: 80 });
    fake.addJob(JOB, CONFIG);
    const queueUrl = await client.buildWithParameters(JOB, PARAMS);
    expect(queueUrl).toMatch(new RegExp(`^${fake.url}queue/item/\\d+/$`));
    const reasons: Array<string | null> = [];
    const build = await client.waitForBuild(queueUrl, { pollMs: 10, onWaiting: (why) => reasons.push(why) });
    expect(reasons).toEqual(['Waiting for next available executor']);
    expect(build).toEqual({ number: 1, url: `${fake.url}job/${JOB}/1/` });
    const done = await finished(client, build.number);
    expect(done).toMatchObject({ number: 1, building: false, result: 'SUCCESS' });
    expect(done.durationMs).toBeGreaterThan(0);
    expect(fake.builds(JOB)[0]?.params).toMatchObject({ ...PARAMS, TEMPLATE: 'web-server-template', PLAN_FILE: 'plan.json' });
    expect(await client.stages(JOB, 1)).toEqual([PLAN_STEP, ...PIPELINE_STEPS, 'Declarative: Post Actions'].map((name) => ({ name, status: 'SUCCESS', durationMs: expect.any(Number) })));
  });

  it('reports FAILURE: the failed stage, the skipped ones, and the rollback in the post actions', async () => {
    const { fake, client } = await start({ runBuild: pipelineRunner(failingAt('health')) });
    fake.addJob(JOB, CONFIG);
    const build = await client.waitForBuild(await client.buildWithParameters(JOB, PARAMS), { pollMs: 10 });
    expect(await finished(client, build.number)).toMatchObject({ result: 'FAILURE' });
    const stages = (await client.stages(JOB, build.number)).map(({ name, status }) => [name, status]);
    expect(stages).toEqual([
      ['plan', 'SUCCESS'],
      ['clone', 'SUCCESS'],
      ['customize', 'SUCCESS'],
      ['power-on', 'SUCCESS'],
      ['wait-ip', 'SUCCESS'],
      ['health', 'FAILED'],
      ['f5-add', 'NOT_EXECUTED'],
      ['Declarative: Post Actions', 'SUCCESS'],
    ]);
    const console = fake.builds(JOB)[0]?.console ?? '';
    expect(console).toContain('+ "$NODE_BIN" "$BOT_CLI" run-step rollback --plan "$PLAN_FILE"');
    expect(console).toMatch(/ERROR: script returned exit code 3\nFinished: FAILURE\n$/);
  });

  it('derives the same stages from the console when the Stage View plugin is missing', async () => {
    const { fake, client } = await start({ wfapi: false, runBuild: pipelineRunner(failingAt('health')) });
    fake.addJob(JOB, CONFIG);
    const build = await client.waitForBuild(await client.buildWithParameters(JOB, PARAMS), { pollMs: 10 });
    await finished(client, build.number);
    expect((await client.stages(JOB, build.number)).map(({ name, status }) => [name, status])).toEqual([
      ['plan', 'SUCCESS'],
      ['clone', 'SUCCESS'],
      ['customize', 'SUCCESS'],
      ['power-on', 'SUCCESS'],
      ['wait-ip', 'SUCCESS'],
      ['health', 'FAILED'],
      ['f5-add', 'NOT_EXECUTED'],
      ['Declarative: Post Actions', 'SUCCESS'],
    ]);
    expect(hits(fake, 'GET', `/job/${JOB}/1/wfapi/describe`).map((r) => r.status)).toEqual([404]);
  });

  it('uses its own base URL for the queue item when Jenkins announces another root URL', async () => {
    const { fake, client } = await start({ rootUrl: 'http://jenkins.example.invalid:8080/' });
    fake.addJob(JOB, CONFIG);
    const queueUrl = await client.buildWithParameters(JOB, PARAMS);
    expect(queueUrl.startsWith(fake.url)).toBe(true);
    const build = await client.waitForBuild(queueUrl, { pollMs: 10 });
    expect(build.url).toBe(`http://jenkins.example.invalid:8080/job/${JOB}/1/`);
    expect(fake.requests.every((r) => !r.path.includes('example.invalid'))).toBe(true);
  });

  it('gets the queued item back (303) when the same parameters are already waiting', async () => {
    const { fake, client } = await start({ queueDelayMs: 5_000 });
    fake.addJob(JOB, CONFIG);
    const first = await client.buildWithParameters(JOB, PARAMS);
    const again = await client.buildWithParameters(JOB, PARAMS);
    expect(again).toBe(first);
    expect(hits(fake, 'POST', `/job/${JOB}/buildWithParameters`).map((r) => r.status)).toEqual([201, 303]);
  });

  it('maps a disabled job to conflict and a missing one to not_found', async () => {
    const { fake, client } = await start();
    fake.addJob(JOB, CONFIG.replace('<disabled>false</disabled>', '<disabled>true</disabled>'));
    expect(await caught(client.buildWithParameters(JOB, PARAMS))).toMatchObject({ code: 'conflict', status: 409 });
    expect(await caught(client.buildWithParameters('autoscale-missing', PARAMS))).toMatchObject({ code: 'not_found', status: 404 });
  });

  it('ends the wait with "cancelled" when the queue item is cancelled, and with "aborted" on our signal', async () => {
    const { fake, client } = await start({ queueDelayMs: 5_000 });
    fake.addJob(JOB, CONFIG);
    const queueUrl = await client.buildWithParameters(JOB, PARAMS);
    const controller = new AbortController();
    const waiting = caught(client.waitForBuild(queueUrl, { pollMs: 10, signal: controller.signal }));
    await sleep(30);
    controller.abort();
    expect((await waiting).code).toBe('aborted');

    const cancelled = caught(client.waitForBuild(queueUrl, { pollMs: 10 }));
    await client.cancelQueueItem(queueUrl);
    expect((await cancelled).code).toBe('cancelled');
    expect(fake.builds(JOB)).toHaveLength(0);
  });

  it('reads the console progressively, by byte offsets, until Jenkins has no more data', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const { fake, client } = await start({
      runBuild: async (_job, _params, build) => {
        build.log('클론 시작 (clone started)\n');
        await gate;
        build.log('done\n');
        return 'SUCCESS';
      },
    });
    fake.addJob(JOB, CONFIG);
    const build = await client.waitForBuild(await client.buildWithParameters(JOB, PARAMS), { pollMs: 10 });
    const first = await waitFor(async () => {
      const c = await client.progressiveText(JOB, build.number, 0);
      return c.text.includes('clone started') ? c : undefined;
    });
    expect(first.more).toBe(true);
    expect(first.nextStart).toBe(Buffer.byteLength(first.text));
    release();
    let text = first.text;
    let offset = first.nextStart;
    for (let more = true; more; ) {
      const chunk = await client.progressiveText(JOB, build.number, offset);
      text += chunk.text;
      offset = chunk.nextStart;
      more = chunk.more;
      if (more) await sleep(10);
    }
    expect(text).toBe(fake.builds(JOB)[0]?.console);
    expect(text).toMatch(/클론 시작 \(clone started\)\ndone\nFinished: SUCCESS\n$/);
  });

  it('stops a running build: ABORTED, and the pipeline rolls back', async () => {
    let running = false;
    const sh: ShRunner = async (command, _env, signal) => {
      if (!command.includes('run-step power-on')) return { code: 0, output: '' };
      running = true;
      await new Promise((r) => signal.addEventListener('abort', r, { once: true }));
      return { code: 143, output: 'Terminated\n' };
    };
    const { fake, client } = await start({ runBuild: pipelineRunner(sh) });
    fake.addJob(JOB, CONFIG);
    const build = await client.waitForBuild(await client.buildWithParameters(JOB, PARAMS), { pollMs: 10 });
    await waitFor(() => running, 5_000, 'the power-on stage to start');
    await client.stopBuild(JOB, build.number);
    expect(await finished(client, build.number)).toMatchObject({ result: 'ABORTED' });
    const stages = await client.stages(JOB, build.number);
    expect(stages.find((s) => s.name === 'power-on')?.status).toBe('ABORTED');
    expect(fake.builds(JOB)[0]?.console).toContain('run-step rollback');
  });
});

describe('parseConsoleStages', () => {
  it('marks the open stage IN_PROGRESS while the build runs', () => {
    const console = '[Pipeline] stage\n[Pipeline] { (clone)\n[Pipeline] }\n[Pipeline] // stage\n[Pipeline] stage\n[Pipeline] { (customize)\n[Pipeline] sh\n';
    expect(parseConsoleStages(console, null)).toEqual([
      { name: 'clone', status: 'SUCCESS' },
      { name: 'customize', status: 'IN_PROGRESS' },
    ]);
  });
});

describe('JenkinsClient: redaction', () => {
  it('masks the token even where Jenkins echoes it back (here in X-Error, via the job name)', async () => {
    const { fake, client } = await start();
    fake.addJob(`job-${TOKEN}`, CONFIG);
    const e = await caught(client.createJob(`job-${TOKEN}`, CONFIG));
    expect(e.code).toBe('exists');
    expect(e.message).not.toContain(TOKEN);
    expect(e.message).toContain('job-[REDACTED]');
  });
});
