/**
 * `run-step` validates its step, plan and environment before it runs anything (a recording govc
 * shows whether it ran), answers in one JSON line, and uses only a plan its own build's plan stage
 * wrote; `jenkins render` prints the stored service's job config, webhook token masked.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { runStep } from '../../../src/cli/jenkins.js';
import { generateWebhookToken, renderJobConfig } from '../../../src/integrations/jenkins/jobConfig.js';
import { parseRunStepLines } from '../../../src/integrations/jenkins/runStepProtocol.js';
import { upsertServices } from '../../../src/store/services.js';
import { Store } from '../../../src/store/store.js';
import { service } from '../../helpers/bot.js';

let dir: string;
let calls: string;
let env: NodeJS.ProcessEnv;
let out: string[];
let err: string[];
const io = { out: (s: string) => void out.push(s), err: (s: string) => void err.push(s) };

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'run-step-'));
  calls = join(dir, 'govc-calls');
  // A govc that records each call and succeeds silently; vm.info shows one VM (its identity below).
  const govc = join(dir, 'govc');
  const vm = JSON.stringify({ VirtualMachines: [{ Self: { Type: 'VirtualMachine', Value: 'vm-1' }, Name: 'web-server-1', Config: { Uuid: 'u-1' }, Runtime: { PowerState: 'poweredOff' } }] });
  writeFileSync(govc, `#!/bin/sh\necho "$*" >> '${calls}'\n[ "$1" = vm.info ] && echo '${vm}'\nexit 0\n`);
  chmodSync(govc, 0o755);
  env = { PATH: process.env.PATH, GOVC_URL: 'https://127.0.0.1:1/sdk', GOVC_USERNAME: 'user', GOVC_PASSWORD: 'pass', GOVC_INSECURE: 'true', GOVC_BIN: govc, JOB_NAME: 'autoscale-web-server', BUILD_NUMBER: '7' };
  out = [];
  err = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const plan = () => ({ requestId: 'req-1', service: service(), vmName: 'web-server-1', ip: '127.0.10.10' });
function planFile(content: string): string {
  const f = join(dir, 'plan.json');
  writeFileSync(f, content);
  return f;
}
const ran = () => existsSync(calls);
/** The one protocol line run-step printed. */
const answer = () => {
  const lines = parseRunStepLines(out);
  expect(lines).toHaveLength(1);
  return lines[0]!;
};
/** The pipeline's first stage: `run-step plan` with PLAN as the bot sets it. */
async function planStage(content: string, more: NodeJS.ProcessEnv = {}): Promise<{ code: number; file: string }> {
  const file = join(dir, 'plan.json');
  const code = await runStep(['plan', '--plan', file], io, { ...env, PLAN: content, ...more });
  return { code, file };
}

