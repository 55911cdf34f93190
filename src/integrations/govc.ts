/**
 * govc wrapped the way Pulumi's automation API wraps `pulumi`: argument arrays (never a shell), an environment we
 * build ourselves, a timeout and an AbortSignal per call, and one function that maps stderr to typed errors.
 * Written against govc 0.24 (Debian's); also fine for current govc.
 */
import { redact, registerSecrets } from '../logger.js';
import { runProcess, type ProcessRunner, type RunResult } from './process.js';
import { parseVmInfo, type VmInfo } from './vmInfo.js';

export type { VmInfo } from './vmInfo.js';

export interface GovcEnv {
  GOVC_URL: string;
  GOVC_USERNAME?: string;
  GOVC_PASSWORD?: string;
  GOVC_INSECURE?: boolean;
  GOVC_DATACENTER?: string;
}

export interface GovcOptions {
  bin: string;
  env: GovcEnv;
  runner?: ProcessRunner;
  /** Per-call limit; the process is killed when it runs longer. */
  timeoutMs?: number;
}

export interface CloneParams {
  template: string;
  name: string;
  folder?: string;
  pool?: string;
  datastore?: string;
  network?: string;
  datacenter?: string;
  asTemplate?: boolean;
}

export interface CustomizeParams {
  vm: string;
  ip: string;
  netmask: string;
  gateway: string;
  dns: string[];
  hostname: string;
}

export type GovcErrorCode =
  | 'not_found'
  | 'duplicate_name'
  | 'invalid_power_state'
  | 'auth'
  | 'connection'
  | 'timeout'
  | 'aborted'
  | 'failed';

export class GovcError extends Error {
  override readonly name = 'GovcError';
  readonly code: GovcErrorCode;
  readonly stderr: string;
  readonly args: readonly string[];
  readonly exitCode: number | null;

  constructor(
    code: GovcErrorCode,
    message: string,
    details: { stderr: string; args: readonly string[]; exitCode: number | null; cause?: unknown },
  ) {
    super(message, { cause: details.cause });
    this.code = code;
    this.stderr = details.stderr;
    this.args = details.args;
    this.exitCode = details.exitCode;
  }
}

/** Long enough for a full clone on a busy vCenter; override per instance. */
export const DEFAULT_GOVC_TIMEOUT_MS = 10 * 60_000;
/** Extra time given to the process beyond `vm.ip -wait`, so govc's own wait ends first. */
const WAIT_GRACE_MS = 15_000;

// Checked in order: the first match wins. Sources: govc 0.24 + vcsim (recorded) and vCenter fault texts.
const STDERR_CODES: Array<[GovcErrorCode, RegExp]> = [
  ['connection', /connection refused|no such host|dial tcp|i\/o timeout|x509:|tls: |handshake|connection reset|network is unreachable|\bEOF\b/i],
  ['auth', /login failure|incorrect user name or password|InvalidLogin|NotAuthenticated|NoPermission|permission to perform this operation was denied/i],
  ['duplicate_name', /DuplicateName|already exists/i],
  ['invalid_power_state', /InvalidPowerState|cannot be performed in the current state/i],
  ['not_found', /\bnot found\b|ManagedObjectNotFound|has already been deleted/i],
];

/** Each error line of govc starts with `<argv[0]>: `: `govc: ` on PATH, the full path otherwise. */
const GOVC_PREFIX = /^(?:.*\/)?govc[^\s:/]*: /;

function errorMessage(stderr: string, exitCode: number | null): string {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const prefixed = lines.filter((l) => GOVC_PREFIX.test(l)).map((l) => l.replace(GOVC_PREFIX, ''));
  const chosen = prefixed.length > 0 ? prefixed : lines.slice(-1);
  return chosen.length > 0 ? [...new Set(chosen)].join('; ') : `govc exited with code ${exitCode ?? 'null'}`;
}

/** Maps a failed govc run to a GovcError; every text in it is redacted. */
export function mapGovcError(result: RunResult, args: readonly string[], cause?: unknown): GovcError {
  const stderr = redact(result.stderr);
  const details = { stderr, args: args.map(redact), exitCode: result.code, cause };
  if (result.killed === 'timeout') {
    return new GovcError('timeout', `govc ${args[0] ?? ''} timed out after ${Math.round(result.durationMs)} ms`, details);
  }
  if (result.killed === 'aborted') return new GovcError('aborted', `govc ${args[0] ?? ''} was aborted`, details);
  const code = STDERR_CODES.find(([, re]) => re.test(stderr))?.[0] ?? 'failed';
  return new GovcError(code, errorMessage(stderr, result.code), details);
}

