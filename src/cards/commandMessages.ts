/** What users read from the template and service commands, their confirm prompts and their progress messages. */
import type { Service } from '../config.js';
import { formatDuration } from '../duration.js';
import type { Direction, Preview, ScaleRequest } from '../store/types.js';
import { blockText, checkText } from './facts.js';
import type { TemplateFailure, TemplateListing } from '../store/templateTypes.js';
import { catalog, type Catalog, type Locale } from '../i18n/index.js';
import type { ActionsBlock, KnownBlock, SectionBlock } from '@slack/types';
import { ACTION } from './ids.js';
import { messages, stepLabel } from './messages.js';
// Names from vCenter and error texts are not ours: keep them from being read as mentions or links.
import { escape as esc, mention } from './mrkdwn.js';
import { clock, relative, type TimeContext } from './time.js';

/** A time context that also names the reader's language (the user's Slack locale, else BOT_LOCALE). */
export type ReplyContext = TimeContext & { locale?: Locale };
const cw = (l: Locale | undefined) => catalog(l ?? 'en').commands;

const who = mention;
const list = (names: string[]) => names.map((n) => `*${esc(n)}*`).join(', ');

/** A line of a listing, capped so that a page of them stays far below Slack's 40,000 characters. */
export const MAX_LINE_CHARS = 600;
const capped = (line: string) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line);
/** At most `n` names, then how many more. */
const some = (names: readonly string[], n = 10) => (names.length > n ? `${names.slice(0, n).join(', ')} and ${names.length - n} more` : names.join(', '));

/** Where a listing of several pages is: `_Page 2 of 7 — next: /autoscale service list 3_`. */
export interface PageInfo { page: number; pages: number; command: string }
function pageFooter(p: PageInfo | undefined, l?: Locale): string[] {
  if (!p || p.pages <= 1) return [];
  const w = cw(l);
  const next = p.page < p.pages ? w.nextPage({ command: `${p.command} ${p.page + 1}` }) : w.firstPage({ command: p.command });
  return [w.page({ page: p.page, pages: p.pages, next })];
}

/** A prompt with Confirm / Cancel buttons; the buttons carry only the confirmation id. */
export function confirmPrompt(text: string, confirmLabel: string, confirmationId: string, danger = false, l?: Locale): KnownBlock[] {
  const section: SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } };
  const actions: ActionsBlock = {
    type: 'actions',
    block_id: 'confirm',
    elements: [
      { type: 'button', action_id: ACTION.confirmCommand, value: confirmationId, style: danger ? 'danger' : 'primary', text: { type: 'plain_text', text: confirmLabel } },
      { type: 'button', action_id: ACTION.cancelCommand, value: confirmationId, text: { type: 'plain_text', text: cw(l).cancel } },
    ],
  };
  return [section, actions];
}

export const confirmText = {
  expired: (l?: Locale) => cw(l).expired,
  notYours: (owner: string, l?: Locale) => cw(l).notYours({ who: who(owner) }),
  cancelled: (l?: Locale) => cw(l).cancelled,
  started: (channel: string, l?: Locale) => cw(l).started({ channel }),
  failed: (message: string, l?: Locale) => cw(l).failed({ message: esc(message) }),
};