describe('run-step input validation', () => {
  it("runs the step on the plan this build's plan stage wrote (the recording govc sees the call), and says so in JSON", async () => {
    const vm = { path: '/DC0/vm/web-server-1', moref: 'vm-1', uuid: 'u-1' };
    const { code: planned, file } = await planStage(JSON.stringify({ ...plan(), vm }));
    expect(planned).toBe(0);
    expect(answer()).toEqual({ runStep: 2, step: 'plan', ok: true, plan: { requestId: 'req-1', vmName: 'web-server-1', ip: '127.0.10.10' } });
    out = [];
    const code = await runStep(['power-on', '--plan', file], io, env);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(answer()).toEqual({ runStep: 2, step: 'power-on', ok: true, fact: { code: 'vm_powered_on', vm: 'web-server-1' } });
    // By identity: the VM at its recorded path is checked, then addressed by that path.
    expect(readFileSync(calls, 'utf8')).toBe('vm.info -json -vm.ipath /DC0/vm/web-server-1\nvm.power -on -vm.ipath /DC0/vm/web-server-1\n');
  });

  it('exits 2 and runs nothing when the plan is not JSON', async () => {
    const code = await runStep(['clone', '--plan', planFile('{"requestId": "req-1", ')], io, env);
    expect(code).toBe(2);
    expect(err[0]).toBe('run-step: bad input; nothing was run:');
    expect(err[1]).toMatch(/plan\.json: not JSON/);
    expect(ran()).toBe(false);
    expect(answer()).toMatchObject({ step: 'clone', ok: false, code: 'bad_input' });
  });

  it('exits 2 with one line per bad field of the plan, and runs nothing', async () => {
    const bad = { ...plan(), vmName: 'Web Server; rm -rf /', service: { ...plan().service, template: undefined } };
    const code = await runStep(['clone', '--plan', planFile(JSON.stringify(bad))], io, env);
    expect(code).toBe(2);
    expect(err.slice(1).join('\n')).toMatch(/service\.template: required/);
    expect(err.slice(1).join('\n')).toMatch(/vmName: /);
    expect(ran()).toBe(false);
  });

  it('exits 2 on an unknown step, a missing --plan or a missing file', async () => {
    expect(await runStep(['destroy-everything', '--plan', planFile(JSON.stringify(plan()))], io, env)).toBe(2);
    expect(err.join('\n')).toContain('step: expected one of plan, clone, customize, power-on, wait-ip, health, f5-add, rollback, cleanup, not "destroy-everything"');
    expect(await runStep(['clone'], io, env)).toBe(2);
    expect(err.join('\n')).toContain('--plan FILE is required');
    expect(await runStep(['clone', '--plan', join(dir, 'nope.json')], io, env)).toBe(2);
    expect(err.join('\n')).toContain('nope.json: no such file');
    expect(ran()).toBe(false);
  });

  it('exits 2 when vCenter is not configured, or F5 is half configured', async () => {
    const f = planFile(JSON.stringify(plan()));
    expect(await runStep(['power-on', '--plan', f], io, { ...env, GOVC_URL: '' })).toBe(2);
    expect(err.join('\n')).toContain('GOVC_URL: required');
    expect(await runStep(['power-on', '--plan', f], io, { ...env, F5_SERVERS: 'https://127.0.0.1:2' })).toBe(2);
    expect(err.join('\n')).toContain('F5_USERNAME: F5_USERNAME and F5_PASSWORD are required');
    expect(ran()).toBe(false);
  });

  it('reports a failing step in one JSON line with its code, and exits 1', async () => {
    const govc = join(dir, 'govc');
    writeFileSync(govc, `#!/bin/sh\necho "$*" >> '${calls}'\necho 'govc: ServerFaultCode: A general system error occurred: injected' >&2\nexit 1\n`);
    const { file } = await planStage(JSON.stringify(plan()));
    out = [];
    const code = await runStep(['power-on', '--plan', file], io, env);
    expect(code).toBe(1);
    expect(answer()).toMatchObject({ step: 'power-on', ok: false, code: expect.stringMatching(/^\w+$/), message: expect.stringContaining('injected') });
  });
});

