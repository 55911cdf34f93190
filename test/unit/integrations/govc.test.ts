/*
 * Fixtures:
 * - test/fixtures/govc/vm-info-pascal.json was recorded with govc 0.24.0 against vcsim 0.24 (.tools/bin):
 *   a template cloned from DC0_H0_VM0 and marked as template, then web-server-1 cloned from it into
 *   /DC0/vm, /DC0/host/DC0_C0/Resources, LocalDS_0, "VM Network", annotated, customized to 127.0.10.21 and
 *   powered on; `govc vm.info -json web-server-1 web-server-template`.
 * - test/fixtures/govc/vm-info-camel.json is the same output in govc ≥ 0.32's shape, derived (no newer govc can be
 *   run here) from govmomi's source: since v0.31 (PR #3007) vim25/types and mo types carry camelCase json tags with
 *   `omitempty` where the XML tag has it, and since v0.32 (PR #3247) govc's own wrapper is `virtualMachines`;
 *   govc still encodes with Go's encoding/json (govc/flags/output.go), so there is no `_typeName`. Derivation:
 *   first letter of every key lower-cased, null and "" values dropped (the optional fields that omitempty drops).
 * - The stderr samples below were recorded from the same govc 0.24 + vcsim runs, with bin = the absolute path.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  cloneArgs,
  Govc,
  GovcError,
  mapGovcError,
  nextFreeName,
  type GovcEnv,
} from '../../../src/integrations/govc.js';
import type { ProcessRunner, RunOptions, RunResult } from '../../../src/integrations/process.js';
import { parseVmInfo } from '../../../src/integrations/vmInfo.js';

const fixture = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/govc/${name}`, import.meta.url), 'utf8'));

const BIN = '/work/main/.tools/bin/govc';
const ENV: GovcEnv = { GOVC_URL: 'https://vc.example.test/sdk', GOVC_USERNAME: 'svc-bot', GOVC_PASSWORD: 's3cr3t-pw', GOVC_INSECURE: true };

interface Call { file: string; args: readonly string[]; opts: RunOptions | undefined }

function result(partial: Partial<RunResult> = {}): RunResult {
  return { code: 0, stdout: '', stderr: '', durationMs: 5, ...partial };
}

/** A runner that records each call and answers from a queue (default: success with no output). */
function fakeRunner(...answers: Array<Partial<RunResult>>) {
  const calls: Call[] = [];
  const runner: ProcessRunner = async (file, args, opts) => {
    calls.push({ file, args, opts });
    return result(answers.shift());
  };
  return { calls, runner };
}

const fail = (line: string): Partial<RunResult> => ({ code: 1, stderr: `${BIN}: ${line}\n` });

/** web-server-1 of the recorded fixture, as the clone step records it. */
const ID = { path: '/DC0/vm/web-server-1', moref: 'vm-75', uuid: '060af223-5ba9-5002-8e6b-d4abb7479121' };
const vmInfoOf = (...vms: unknown[]): Partial<RunResult> => ({ stdout: JSON.stringify({ VirtualMachines: vms }) });
const recorded = () => (fixture('vm-info-pascal.json') as { VirtualMachines: Array<Record<string, unknown>> }).VirtualMachines[0]!;
/** What `vm.info -json -vm.ipath ID.path` answers while web-server-1 is there. */
const THERE = (): Partial<RunResult> => vmInfoOf(recorded());

