/**
 * Schema 2 → 3: bots before schema 3 wrote English sentences into db.json for blocks, pre-flight checks, event
 * details, step details and rollback results. This turns the sentences it recognizes back into the facts they were made from, so an old file renders in
 * any language. Text it does not recognize becomes `legacy` (shown as it was written). The regular expressions mirror
 * the producers at 9550591 and live only here: nothing else ever parses stored text.
 */
import { isStepName } from '../steps.js';
import type { Attempt, AuditEntry, BlockInfo, Check, Direction, EventFact, IpLease, RequestEvent, ScaleRequest, StepFact, StepRecord, UndoAction, UndoneFact } from './types.js';

type Legacy = Record<string, unknown>;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** An old `{ code, message, until? }` block → its facts. */
export function migrateBlock(old: Legacy): BlockInfo {
  const until = str(old.until);
  const at = until ? { until } : {};
  const code = str(old.code);
  const text = str(old.message) ?? '';
  const parsed = parseBlockText(text);
  // The text decides, but only when it agrees with the code the old bot stored next to it.
  if (parsed && parsed.code === code) return { ...parsed, ...at } as BlockInfo;
  return { code: 'legacy', text, ...at };
}

function parseBlockText(t: string): BlockInfo | undefined {
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^(.+) already runs (\d+) of at most (\d+) instances$/))) return { code: 'max_instances', service: m[1]!, count: +m[2]!, max: +m[3]! };
  if ((m = t.match(/^(.+) runs (\d+) instances, its minimum is (\d+)$/))) return { code: 'min_instances', service: m[1]!, count: +m[2]!, min: +m[3]! };
  if ((m = t.match(/^every VM the bot created for (.+) is protected from scale-in \((\d+)\), so nothing can be removed$/))) return { code: 'nothing_to_remove', service: m[1]!, protectedCount: +m[2]! };
  if ((m = t.match(/^no VM created by the bot is left to remove from (.+)$/))) return { code: 'nothing_to_remove', service: m[1]! };
  if ((m = t.match(/^(.+) scaled (out|in) at (\S+); cooldown lasts until then$/)) && !Number.isNaN(Date.parse(m[3]!))) {
    return { code: 'cooldown', service: m[1]!, direction: m[2] as Direction, lastAt: m[3]! };
  }
  if ((m = t.match(/^(.+) already scaled out (\d+) times in the last hour \(limit (\d+)\)$/))) return { code: 'rate_limit', service: m[1]!, count: +m[2]!, limit: +m[3]! };
  if ((m = t.match(/^(.+) already has a scale-(out|in) in flight \((\S+)\); one run per service at a time$/))) {
    return { code: 'conflict', service: m[1]!, otherDirection: m[2] as Direction, otherId: m[3]! };
  }
  if ((m = t.match(/^the instances of (.+) could not be counted \(neither F5 nor vCenter answered\), so nothing was started$/))) return { code: 'unknown_instances', service: m[1]! };
  if ((m = t.match(/^(.+) was protected from scale-in after this card was posted, so it was not removed$/))) return { code: 'protected', vm: m[1]! };
  if ((m = t.match(/^(\S+) is in a change freeze(?: \((.*)\))?$/))) return { code: 'frozen', service: m[1]!, ...(m[2] ? { reason: m[2] } : {}) };
  return undefined;
}

/** An old `{ ok, text }` pre-flight line → its facts. */
export function migrateCheck(old: Legacy): Check {
  const ok = old.ok === true;
  const t = str(old.text) ?? '';
  let m: RegExpMatchArray | null;
  if ((m = t.match(/^template (.+) present$/))) return { ok, code: 'template_present', template: m[1]! };
  if ((m = t.match(/^template (.+) not found in vCenter$/))) return { ok, code: 'template_missing', template: m[1]! };
  if ((m = t.match(/^vCenter unreachable: (.*)$/s))) return { ok, code: 'vcenter_unreachable', error: m[1]! };
  if ((m = t.match(/^(\d+) of (\d+) pool (?:IPs|addresses) free$/))) return { ok, code: 'ips_free', free: +m[1]!, size: +m[2]! };
  if (t === 'F5 not configured (F5_SERVERS)') return { ok, code: 'f5_unconfigured' };
  if ((m = t.match(/^F5 pool (\S+) reachable \((\d+) members\)$/))) return { ok, code: 'f5_reachable', pool: m[1]!, members: +m[2]! };
  if ((m = t.match(/^F5 pool (\S+): (.*)$/s))) return { ok, code: 'f5_error', pool: m[1]!, error: m[2]! };
  if (t === 'vCenter and F5 not consulted (no GOVC_URL / F5_SERVERS)') return { ok, code: 'not_consulted' };
  if (t === 'pre-flight checks timed out') return { ok, code: 'timed_out' };
  return { ok, code: 'legacy', text: t };
}

