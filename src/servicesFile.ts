/**
 * Reading and writing the services file (YAML), with the contract's validation; the rules that need more than one
 * service at a time (overlapping VM names or IP pools) and the masking of secrets that Slack shows and takes back.
 */
import { parseDocument, stringify } from 'yaml';
import type { z } from 'zod';
import { issuePath, servicesFileSchema, type Service } from './config.js';
import { configFact, configIssue, englishOf, isConfigFact, type ConfigIssueFact } from './i18n/configIssues.js';
import { intToIp, ipToInt } from './ipv4.js';

export const MAX_SERVICES_FILE_BYTES = 1024 * 1024;

/**
 * One problem of a services file: where (`services[1].name`, `(yaml)`, `(file)`), the operator's English message, and
 * for the bot's own rules their fact, which a Slack reply words in its reader's language (cards/configIssues.ts).
 */
export interface FileProblem {
  where: string;
  message: string;
  fact?: ConfigIssueFact;
}

/** `problems`: as the CLI prints them, `path: reason`; `issues`: the same, by parts. */
export type ParseResult = { ok: true; services: Service[] } | { ok: false; problems: string[]; issues: FileProblem[] };

const failed = (issues: FileProblem[]): ParseResult => ({ ok: false, problems: formatFileProblems(issues), issues });

/**
 * Parses YAML text into validated services. Aliases are capped (an "alias bomb" is refused), keys
 * must be unique, and every problem is reported as `path: reason`. `error`: how zod words its own issues (a Slack
 * reader's language; default zod's English).
 */
export function parseServicesYaml(text: string, opts: { error?: z.core.$ZodErrorMap } = {}): ParseResult {
  if (Buffer.byteLength(text) > MAX_SERVICES_FILE_BYTES) {
    const tooLarge = configIssue('fileTooLarge', { max: MAX_SERVICES_FILE_BYTES });
    return failed([{ where: '(file)', message: tooLarge.message, fact: tooLarge.params }]);
  }
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true });
  if (doc.errors.length) return failed(doc.errors.map((e) => ({ where: '(yaml)', message: e.message.split('\n')[0]! })));
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    return failed([{ where: '(yaml)', message: (e as Error).message }]);
  }
  const r = servicesFileSchema.safeParse(data, opts.error ? { error: opts.error } : undefined);
  if (!r.success) {
    return failed(r.error.issues.map((i) => ({
      where: issuePath(i.path),
      message: i.message,
      ...(i.code === 'custom' && isConfigFact(i.params) ? { fact: i.params } : {}),
    })));
  }
  return { ok: true, services: r.data.services };
}

export function servicesToYaml(services: Service[]): string {
  return stringify({ services }, { lineWidth: 0 });
}

// ---------------------------------------------------------------------------------------------
// Problems that belong to one service of a set being applied

/** A problem of `services[index]` (the index in the set being applied) at `path` inside that service. */
export interface ServiceProblem {
  index: number;
  service: string;
  path: string[];
  /** The operator's English (CLI). */
  message: string;
  /** What a Slack reply words in its reader's language. */
  fact?: ConfigIssueFact;
}

/** As `services apply` and `service import` print them: `services[1].vmNamePrefix: …`; `text` words each (default: English). */
export function formatServiceProblems(problems: readonly ServiceProblem[], text: (p: ServiceProblem) => string = (p) => p.message): string[] {
  return problems.map((p) => `services[${p.index}].${p.path.join('.')}: ${text(p)}`);
}

/** A file's problems as lines, `where: reason`; `text` words each (default: English, as `problems` holds them). */
export function formatFileProblems(issues: readonly FileProblem[], text: (p: FileProblem) => string = (p) => p.message): string[] {
  return issues.map((i) => `${i.where}: ${text(i)}`);
}

// ---------------------------------------------------------------------------------------------
// Secrets

/** What Slack shows instead of a secret; written back, it means "keep the stored value". */
export const REDACTED = '********';

interface SecretField {
  path: readonly string[];
  /** Whether a service that leaves the secret out keeps the stored one (the modal never shows it, so it is empty). */
  keepWhenOmitted(next: Service, prev: Service): boolean;
}

/** Every secret a service carries. Slack masks each of them, and each follows the same rule coming back. */
export const SECRET_FIELDS: readonly SecretField[] = [
  // A token belongs to its job: a service pointed at another job does not silently take the old job's token along.
  { path: ['jenkins', 'token'], keepWhenOmitted: (next, prev) => next.jenkins?.job === prev.jenkins?.job },
];

