/** What users read from the template and service commands, their confirm prompts and their progress messages. */
import type { Service } from '../config.js';
import type { Direction, Preview, ScaleRequest } from '../store/types.js';
import { blockText, checkText } from './facts.js';
import type { TemplateFailure, TemplateListing } from '../store/templateTypes.js';
import { catalog, type Catalog, type Locale } from '../i18n/index.js';
import type { ActionsBlock, KnownBlock, SectionBlock } from '@slack/types';
import { ACTION } from './ids.js';
import { messages, stepLabel } from './messages.js';
// Names from vCenter and error texts are not ours: keep them from being read as mentions or links.
import { escape as esc, mention } from './mrkdwn.js';
import { clock, formatDuration, relative, type TimeContext } from './time.js';

/** A time context that also names the reader's language (the user's Slack locale, else BOT_LOCALE). */
export type ReplyContext = TimeContext & { locale?: Locale };
const cw = (l: Locale | undefined) => catalog(l ?? 'en').commands;

const who = mention;
const list = (names: string[]) => names.map((n) => `*${esc(n)}*`).join(', ');

/** A line of a listing, capped so that a page of them stays far below Slack's 40,000 characters. */
export const MAX_LINE_CHARS = 600;
const capped = (line: string) => (line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS - 1)}…` : line);
/** At most `n` names, then how many more. */
const some = (names: readonly string[], n = 10, l?: Locale) =>
  names.length > n ? catalog(l ?? 'en').templates.andMore({ names: names.slice(0, n).join(', '), more: names.length - n }) : names.join(', ');

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

const tw = (l: Locale | undefined) => catalog(l ?? 'en').templates;
const sw = (l: Locale | undefined) => catalog(l ?? 'en').services;

function templateLine(t: TemplateListing, tc: ReplyContext): string {
  const w = tw(tc.locale);
  const facts = [
    t.description && esc(t.description),
    t.sourceVm ? w.from({ vm: esc(t.sourceVm) }) : undefined,
    t.createdBy || t.createdAt
      ? w.made({ by: t.createdBy ? w.madeBy({ who: who(t.createdBy) }) : '', at: t.createdAt ? w.madeAt({ at: clock(t.createdAt, tc, tc.locale) }) : '' })
      : undefined,
    t.usedBy.length ? w.usedBy({ services: some(t.usedBy, 10, tc.locale) }) : w.unused,
  ].filter(Boolean);
  return capped(`• *${esc(t.name)}* — ${facts.join(' · ')}`);
}

function templateWhy(f: TemplateFailure, l?: Locale): string {
  const w = tw(l).why;
  switch (f.code) {
    case 'no_vcenter': return w.no_vcenter;
    case 'source_missing': return w.source_missing({ source: f.source });
    case 'exists': return w.exists({ name: f.name });
    case 'not_found': return w.not_found({ name: f.name });
    case 'not_template': return w.not_template({ name: f.name });
    case 'in_use': return w.in_use({ services: list(f.services) });
    case 'ambiguous': return w.ambiguous({ name: esc(f.name), n: f.paths.length, paths: f.paths.map((p) => `\`${esc(p)}\``).join(', ') });
    default: return f.message.includes('resolves to multiple') ? w.multiplePools({ message: esc(f.message) }) : esc(f.message);
  }
}