describe('govc argument arrays', () => {
  it('clones powered off into the given folder, pool, datastore and network, the name last', () => {
    expect(
      cloneArgs({
        template: 'web-server-template', name: 'web-server-3', datacenter: 'DC0', folder: '/DC0/vm',
        pool: '/DC0/host/DC0_C0/Resources', datastore: 'LocalDS_0', network: 'VM Network',
      }),
    ).toEqual([
      'vm.clone', '-vm', 'web-server-template', '-on=false', '-dc', 'DC0', '-folder', '/DC0/vm',
      '-pool', '/DC0/host/DC0_C0/Resources', '-ds', 'LocalDS_0', '-net', 'VM Network', 'web-server-3',
    ]);
  });

  it('clones as a template only when asked, and never waits for an IP or passes -ip', () => {
    const g = new Govc({ bin: BIN, env: ENV });
    const args = g.cloneArgs({ template: 't', name: 'n', asTemplate: true });
    expect(args).toEqual(['vm.clone', '-vm', 't', '-on=false', '-template=true', 'n']);
    expect(args.some((a) => a.startsWith('-waitip') || a === '-ip')).toBe(false);
  });

  it('refuses a VM name that govc would read as a flag', () => {
    expect(() => cloneArgs({ template: 't', name: '-on=true' })).toThrow(/invalid VM name/);
  });

  it('customizes a static Linux identity with one -dns-server per server', () => {
    const g = new Govc({ bin: BIN, env: ENV });
    expect(
      g.customizeArgs({
        vm: '/DC0/vm/web-server-3', ip: '10.255.1.203', netmask: '255.255.255.0', gateway: '10.255.1.1',
        dns: ['10.255.0.2', '10.255.0.3'], hostname: 'web-server-3',
      }),
    ).toEqual([
      'vm.customize', '-vm.ipath', '/DC0/vm/web-server-3', '-ip', '10.255.1.203', '-netmask', '255.255.255.0',
      '-gateway', '10.255.1.1', '-dns-server', '10.255.0.2', '-dns-server', '10.255.0.3',
      '-name', 'web-server-3', '-type', 'Linux',
    ]);
  });

  it('runs the binary with an argument array, a timeout and only PATH, HOME and GOVC_* in its environment', async () => {
    const { calls, runner } = fakeRunner(THERE());
    process.env.SOME_TOKEN = 'leak-me';
    try {
      await new Govc({ bin: BIN, env: ENV, runner, timeoutMs: 1234 }).powerOn(ID);
    } finally {
      delete process.env.SOME_TOKEN;
    }
    expect(calls).toHaveLength(2);
    const [check, call] = calls;
    expect(check?.args).toEqual(['vm.info', '-json', '-vm.ipath', ID.path]);
    expect(call?.file).toBe(BIN);
    expect(call?.args).toEqual(['vm.power', '-on', '-vm.ipath', ID.path]);
    expect(call?.opts?.timeoutMs).toBe(1234);
    expect(Object.keys(call?.opts?.env ?? {}).sort()).toEqual([
      'GOVC_INSECURE', 'GOVC_PASSWORD', 'GOVC_PERSIST_SESSION', 'GOVC_URL', 'GOVC_USERNAME', 'HOME', 'PATH',
    ]);
    expect(call?.opts?.env).toMatchObject({
      GOVC_URL: ENV.GOVC_URL, GOVC_USERNAME: 'svc-bot', GOVC_INSECURE: '1', GOVC_PERSIST_SESSION: 'false',
    });
  });

  it('passes the caller’s AbortSignal to the process', async () => {
    const { calls, runner } = fakeRunner(THERE());
    const ac = new AbortController();
    await new Govc({ bin: BIN, env: ENV, runner }).destroy(ID, ac.signal);
    expect(calls[1]?.opts?.signal).toBe(ac.signal);
    expect(calls[1]?.args).toEqual(['vm.destroy', '-vm.ipath', ID.path]);
  });

  it('waits for an IPv4 with a Go duration and gives the process more time than the wait', async () => {
    const { calls, runner } = fakeRunner(THERE(), { stdout: '127.0.10.21\n' }, THERE(), { stdout: '' });
    const g = new Govc({ bin: BIN, env: ENV, runner, timeoutMs: 1000 });
    await expect(g.waitForIp(ID, 90_500)).resolves.toBe('127.0.10.21');
    expect(calls[1]?.args).toEqual(['vm.ip', '-v4', '-wait', '91s', '-vm.ipath', ID.path]);
    expect(calls[1]?.opts?.timeoutMs).toBeGreaterThan(90_500);
    // govc exits 0 and prints nothing when the wait runs out
    await expect(g.waitForIp(ID, 1000)).resolves.toBeUndefined();
  });

  it('lists VMs without templates, by name, filtered by prefix', async () => {
    const { calls, runner } = fakeRunner({ stdout: '/DC0/vm/web-server-1\n/DC0/vm/web-server-2\n/DC0/vm/db-1\n' });
    const names = await new Govc({ bin: BIN, env: ENV, runner }).listVms({ folder: '/DC0/vm', prefix: 'web-server' });
    expect(calls[0]?.args).toEqual(['find', '/DC0/vm', '-type', 'm', '-config.template', 'false']);
    expect(names).toEqual(['web-server-1', 'web-server-2']);
  });

  it('lists templates across the inventory', async () => {
    const { calls, runner } = fakeRunner({ stdout: '/DC0/vm/web-server-template\n' });
    await expect(new Govc({ bin: BIN, env: ENV, runner }).listTemplates()).resolves.toEqual(['web-server-template']);
    expect(calls[0]?.args).toEqual(['find', '/', '-type', 'm', '-config.template', 'true']);
  });

  it('collects guest IPs of several VMs in one vm.info call and none for an empty list', async () => {
    const { calls, runner } = fakeRunner({ stdout: JSON.stringify(fixture('vm-info-pascal.json')) });
    const g = new Govc({ bin: BIN, env: ENV, runner });
    await expect(g.guestIps([])).resolves.toEqual(new Set());
    expect(calls).toHaveLength(0);
    await expect(g.guestIps(['web-server-1', 'web-server-template'])).resolves.toEqual(new Set(['127.0.10.21']));
    expect(calls[0]?.args).toEqual(['vm.info', '-json', 'web-server-1', 'web-server-template']);
  });
});