function getAt(obj: unknown, path: readonly string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

/** A copy of `obj` with the value at `path` set; the parents must exist. */
function setAt<T>(obj: T, path: readonly string[], value: unknown): T {
  const copy = structuredClone(obj) as Record<string, unknown>;
  let o = copy;
  for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
  o[path[path.length - 1]!] = value;
  return copy as T;
}

/** The config as Slack may show it: every secret replaced by REDACTED. */
export function withoutSecrets(s: Service): Service {
  let out = s;
  for (const f of SECRET_FIELDS) if (getAt(out, f.path) !== undefined) out = setAt(out, f.path, REDACTED);
  return out;
}

export type SecretsResult = { ok: true; service: Service } | { ok: false; path: string[]; message: string; fact: ConfigIssueFact };

/**
 * Puts the stored secrets back into a service coming from Slack or a file: REDACTED means "keep the stored value"
 * (refused when there is none, so the placeholder is never stored or published), and a secret left out is kept
 * where its field says so.
 */
export function resolveSecrets(next: Service, prev: Service | undefined): SecretsResult {
  let out = next;
  for (const f of SECRET_FIELDS) {
    const value = getAt(out, f.path);
    const stored = prev ? getAt(prev, f.path) : undefined;
    if (value === REDACTED) {
      if (stored === undefined) {
        const why = configIssue(prev ? 'secretNoneStored' : 'secretServiceNew', { placeholder: REDACTED, service: next.name });
        return { ok: false, path: [...f.path], message: why.message, fact: why.params };
      }
      out = setAt(out, f.path, stored);
    } else if (value === undefined && stored !== undefined && prev && getAt(out, f.path.slice(0, -1)) !== undefined && f.keepWhenOmitted(out, prev)) {
      out = setAt(out, f.path, stored);
    }
  }
  return { ok: true, service: out };
}

// ---------------------------------------------------------------------------------------------
// Rules across services

/**
 * The vCenter folder a service's VMs go to, as a datacenter (undefined: govc's default, GOVC_DATACENTER) and a path
 * inside it. No folder means the datacenter's VM folder (`vm`); a relative folder is read from the datacenter, as
 * govc does; slashes are normalised. Comparisons ignore case (a refusal is cheaper than two services sharing names).
 */
export function vmFolderOf(s: Service): { datacenter: string | undefined; path: string } {
  const clean = (p: string) => p.split('/').filter(Boolean).join('/');
  const dc = s.vcenter.datacenter ? clean(s.vcenter.datacenter) : undefined;
  const folder = s.vcenter.folder;
  if (folder === undefined || clean(folder) === '') return { datacenter: dc, path: 'vm' };
  if (folder.startsWith('/')) {
    const [first, ...rest] = clean(folder).split('/');
    return { datacenter: first, path: rest.join('/') || 'vm' };
  }
  return { datacenter: dc, path: clean(folder) };
}

function sameFolder(a: Service, b: Service): boolean {
  const fa = vmFolderOf(a);
  const fb = vmFolderOf(b);
  const eq = (x: string, y: string) => x.toLowerCase() === y.toLowerCase();
  // An unset datacenter is govc's default, which may well be the other one's: count it as the same.
  return eq(fa.path, fb.path) && (fa.datacenter === undefined || fb.datacenter === undefined || eq(fa.datacenter, fb.datacenter));
}

/** The folder two services share, as the one of them that names its datacenter writes it (undefined: govc's default). */
function sharedFolder(a: Service, b: Service): { datacenter?: string; path: string } {
  const fa = vmFolderOf(a);
  const f = fa.datacenter !== undefined ? fa : vmFolderOf(b);
  return { ...(f.datacenter !== undefined ? { datacenter: f.datacenter } : {}), path: f.path };
}

/** A problem of a rule across services: the English message and its fact. */
function problem(index: number, service: string, path: string[], fact: ConfigIssueFact): ServiceProblem {
  return { index, service, path, message: englishOf(fact), fact };
}

/**
 * Whether some VM name is `<a>-<n>` and `<b>-<m>` at once (n, m digits: workflows/vmPorts.ts serviceVmPattern).
 * Only when a = b: if b = `<a>-<rest>`, then `<b>-<m>` = `<a>-<rest>-<m>` and `<rest>-<m>` holds a "-", so it is not
 * digits. `web` and `web-server` therefore never share a VM name (`web-server-1` is not `web-<n>`).
 */
export function prefixesCollide(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The addresses two pools share, if any. */
export function poolOverlap(a: Service['network']['ipPool'], b: Service['network']['ipPool']): { start: string; end: string } | undefined {
  const start = Math.max(ipToInt(a.start), ipToInt(b.start));
  const end = Math.min(ipToInt(a.end), ipToInt(b.end));
  return start <= end ? { start: intToIp(start), end: intToIp(end) } : undefined;
}

const range = (p: { start: string; end: string }) => (p.start === p.end ? p.start : `${p.start}-${p.end}`);

/**
 * Conflicts between the services being applied and the set they produce: `incoming` plus the stored services it does
 * not replace. Each pair that involves an incoming service is checked once and reported on the incoming one (on the
 * later one when both are). Conflicts between two stored services, older than these rules, do not block others.
 */
export function conflictsBetween(incoming: readonly Service[], stored: readonly Service[]): ServiceProblem[] {
  const names = new Set(incoming.map((s) => s.name));
  const others = stored.filter((s) => !names.has(s.name));
  const problems: ServiceProblem[] = [];
  incoming.forEach((s, index) => {
    for (const other of [...incoming.slice(0, index), ...others]) {
      if (other.name === s.name) continue;
      if (prefixesCollide(s.vmNamePrefix, other.vmNamePrefix) && sameFolder(s, other)) {
        const folder = sharedFolder(s, other);
        problems.push(problem(index, s.name, ['vmNamePrefix'], configFact('vmNamesCollide', { service: s.name, other: other.name, prefix: s.vmNamePrefix, ...folder })));
      }
      const shared = poolOverlap(s.network.ipPool, other.network.ipPool);
      if (shared) {
        problems.push(problem(index, s.name, ['network', 'ipPool'], configFact('poolsOverlap', {
          pool: range(s.network.ipPool), service: s.name, otherPool: range(other.network.ipPool), other: other.name, shared: range(shared),
        })));
      }
    }
  });
  return problems;
}