describe('run-step plan (the first stage): a build without the bot’s plan does nothing', () => {
  it('fails on an empty PLAN and deletes the stale plan.json a previous build left; no later step uses it', async () => {
    const stale = planFile(JSON.stringify(plan())); // what an earlier build left in the workspace
    const { code } = await planStage('');
    expect(code).toBe(1);
    expect(answer()).toMatchObject({ step: 'plan', ok: false, code: 'no_plan', error: { code: 'run_step_refused', step: 'plan', problem: 'PLAN is empty' } });
    expect(existsSync(stale)).toBe(false);
    // Even if the file came back (an edited job without the plan stage), no step of this build would use it.
    planFile(JSON.stringify(plan()));
    out = [];
    expect(await runStep(['power-on', '--plan', stale], io, env)).toBe(2);
    expect(answer()).toMatchObject({ step: 'power-on', ok: false, code: 'bad_input', error: { code: 'run_step_refused', step: 'power-on' } });
    expect(err.join('\n')).toContain("not the plan this build's plan stage wrote");
    out = [];
    expect(await runStep(['rollback', '--plan', stale], io, env)).toBe(0);
    expect(answer()).toEqual({ runStep: 2, step: 'rollback', ok: true, undone: [] });
    expect(ran()).toBe(false);
  });

  it('fails on a PLAN that is not JSON, not a plan, or disagrees with the build parameters; writes nothing', async () => {
    for (const [content, more, why] of [
      ['{"requestId": ', {}, /not JSON/],
      [JSON.stringify({ ...plan(), vmName: 'Web; rm -rf /' }), {}, /vmName/],
      [JSON.stringify(plan()), { VM_NAME: 'web-server-9' }, /VM_NAME=web-server-9 but the plan says web-server-1/],
    ] as const) {
      out = [];
      const { code, file } = await planStage(content, more);
      expect(code).toBe(1);
      expect(answer()).toMatchObject({ step: 'plan', ok: false, code: 'bad_plan', message: expect.stringMatching(why) });
      expect(existsSync(file)).toBe(false);
    }
  });

  it("a plan written by another build (another BUILD_NUMBER) is not this build's: steps refuse it", async () => {
    const { file } = await planStage(JSON.stringify(plan()), { BUILD_NUMBER: '6' });
    out = [];
    expect(await runStep(['power-on', '--plan', file], io, env)).toBe(2);
    expect(err.join('\n')).toContain("not the plan this build's plan stage wrote");
    expect(ran()).toBe(false);
  });

  it('cleanup deletes the plan and the build record', async () => {
    const { file } = await planStage(JSON.stringify(plan()));
    const record = join(dir, 'plan.json.autoscale-web-server-7.record.jsonl');
    expect(existsSync(record)).toBe(true);
    out = [];
    expect(await runStep(['cleanup', '--plan', file], io, env)).toBe(0);
    expect(answer()).toMatchObject({ step: 'cleanup', ok: true });
    expect([existsSync(file), existsSync(record)]).toEqual([false, false]);
  });
});

describe('jenkins render', () => {
  const saved = process.env.DATA_DIR;
  afterEach(() => { process.env.DATA_DIR = saved; });

  it("prints the stored service's config.xml, and exits 2 for an unknown service", async () => {
    const store = await Store.open(dir);
    const s = service({ jenkins: { job: 'autoscale-web-server' } });
    await upsertServices(store, [s], 'test', new Date().toISOString());
    await store.flush();
    process.env.DATA_DIR = dir;
    expect(await runCli(['jenkins', 'render', 'web-server'], io)).toBe(0);
    expect(out.join('\n')).toBe(renderJobConfig(s).trimEnd());
    expect(await runCli(['jenkins', 'render', 'nope'], io)).toBe(2);
    expect(err.join('\n')).toContain('no service named "nope"');
  });
});

describe('jenkins render: the webhook token', () => {
  const saved = process.env.DATA_DIR;
  afterEach(() => { process.env.DATA_DIR = saved; });

  it('is masked, unless --reveal-token asks for it', async () => {
    const token = generateWebhookToken();
    const store = await Store.open(dir);
    await upsertServices(store, [service({ jenkins: { job: 'autoscale-web-server', webhookTrigger: true, token } })], 'test', new Date().toISOString());
    await store.flush();
    process.env.DATA_DIR = dir;
    expect(await runCli(['jenkins', 'render', 'web-server'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/<token>\[REDACTED sha256:[0-9a-f]{8}\]<\/token>/);
    expect(out.join('\n')).not.toContain(token);
    out = [];
    expect(await runCli(['jenkins', 'render', 'web-server', '--reveal-token'], io)).toBe(0);
    expect(out.join('\n')).toContain(`<token>${token}</token>`);
  });
});
