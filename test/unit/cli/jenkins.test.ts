/**
 * `run-step` validates its step, plan and environment before it runs anything (a recording govc
 * shows whether it ran), and `jenkins render` prints the stored service's job config.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../../../src/cli.js';
import { runStep } from '../../../src/cli/jenkins.js';
import { renderJobConfig } from '../../../src/integrations/jenkins/jobConfig.js';
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
  env = { PATH: process.env.PATH, GOVC_URL: 'https://127.0.0.1:1/sdk', GOVC_USERNAME: 'user', GOVC_PASSWORD: 'pass', GOVC_INSECURE: 'true', GOVC_BIN: govc };
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

describe('run-step input validation', () => {
  it('runs the step when the plan is valid (the recording govc sees the call)', async () => {
    const vm = { path: '/DC0/vm/web-server-1', moref: 'vm-1', uuid: 'u-1' };
    const code = await runStep(['power-on', '--plan', planFile(JSON.stringify({ ...plan(), vm }))], io, env);
    expect(err).toEqual([]);
    expect(code).toBe(0);
    expect(out).toEqual(['ok power-on: web-server-1']);
    // By identity: the VM at its recorded path is checked, then addressed by that path.
    expect(readFileSync(calls, 'utf8')).toBe('vm.info -json -vm.ipath /DC0/vm/web-server-1\nvm.power -on -vm.ipath /DC0/vm/web-server-1\n');
  });

  it('exits 2 and runs nothing when the plan is not JSON', async () => {
    const code = await runStep(['clone', '--plan', planFile('{"requestId": "req-1", ')], io, env);
    expect(code).toBe(2);
    expect(err[0]).toBe('run-step: bad input; nothing was run:');
    expect(err[1]).toMatch(/plan\.json: not JSON/);
    expect(ran()).toBe(false);
    expect(existsSync(join(dir, 'plan.json.owner.json'))).toBe(false);
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
    expect(err.join('\n')).toContain('step: expected one of clone, customize, power-on, wait-ip, health, f5-add, rollback, not "destroy-everything"');
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

  it('reports a failing step in one line and exits 1', async () => {
    const govc = join(dir, 'govc');
    writeFileSync(govc, `#!/bin/sh\necho "$*" >> '${calls}'\necho 'govc: ServerFaultCode: A general system error occurred: injected' >&2\nexit 1\n`);
    const code = await runStep(['power-on', '--plan', planFile(JSON.stringify(plan()))], io, env);
    expect(code).toBe(1);
    expect(err).toHaveLength(1);
    expect(err[0]).toMatch(/^FAILED power-on \[\w+\]: .*injected/);
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