const CONFIRMED = 'confirmed during a change freeze';
/** Event types whose detail the workflows or the runner wrote (words of the bot); on others the detail is a person's reason. */
const BOT_WORDED: ReadonlySet<RequestEvent['type']> = new Set(['refired', 'superseded', 'blocked', 'resolved', 'withdrawn', 'note', 'step', 'attempt-started', 'finished', 'recovered']);
const STEP_STATES: ReadonlySet<string> = new Set(['running', 'done', 'failed', 'undone']);

/** The runner's event details (`clone done: …`, `attempt 2`, `failed at health: …`) → facts; the step's words live on its record. */
function runnerFactOf(type: RequestEvent['type'], t: string): EventFact | undefined {
  let m: RegExpMatchArray | null;
  if (type === 'step' && (m = t.match(/^(\S+) (\w+)(?:: |$)/)) && isStepName(m[1]!) && STEP_STATES.has(m[2]!)) {
    return { code: 'step', step: m[1], state: m[2] as StepRecord['state'] };
  }
  if (type === 'attempt-started' && (m = t.match(/^attempt (\d+)$/))) return { code: 'attempt_started', n: +m[1]! };
  if (type === 'recovered' && t === 'resuming after a restart') return { code: 'resuming' };
  if (type === 'finished' && t === 'succeeded') return { code: 'run_finished', outcome: 'succeeded' };
  if (type === 'finished' && (m = t.match(/^failed at (\S+): /s))) {
    return { code: 'run_finished', outcome: 'failed', ...(isStepName(m[1]!) || m[1] === 'unknown' ? { step: m[1] as StepRecord['name'] | 'unknown' } : {}) };
  }
  if (type === 'finished' && t === 'failed') return { code: 'run_finished', outcome: 'failed' };
  return undefined;
}

function eventFactOf(type: RequestEvent['type'], t: string, block: Legacy | undefined): EventFact {
  let m: RegExpMatchArray | null;
  const runner = runnerFactOf(type, t);
  if (runner) return runner;
  if (type === 'refired' && (m = t.match(/^fired again ×(\d+) \(last: (.*)\)$/))) return { code: 'refired', count: +m[1]!, last: m[2]! };
  if (t === 'the block has passed; a new request replaces this one') return { code: 'block_passed' };
  if (type === 'blocked') {
    const b = parseBlockText(t);
    // The request's own block carries the code and `until` the sentence lacks.
    if (b && (!block || str(block.code) === b.code)) return { code: 'blocked', block: { ...b, ...(block && str(block.message) === t && str(block.until) ? { until: str(block.until)! } : {}) } as BlockInfo };
  }
  if (t === 'alert cleared after the run') return { code: 'resolved_after_run' };
  if (t === 'settle: still firing') return { code: 'still_firing' };
  if ((m = t.match(/^(.+) resolved before anyone decided$/))) return { code: 'resolved_before_decision', alert: m[1]! };
  if ((m = t.match(/^silenced in Alertmanager until (\S+)$/)) && !Number.isNaN(Date.parse(m[1]!))) return { code: 'silenced', until: m[1]! };
  if ((m = t.match(/^(.+) is back at its minimum \((\d+) of (\d+)\) without it$/))) return { code: 'back_at_min', service: m[1]!, count: +m[2]!, min: +m[3]! };
  if ((m = t.match(/^A scale-(out|in) alert \((.*)\) fired while this request is open; it was not acted on\.$/))) return { code: 'conflicting_alert', direction: m[1] as Direction, alert: m[2]! };
  if (type === 'resolved' && (m = t.match(/^(.+) resolved$/))) return { code: 'alert_resolved', alert: m[1]! };
  return { code: 'legacy', text: t };
}

/** An old event: the bot's words become a fact; a decision's "confirmed during a change freeze" suffix too. */
export function migrateEvent(old: RequestEvent, block: Legacy | undefined): RequestEvent {
  const detail = old.detail;
  if (detail === undefined || old.fact) return old;
  const { detail: _drop, ...rest } = old;
  if (BOT_WORDED.has(old.type)) return { ...rest, fact: eventFactOf(old.type, detail, block) };
  if (old.type === 'approved' || old.type === 'auto-approved' || old.type === 'retry') {
    if (detail === CONFIRMED) return { ...rest, fact: { code: 'confirmed_frozen' } };
    if (detail.endsWith(`; ${CONFIRMED}`)) return { ...rest, detail: detail.slice(0, -CONFIRMED.length - 2), fact: { code: 'confirmed_frozen' } };
  }
  return old;
}

