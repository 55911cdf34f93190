/**
 * govc wrapped the way Pulumi's automation API wraps `pulumi`: argument arrays (never a shell), an environment we
 * build ourselves, a timeout and an AbortSignal per call, and one function that maps stderr to typed errors.
 * Written against govc 0.24 (Debian's); also fine for current govc.
 */
import { redact, registerSecrets } from '../logger.js';
import { runProcess, type ProcessRunner, type RunResult } from './process.js';
import type { VmIdentity } from '../store/types.js';
import { parseVmInfo, type VmInfo } from './vmInfo.js';

export type { VmInfo } from './vmInfo.js';
export type { VmIdentity } from '../store/types.js';

/**
 * The annotation the bot writes on every VM it clones: whose it is (service and request). It is the
 * proof of ownership for a VM whose identity the bot could not record (a crash mid-clone, a lease of
 * schema 1 an operator adopts by writing this line): only a VM at the exact path carrying the mark of
 * the same request (or, for adoption, the lease's service and request) counts as the bot's own.
 */
export function ownerMark(service: string, requestId: string): string {
  return `vm-autoscale-bot: service=${service} request=${requestId}`;
}

const OWNER_MARK = /^vm-autoscale-bot: service=(\S+) request=(\S+)\s*$/m;

/** The service and request named by a VM's annotation, when the bot wrote one. */
export function readOwnerMark(annotation: string | undefined): { service: string; requestId: string } | undefined {
  const m = annotation ? OWNER_MARK.exec(annotation) : null;
  return m ? { service: m[1]!, requestId: m[2]! } : undefined;
}

/** The identity of a VM as vm.info reported it; undefined when vCenter did not give moref and UUID. */
export function identityOf(info: VmInfo | undefined): VmIdentity | undefined {
  if (!info?.path || !info.moref || !info.uuid) return undefined;
  return { path: info.path, moref: info.moref, uuid: info.uuid, ...(info.instanceUuid ? { instanceUuid: info.instanceUuid } : {}) };
}

const pathOf = (vm: VmIdentity | string): string => (typeof vm === 'string' ? vm : vm.path);

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
  /** The new VM's annotation: the bot writes whose VM it is (see ownerMark). */
  annotation?: string;
}

export interface CustomizeParams {
  /** The VM by identity; a string only for dry-run plans (rendered as `-vm.ipath <path>`). */
  vm: VmIdentity | string;
  ip: string;
  netmask: string;
  gateway: string;
  dns: string[];
  hostname: string;
}