describe('idempotent operations', () => {
  it('treats destroying a VM that is already gone as success', async () => {
    const { calls, runner } = fakeRunner(fail('no such VM'));
    await expect(new Govc({ bin: BIN, env: ENV, runner }).destroy(ID)).resolves.toBeUndefined();
    expect(calls).toHaveLength(1); // nothing to destroy: vm.destroy is not even called
  });

  it('treats powering off a VM that is already off as success', async () => {
    const { runner } = fakeRunner(THERE(), fail('*types.InvalidPowerState'));
    await expect(new Govc({ bin: BIN, env: ENV, runner }).powerOff(ID)).resolves.toBeUndefined();
  });

  it('treats power-on of a VM that is already on as success, but not of one in another state', async () => {
    const { runner } = fakeRunner(THERE(), fail('*types.InvalidPowerState'), THERE());
    await expect(new Govc({ bin: BIN, env: ENV, runner }).powerOn(ID)).resolves.toBeUndefined();

    const suspended = vmInfoOf({ ...recorded(), Runtime: { PowerState: 'suspended' } });
    const second = fakeRunner(THERE(), fail('*types.InvalidPowerState'), suspended);
    await expect(new Govc({ bin: BIN, env: ENV, runner: second.runner }).powerOn(ID)).rejects.toMatchObject({
      code: 'invalid_power_state',
    });
  });

  it('still fails a destroy for any other reason', async () => {
    const { runner } = fakeRunner(THERE(), fail('ServerFaultCode: Login failure'));
    await expect(new Govc({ bin: BIN, env: ENV, runner }).destroy(ID)).rejects.toMatchObject({ code: 'auth' });
  });
});

describe('identity before action', () => {
  it('refuses to touch the VM at a recorded path when it is another VM (other moref or UUID)', async () => {
    const impostor = vmInfoOf({ ...recorded(), Self: { Type: 'VirtualMachine', Value: 'vm-99' } });
    for (const op of ['destroy', 'powerOff', 'powerOn'] as const) {
      const { calls, runner } = fakeRunner(impostor);
      await expect(new Govc({ bin: BIN, env: ENV, runner })[op](ID)).rejects.toMatchObject({ code: 'identity_mismatch', message: expect.stringContaining('vm-99') });
      expect(calls.map((c) => c.args[0])).toEqual(['vm.info']); // nothing but the look-up ran
    }
  });

  it('refuses a bare name that matches more than one VM, naming every match', async () => {
    const { calls, runner } = fakeRunner({ stdout: '/DC0/vm/a/web-7\n/DC0/vm/b/web-7\n/DC0/vm/b/web-70\n' });
    const err = await new Govc({ bin: BIN, env: ENV, runner }).vmInfo('web-7').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GovcError);
    expect(err).toMatchObject({ code: 'ambiguous', message: expect.stringContaining('/DC0/vm/a/web-7, /DC0/vm/b/web-7') });
    expect(calls[0]?.args).toEqual(['find', '/', '-type', 'm', '-name', 'web-7']);
  });

  it('reads the moref, UUID and instance UUID from vm.info', () => {
    const [info] = parseVmInfo(fixture('vm-info-pascal.json'));
    expect(info).toMatchObject({ moref: 'vm-75', uuid: ID.uuid, instanceUuid: 'ac741a98-9daf-59b3-99b7-4d113c219a14' });
  });
});

