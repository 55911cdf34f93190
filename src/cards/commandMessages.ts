/** What users read from the template and service commands, their confirm prompts and their progress messages. */
import type { Service } from '../config.js';
import { formatDuration } from '../duration.js';
import type { Direction, Preview, ScaleRequest } from '../store/types.js';
import { blockText, checkText } from './facts.js';
import type { TemplateFailure, TemplateListing } from '../workflows/templates.js';
import type { Catalog } from '../i18n/index.js';
import { ACTION } from './ids.js';
import { STEP_LABEL, messages } from './messages.js';
// Names from vCenter and error texts are not ours: keep them from being read as mentions or links.
import { escape as esc, mention } from './mrkdwn.js';
import { clock, relative, type TimeContext } from './time.js';

const who = mention;
const list = (names: string[]) => names.map((n) => `*${esc(n)}*`).join(', ');

/** A line of a listing, capped so that a page of them stays far below Slack's 40,000 characters. */
export const MAX_LINE_CHARS = 600;
const capped = (line: string) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line);
/** At most `n` names, then how many more. */
const some = (names: readonly string[], n = 10) => (names.length > n ? `${names.slice(0, n).join(', ')} and ${names.length - n} more` : names.join(', '));

/** Where a listing of several pages is: `_Page 2 of 7 — next: /autoscale service list 3_`. */
export interface PageInfo { page: number; pages: number; command: string }
function pageFooter(p: PageInfo | undefined): string[] {
  if (!p || p.pages <= 1) return [];
  const next = p.page < p.pages ? ` — next: \`/autoscale ${p.command} ${p.page + 1}\`` : ` — first: \`/autoscale ${p.command}\``;
  return [`_Page ${p.page} of ${p.pages}${next}_`];
}

/** A prompt with Confirm / Cancel buttons; the buttons carry only the confirmation id. */
export function confirmPrompt(text: string, confirmLabel: string, confirmationId: string, danger = false): unknown[] {
  return [
    { type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } },
    {
      type: 'actions',
      block_id: 'confirm',
      elements: [
        { type: 'button', action_id: ACTION.confirmCommand, value: confirmationId, style: danger ? 'danger' : 'primary', text: { type: 'plain_text', text: confirmLabel } },
        { type: 'button', action_id: ACTION.cancelCommand, value: confirmationId, text: { type: 'plain_text', text: 'Cancel' } },
      ],
    },
  ];
}

export const confirmText = {
  expired: () => 'This confirmation expired or was already used. Run the command again. Nothing was changed.',
  notYours: (owner: string) => `Only ${who(owner)}, who ran the command, can confirm it. Nothing was changed.`,
  cancelled: () => 'Cancelled. Nothing was changed.',
  started: (channel: string) => `Confirmed. Progress and the result will appear in <#${channel}>.`,
  failed: (message: string) => `:x: That failed: ${esc(message)}`,
};

export const argText = {
  invalid: (what: string, value: string, problem: string) =>
    `\`${value.slice(0, 80).replace(/`/g, "'")}\` is not a valid ${what}: ${problem}. Nothing was changed.`,
  onlyAdmins: (admins: string[]) => `Only admins may do this (ADMIN_USERS: ${admins.map(who).join(', ')}). Nothing was changed.`,
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

function decidedBy(r: ScaleRequest): string {
  if (!r.decision) return '—';
  return r.decision.by === 'auto' ? 'auto' : who(r.decision.by);
}

/** One open request: pending with its deadline, in flight with the current step, blocked with why. */
function openLine(r: ScaleRequest, tc: TimeContext): string {
  const step = r.attempts.at(-1)?.steps.findLast((x) => x.state === 'running');
  const extra =
    r.state === 'pending' && r.autoApproveAt ? `, auto-approves ${clock(r.autoApproveAt, tc)} (${relative(r.autoApproveAt, tc)})`
    : r.state === 'pending' ? ', no deadline (manual approval)'
    : r.state === 'running' && step ? `, now: ${STEP_LABEL[step.name]}`
    : r.state === 'blocked' && r.blocked ? `: ${esc(blockText('en', r.blocked))}`
    : '';
  return capped(`• *${r.service}* ${messages.verb(r.direction)} \`${r.id}\` — ${messages.stateText(r)}${extra}`);
}

function historyLine(r: ScaleRequest, tc: TimeContext): string {
  const a = r.attempts.at(-1);
  const took = a?.finishedAt ? formatDuration(Date.parse(a.finishedAt) - Date.parse(a.startedAt)) : '—';
  const vm = a?.result ? ` ${a.result.vmName ?? ''} ${a.result.ip ?? ''}`.trimEnd() : '';
  return `• ${clock(r.createdAt, tc)} *${r.service}* ${r.direction} — ${messages.stateText(r)}, by ${decidedBy(r)}, ${took}${vm}`;
}

export const operationsText = {
  noOpenRequests: () => 'No open scale requests.',
  /** One page of the open requests. */
  open: (open: ScaleRequest[], tc: TimeContext, page?: PageInfo & { total: number }) =>
    [page && page.pages > 1 ? `*Open scale requests (${page.total})*` : '*Open scale requests*', ...open.map((r) => openLine(r, tc)), ...pageFooter(page)].join('\n'),
  noHistory: (service?: string) => (service ? `No requests for ${service} yet.` : 'No requests yet.'),
  history: (list: ScaleRequest[], service: string | undefined, tc: TimeContext) =>
    [`*Last ${list.length} request(s)${service ? ` of ${service}` : ''}*`, ...list.map((r) => historyLine(r, tc))].join('\n'),
  disabled: (service: string) => `${service} is disabled; \`/autoscale service enable ${service}\` first.`,
  preparing: (service: string, direction: Direction, channel: string) =>
    `Preparing a scale-${direction} request for ${service}; its card will appear in <#${channel}>.`,
  alreadyOpen: (service: string, direction: Direction, id: string) => `A scale-${direction} of ${service} is already open (${id}); see its card.`,
  requestFailed: (message: string) => `:x: Could not create the request: ${message}`,
  checking: (service: string) => `Checking ${service}…`,
  preflight: (service: string, port: number, direction: Direction, p: Preview) =>
    [
      `*Pre-flight: scale-${direction} of ${service}*`,
      `Instances now / max: ${p.instances ?? '?'} / ${p.max} (min ${p.min}, from ${p.instancesSource})`,
      ...(direction === 'out' ? [`Next VM: ${p.vmName ?? '?'} · IP: ${p.ip ?? 'none free'} · template ${p.template}`] : [`VM to remove: ${p.vmName ?? '?'}`]),
      `F5 pool: ${p.f5Pool}:${port}`,
      ...p.checks.map((c) => `${c.ok ? ':white_check_mark:' : ':warning:'} ${checkText('en', c)}`),
      '_Nothing was changed._',
    ].join('\n'),
  preflightFailed: (message: string) => `:x: Pre-flight failed: ${message}`,
};