export type GovcErrorCode =
  | 'not_found'
  | 'duplicate_name'
  /** A name matched more than one object: the bot refuses to guess. */
  | 'ambiguous'
  /** The VM at a recorded path is not the one recorded (other moref / UUID): someone else's. */
  | 'identity_mismatch'
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
  // govc's own refusal of a name that finds several objects (e.g. a template name in two folders).
  ['ambiguous', /resolves to multiple vms/i],
  ['duplicate_name', /DuplicateName|already exists/i],
  ['invalid_power_state', /InvalidPowerState|cannot be performed in the current state/i],
  ['not_found', /\bnot found\b|no such VM|ManagedObjectNotFound|has already been deleted/i],
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
    ...flag('annotation', p.annotation),
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
    '-vm.ipath', positional(pathOf(p.vm), 'VM path'),
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

  /**
   * The full inventory path a VM named `name` gets when cloned into `folder` (default: the
   * datacenter's VM folder): govc accepts relative folders, vCenter's paths are absolute.
   */
  async vmPathIn(placement: { folder?: string; datacenter?: string }, name: string, signal?: AbortSignal): Promise<string> {
    const args = ['folder.info', ...flag('dc', placement.datacenter), positional(placement.folder ?? 'vm', 'folder')];
    const out = await this.run(args, signal);
    const paths = [...out.matchAll(/^\s*Path:\s+(.+?)\s*$/gm)].map((m) => m[1]!);
    if (paths.length !== 1) {
      throw new GovcError(paths.length ? 'ambiguous' : 'not_found', `folder ${placement.folder ?? 'vm'} ${paths.length ? `matches ${paths.length} folders: ${paths.join(', ')}` : 'not found'}`, { stderr: '', args, exitCode: 0 });
    }
    return `${paths[0]!.replace(/\/+$/, '')}/${positional(name, 'VM name')}`;
  }

  /** The VM at exactly this inventory path (govc -vm.ipath), with `path` set; undefined when there is none. */
  async vmAt(path: string, signal?: AbortSignal): Promise<VmInfo | undefined> {
    let infos: VmInfo[];
    try {
      infos = await this.vmInfos(['-vm.ipath', positional(path, 'VM path')], signal);
    } catch (e) {
      if (isCode(e, 'not_found')) return undefined;
      throw e;
    }
    const [info] = infos;
    if (info) info.path = path;
    return info;
  }

  /**
   * The VM with this identity, read at its recorded path; undefined when no VM is there any more.
   * Throws `identity_mismatch` when another VM (other moref or UUID) now has that path.
   */
  async lookup(id: VmIdentity, signal?: AbortSignal): Promise<VmInfo | undefined> {
    const info = await this.vmAt(id.path, signal);
    if (info && (info.moref !== id.moref || info.uuid !== id.uuid)) {
      throw new GovcError('identity_mismatch',
        `the VM at ${id.path} is ${info.moref ?? '?'} (UUID ${info.uuid ?? '?'}), not ${id.moref} (UUID ${id.uuid}) that the bot recorded: it was left alone`,
        { stderr: '', args: ['vm.info', '-vm.ipath', id.path], exitCode: 0 });
    }
    return info;
  }

  /** Like lookup, but the VM must be there. */
  private async present(id: VmIdentity, signal?: AbortSignal): Promise<VmInfo> {
    const info = await this.lookup(id, signal);
    if (!info) throw new GovcError('not_found', `no VM at ${id.path} (${id.moref})`, { stderr: '', args: ['vm.info', '-vm.ipath', id.path], exitCode: 0 });
    return info;
  }

  /** The VM must be powered off, and customized at most once before its next power-on. */
  async customize(p: CustomizeParams, signal?: AbortSignal): Promise<void> {
    if (typeof p.vm !== 'string') await this.present(p.vm, signal);
    await this.run(customizeArgs(p), signal);
  }

  /** Already on counts as success (a retried step); any other invalid power state is an error. */
  async powerOn(vm: VmIdentity, signal?: AbortSignal): Promise<void> {
    await this.present(vm, signal);
    try {
      await this.run(['vm.power', '-on', '-vm.ipath', vm.path], signal);
    } catch (e) {
      if (!isCode(e, 'invalid_power_state') || (await this.lookup(vm, signal))?.powerState !== 'poweredOn') throw e;
    }
  }

  /** Already off counts as success. */
  async powerOff(vm: VmIdentity, signal?: AbortSignal): Promise<void> {
    await this.present(vm, signal);
    try {
      await this.run(['vm.power', '-off', '-vm.ipath', vm.path], signal);
    } catch (e) {
      if (!isCode(e, 'invalid_power_state')) throw e;
    }
  }

  /** Asks VMware Tools to shut the guest down; needs Tools running in the guest. */
  async shutdownGuest(vm: VmIdentity, signal?: AbortSignal): Promise<void> {
    await this.present(vm, signal);
    await this.run(['vm.power', '-s', '-vm.ipath', vm.path], signal);
  }

  /**
   * Powers off and deletes the VM with its disks, after checking that the VM at its path is the one
   * recorded. A VM that is already gone counts as success.
   */
  async destroy(vm: VmIdentity, signal?: AbortSignal): Promise<void> {
    if (!(await this.lookup(vm, signal))) return;
    try {
      await this.run(['vm.destroy', '-vm.ipath', vm.path], signal);
    } catch (e) {
      if (!isCode(e, 'not_found')) throw e;
    }
  }

  async markAsTemplate(vm: VmIdentity, signal?: AbortSignal): Promise<void> {
    await this.present(vm, signal);
    await this.run(['vm.markastemplate', '-vm.ipath', vm.path], signal);
  }

  /** The VM's IPv4 address, or undefined when none appeared in time (govc then exits 0 and prints nothing). */
  async waitForIp(vm: VmIdentity, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined> {
    await this.present(vm, signal);
    const out = await this.run(['vm.ip', '-v4', '-wait', goDuration(timeoutMs), '-vm.ipath', vm.path], signal, timeoutMs + WAIT_GRACE_MS);
    return out.split(/[\s,]+/).find(Boolean);
  }

  /**
   * By identity (checked), by full path, or by bare name — then it must match one VM in the whole
   * inventory: a name that matches more than one is refused (`ambiguous`). undefined when no such VM.
   */
  async vmInfo(vm: VmIdentity | string, signal?: AbortSignal): Promise<VmInfo | undefined> {
    if (typeof vm !== 'string') return this.lookup(vm, signal);
    if (vm.startsWith('/')) return this.vmAt(vm, signal);
    const paths = await this.findByName(vm, signal);
    if (paths.length > 1) throw ambiguous(vm, paths);
    return paths[0] ? this.vmAt(paths[0], signal) : undefined;
  }

  async exists(vm: VmIdentity | string, signal?: AbortSignal): Promise<boolean> {
    return (await this.vmInfo(vm, signal)) !== undefined;
  }

  /** Full inventory paths of every VM and template named exactly `name`, anywhere. */
  async findByName(name: string, signal?: AbortSignal): Promise<string[]> {
    const out = await this.run(['find', '/', '-type', 'm', '-name', positional(name, 'VM name')], signal);
    // find's -name is a glob: keep exact matches only.
    return out.split('\n').map((l) => l.trim()).filter((p) => p && lastPathElement(p) === name);
  }

  /**
   * Whether vCenter still runs a clone task of the template: its recent tasks (ManagedEntity.recentTask)
   * in state queued or running with a clone description. A resumed clone waits for it.
   */
  async cloneTaskRunning(template: string, signal?: AbortSignal): Promise<boolean> {
    const path = template.startsWith('/') ? template : (await this.findByName(template, signal))[0];
    if (!path) return false;
    const refs = parseCollected(await this.run(['object.collect', '-json', positional(path, 'template'), 'recentTask'], signal), 'recentTask')
      .flatMap((v) => morefs(v));
    for (const ref of refs) {
      const [info] = parseCollected(await this.run(['object.collect', '-json', ref, 'info'], signal), 'info');
      const t = info as { state?: string; descriptionId?: string; name?: string } | undefined;
      const what = `${t?.descriptionId ?? ''} ${t?.name ?? ''}`;
      if ((t?.state === 'queued' || t?.state === 'running') && /clone/i.test(what)) return true;
    }
    return false;
  }

  /** Names of the VMs (templates excluded) under `folder` (default: everywhere), optionally starting with `prefix`. */
  async listVms(opts: { folder?: string; prefix?: string } = {}, signal?: AbortSignal): Promise<string[]> {
    const names = await this.find(['-type', 'm', '-config.template', 'false'], opts.folder, signal);
    return opts.prefix ? names.filter((n) => n.startsWith(opts.prefix as string)) : names;
  }

  async listTemplates(signal?: AbortSignal): Promise<string[]> {
    return this.find(['-type', 'm', '-config.template', 'true'], undefined, signal);
  }

  /** Every address vCenter reports for VMs by these names (all of them, wherever they are); unknown names are skipped. */
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

export function ambiguous(name: string, paths: string[]): GovcError {
  return new GovcError('ambiguous', `${name} matches ${paths.length} objects in vCenter (${paths.join(', ')}); refusing to guess which one is meant`, {
    stderr: '', args: ['find', '/', '-type', 'm', '-name', name], exitCode: 0,
  });
}

/** `object.collect -json` prints `[{Name, Op, Val}]`; the values of property `name`, first letters lower-cased. */
function parseCollected(out: string, name: string): unknown[] {
  let json: unknown;
  try {
    json = JSON.parse(out || '[]');
  } catch {
    return [];
  }
  if (!Array.isArray(json)) return [];
  return json.filter((c) => (c as { Name?: string }).Name === name).map((c) => lowerFirst((c as { Val?: unknown }).Val));
}

function lowerFirst(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerFirst);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), lowerFirst(v)]));
}

/** `Type:value` arguments from a collected list of managed object references. */
function morefs(v: unknown): string[] {
  const list = (v as { managedObjectReference?: unknown } | undefined)?.managedObjectReference;
  return Array.isArray(list) ? list.flatMap((r) => {
    const { type, value } = (r ?? {}) as { type?: string; value?: string };
    return type && value ? [`${type}:${value}`] : [];
  }) : [];
}

function isCode(e: unknown, code: GovcErrorCode): boolean {
  return e instanceof GovcError && e.code === code;
}