describe('mapGovcError', () => {
  // [args, stderr exactly as govc 0.24 printed it against vcsim, expected code, expected message]
  const recorded: Array<[string[], string, string, string]> = [
    [['vm.destroy', 'nosuch'], `${BIN}: vm 'nosuch' not found\n`, 'not_found', "vm 'nosuch' not found"],
    [['vm.ip', '-v4', '-wait', '1s', 'nosuch'], `${BIN}: vm 'nosuch' not found\n`, 'not_found', "vm 'nosuch' not found"],
    [['vm.clone', '-vm', 'tpl1', '-on=false', '-ds', 'nods', 'x'], `${BIN}: datastore 'nods' not found\n`, 'not_found', "datastore 'nods' not found"],
    [
      ['vm.clone', '-vm', 'tpl1', '-on=false', '-ds', 'LocalDS_0', 'web-1'],
      `${BIN}: file [LocalDS_0] web-1/web-1.vmx already exists\n`,
      'duplicate_name',
      'file [LocalDS_0] web-1/web-1.vmx already exists',
    ],
    [['vm.power', '-off', 'DC0_H0_VM1'], `${BIN}: *types.InvalidPowerState\n`, 'invalid_power_state', '*types.InvalidPowerState'],
    [['vm.power', '-s', 'DC0_H0_VM1'], `${BIN}: ServerFaultCode: InvalidPowerState\n`, 'invalid_power_state', 'ServerFaultCode: InvalidPowerState'],
    [['about'], `${BIN}: ServerFaultCode: Login failure\n`, 'auth', 'ServerFaultCode: Login failure'],
    [
      ['about'],
      `${BIN}: Post "https://127.0.0.1:1/sdk": dial tcp 127.0.0.1:1: connect: connection refused\n`,
      'connection',
      'Post "https://127.0.0.1:1/sdk": dial tcp 127.0.0.1:1: connect: connection refused',
    ],
    [
      ['about'],
      `${BIN}: Post "https://127.0.0.1:18989/sdk": x509: certificate signed by unknown authority\n`,
      'connection',
      'Post "https://127.0.0.1:18989/sdk": x509: certificate signed by unknown authority',
    ],
    [['vm.customize', '-vm', 'web-2'], `${BIN}: *types.CustomizationPending\n`, 'failed', '*types.CustomizationPending'],
    [
      ['vm.clone', '-vm', 'DC0_H0_VM0', '-on=false', 'tplX'],
      `${BIN}: default resource pool resolves to multiple instances, please specify\n`,
      'failed',
      'default resource pool resolves to multiple instances, please specify',
    ],
  ];

  it.each(recorded)('maps %j to its code and the message without the govc prefix', (args, stderr, code, message) => {
    const err = mapGovcError(result({ code: 1, stderr }), args);
    expect(err).toBeInstanceOf(GovcError);
    expect(err).toBeInstanceOf(Error);
    expect(err.code).toBe(code);
    expect(err.message).toBe(message);
    expect(err.args).toEqual(args);
    expect(err.exitCode).toBe(1);
    expect(err.stderr).toBe(stderr);
  });

  it('strips a bare "govc: " prefix and joins the several lines newer govc prints for one fault', () => {
    // Shape of govc ≥ 0.33's formatted errors (govc/flags/output.go errorOutput): localized fault messages, then the reason.
    const stderr = "govc: The name 'web-server-1' already exists. (vim.fault.DuplicateName)\ngovc: The name 'web-server-1' already exists.\n";
    const err = mapGovcError(result({ code: 1, stderr }), ['vm.clone']);
    expect(err.code).toBe('duplicate_name');
    expect(err.message).toBe(
      "The name 'web-server-1' already exists. (vim.fault.DuplicateName); The name 'web-server-1' already exists.",
    );
  });

  it('reports a kill by the timeout or the abort signal rather than what stderr says', () => {
    expect(mapGovcError(result({ code: null, killed: 'timeout', durationMs: 500 }), ['vm.ip']).code).toBe('timeout');
    expect(mapGovcError(result({ code: null, killed: 'aborted' }), ['vm.clone']).code).toBe('aborted');
  });

  it('redacts registered secrets and URL credentials in the message and stderr', () => {
    new Govc({ bin: BIN, env: ENV }); // registers GOVC_PASSWORD as a secret
    const stderr = `${BIN}: Post "https://svc-bot:s3cr3t-pw@vc.example.test/sdk": password s3cr3t-pw rejected\n`;
    const err = mapGovcError(result({ code: 1, stderr }), ['about']);
    expect(err.message).not.toContain('s3cr3t-pw');
    expect(err.stderr).not.toContain('s3cr3t-pw');
    expect(err.message).toContain('[REDACTED]');
  });

  it('falls back to the exit code when govc printed nothing', () => {
    const err = mapGovcError(result({ code: 2, stderr: '' }), ['vm.info']);
    expect(err.code).toBe('failed');
    expect(err.message).toBe('govc exited with code 2');
  });

  it('turns a binary that cannot be started into a failed GovcError with the cause', async () => {
    const cause = Object.assign(new Error('spawn /nope/govc ENOENT'), { code: 'ENOENT' });
    const runner: ProcessRunner = async () => { throw cause; };
    const err = await new Govc({ bin: '/nope/govc', env: ENV, runner }).listTemplates().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GovcError);
    expect(err).toMatchObject({ code: 'failed', cause });
  });
});