/** Go's flag parser would read a positional argument starting with '-' as a flag. */
function positional(value: string, what: string): string {
  if (!value || value.startsWith('-')) throw new Error(`invalid ${what} for govc: ${JSON.stringify(value)}`);
  return value;
}

const flag = (name: string, value: string | undefined): string[] => (value ? [`-${name}`, value] : []);

export function cloneArgs(p: CloneParams): string[] {
  return [
    'vm.clone',
    '-vm', p.template,
    '-on=false',
    ...(p.asTemplate ? ['-template=true'] : []),
    ...flag('dc', p.datacenter),
    ...flag('folder', p.folder),
    ...flag('pool', p.pool),
    ...flag('ds', p.datastore),
    ...flag('net', p.network),
    positional(p.name, 'VM name'),
  ];
}

export function customizeArgs(p: CustomizeParams): string[] {
  return [
    'vm.customize',
    '-vm', p.vm,
    '-ip', p.ip,
    '-netmask', p.netmask,
    '-gateway', p.gateway,
    ...p.dns.flatMap((d) => ['-dns-server', d]),
    '-name', p.hostname,
    '-type', 'Linux',
  ];
}

/** `<prefix>-<n>` with the lowest n ≥ 1 not in `existing`. */
export function nextFreeName(prefix: string, existing: string[]): string {
  const taken = new Set(existing);
  for (let n = 1; ; n++) if (!taken.has(`${prefix}-${n}`)) return `${prefix}-${n}`;
}

/** Go duration for `-wait`, rounded up to whole seconds (at least 1s). */
function goDuration(ms: number): string {
  return `${Math.max(1, Math.ceil(ms / 1000))}s`;
}

const lastPathElement = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

export class Govc {
  private readonly bin: string;
  private readonly env: Record<string, string>;
  private readonly runner: ProcessRunner;
  private readonly timeoutMs: number;

  constructor(opts: GovcOptions) {
    this.bin = opts.bin;
    this.runner = opts.runner ?? runProcess;
    this.timeoutMs = opts.timeoutMs ?? DEFAULT_GOVC_TIMEOUT_MS;
    registerSecrets([opts.env.GOVC_PASSWORD]);
    this.env = govcProcessEnv(opts.env);
  }

  cloneArgs(p: CloneParams): string[] {
    return cloneArgs(p);
  }

  customizeArgs(p: CustomizeParams): string[] {
    return customizeArgs(p);
  }

  async clone(p: CloneParams, signal?: AbortSignal): Promise<void> {
    await this.run(cloneArgs(p), signal);
  }

  /** The VM must be powered off, and customized at most once before its next power-on. */
  async customize(p: CustomizeParams, signal?: AbortSignal): Promise<void> {
    await this.run(customizeArgs(p), signal);
  }

