/**
 * The Jenkins executor end to end: the fake Jenkins really runs the generated pipeline, whose
 * stages run `node dist/cli.js run-step …` against vcsim and the fake BIG-IP, and the bot follows
 * the build and mirrors its stages on the card.
 */
import { execFileSync } from 'node:child_process';
import { request } from 'undici';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Service } from '../../src/config.js';
import { F5Client, F5_RETRY_FAST } from '../../src/integrations/f5.js';
import { LiveInventory } from '../../src/integrations/inventory.js';
import { JenkinsClient } from '../../src/integrations/jenkins/client.js';
import { generateWebhookToken, jobNameFor, renderJobConfig } from '../../src/integrations/jenkins/jobConfig.js';
import { parseRunStepLines } from '../../src/integrations/jenkins/runStepProtocol.js';
import { sha256 } from '../../src/integrations/jenkins/buildRecord.js';
import { leasesOf } from '../../src/store/leases.js';
import { findRequest } from '../../src/store/requests.js';
import { Store } from '../../src/store/store.js';
import { buildParameters, JenkinsExecutor } from '../../src/workflows/jenkinsExecutor.js';
import type { RunCoordinator } from '../../src/workflows/runner.js';
import { LocalExecutor } from '../../src/workflows/scaleOut.js';
import { stepPlanSchema } from '../../src/workflows/vmSteps.js';
import { startFakeF5, type FakeF5 } from '../fakes/f5.js';
import { pipelineRunner, processSh, startFakeJenkins, type FakeJenkins, type ShRunner } from '../fakes/jenkins.js';
import { blockText, buttons, FakeSlack } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { freePort, waitFor } from '../helpers/net.js';
import { healthTarget } from '../helpers/stack.js';
import { GOVC_BIN, startVcsim, VCSIM_POOL, type Vcsim } from '../helpers/vcsim.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(ROOT, 'dist/cli.js');
const USER = 'autoscale-bot';
const TOKEN = '11f0c2a7d7e24e3b9a5f7d0c6b3e8a9d12';
const F5_PASSWORD = 'f5-test-password';

beforeAll(() => {
  // The pipeline runs the built CLI: build it when src/ is newer than dist/.
  execFileSync(process.execPath, [join(ROOT, 'scripts/build-if-needed.mjs')], { cwd: ROOT, stdio: 'inherit' });
}, 180_000);

interface JenkinsStack {
  tb: TestBot;
  vcsim: Vcsim;
  f5: FakeF5;
  jenkins: FakeJenkins;
  client: JenkinsClient;
  workspace: string;
  /** Stops the bot (keeping its store) and starts another on the same store, as after a crash. */
  restartBot(): Promise<void>;
  stop(): Promise<void>;
}