/** An old step's English detail → its fact: a dry run's line is kept as that line; other details are legacy. */
function migrateStep(old: StepRecord, error: Attempt['error']): StepRecord {
  const legacy = old as StepRecord & { detail?: unknown };
  if (typeof legacy.detail !== 'string' || old.fact || old.error) return old;
  const { detail, ...rest } = legacy;
  if (!detail) return rest;
  // A failed step's detail was its error's message (another system's words, or the bot's): shown as it was.
  if (old.state === 'failed') return { ...rest, error: { code: error?.step === old.name ? error.code : 'failed', message: detail } };
  const m = detail.match(/^DRY RUN: would (.*)$/s);
  const fact: StepFact = m ? { code: 'dry_run', line: m[1]! } : { code: 'legacy', text: detail };
  return { ...rest, fact };
}

const UNDO_DONE: Array<[RegExp, (x: string) => UndoAction]> = [
  [/^removed F5 member (\S+)$/, (member) => ({ code: 'remove_member', member })],
  [/^powered off and destroyed (\S+)$/, (vm) => ({ code: 'destroy_vm', vm })],
  [/^released (\S+)$/, (ip) => ({ code: 'release_ip', ip })],
  [/^powered (\S+) on again$/, (vm) => ({ code: 'power_on_vm', vm })],
  [/^re-added (\S+)$/, (member) => ({ code: 'readd_member', member })],
  [/^re-enabled (\S+)$/, (member) => ({ code: 'reenable_member', member })],
];

/** An old English rollback line → its fact (what was undone); failures and anything else stay legacy. */
export function migrateUndone(old: unknown): UndoneFact {
  if (typeof old !== 'string') return old as UndoneFact;
  const pipeline = old.match(/^Jenkins rollback: (.*)$/s);
  const t = pipeline ? pipeline[1]! : old;
  const by = pipeline ? { by: 'pipeline' as const } : {};
  for (const [re, fact] of UNDO_DONE) {
    const m = t.match(re);
    if (m) return { ...fact(m[1]!), ...by };
  }
  return { code: 'legacy', text: old };
}

function migrateAttempt(a: Attempt): Attempt {
  return { ...a, steps: (a.steps ?? []).map((s) => migrateStep(s, a.error)), undone: (a.undone ?? []).map(migrateUndone) };
}

/** One request of schema ≤ 2 → 3 (also run on every archived request: it leaves schema-3 parts as they are). */
export function migrateRequest(r: ScaleRequest): ScaleRequest {
  const oldBlock = r.blocked as unknown as Legacy | undefined;
  return {
    ...r,
    attempts: (r.attempts ?? []).map(migrateAttempt),
    ...(oldBlock ? { blocked: 'message' in oldBlock ? migrateBlock(oldBlock) : r.blocked } : {}),
    preview: { ...r.preview, checks: (r.preview?.checks ?? []).map((c) => ('text' in c && !('code' in c) ? migrateCheck(c as unknown as Legacy) : c)) },
    events: (r.events ?? []).map((e) => migrateEvent(e, oldBlock)),
  };
}

const isLease = (v: unknown): v is IpLease =>
  typeof v === 'object' && v !== null && typeof (v as IpLease).ip === 'string' && typeof (v as IpLease).service === 'string' && typeof (v as IpLease).state === 'string';

/**
 * Schema 1 → 2: `service → ip → lease` becomes `ip → lease`. When two services held one address
 * (overlapping pools), one lease is kept — an in-use one before a reserved one, then the older — and
 * every other is written to the audit trail as `lease.conflict` with all its fields, so an operator
 * sees both and can fix the overlap; no lease disappears without a trace. Files already in the new
 * shape pass through unchanged.
 */
export function migrateLeases(old: unknown, at: string): { leases: Record<string, IpLease>; audit: AuditEntry[] } {
  const leases: Record<string, IpLease> = {};
  const audit: AuditEntry[] = [];
  if (typeof old !== 'object' || old === null) return { leases, audit };
  const found: IpLease[] = [];
  for (const [key, value] of Object.entries(old as Record<string, unknown>)) {
    if (isLease(value)) found.push({ ...value, ip: value.ip || key }); // already keyed by address
    else if (typeof value === 'object' && value !== null) {
      for (const [ip, l] of Object.entries(value as Record<string, unknown>)) if (isLease(l)) found.push({ ...l, ip: l.ip || ip, service: l.service || key });
    }
  }
  const rank = (l: IpLease) => (l.state === 'in-use' ? 0 : 1);
  found.sort((a, b) => rank(a) - rank(b) || a.at.localeCompare(b.at));
  for (const l of found) {
    const kept = leases[l.ip];
    if (!kept) {
      leases[l.ip] = l;
      continue;
    }
    audit.push({
      at, actor: 'bot', action: 'lease.conflict', target: `${l.service}/${l.ip}`,
      detail: `${l.ip} was leased to both ${kept.service} (${kept.state}${kept.vmName ? `, ${kept.vmName}` : ''}, kept) and ${l.service} ` +
        `(${l.state}${l.vmName ? `, ${l.vmName}` : ''}, request ${l.requestId}, not kept): ${JSON.stringify(l)}. ` +
        'Their pools overlap: check which VM really has the address and fix the pools.',
    });
  }
  return { leases, audit };
}