  /** Already on counts as success (a retried step); any other invalid power state is an error. */
  async powerOn(vm: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.run(['vm.power', '-on', positional(vm, 'VM')], signal);
    } catch (e) {
      if (!isCode(e, 'invalid_power_state') || (await this.vmInfo(vm, signal))?.powerState !== 'poweredOn') throw e;
    }
  }

  /** Already off counts as success. */
  async powerOff(vm: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.run(['vm.power', '-off', positional(vm, 'VM')], signal);
    } catch (e) {
      if (!isCode(e, 'invalid_power_state')) throw e;
    }
  }

  /** Asks VMware Tools to shut the guest down; needs Tools running in the guest. */
  async shutdownGuest(vm: string, signal?: AbortSignal): Promise<void> {
    await this.run(['vm.power', '-s', positional(vm, 'VM')], signal);
  }

  /** Powers off and deletes the VM with its disks; a VM that is already gone counts as success. */
  async destroy(vm: string, signal?: AbortSignal): Promise<void> {
    try {
      await this.run(['vm.destroy', positional(vm, 'VM')], signal);
    } catch (e) {
      if (!isCode(e, 'not_found')) throw e;
    }
  }

  async markAsTemplate(vm: string, signal?: AbortSignal): Promise<void> {
    await this.run(['vm.markastemplate', positional(vm, 'VM')], signal);
  }

  /** The VM's IPv4 address, or undefined when none appeared in time (govc then exits 0 and prints nothing). */
  async waitForIp(vm: string, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const out = await this.run(['vm.ip', '-v4', '-wait', goDuration(timeoutMs), positional(vm, 'VM')], signal, timeoutMs + WAIT_GRACE_MS);
    return out.split(/[\s,]+/).find(Boolean);
  }

  /** undefined when no such VM (govc's vm.info exits 0 with `VirtualMachines: null` then). */
  async vmInfo(vm: string, signal?: AbortSignal): Promise<VmInfo | undefined> {
    const [info] = await this.vmInfos([positional(vm, 'VM')], signal);
    if (info && vm.includes('/')) info.path = vm;
    return info;
  }

  async exists(vm: string, signal?: AbortSignal): Promise<boolean> {
    return (await this.vmInfo(vm, signal)) !== undefined;
  }

  /** Names of the VMs (templates excluded) under `folder` (default: everywhere), optionally starting with `prefix`. */
  async listVms(opts: { folder?: string; prefix?: string } = {}, signal?: AbortSignal): Promise<string[]> {
    const names = await this.find(['-type', 'm', '-config.template', 'false'], opts.folder, signal);
    return opts.prefix ? names.filter((n) => n.startsWith(opts.prefix as string)) : names;
  }

  async listTemplates(signal?: AbortSignal): Promise<string[]> {
    return this.find(['-type', 'm', '-config.template', 'true'], undefined, signal);
  }

  /** Every address vCenter reports for these VMs; VMs that do not exist are skipped. */
  async guestIps(names: string[], signal?: AbortSignal): Promise<Set<string>> {
    if (names.length === 0) return new Set();
    const infos = await this.vmInfos(names.map((n) => positional(n, 'VM')), signal);
    return new Set(infos.flatMap((i) => i.guestIps));
  }

  private async vmInfos(vms: string[], signal?: AbortSignal): Promise<VmInfo[]> {
    const args = ['vm.info', '-json', ...vms];
    const out = await this.run(args, signal);
    try {
      return parseVmInfo(JSON.parse(out));
    } catch (cause) {
      throw new GovcError('failed', `unexpected vm.info output: ${redact(String(cause)).slice(0, 300)}`, {
        stderr: '', args, exitCode: 0, cause,
      });
    }
  }

  private async find(filters: string[], root: string | undefined, signal?: AbortSignal): Promise<string[]> {
    const out = await this.run(['find', positional(root ?? '/', 'folder'), ...filters], signal);
    return out.split('\n').map((l) => l.trim()).filter(Boolean).map(lastPathElement);
  }

  /** Runs govc and returns stdout; throws GovcError on a non-zero exit, a timeout or an abort. */
  private async run(args: string[], signal?: AbortSignal, timeoutMs = this.timeoutMs): Promise<string> {
    let result: RunResult;
    try {
      result = await this.runner(this.bin, args, { env: this.env, timeoutMs, signal });
    } catch (cause) {
      throw new GovcError('failed', `cannot run govc (${this.bin}): ${redact(String(cause))}`, {
        stderr: '', args, exitCode: null, cause,
      });
    }
    if (result.code !== 0 || result.killed) throw mapGovcError(result, args);
    return result.stdout;
  }
}

/** PATH and HOME from our own environment plus the GOVC_* settings, nothing else (no inherited proxies or tokens). */
export function govcProcessEnv(env: GovcEnv): Record<string, string> {
  const out: Record<string, string> = {};
  if (process.env.PATH) out.PATH = process.env.PATH;
  if (process.env.HOME) out.HOME = process.env.HOME;
  out.GOVC_URL = env.GOVC_URL;
  if (env.GOVC_USERNAME) out.GOVC_USERNAME = env.GOVC_USERNAME;
  if (env.GOVC_PASSWORD) out.GOVC_PASSWORD = env.GOVC_PASSWORD;
  if (env.GOVC_INSECURE) out.GOVC_INSECURE = '1';
  if (env.GOVC_DATACENTER) out.GOVC_DATACENTER = env.GOVC_DATACENTER;
  // govc otherwise caches a session cookie under ~/.govmomi keyed by URL and user, not password: a rotated or wrong
  // password would go unnoticed while the cached session lives. Without it govc logs in and out on every call.
  out.GOVC_PERSIST_SESSION = 'false';
  return out;
}

function isCode(e: unknown, code: GovcErrorCode): boolean {
  return e instanceof GovcError && e.code === code;
}