describe('parseVmInfo', () => {
  it('reads govc 0.24’s PascalCase output', () => {
    expect(parseVmInfo(fixture('vm-info-pascal.json'))).toEqual([
      {
        name: 'web-server-1',
        powerState: 'poweredOn',
        ipAddress: '127.0.10.21',
        guestIps: ['127.0.10.21'],
        template: false,
        annotation: 'managed-by=vm-autoscale-bot service=web-server',
        uuid: '060af223-5ba9-5002-8e6b-d4abb7479121',
        instanceUuid: 'ac741a98-9daf-59b3-99b7-4d113c219a14',
        moref: 'vm-75',
      },
      {
        name: 'web-server-template',
        powerState: 'poweredOff',
        ipAddress: undefined,
        guestIps: [],
        template: true,
        annotation: undefined,
        uuid: 'b0dfc6a0-f515-585d-a46e-85fdfedea166',
        instanceUuid: 'bd1da2ad-d6c4-5526-97ec-1d279573bc79',
        moref: 'vm-71',
      },
    ]);
  });

  it('gives the same result for the camelCase output of newer govc', () => {
    expect(parseVmInfo(fixture('vm-info-camel.json'))).toEqual(parseVmInfo(fixture('vm-info-pascal.json')));
  });

  it('reads govc 0.31’s mix of a PascalCase wrapper around camelCase objects', () => {
    const mixed = { VirtualMachines: [{ name: 'a', runtime: { powerState: 'poweredOff' }, config: { template: true } }] };
    expect(parseVmInfo(mixed)).toMatchObject([{ name: 'a', powerState: 'poweredOff', template: true, guestIps: [] }]);
  });

  it('collects every NIC address once, the primary one first', () => {
    const info = { virtualMachines: [{ name: 'b', guest: { ipAddress: '10.0.0.2', net: [{ ipAddress: ['fe80::1', '10.0.0.2'] }, { ipAddress: ['10.0.1.2'] }] } }] };
    expect(parseVmInfo(info)[0]?.guestIps).toEqual(['10.0.0.2', 'fe80::1', '10.0.1.2']);
  });

  it('returns nothing for the "VirtualMachines": null that vm.info prints for a missing VM', () => {
    expect(parseVmInfo({ VirtualMachines: null })).toEqual([]);
  });

  it('rejects output whose known fields have the wrong types', () => {
    expect(() => parseVmInfo({ virtualMachines: [{ runtime: { powerState: 7 } }] })).toThrow();
    expect(() => parseVmInfo('not json')).toThrow();
  });
});

describe('nextFreeName', () => {
  it('takes 1 when nothing exists', () => {
    expect(nextFreeName('web-server', [])).toBe('web-server-1');
  });

  it('fills the lowest gap', () => {
    expect(nextFreeName('web-server', ['web-server-1', 'web-server-3', 'web-server-2', 'web-server-5'])).toBe('web-server-4');
  });

  it('ignores names of other services and non-numbered names', () => {
    expect(nextFreeName('web', ['web-server-1', 'web-template', 'web-01'])).toBe('web-1');
  });
});