/** Every function takes the reader's language last (the user's Slack locale, else BOT_LOCALE; English when none is given). */
export const templateText = {
  working: (l?: Locale) => tw(l).working,
  listFailed: (message: string, l?: Locale) => tw(l).listFailed({ message: esc(message) }),
  /** One page of the templates (`total` in all); the stale metadata is mentioned on the first page. */
  list: (templates: TemplateListing[], stale: string[], tc: ReplyContext, page?: PageInfo & { total: number }) => {
    const w = tw(tc.locale);
    const total = page?.total ?? templates.length;
    const lines = total ? [w.listTitle({ total }), ...templates.map((t) => templateLine(t, tc))] : [w.none];
    if (stale.length && (page?.page ?? 1) === 1) lines.push(capped(w.stale({ names: esc(some(stale, 20, tc.locale)) })));
    return [...lines, ...pageFooter(page, tc.locale)].join('\n');
  },
  createPrompt: (t: { source: string; name: string; description?: string; pool?: string }, l?: Locale) => {
    const w = tw(l);
    return [
      w.createPrompt({ name: t.name, source: t.source }),
      w.createClone({ source: t.source }),
      `${w.createPool({ pool: t.pool ?? w.defaultPool })}${t.description ? `\n${w.createDescription({ description: t.description })}` : ''}`,
    ].join('\n');
  },
  createButton: (l?: Locale) => tw(l).createButton,
  deleteButton: (l?: Locale) => tw(l).deleteButton,
  deletePrompt: (name: string, l?: Locale) => tw(l).deletePrompt({ name }),
  inUse: (name: string, services: string[], l?: Locale) =>
    (services.length > 1 ? tw(l).inUseMany : tw(l).inUseOne)({ name, services: list(services), first: services[0] ?? '' }),
  creating: (name: string, source: string, user: string, l?: Locale) => tw(l).creating({ name, source, who: who(user) }),
  created: (name: string, source: string, user: string, durationMs: number, l?: Locale) =>
    tw(l).created({ name, source, who: who(user), took: formatDuration(l ?? 'en', durationMs) }),
  checking: (name: string, user: string, l?: Locale) => tw(l).checking({ name, who: who(user) }),
  destroying: (name: string, user: string, l?: Locale) => tw(l).destroying({ name, who: who(user) }),
  deleted: (name: string, user: string, l?: Locale) => tw(l).deleted({ name, who: who(user) }),
  failed: (action: 'create' | 'delete', name: string, f: TemplateFailure, l?: Locale) =>
    (action === 'create' ? tw(l).createFailed : tw(l).deleteFailed)({ name, why: templateWhy(f, l) }),
  noVcenter: (l?: Locale) => tw(l).noVcenter,
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

function serviceLine(s: ServiceStatus, tc: ReplyContext): string {
  const c = s.service;
  const l = tc.locale ?? 'en';
  const w = sw(l);
  const m = { locale: l, tz: tc.tz, now: tc.now };
  const last = s.last ? w.last({ verb: messages.verb(s.last.direction, m), state: messages.stateText(s.last, m), at: clock(s.last.updatedAt, tc, l) }) : w.noneYet;
  return capped(`${c.enabled ? ':large_green_circle:' : ':white_circle:'} ${w.line({
    name: c.name, disabled: c.enabled ? '' : w.disabled, instances: String(s.instances ?? '?'), min: c.scaling.min, max: c.scaling.max, leased: s.leased, free: s.free, last,
  })}`);
}

/** Every function takes the reader's language last (the user's Slack locale, else BOT_LOCALE; English when none is given). */
export const serviceText = {
  unknown: (name: string, l?: Locale) => sw(l).unknown({ name: name.slice(0, 60) }),
  /** One page of the services (`total` in all). */
  list: (shown: ServiceStatus[], tc: ReplyContext, page?: PageInfo & { total: number }) => {
    const total = page?.total ?? shown.length;
    return total ? [sw(tc.locale).listTitle({ total }), ...shown.map((s) => serviceLine(s, tc)), ...pageFooter(page, tc.locale)].join('\n') : sw(tc.locale).none;
  },
  show: (s: ServiceStatus, yaml: string, tc: ReplyContext) =>
    `${serviceLine(s, tc)}\n${sw(tc.locale).show({ channel: s.service.channel, template: s.service.template, mode: s.service.approval.mode })}\n\`\`\`\n${yaml.trimEnd()}\n\`\`\``,
  enabled: (name: string, enabled: boolean, already: boolean, l?: Locale) =>
    already ? (enabled ? sw(l).alreadyEnabled({ name }) : sw(l).alreadyDisabled({ name }))
    : enabled ? sw(l).enabled({ name })
    : sw(l).disabledNow({ name }),
  openRequest: (name: string, requestId: string, l?: Locale) => sw(l).openRequest({ name, id: requestId }),
  deletePrompt: (name: string, leases: number, l?: Locale) => sw(l).deletePrompt({ name, leases: leases ? sw(l).leasesKept({ n: leases }) : '' }),
  deleteButton: (l?: Locale) => sw(l).deleteButton,
  deleted: (name: string, user: string, l?: Locale) => sw(l).deleted({ name, who: who(user) }),
  openModalFailed: (error: string, l?: Locale) => sw(l).openModalFailed({ error }),
  exporting: (l?: Locale) => sw(l).exporting,
  exported: (count: number, filename: string, l?: Locale) => (count === 1 ? sw(l).exportedOne({ filename }) : sw(l).exported({ filename, n: count })),
  exportInline: (yaml: string, reason: string, l?: Locale) => {
    const max = 38_000;
    const body = yaml.length > max ? `${yaml.slice(0, max)}\n${sw(l).exportCut}` : yaml.trimEnd();
    return sw(l).exportInline({ reason, yaml: body });
  },
  secretsNote: (l?: Locale) => sw(l).secretsNote,
  saved: (name: string, outcome: 'created' | 'updated' | 'unchanged', l?: Locale) =>
    outcome === 'created' ? sw(l).created({ name }) : outcome === 'updated' ? sw(l).saved({ name }) : sw(l).unchanged({ name }),
  imported: (r: { created: string[]; updated: string[]; unchanged: string[] }, l?: Locale) =>
    sw(l).imported({ created: r.created.join(', ') || '—', updated: r.updated.join(', ') || '—', unchanged: r.unchanged.join(', ') || '—' }),
  nameTaken: (name: string, l?: Locale) => sw(l).nameTaken({ name }),
  gone: (name: string, l?: Locale) => sw(l).gone({ name }),
  importProblems: (problems: string[], l?: Locale) => {
    const shown = problems.slice(0, 8).join('\n');
    return `${shown}${problems.length > 8 ? `\n${sw(l).moreProblems({ n: problems.length - 8 })}` : ''}`.slice(0, 1900);
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

/** `/autoscale status`: one line per service with a warm pool (ready of size, which VMs, refilling). */
export function warmStatusLines(byService: Array<{ service: string; size: number; state: 'running' | 'stopped'; vms: string[]; refilling: boolean }>, w: Catalog['warm']): string[] {
  return byService.map((s) => capped(w.statusLine({
    service: esc(s.service), ready: s.vms.length, size: s.size, state: w.state[s.state], vms: s.vms.slice(0, 20).map(esc).join(', '),
  }) + (s.refilling ? w.refilling : '')));
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
  const took = a?.finishedAt ? formatDuration(l, Date.parse(a.finishedAt) - Date.parse(a.startedAt)) : '—';
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