async function startJenkinsStack(o: { services: Service[]; templates?: string[]; editJob?: (xml: string) => string }): Promise<JenkinsStack> {
  const vcsim = await startVcsim();
  for (const t of o.templates ?? [...new Set(o.services.map((s) => s.template))]) await vcsim.makeTemplate(t);
  const f5 = await startFakeF5({ pools: o.services.map((s) => ({ name: s.f5.pool, partition: s.f5.partition })) });
  const workspace = mkdtempSync(join(tmpdir(), 'jenkins-workspace-'));
  // What a Jenkins agent would have: node, the bot's CLI, and vCenter / F5 settings in its environment.
  const agentEnv = {
    PATH: process.env.PATH ?? '', HOME: workspace, ...vcsim.processEnv, GOVC_BIN,
    F5_SERVERS: f5.url, F5_USERNAME: 'admin', F5_PASSWORD, LOG_LEVEL: 'error',
  };
  const sh = processSh({ cwd: workspace, timeoutMs: 120_000 });
  // Jenkins stops a build by killing the whole process tree; `exec` lets the fake's kill of `sh` reach run-step too.
  const treeKillingSh: ShRunner = (command, env, signal) => sh(command.startsWith('"$NODE_BIN"') ? `exec ${command}` : command, env, signal);
  const jenkins = await startFakeJenkins({ user: USER, token: TOKEN, runBuild: pipelineRunner(treeKillingSh, agentEnv) });
  for (const s of o.services) {
    const xml = renderJobConfig(s, { botCliPath: CLI, nodeBin: process.execPath });
    jenkins.addJob(jobNameFor(s), o.editJob ? o.editJob(xml) : xml);
  }
  const client = new JenkinsClient({ url: jenkins.url, user: USER, token: TOKEN });
  const lb = new F5Client({ servers: [f5.url], username: 'admin', password: F5_PASSWORD, retry: F5_RETRY_FAST, timeoutMs: 5000 });
  const dataDir = mkdtempSync(join(tmpdir(), 'autoscale-jenkins-'));
  const slack = await new FakeSlack().start(); // Slack outlives a bot restart
  const boot = () => startBot({
    services: o.services,
    dataDir,
    slack,
    env: { GOVC_URL: vcsim.url, JENKINS_URL: jenkins.url, JENKINS_USER: USER, JENKINS_TOKEN: TOKEN },
    build: (store) => {
      const clock = { now: () => new Date() };
      const local = new LocalExecutor({ store, clock, vcenter: vcsim.govc, lb, health: { initialDelayMs: 50, maxDelayMs: 200 }, drainPollMs: 50, shutdownTimeoutMs: 3000 });
      const executor = new JenkinsExecutor({ store, clock, jenkins: client, vcenter: vcsim.govc, lb, local, pollMs: 100 });
      return { executors: { local, jenkins: executor }, inventory: new LiveInventory(store, vcsim.govc, lb) };
    },
  });
  const st: JenkinsStack = {
    tb: await boot(), vcsim, f5, jenkins, client, workspace,
    async restartBot() {
      await st.tb.stop({ keepData: true });
      st.tb = await boot();
    },
    async stop() {
      await st.tb.stop();
      await slack.stop();
      await lb.close();
      await jenkins.close();
      await f5.stop();
      await vcsim.stop();
      rmSync(workspace, { recursive: true, force: true });
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  return st;
}

let stack: JenkinsStack | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await stack?.stop();
  stack = undefined;
});

async function jenkinsService(name: string, subnet: number, mode: 'auto' | 'manual' = 'auto', healthTimeout = '20s'): Promise<Service> {
  const port = await freePort();
  return service({
    name,
    executor: 'jenkins',
    network: { ipPool: { start: `127.0.${subnet}.10`, end: `127.0.${subnet}.20` }, netmask: '255.255.255.0', gateway: `127.0.${subnet}.1`, dns: [], conflictCheck: 'none' },
    healthCheck: { type: 'tcp', port, timeout: healthTimeout },
    f5: { pool: `${name}-pool`, partition: 'Common', port },
    approval: { mode },
    jenkins: { job: `autoscale-${name}`, token: 'webhook-token-0123456789' },
  });
}

const card = (st: JenkinsStack, id: string) => st.tb.slack.messages.find((m) => m.ts === findRequest(st.tb.store, id)!.card!.ts)!;
const steps = (st: JenkinsStack, id: string) => findRequest(st.tb.store, id)!.attempts.at(-1)!.steps.map((s) => [s.name, s.state]);
const threadText = (st: JenkinsStack, id: string) => st.tb.slack.thread(findRequest(st.tb.store, id)!.card!.ts).map((m) => m.text ?? '').join('\n');

async function alertAndSettle(st: JenkinsStack, name = 'web-server'): Promise<string> {
  const r = await st.tb.webhook(alertPayload({ service: name }));
  expect(r.json.alerts[0].outcome).toBe('created');
  await st.tb.settle();
  return r.json.alerts[0].requestId as string;
}

async function expectNothingLeft(st: JenkinsStack, s: Service, ip: string) {
  expect(await st.vcsim.govc.exists('web-server-1')).toBe(false);
  expect(st.f5.state.pools.get(`/Common/${s.f5.pool}`)!.members.has(`${ip}:${s.f5.port}`)).toBe(false);
  expect(leasesOf(st.tb.store, s.name)).toEqual([]);
}

const VM_STAGES = ['clone', 'customize', 'power-on', 'wait-ip', 'health', 'f5-add'];
const runStepLines = (console: string) => parseRunStepLines(console.split('\n'));
const members = (st: JenkinsStack, s: Service) => [...st.f5.state.pools.get(`/Common/${s.f5.pool}`)!.members.keys()];