export const argText = {
  /** `what` and `problem` are the caller's words (a noun and zod's message), shown as given. */
  invalid: (what: string, value: string, problem: string, l?: Locale) =>
    cw(l).invalid({ value: value.slice(0, 80).replace(/`/g, "'"), what, problem }),
  onlyAdmins: (admins: string[], l?: Locale) => cw(l).onlyAdmins({ admins: admins.map(who).join(', ') }),
};

// ---------------------------------------------------------------------------------------------
// Templates

function templateLine(t: TemplateListing, tc: TimeContext): string {
  const facts = [
    t.description && esc(t.description),
    t.sourceVm ? `from ${esc(t.sourceVm)}` : undefined,
    t.createdBy || t.createdAt ? `made${t.createdBy ? ` by ${who(t.createdBy)}` : ''}${t.createdAt ? ` ${clock(t.createdAt, tc)}` : ''}` : undefined,
    t.usedBy.length ? `used by ${some(t.usedBy)}` : 'unused',
  ].filter(Boolean);
  return capped(`• *${esc(t.name)}* — ${facts.join(' · ')}`);
}

export const templateText = {
  working: () => 'Asking vCenter for its templates…',
  listFailed: (message: string) => `:x: Could not list templates: ${esc(message)}`,
  /** One page of the templates (`total` in all); the stale metadata is mentioned on the first page. */
  list: (templates: TemplateListing[], stale: string[], tc: TimeContext, page?: PageInfo & { total: number }) => {
    const total = page?.total ?? templates.length;
    const lines = total ? [`*Templates in vCenter (${total})*`, ...templates.map((t) => templateLine(t, tc))] : ['vCenter has no templates. `/autoscale template create <source-vm> <name>` makes one.'];
    if (stale.length && (page?.page ?? 1) === 1) lines.push(capped(`_Metadata kept for templates vCenter no longer has: ${esc(some(stale, 20))}._`));
    return [...lines, ...pageFooter(page)].join('\n');
  },
  createPrompt: (t: { source: string; name: string; description?: string; pool?: string }) =>
    [
      `Create template *${t.name}* from VM *${t.source}*?`,
      `The VM is cloned powered off and the clone is marked as a template; *${t.source}* itself is not changed.`,
      `Resource pool: ${t.pool ?? "vCenter's default"}${t.description ? `\nDescription: ${t.description}` : ''}`,
    ].join('\n'),
  deletePrompt: (name: string) => `Delete template *${name}* from vCenter? This destroys it with its disks and cannot be undone. No service uses it.`,
  inUse: (name: string, services: string[]) =>
    `Template *${name}* is used by ${list(services)}; point ${services.length > 1 ? 'them' : 'it'} at another template first (\`/autoscale service edit ${services[0] ?? ''}\`). Nothing was changed.`,
  creating: (name: string, source: string, user: string) => `:hourglass_flowing_sand: Creating template *${name}* from *${source}* (asked by ${who(user)})…`,
  created: (name: string, source: string, user: string, durationMs: number) =>
    `:white_check_mark: Template *${name}* created from *${source}* in ${formatDuration(durationMs)} (asked by ${who(user)}). \`/autoscale template list\` shows it.`,
  checking: (name: string, user: string) => `:hourglass_flowing_sand: Deleting template *${name}* (asked by ${who(user)}): checking vCenter…`,
  destroying: (name: string, user: string) => `:hourglass_flowing_sand: Deleting template *${name}* (asked by ${who(user)}): destroying it…`,
  deleted: (name: string, user: string) => `:wastebasket: Template *${name}* deleted from vCenter (asked by ${who(user)}).`,
  failed: (action: 'create' | 'delete', name: string, f: TemplateFailure) => {
    const why =
      f.code === 'no_vcenter' ? 'vCenter is not configured on this bot (GOVC_URL).'
      : f.code === 'source_missing' ? `vCenter has no VM named *${f.source}*.`
      : f.code === 'exists' ? `vCenter already has a VM or template named *${f.name}*.`
      : f.code === 'not_found' ? `vCenter has no template named *${f.name}*.`
      : f.code === 'not_template' ? `*${f.name}* is a VM, not a template; this command deletes only templates.`
      : f.code === 'in_use' ? `it is used by ${list(f.services)}.`
      : f.code === 'ambiguous' ? `the name *${esc(f.name)}* matches ${f.paths.length} objects in vCenter (${f.paths.map((p) => `\`${esc(p)}\``).join(', ')}), so the bot will not guess which one is meant. Rename the one to delete to a unique name.`
      : f.message.includes('resolves to multiple') ? `${esc(f.message)} — add \`pool=&lt;resource pool path&gt;\` to the command.`
      : esc(f.message);
    return `:x: Could not ${action} template *${name}*: ${why} Nothing was changed.`;
  },
  noVcenter: () => 'vCenter is not configured on this bot (GOVC_URL), so there are no templates to manage.',
};

// ---------------------------------------------------------------------------------------------
// Services

export interface ServiceStatus {
  service: Service;
  instances: number | null;
  leased: number;
  free: number;
  last?: ScaleRequest;
}

function serviceLine(s: ServiceStatus, tc: TimeContext): string {
  const c = s.service;
  const last = s.last ? `${messages.verb(s.last.direction)} ${messages.stateText(s.last)} ${clock(s.last.updatedAt, tc)}` : 'none yet';
  return capped(`${c.enabled ? ':large_green_circle:' : ':white_circle:'} *${c.name}*${c.enabled ? '' : ' _(disabled)_'} — instances ${s.instances ?? '?'} now (min ${c.scaling.min}, max ${c.scaling.max}) · IPs ${s.leased} leased / ${s.free} free · last scale event: ${last}`);
}

export const serviceText = {
  unknown: (name: string) => `No service named \`${name.slice(0, 60)}\`. \`/autoscale service list\` shows them.`,
  /** One page of the services (`total` in all). */
  list: (shown: ServiceStatus[], tc: TimeContext, page?: PageInfo & { total: number }) => {
    const total = page?.total ?? shown.length;
    return total ? [`*Services (${total})*`, ...shown.map((s) => serviceLine(s, tc)), ...pageFooter(page)].join('\n') : 'No services yet. `/autoscale service create` or `/autoscale service import` adds some.';
  },
  show: (s: ServiceStatus, yaml: string, tc: TimeContext) =>
    `${serviceLine(s, tc)}\nCards in <#${s.service.channel}> · template ${s.service.template} · approval ${s.service.approval.mode}\n\`\`\`\n${yaml.trimEnd()}\n\`\`\``,
  enabled: (name: string, enabled: boolean, already: boolean) =>
    already ? `${name} is already ${enabled ? 'enabled' : 'disabled'}. Nothing was changed.`
    : enabled ? `:large_green_circle: ${name} is enabled: its alerts create scale requests again.`
    : `:white_circle: ${name} is disabled: its alerts are ignored until \`/autoscale service enable ${name}\`.`,
  openRequest: (name: string, requestId: string) =>
    `${name} has an open scale request (${requestId}); delete it when the request is finished or rejected. Nothing was changed.`,
  deletePrompt: (name: string, leases: number) =>
    `Delete service *${name}*? Its alerts will be ignored and its cards stop.${leases ? ` Its ${leases} IP lease(s) are kept, so those addresses are not reused.` : ''} VMs are not touched.`,
  deleted: (name: string, user: string) => `:wastebasket: Service *${name}* deleted by ${who(user)}.`,
  openModalFailed: (error: string) => `:x: Could not open the form: ${error}`,
  exporting: () => 'Exporting…',
  exported: (count: number, filename: string) => `Uploaded *${filename}* (${count} service${count === 1 ? '' : 's'}) to this channel.`,
  exportInline: (yaml: string, reason: string) => {
    const max = 38_000;
    const body = yaml.length > max ? `${yaml.slice(0, max)}\n# … cut here: use \`node dist/cli.js services export\` for the whole file` : yaml.trimEnd();
    return `Could not upload a file (${reason}); here is the YAML:\n\`\`\`\n${body}\n\`\`\``;
  },
  secretsNote: () => 'Jenkins tokens are shown as ******** and kept when the YAML is imported back.',
  saved: (name: string, outcome: 'created' | 'updated' | 'unchanged') =>
    outcome === 'created' ? `Service *${name}* created. \`/autoscale service show ${name}\` shows it.`
    : outcome === 'updated' ? `Service *${name}* saved.`
    : `Nothing changed in *${name}*.`,
  imported: (r: { created: string[]; updated: string[]; unchanged: string[] }) =>
    [`Created: ${r.created.join(', ') || '—'}`, `Updated: ${r.updated.join(', ') || '—'}`, `Unchanged: ${r.unchanged.join(', ') || '—'}`].join('\n'),
  nameTaken: (name: string) => `A service named ${name} already exists; use \`/autoscale service edit ${name}\`.`,
  gone: (name: string) => `Service ${name} no longer exists; nothing was saved.`,
  importProblems: (problems: string[]) => {
    const shown = problems.slice(0, 8).join('\n');
    return `${shown}${problems.length > 8 ? `\n… and ${problems.length - 8} more` : ''}`.slice(0, 1900);
  },
};

// ---------------------------------------------------------------------------------------------
// Operations

/** `/autoscale status`: one line per service with VMs protected from scale-in (words from the catalog). */
export function protectedStatusLines(byService: Array<{ service: string; vms: string[] }>, w: Catalog['protect']): string[] {
  return byService
    .filter((s) => s.vms.length)
    .map((s) => {
      const names = s.vms.slice(0, 20).map(esc).join(', ');
      return capped(w.statusLine({ service: esc(s.service), vms: s.vms.length > 20 ? w.moreNames({ names, more: s.vms.length - 20 }) : names }));
    });
}

function decidedBy(r: ScaleRequest, l?: Locale): string {
  if (!r.decision) return '—';
  return r.decision.by === 'auto' ? cw(l).auto : who(r.decision.by);
}

/** One open request: pending with its deadline, in flight with the current step, blocked with why. */
function openLine(r: ScaleRequest, tc: ReplyContext): string {
  const w = cw(tc.locale);
  const l = tc.locale ?? 'en';
  const step = r.attempts.at(-1)?.steps.findLast((x) => x.state === 'running');
  const extra =
    r.state === 'pending' && r.autoApproveAt ? w.autoApproves({ at: clock(r.autoApproveAt, tc, l), relative: relative(r.autoApproveAt, tc, l) })
    : r.state === 'pending' ? w.noDeadline
    : r.state === 'running' && step ? w.now({ step: stepLabel(l ?? 'en', step.name) })
    : r.state === 'blocked' && r.blocked ? `: ${esc(blockText(l, r.blocked))}`
    : '';
  const m = { locale: l, tz: tc.tz, now: tc.now };
  return capped(`• *${r.service}* ${messages.verb(r.direction, m)} \`${r.id}\` — ${messages.stateText(r, m)}${extra}`);
}

function historyLine(r: ScaleRequest, tc: ReplyContext): string {
  const l = tc.locale ?? 'en';
  const a = r.attempts.at(-1);
  const took = a?.finishedAt ? formatDuration(Date.parse(a.finishedAt) - Date.parse(a.startedAt)) : '—';
  const vm = a?.result ? ` ${a.result.vmName ?? ''} ${a.result.ip ?? ''}`.trimEnd() : '';
  return cw(l).historyLine({ at: clock(r.createdAt, tc, l), service: r.service, direction: r.direction, state: messages.stateText(r, { locale: l, tz: tc.tz }), by: decidedBy(r, l), took, vm });
}

const verbOf = (d: Direction, l?: Locale) => messages.verb(d, { locale: l ?? 'en', tz: 'UTC' });

export const operationsText = {
  noOpenRequests: (l?: Locale) => cw(l).noOpenRequests,
  /** One page of the open requests. */
  open: (open: ScaleRequest[], tc: ReplyContext, page?: PageInfo & { total: number }) =>
    [page && page.pages > 1 ? cw(tc.locale).openTitleCount({ total: page.total }) : cw(tc.locale).openTitle, ...open.map((r) => openLine(r, tc)), ...pageFooter(page, tc.locale)].join('\n'),
  noHistory: (service?: string, l?: Locale) => (service ? cw(l).noHistoryOf({ service }) : cw(l).noHistory),
  history: (list: ScaleRequest[], service: string | undefined, tc: ReplyContext) =>
    [service ? cw(tc.locale).historyTitleOf({ n: list.length, service }) : cw(tc.locale).historyTitle({ n: list.length }), ...list.map((r) => historyLine(r, tc))].join('\n'),
  disabled: (service: string, l?: Locale) => cw(l).disabled({ service }),
  preparing: (service: string, direction: Direction, channel: string, l?: Locale) => cw(l).preparing({ verb: verbOf(direction, l), service, channel }),
  alreadyOpen: (service: string, direction: Direction, id: string, l?: Locale) => cw(l).alreadyOpen({ verb: verbOf(direction, l), service, id }),
  requestFailed: (message: string, l?: Locale) => cw(l).requestFailed({ message }),
  checking: (service: string, l?: Locale) => cw(l).checking({ service }),
  /** Pre-flight findings go through facts.ts (stored codes, rendered here). */
  preflight: (service: string, port: number, direction: Direction, p: Preview, l?: Locale) => {
    const w = cw(l);
    return [
      w.preflightTitle({ verb: verbOf(direction, l), service }),
      w.preflightInstances({ n: p.instances === null ? '?' : String(p.instances), max: p.max, min: p.min, source: p.instancesSource }),
      ...(direction === 'out' ? [w.preflightNext({ vm: p.vmName ?? '?', ip: p.ip ?? w.noneFree, template: p.template })] : [w.preflightRemove({ vm: p.vmName ?? '?' })]),
      w.preflightPool({ pool: `${p.f5Pool}:${port}` }),
      ...p.checks.map((c) => `${c.ok ? ':white_check_mark:' : ':warning:'} ${checkText(l ?? 'en', c)}`),
      w.nothingChanged,
    ].join('\n');
  },
  preflightFailed: (message: string, l?: Locale) => cw(l).preflightFailed({ message }),
};