describe('scale-out on Jenkins (the pipeline runs the bot’s run-step against vcsim and the fake F5)', () => {
  it('starts the job with the plan, shows its stages on the card, and the VM joins the pool', { timeout: 180_000 }, async () => {
    const s = await jenkinsService('web-server', 31);
    stack = await startJenkinsStack({ services: [s] });
    closers.push((await healthTarget('127.0.31.10', s.healthCheck.port)).close);
    const id = await alertAndSettle(stack);

    const r = findRequest(stack.tb.store, id)!;
    expect(r.state, JSON.stringify(r.attempts.at(-1)?.error)).toBe('succeeded');
    expect(steps(stack, id)).toEqual([['reserve-ip', 'done'], ['name', 'done'], ['jenkins-build', 'done'], ...VM_STAGES.map((n) => [n, 'done'])]);

    // What Jenkins was asked to build: the plan, as run-step validates it, without the webhook token.
    const [build] = stack.jenkins.builds('autoscale-web-server');
    expect(stack.jenkins.builds('autoscale-web-server')).toHaveLength(1);
    expect(build!.result).toBe('SUCCESS');
    expect(build!.params).toMatchObject({ SERVICE: 'web-server', REQUEST_ID: id, VM_NAME: 'web-server-1', VM_IP: '127.0.31.10', TEMPLATE: 'web-server-template', F5_POOL: 'web-server-pool', PLAN_FILE: 'plan.json' });
    const plan = stepPlanSchema.parse(JSON.parse(build!.params.PLAN!));
    expect(plan).toMatchObject({ requestId: id, vmName: 'web-server-1', ip: '127.0.31.10' });
    expect(build!.params.PLAN).not.toContain('webhook-token');
    expect(build!.console).toContain(`run-step f5-add --plan "$PLAN_FILE"`);
    expect(runStepLines(build!.console)).toContainEqual({ runStep: 2, step: 'clone', ok: true, fact: expect.objectContaining({ code: 'vm_cloned', vm: 'web-server-1', template: 'web-server-template', path: '/DC0/vm/web-server-1' }) });
    // post { cleanup } deleted the plan and the build's record: nothing is left for another build to reuse.
    expect(readdirSync(stack.workspace).filter((f) => f.startsWith('plan.json'))).toEqual([]);

    // The VM really exists with its address, and the member is in the pool.
    expect(await stack.vcsim.govc.vmInfo('web-server-1')).toMatchObject({ powerState: 'poweredOn', ipAddress: '127.0.31.10' });
    expect(stack.f5.state.pools.get('/Common/web-server-pool')!.members.get(`127.0.31.10:${s.f5.port}`)?.address).toBe('127.0.31.10');
    expect(leasesOf(stack.tb.store, 'web-server')).toEqual([expect.objectContaining({ ip: '127.0.31.10', state: 'in-use', vmName: 'web-server-1' })]);

    const text = blockText(card(stack, id).blocks);
    expect(text).toContain('Scaled out web-server');
    expect(text).toMatch(/Jenkins build \(\d+(ms|s)\) — autoscale-web-server #1 SUCCESS/);
    expect(text).toMatch(/Clone from template \(\d+(ms|s)\) — web-server-1 from web-server-template/);
    expect(text).toMatch(/Add to F5 pool \(\d+(ms|s)\) — 127\.0\.31\.10:\d+ in \/Common\/web-server-pool/);
    expect(text).toContain(`*web-server-1* (127.0.31.10) joined /Common/web-server-pool as 127.0.31.10:${s.f5.port}`);
    expect(threadText(stack, id)).toContain('Jenkins build <http');
    // The stages' outcomes are stored as the facts run-step printed, not as its words.
    const stored = findRequest(stack.tb.store, id)!.attempts[0]!.steps;
    const vm = await stack.vcsim.govc.vmInfo('web-server-1');
    expect(stored.find((x) => x.name === 'clone')!.fact).toEqual({ code: 'vm_cloned', vm: 'web-server-1', template: 'web-server-template', path: '/DC0/vm/web-server-1', moref: vm!.moref });
    expect(stored.find((x) => x.name === 'f5-add')!.fact).toMatchObject({ code: 'member_added', member: `127.0.31.10:${s.f5.port}`, pool: '/Common/web-server-pool' });
    expect(stored.find((x) => x.name === 'jenkins-build')!.fact).toMatchObject({ code: 'build_finished', job: 'autoscale-web-server', build: 1, result: 'SUCCESS' });
  });

  it('a failing stage (template missing) fails the build; the card says what failed, nothing is left, Retry is offered', { timeout: 180_000 }, async () => {
    const s = await jenkinsService('web-server', 32);
    stack = await startJenkinsStack({ services: [s], templates: ['some-other-template'] });
    const id = await alertAndSettle(stack);

    const r = findRequest(stack.tb.store, id)!;
    expect(r.state).toBe('failed');
    const a = r.attempts[0]!;
    expect(a.error).toMatchObject({ step: 'clone', code: 'build_failed' });
    expect(a.error!.message).toMatch(/^autoscale-web-server #1 FAILURE at stage clone: .*not found/);
    expect(steps(stack, id)).toEqual([['reserve-ip', 'undone'], ['name', 'done'], ['jenkins-build', 'failed'], ['clone', 'failed']]);
    const [build] = stack.jenkins.builds('autoscale-web-server');
    expect(build!.result).toBe('FAILURE');
    expect(build!.console).toContain('run-step rollback --plan "$PLAN_FILE"'); // the pipeline's post { failure }
    expect(runStepLines(build!.console)).toContainEqual({ runStep: 2, step: 'rollback', ok: true, undone: [] });
    expect(a.undone).toEqual([{ code: 'release_ip', ip: '127.0.32.10' }]);
    await expectNothingLeft(stack, s, '127.0.32.10');

    const msg = card(stack, id);
    const text = blockText(msg.blocks);
    expect(text).toContain('Scale-out of web-server failed');
    expect(text).toMatch(/Failed at Clone from template:\* autoscale-web-server #1 FAILURE at stage clone: .*not found/);
    expect(text).toContain('Undone:* released 127.0.32.10');
    expect(buttons(msg.blocks).map((b) => [b.action_id, b.value])).toEqual([['retry_scale', id]]);
  });

  it('F5 failing at f5-add: the pipeline and the bot both roll back, safely together; Retry then succeeds with a new build', { timeout: 240_000 }, async () => {
    const s = await jenkinsService('web-server', 33, 'manual');
    stack = await startJenkinsStack({ services: [s] });
    closers.push((await healthTarget('127.0.33.10', s.healthCheck.port)).close);
    const id = await alertAndSettle(stack);
    stack.f5.failNext(1, 500, { code: 500, message: '01070734:3: Configuration error: injected', errorStack: [], apiError: 3 }, { method: 'POST' });
    await stack.tb.click('approve_scale', id);
    await stack.tb.settle();

    const r = findRequest(stack.tb.store, id)!;
    expect(r.state).toBe('failed');
    expect(r.attempts[0]!.error).toMatchObject({ step: 'f5-add', code: 'build_failed' });
    expect(r.attempts[0]!.error!.message).toContain('Configuration error: injected');
    expect(steps(stack, id)).toEqual([['reserve-ip', 'undone'], ['name', 'done'], ['jenkins-build', 'failed'], ['clone', 'undone'], ...VM_STAGES.slice(1, 5).map((n) => [n, 'done']), ['f5-add', 'failed']]);
    // The pipeline destroyed the VM; the bot's own rollback found nothing more to do, then released the address.
    expect(r.attempts[0]!.undone).toEqual([{ code: 'destroy_vm', vm: 'web-server-1', by: 'pipeline' }, { code: 'release_ip', ip: '127.0.33.10' }]);
    await expectNothingLeft(stack, s, '127.0.33.10');
    expect(blockText(card(stack, id).blocks)).toMatch(/Failed at Add to F5 pool:\* .*Configuration error: injected/);

    await stack.tb.click('retry_scale', id);
    await stack.tb.settle();
    const again = findRequest(stack.tb.store, id)!;
    expect(again.state).toBe('succeeded');
    expect(again.attempts).toHaveLength(2);
    expect(stack.jenkins.builds('autoscale-web-server').map((b) => b.result)).toEqual(['FAILURE', 'SUCCESS']);
    expect(stack.f5.state.pools.get('/Common/web-server-pool')!.members.has(`127.0.33.10:${s.f5.port}`)).toBe(true);
    expect(blockText(card(stack, id).blocks)).toContain('Attempt 2 of 2');
  });

  it('a build stopped in Jenkins (ABORTED) is rolled back by its post { aborted } and the bot; the card says where it stopped', { timeout: 180_000 }, async () => {
    const s = await jenkinsService('web-server', 37, 'manual', '60s'); // nothing answers the health check: the stage waits
    stack = await startJenkinsStack({ services: [s] });
    const id = await alertAndSettle(stack);
    await stack.tb.click('approve_scale', id);
    const st = stack;
    await waitFor(() => st.jenkins.builds('autoscale-web-server')[0]?.stages.some((x) => x.name === 'health' && x.status === 'IN_PROGRESS'), 60_000, 'the health stage');
    await stack.client.stopBuild('autoscale-web-server', 1);
    await stack.tb.settle();

    const r = findRequest(stack.tb.store, id)!;
    expect(r.state).toBe('failed');
    expect(stack.jenkins.builds('autoscale-web-server')[0]!.result).toBe('ABORTED');
    expect(r.attempts[0]!.error).toMatchObject({ step: 'health', code: 'aborted' });
    expect(r.attempts[0]!.error!.message).toMatch(/^autoscale-web-server #1 ABORTED at stage health/);
    expect(r.attempts[0]!.undone).toEqual([{ code: 'destroy_vm', vm: 'web-server-1', by: 'pipeline' }, { code: 'release_ip', ip: '127.0.37.10' }]);
    await expectNothingLeft(stack, s, '127.0.37.10');
    expect(blockText(card(stack, id).blocks)).toContain('Failed at Health check:* autoscale-web-server #1 ABORTED at stage health');
  });

  it('when the pipeline did not roll back (a job without post actions), the bot undoes the VM itself', { timeout: 180_000 }, async () => {
    const s = await jenkinsService('web-server', 38, 'auto', '2s'); // nothing answers: health fails after 2 s
    const withoutPost = (xml: string) => xml.replace(/ {2}post \{[\s\S]*?\n {2}\}\n/, '');
    stack = await startJenkinsStack({ services: [s], editJob: withoutPost });
    expect(stack.jenkins.jobs.get('autoscale-web-server')).not.toContain('rollback');
    const id = await alertAndSettle(stack);

    const r = findRequest(stack.tb.store, id)!;
    expect(r.state).toBe('failed');
    expect(r.attempts[0]!.error).toMatchObject({ step: 'health', code: 'build_failed' });
    expect(r.attempts[0]!.error!.message).toMatch(/not healthy after/);
    expect(r.attempts[0]!.undone).toEqual([{ code: 'destroy_vm', vm: 'web-server-1' }, { code: 'release_ip', ip: '127.0.38.10' }]);
    await expectNothingLeft(stack, s, '127.0.38.10');
  });

  it('after a restart, re-attaches to the build it had started instead of starting another', { timeout: 180_000 }, async () => {
    const s = await jenkinsService('web-server', 34, 'manual');
    stack = await startJenkinsStack({ services: [s] });
    closers.push((await healthTarget('127.0.34.10', s.healthCheck.port)).close);
    const id = await alertAndSettle(stack);
    // The state a crash leaves behind: address and name chosen, the build queued and recorded on the running step.
    const ip = '127.0.34.10';
    const queueUrl = await stack.client.buildWithParameters('autoscale-web-server', buildParameters({ requestId: id, service: s, vmName: 'web-server-1', ip }));
    const at = new Date().toISOString();
    const store: Store = stack.tb.store;
    await store.mutate((d) => {
      const r = d.requests.find((x) => x.id === id)!;
      r.state = 'running';
      r.decision = { kind: 'approved', by: 'U0ADMIN01', at };
      r.attempts.push({ n: 1, startedAt: at, undone: [], steps: [
        { name: 'reserve-ip', state: 'done', startedAt: at, finishedAt: at, fact: { code: 'ip_reserved', ip }, data: { ip } },
        { name: 'name', state: 'done', startedAt: at, finishedAt: at, fact: { code: 'vm_named', vm: 'web-server-1' }, data: { vm: 'web-server-1' } },
        { name: 'jenkins-build', state: 'running', startedAt: at, data: { job: 'autoscale-web-server', queueUrl } },
      ] });
      d.leases[ip] = { ip, service: 'web-server', requestId: id, state: 'reserved', at };
    });
    await stack.restartBot();
    await stack.tb.settle();

    const r = findRequest(stack.tb.store, id)!;
    expect(r.state, JSON.stringify(r.attempts.at(-1)?.error)).toBe('succeeded');
    expect(stack.jenkins.builds('autoscale-web-server')).toHaveLength(1);
    expect(r.attempts).toHaveLength(1);
    expect(steps(stack, id)).toEqual([['reserve-ip', 'done'], ['name', 'done'], ['jenkins-build', 'done'], ...VM_STAGES.map((n) => [n, 'done'])]);
    expect(r.attempts[0]!.steps.find((x) => x.name === 'jenkins-build')!.data).toMatchObject({ queueUrl, build: 1 });
    expect(threadText(stack, id)).toContain('re-attached to its Jenkins build of autoscale-web-server in the queue (no new build started)');
    expect(threadText(stack, id)).toMatch(/Power on \(\d+(ms|s)\): web-server-1/);
    expect(await stack.vcsim.govc.vmInfo('web-server-1')).toMatchObject({ powerState: 'poweredOn', ipAddress: ip });
  });

  it('a shutdown while the build runs leaves it running in Jenkins; the next start follows the same build to the end', { timeout: 180_000 }, async () => {
    const s = await jenkinsService('web-server', 39, 'manual', '60s');
    stack = await startJenkinsStack({ services: [s] });
    const id = await alertAndSettle(stack);
    await stack.tb.click('approve_scale', id);
    const st = stack;
    await waitFor(() => st.jenkins.builds('autoscale-web-server')[0]?.stages.some((x) => x.name === 'health' && x.status === 'IN_PROGRESS'), 60_000, 'the health stage');
    await (stack.tb.bot.deps.runner as RunCoordinator).shutdown(50); // the grace period ends at once: steps are aborted
    expect(findRequest(stack.tb.store, id)!.state).toBe('running');
    expect(stack.jenkins.builds('autoscale-web-server')[0]!.building).toBe(true);

    closers.push((await healthTarget('127.0.39.10', s.healthCheck.port)).close); // now the new VM answers
    await stack.restartBot();
    await stack.tb.settle();
    const r = findRequest(stack.tb.store, id)!;
    expect(r.state, JSON.stringify(r.attempts.at(-1)?.error)).toBe('succeeded');
    expect(stack.jenkins.builds('autoscale-web-server').map((b) => b.result)).toEqual(['SUCCESS']);
    expect(steps(stack, id)).toEqual([['reserve-ip', 'done'], ['name', 'done'], ['jenkins-build', 'done'], ...VM_STAGES.map((n) => [n, 'done'])]);
    expect(threadText(stack, id)).toContain('re-attached to its Jenkins build of autoscale-web-server #1 (no new build started)');
  });

  it('runs a scale-in of a Jenkins service on the bot itself, and says so in the thread', { timeout: 180_000 }, async () => {
    const s = await jenkinsService('web-server', 35);
    s.scaling = { ...s.scaling, min: 0, cooldown: '0s' };
    stack = await startJenkinsStack({ services: [s] });
    closers.push((await healthTarget('127.0.35.10', s.healthCheck.port)).close);
    const out = await alertAndSettle(stack);
    expect(findRequest(stack.tb.store, out)!.state).toBe('succeeded');
    await stack.tb.webhook(alertPayload({ service: 'web-server', status: 'resolved' }));
    const res = await stack.tb.webhook(alertPayload({ service: 'web-server', direction: 'in', alertname: 'LowCPU', fingerprint: 'ffff000011112222' }));
    await stack.tb.settle();
    const id = res.json.alerts[0].requestId as string;
    const r = findRequest(stack.tb.store, id)!;
    expect(r.state, JSON.stringify(r.attempts.at(-1)?.error ?? r.blocked)).toBe('succeeded');
    expect(r.executor).toBe('jenkins');
    expect(threadText(stack, id)).toContain('runs scale-outs on Jenkins; this scale-in runs on the bot itself');
    expect(stack.jenkins.builds('autoscale-web-server')).toHaveLength(1); // only the scale-out's
    expect(await stack.vcsim.govc.exists('web-server-1')).toBe(false);
  });
});

describe('builds the bot did not start, and rollbacks of what a build did not do (issue 11, item 2)', () => {
  const JOB = 'autoscale-web-server';
  const finished = (st: JenkinsStack, n: number) => waitFor(() => st.jenkins.builds(JOB).find((b) => b.number === n && !b.building), 120_000, `build #${n}`);

  it('a build started without PLAN (by "Build with Parameters" or the webhook) next to a stale plan.json fails in its first stage and changes nothing: the member of the existing VM stays', { timeout: 240_000 }, async () => {
    const token = generateWebhookToken();
    const s: Service = { ...(await jenkinsService('web-server', 40)), jenkins: { job: JOB, webhookTrigger: true, token } };
    stack = await startJenkinsStack({ services: [s] });
    closers.push((await healthTarget('127.0.40.10', s.healthCheck.port)).close);
    const id = await alertAndSettle(stack);
    expect(findRequest(stack.tb.store, id)!.state).toBe('succeeded');
    const member = `127.0.40.10:${s.f5.port}`;
    expect(members(stack, s)).toEqual([member]);

    // What the old pipeline left in the workspace: the plan of that very VM, and records claiming the next builds cloned it and added its member.
    const stalePlan = stack.jenkins.builds(JOB)[0]!.params.PLAN!;
    writeFileSync(join(stack.workspace, 'plan.json'), stalePlan);
    for (const n of [2, 3]) {
      const base = { build: `${JOB}-${n}`, requestId: id, vmName: 'web-server-1', ip: '127.0.40.10' };
      writeFileSync(join(stack.workspace, `plan.json.${JOB}-${n}.record.jsonl`), [
        { ...base, step: 'plan', state: 'written', planSha256: sha256(stalePlan) },
        { ...base, step: 'clone', state: 'started' },
        { ...base, step: 'f5-add', state: 'started', memberExisted: false },
      ].map((e) => JSON.stringify(e)).join('\n') + '\n');
    }

    // Build #2: someone clicks "Build with Parameters" and keeps every default (PLAN is empty).
    await stack.client.buildWithParameters(JOB, {});
    await finished(stack, 2);
    // Build #3: the webhook. The old guessable token finds no job; the service's own token starts a build.
    const st = stack;
    const invoke = async (t: string) => {
      const res = await request(`${st.jenkins.url}generic-webhook-trigger/invoke?token=${encodeURIComponent(t)}`, {
        method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(alertPayload({ service: 'web-server' })),
      });
      await res.body.dump();
      return res.statusCode;
    };
    expect(await invoke(`${JOB}-token`)).toBe(404);
    expect(await invoke(token)).toBe(200);
    await finished(stack, 3);

    for (const build of stack.jenkins.builds(JOB).slice(1)) {
      expect(build.result).toBe('FAILURE');
      expect(build.stages.map((x) => [x.name, x.status])).toEqual([['plan', 'FAILED'], ...VM_STAGES.map((n) => [n, 'NOT_EXECUTED']), ['Declarative: Post Actions', 'SUCCESS']]);
      const lines = runStepLines(build.console);
      expect(lines).toContainEqual(expect.objectContaining({ step: 'plan', ok: false, code: 'no_plan' }));
      expect(lines).toContainEqual({ runStep: 2, step: 'rollback', ok: true, undone: [] });
    }
    // Nothing changed: the VM runs, its member stays, and no plan is left in the workspace.
    expect(members(stack, s)).toEqual([member]);
    expect(await stack.vcsim.govc.vmInfo('web-server-1')).toMatchObject({ powerState: 'poweredOn' });
    expect(readdirSync(stack.workspace).filter((f) => f.startsWith('plan.json'))).toEqual([]);
    expect(findRequest(stack.tb.store, id)!.state).toBe('succeeded');
  });

  it('a build that failed before f5-add rolls back the VM it cloned, but never removes the F5 member it did not add', { timeout: 180_000 }, async () => {
    const s = await jenkinsService('web-server', 41, 'auto', '5s'); // nothing answers the health check: it fails after 5 s
    stack = await startJenkinsStack({ services: [s] });
    const lb = new F5Client({ servers: [stack.f5.url], username: 'admin', password: F5_PASSWORD, retry: F5_RETRY_FAST, timeoutMs: 5000 });
    closers.push(() => lb.close());
    const st = stack;
    const res = await st.tb.webhook(alertPayload({ service: 'web-server' }));
    // While the build waits for health, a member with the new VM's address appears in the pool (added by someone else).
    const build = await waitFor(() => {
      const b = st.jenkins.builds(JOB)[0];
      return b?.stages.some((x) => x.name === 'health' && x.status === 'IN_PROGRESS') ? b : undefined;
    }, 60_000, 'the health stage');
    const ip = build.params.VM_IP!;
    await lb.addMember(s.f5.pool, 'Common', ip, s.f5.port);
    await st.tb.settle();

    const r = findRequest(st.tb.store, res.json.alerts[0].requestId as string)!;
    expect(r.state).toBe('failed');
    expect(r.attempts[0]!.error).toMatchObject({ step: 'health', code: 'build_failed' });
    const rollback = runStepLines(build.console).find((l) => l.step === 'rollback');
    expect(rollback).toMatchObject({ ok: true, undone: [{ step: 'clone', ok: true, fact: { code: 'destroy_vm', vm: 'web-server-1' } }] });
    expect(r.attempts[0]!.undone).toEqual([{ code: 'destroy_vm', vm: 'web-server-1', by: 'pipeline' }, { code: 'release_ip', ip }]);
    expect(await st.vcsim.govc.exists('web-server-1')).toBe(false);
    expect(members(st, s)).toEqual([`${ip}:${s.f5.port}`]);
  });
});

describe('run-step on an agent', () => {
  let sim: Vcsim | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function runStepCli(args: string[], env: Record<string, string>): { code: number; out: string } {
    try {
      return { code: 0, out: execFileSync(process.execPath, [CLI, 'run-step', ...args], { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }) };
    } catch (e) {
      const x = e as { status: number; stdout: string; stderr: string };
      return { code: x.status, out: `${x.stdout}${x.stderr}` };
    }
  }

  const answer = (r: { code: number; out: string }) => ({ code: r.code, line: parseRunStepLines(r.out.split('\n'))[0] });

  it("never destroys a VM whose name someone else took: clone refuses, rollback leaves it alone", { timeout: 120_000 }, async () => {
    sim = await startVcsim();
    await sim.makeTemplate('web-server-template');
    await sim.govc.clone({ template: 'DC0_H0_VM0', name: 'web-server-1', pool: VCSIM_POOL }); // not ours
    dir = mkdtempSync(join(tmpdir(), 'agent-'));
    const planFile = join(dir, 'plan.json');
    const env = { PATH: process.env.PATH ?? '', ...sim.processEnv, GOVC_BIN, JOB_NAME: 'autoscale-web-server', BUILD_NUMBER: '7' };
    const planStage = (vmName: string, ip: string) => runStepCli(['plan', '--plan', planFile], { ...env, PLAN: JSON.stringify({ requestId: 'req-1', service: service(), vmName, ip }) });
    expect(planStage('web-server-1', '127.0.36.10').code).toBe(0);

    const clone = answer(runStepCli(['clone', '--plan', planFile], env));
    expect(clone).toMatchObject({ code: 1, line: { step: 'clone', ok: false, code: 'duplicate_name' } });
    expect(clone.line!.message).toMatch(/^a VM named web-server-1 appeared in vCenter meanwhile/);
    expect(clone.line!.error).toEqual({ code: 'duplicate_name', vm: 'web-server-1' });
    expect(answer(runStepCli(['rollback', '--plan', planFile], env))).toEqual({ code: 0, line: { runStep: 2, step: 'rollback', ok: true, undone: [] } });
    expect(await sim.govc.exists('web-server-1')).toBe(true);

    // A VM this build did clone is destroyed by its rollback, and a second rollback finds nothing to do.
    expect(planStage('web-server-2', '127.0.36.11').code).toBe(0);
    expect(answer(runStepCli(['clone', '--plan', planFile], env))).toEqual({ code: 0, line: { runStep: 2, step: 'clone', ok: true, fact: expect.objectContaining({ code: 'vm_cloned', vm: 'web-server-2', template: 'web-server-template', path: '/DC0/vm/web-server-2' }) } });
    expect(answer(runStepCli(['rollback', '--plan', planFile], { ...env, BUILD_NUMBER: '8' })).line).toEqual({ runStep: 2, step: 'rollback', ok: true, undone: [] }); // another build's record
    expect(answer(runStepCli(['rollback', '--plan', planFile], env)).line).toEqual({
      runStep: 2, step: 'rollback', ok: true, undone: [{ step: 'clone', ok: true, fact: { code: 'destroy_vm', vm: 'web-server-2' } }],
    });
    expect(answer(runStepCli(['rollback', '--plan', planFile], env)).line).toEqual({ runStep: 2, step: 'rollback', ok: true, undone: [] });
    expect(await sim.govc.exists('web-server-2')).toBe(false);
    expect(runStepCli(['cleanup', '--plan', planFile], env).code).toBe(0);
    expect(existsSync(planFile)).toBe(false);
  });
});
