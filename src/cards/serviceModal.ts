/**
 * The service modal (`/autoscale service create` / `service edit <name>`): every field of the services schema, in
 * sections, with the schema's defaults. One table of fields drives three things: the blocks, reading the submitted
 * view state back into a services-file object, and mapping zod issue paths to block ids for `response_action: errors`.
 * Each input's block_id is its dotted path in the schema (`network.ipPool.start`); every element's action_id is `v`.
 */
import type { InputBlock, KnownBlock, ModalView, PlainTextElement, PlainTextInput, PlainTextOption } from '@slack/types';
import { z } from 'zod';
import { FREEZE_TEXT_MAX, freezeText, LIST_TEXT_MAX, listText, serviceSchema, SLACK_INPUT_MAX, type Service } from '../config.js';
import type { ServiceProblem } from '../servicesFile.js';
import { catalog, type Catalog, type Locale } from '../i18n/index.js';
import { VIEW } from './ids.js';

type Kind = 'text' | 'number' | 'list' | 'freeze' | 'select' | 'checkbox' | 'users' | 'channel' | 'secret';

/** A text from the catalog. The older labels are still English literals; fields added since come from the catalog. */
type Text = string | ((c: Catalog) => string);
const say = (t: Text, c: Catalog): string => (typeof t === 'string' ? t : t(c));

interface Field {
  path: string;
  label: Text;
  kind: Kind;
  required?: boolean;
  /** Numbers with a fraction allowed (percentages). */
  decimal?: boolean;
  hint?: Text;
  options?: readonly string[];
  /** A checkbox's own text, and whether an unset value shows it ticked. */
  checkbox?: { text: string; defaultOn: boolean };
}

interface Section {
  title: string;
  hint?: string;
  /** Schema key of an optional group: absent when all its fields are empty. */
  optionalGroup?: string;
  fields: Field[];
}

const SECTIONS: Section[] = [
  {
    title: 'Service',
    fields: [
      { path: 'name', label: 'Name', kind: 'text', required: true, hint: 'Lower-case letters, digits and "-"; alerts name it in their "service" label.' },
      { path: 'enabled', label: 'Enabled', kind: 'checkbox', checkbox: { text: 'Alerts for this service create requests', defaultOn: true } },
      { path: 'locale', label: 'Language of its cards', kind: 'select', options: ['en', 'ko'], hint: 'Default: the bot\'s BOT_LOCALE.' },
      { path: 'channel', label: 'Channel for its cards', kind: 'channel', required: true },
      { path: 'template', label: 'vCenter template', kind: 'text', required: true, hint: '/autoscale template list shows them.' },
      { path: 'vmNamePrefix', label: 'VM name prefix', kind: 'text', required: true, hint: 'VMs are named <prefix>-<n>.' },
      { path: 'executor', label: 'Executor', kind: 'select', options: ['local', 'dry-run', 'jenkins'], hint: 'Default: the bot\'s EXECUTOR.' },
    ],
  },
  {
    title: 'vCenter placement',
    hint: 'Empty: govc\'s defaults.',
    fields: [
      { path: 'vcenter.datacenter', label: 'Datacenter', kind: 'text' },
      { path: 'vcenter.folder', label: 'Folder', kind: 'text' },
      { path: 'vcenter.pool', label: 'Resource pool', kind: 'text' },
      { path: 'vcenter.datastore', label: 'Datastore', kind: 'text' },
      { path: 'vcenter.network', label: 'Network', kind: 'text' },
    ],
  },
  {
    title: 'Network',
    fields: [
      { path: 'network.ipPool.start', label: 'IP pool start', kind: 'text', required: true },
      { path: 'network.ipPool.end', label: 'IP pool end', kind: 'text', required: true },
      { path: 'network.netmask', label: 'Netmask', kind: 'text', required: true },
      { path: 'network.gateway', label: 'Gateway', kind: 'text', required: true },
      { path: 'network.dns', label: 'DNS servers', kind: 'list', hint: 'Up to 3, separated by commas.' },
      { path: 'network.conflictCheck', label: 'Probe an address before using it', kind: 'select', options: ['icmp', 'tcp', 'none'] },
    ],
  },
  {
    title: 'F5',
    fields: [
      { path: 'f5.pool', label: 'Pool', kind: 'text', required: true },
      { path: 'f5.partition', label: 'Partition', kind: 'text' },
      { path: 'f5.port', label: 'Member port', kind: 'number', required: true },
      { path: 'f5.vip', label: 'Virtual server address', kind: 'text' },
      { path: 'f5.deviceGroup', label: 'Device group (config sync)', kind: 'text' },
    ],
  },
  {
    title: 'Health check',
    fields: [
      { path: 'healthCheck.type', label: 'Type', kind: 'select', options: ['tcp', 'http'] },
      { path: 'healthCheck.port', label: 'Port', kind: 'number', required: true },
      { path: 'healthCheck.path', label: 'HTTP path', kind: 'text' },
      { path: 'healthCheck.expectStatus', label: 'Expected HTTP status', kind: 'number' },
      { path: 'healthCheck.timeout', label: 'Give up after', kind: 'text', hint: 'Durations: 30s, 10m, 1h.' },
    ],
  },
  {
    title: 'Scaling',
    fields: [
      { path: 'scaling.min', label: 'Minimum instances', kind: 'number', required: true },
      { path: 'scaling.max', label: 'Maximum instances', kind: 'number', required: true },
      { path: 'scaling.cooldown', label: 'Cooldown after a scale event', kind: 'text' },
      { path: 'scaling.cooldownIn', label: 'Cooldown before a scale-in', kind: 'text', hint: 'Empty: the same as the cooldown.' },
      { path: 'scaling.maxPerHour', label: 'At most this many scale events per hour', kind: 'number' },
      { path: 'scaling.drainTimeout', label: 'Drain timeout (scale-in)', kind: 'text' },
      { path: 'scaling.settle', label: 'Settle time after a scale-out', kind: 'text' },
      { path: 'scaling.freeze', label: 'Change freezes', kind: 'freeze', hint: 'One per line: cron | duration | reason, e.g. 0 18 * * 5 | 60h | weekend' },
    ],
  },
  {
    title: 'Approval',
    fields: [
      { path: 'approval.mode', label: 'Mode', kind: 'select', options: ['manual', 'timeout', 'auto'], hint: 'timeout: approved automatically after the delay below.' },
      { path: 'approval.autoApproveAfter', label: 'Auto-approve after', kind: 'text' },
      { path: 'approval.approvers', label: 'Approvers', kind: 'users', hint: 'Nobody chosen: anyone in the channel.' },
    ],
  },
  {
    title: 'Monitoring (optional)',
    hint: 'Leave every field empty for a service without PLG rules; empty fields take the defaults shown.',
    optionalGroup: 'monitoring',
    fields: [
      { path: 'monitoring.prometheusJob', label: 'Prometheus job', kind: 'text', hint: (c) => c.sd.prometheusJobHint },
      { path: 'monitoring.existingJob', label: (c) => c.sd.existingJob, kind: 'text', hint: (c) => c.sd.existingJobHint },
      { path: 'monitoring.targets', label: 'Targets (host:port)', kind: 'list' },
      { path: 'monitoring.exporterPort', label: (c) => c.sd.exporterPort, kind: 'number' },
      { path: 'monitoring.sdRefreshInterval', label: (c) => c.sd.sdRefreshInterval, kind: 'text', hint: (c) => c.sd.sdRefreshIntervalHint },
      { path: 'monitoring.cpuThreshold', label: 'Scale out above CPU %', kind: 'number', decimal: true },
      { path: 'monitoring.memoryThreshold', label: 'Scale out above memory %', kind: 'number', decimal: true },
      { path: 'monitoring.for', label: 'for', kind: 'text' },
      { path: 'monitoring.scaleInCpuBelow', label: 'Scale in below CPU %', kind: 'number', decimal: true },
      { path: 'monitoring.scaleInMemoryBelow', label: 'Scale in below memory %', kind: 'number', decimal: true },
      { path: 'monitoring.scaleInFor', label: 'for', kind: 'text' },
      { path: 'monitoring.scrapeInterval', label: 'Scrape interval (empty: Prometheus default)', kind: 'text' },
      { path: 'monitoring.evaluationInterval', label: 'Rule evaluation interval (empty: Prometheus default)', kind: 'text' },
      { path: 'monitoring.groupWait', label: 'Alertmanager group_wait', kind: 'text' },
      { path: 'monitoring.groupInterval', label: 'Alertmanager group_interval', kind: 'text' },
      { path: 'monitoring.repeatInterval', label: 'Alertmanager repeat_interval', kind: 'text' },
    ],
  },
  {
    title: 'Jenkins (optional)',
    hint: 'Only for the jenkins executor.',
    optionalGroup: 'jenkins',
    fields: [
      { path: 'jenkins.job', label: 'Job', kind: 'text' },
      { path: 'jenkins.token', label: 'Build token', kind: 'secret' },
      { path: 'jenkins.webhookTrigger', label: 'Generic Webhook Trigger', kind: 'checkbox', checkbox: { text: 'Let callers start builds with a token the bot generates', defaultOn: false } },
      { path: 'jenkins.scm.url', label: 'Pipeline repository URL', kind: 'text' },
      { path: 'jenkins.scm.scriptPath', label: 'Script path', kind: 'text' },
      { path: 'jenkins.scm.branch', label: 'Branch', kind: 'text' },
    ],
  },
];

const FIELDS = SECTIONS.flatMap((s) => s.fields);
const ACTION_ID = 'v';
/** The "use the bot's default" option of an optional select. */
const DEFAULT_OPTION = '__default__';

export interface ServiceModalMeta {
  mode: 'create' | 'edit';
  /** The service being edited. */
  name?: string;
  /** Where the command was run. */
  channel: string;
}

// ---------------------------------------------------------------------------------------------
// Defaults and current values

/** The schema node at a dotted path, with optional/default wrappers peeled off; the default found on the way, if any. */
function schemaAt(path: string): { node: z.ZodType | undefined; fallback: unknown } {
  let node: z.ZodType | undefined = serviceSchema;
  let fallback: unknown;
  for (const key of path.split('.')) {
    node = node instanceof z.ZodObject ? (node.shape as Record<string, z.ZodType>)[key] : undefined;
    // Peel optional / default / prefault / nullable wrappers: each has an innerType.
    while (node && 'innerType' in node.def) {
      if (node instanceof z.ZodDefault) fallback = node.def.defaultValue;
      node = node.def.innerType as z.ZodType;
    }
  }
  return { node, fallback };
}

function getPath(obj: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function setPath(obj: Record<string, unknown>, path: string, value: unknown): void {
  const keys = path.split('.');
  let o = obj;
  for (const k of keys.slice(0, -1)) o = (o[k] ??= {}) as Record<string, unknown>;
  o[keys[keys.length - 1]!] = value;
}

function groupOf(path: string): string | undefined {
  return SECTIONS.find((s) => s.optionalGroup && s.fields.some((f) => f.path === path))?.optionalGroup;
}

/** What the field shows: the service's value (edit), else the schema default (outside optional groups). Secrets never. */
function initialValue(f: Field, service: Service | undefined, channel: string): unknown {
  if (f.kind === 'secret') return undefined;
  if (service) return getPath(service, f.path);
  if (f.path === 'channel') return channel;
  if (f.path === 'enabled') return true;
  return groupOf(f.path) ? undefined : schemaAt(f.path).fallback;
}

function freezeLines(v: unknown): string | undefined {
  if (!Array.isArray(v) || !v.length) return undefined;
  return freezeText(v as Array<{ cron: string; duration: string; reason?: string }>);
}

/**
 * The max_length of a field's input: the schema's own limit, so that every valid value can be shown and saved
 * unchanged. Lists and freeze windows are limited as the text the form shows (config.ts checks that same text).
 * Text fields whose schema has no length limit (the Jenkins group, checked in serviceSchema's refinement) get
 * Slack's maximum, which that refinement enforces.
 */
function maxLengthOf(f: Field): number {
  if (f.kind === 'list') return LIST_TEXT_MAX;
  if (f.kind === 'freeze') return FREEZE_TEXT_MAX;
  const node = schemaAt(f.path).node;
  const max = node instanceof z.ZodString ? node.maxLength : null;
  return Math.min(SLACK_INPUT_MAX, max ?? SLACK_INPUT_MAX);
}

// ---------------------------------------------------------------------------------------------
// Blocks

const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text: text.slice(0, 150) });
const option = (value: string, text = value): PlainTextOption => ({ text: plain(text), value });

function element(f: Field, value: unknown, editing: boolean, c: Catalog): InputBlock['element'] {
  const fallback = schemaAt(f.path).fallback;
  const placeholder = fallback !== undefined && !Array.isArray(fallback) ? { placeholder: plain(`default: ${String(fallback)}`) } : {};
  const text = (v: string | undefined, extra: Partial<PlainTextInput> = {}): PlainTextInput =>
    ({ type: 'plain_text_input', action_id: ACTION_ID, ...placeholder, ...(v ? { initial_value: v } : {}), ...extra });
  switch (f.kind) {
    case 'text':
      return text(value === undefined ? undefined : String(value), { max_length: maxLengthOf(f) });
    case 'secret':
      return { type: 'plain_text_input', action_id: ACTION_ID, max_length: maxLengthOf(f), ...(editing ? { placeholder: plain('unchanged unless you type a new one') } : {}) };
    case 'number':
      return { type: 'number_input', action_id: ACTION_ID, is_decimal_allowed: Boolean(f.decimal), ...placeholder, ...(typeof value === 'number' ? { initial_value: String(value) } : {}) };
    case 'list':
      return text(Array.isArray(value) && value.length ? listText(value as string[]) : undefined, { max_length: maxLengthOf(f) });
    case 'freeze':
      return text(freezeLines(value), { multiline: true, max_length: maxLengthOf(f) });
    case 'select': {
      const optional = !f.required && fallback === undefined;
      const options = [...(optional ? [option(DEFAULT_OPTION, 'default')] : []), ...(f.options ?? []).map((o) => option(o))];
      const chosen = typeof value === 'string' ? value : optional ? DEFAULT_OPTION : undefined;
      const initial = options.find((o) => o.value === chosen);
      return { type: 'static_select', action_id: ACTION_ID, options, ...(initial ? { initial_option: initial } : {}) };
    }
    case 'checkbox': {
      const on = option('on', f.checkbox?.text ?? say(f.label, c));
      const ticked = value === true || (value === undefined && (f.checkbox?.defaultOn ?? false));
      return { type: 'checkboxes', action_id: ACTION_ID, options: [on], ...(ticked ? { initial_options: [on] } : {}) };
    }
    case 'users':
      return { type: 'multi_users_select', action_id: ACTION_ID, ...(Array.isArray(value) && value.length ? { initial_users: value } : {}) };
    case 'channel':
      return { type: 'conversations_select', action_id: ACTION_ID, filter: { include: ['public', 'private'] }, ...(typeof value === 'string' && value ? { initial_conversation: value } : {}) };
  }
}

function inputBlock(f: Field, value: unknown, editing: boolean, c: Catalog): InputBlock {
  const optional = !f.required || f.kind === 'checkbox';
  return {
    type: 'input',
    block_id: f.path,
    optional,
    label: plain(say(f.label, c)),
    element: element(f, value, editing, c),
    ...(f.hint ? { hint: plain(say(f.hint, c)) } : {}),
  };
}

/** The modal; `service` prefills it for an edit. */
export function serviceModal(meta: ServiceModalMeta, service?: Service, locale: Locale = 'en'): ModalView {
  const c = catalog(locale);
  const editing = meta.mode === 'edit';
  const blocks: KnownBlock[] = [];
  for (const section of SECTIONS) {
    blocks.push({ type: 'header', text: plain(section.title) });
    if (section.hint) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: section.hint }] });
    for (const f of section.fields) {
      if (editing && f.path === 'name') {
        blocks.push({ type: 'section', block_id: 'name', text: { type: 'mrkdwn', text: `*Name:* ${meta.name ?? ''} _(a service cannot be renamed)_` } });
        continue;
      }
      blocks.push(inputBlock(f, initialValue(f, service, meta.channel), editing, c));
    }
  }
  return {
    type: 'modal',
    callback_id: VIEW.serviceEdit,
    private_metadata: JSON.stringify(meta),
    title: plain(editing ? `Edit ${meta.name ?? 'service'}`.slice(0, 24) : 'New service'),
    submit: plain(editing ? 'Save' : 'Create'),
    close: plain('Cancel'),
    blocks,
  };
}

// ---------------------------------------------------------------------------------------------
// Submission

/** The part of Slack's view.state.values this modal reads. */
export type ViewValues = Record<string, Record<string, {
  value?: string | null;
  selected_option?: { value: string } | null;
  selected_options?: Array<{ value: string }>;
  selected_users?: string[];
  selected_conversation?: string | null;
} | undefined> | undefined>;

function words(s: string | undefined): string[] | undefined {
  const list = s?.split(/[\s,]+/).filter(Boolean);
  return list?.length ? list : undefined;
}

function freezeWindows(s: string | undefined): unknown[] | undefined {
  const lines = s?.split('\n').map((l) => l.trim()).filter(Boolean);
  if (!lines?.length) return undefined;
  return lines.map((l) => {
    const [cron, duration, ...rest] = l.split('|').map((p) => p.trim());
    const reason = rest.join(' | ');
    return { cron, duration, ...(reason ? { reason } : {}) };
  });
}

/** One field's submitted value as the schema wants it; undefined when empty (the default applies). */
function readField(f: Field, values: ViewValues): unknown {
  const v = values[f.path]?.[ACTION_ID];
  const text = v?.value?.trim() || undefined;
  switch (f.kind) {
    case 'text':
    case 'secret':
      return text;
    case 'number':
      // A non-number stays a string so the schema says what it expected.
      return text === undefined ? undefined : Number.isFinite(Number(text)) ? Number(text) : text;
    case 'list':
      return words(text);
    case 'freeze':
      return freezeWindows(v?.value ?? undefined);
    case 'select': {
      const chosen = v?.selected_option?.value;
      return chosen === DEFAULT_OPTION ? undefined : chosen;
    }
    case 'checkbox':
      // Unticked in an optional group is "not set", so an empty group stays absent.
      return (v?.selected_options?.length ?? 0) > 0 ? true : groupOf(f.path) ? undefined : false;
    case 'users':
      return v?.selected_users ?? [];
    case 'channel':
      return v?.selected_conversation ?? undefined;
  }
}

/** The services-file object the view describes: optional groups only when one of their fields is filled. */
export function serviceFromView(values: ViewValues, meta: ServiceModalMeta): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of FIELDS) {
    const value = meta.mode === 'edit' && f.path === 'name' ? meta.name : readField(f, values);
    if (value !== undefined) setPath(out, f.path, value);
  }
  // Required groups exist even when every field in them is empty, so the schema names the fields, not the group.
  for (const f of FIELDS) {
    const parent = f.path.split('.').slice(0, -1).join('.');
    if (parent && !groupOf(f.path) && getPath(out, parent) === undefined) setPath(out, parent, {});
  }
  return out;
}

/** The input block an issue belongs to: the longest input path that prefixes it, else the first input under it. */
export function blockForIssue(path: readonly PropertyKey[], inputs: readonly string[]): string {
  const dotted = path.map(String);
  for (let n = dotted.length; n > 0; n--) {
    const p = dotted.slice(0, n).join('.');
    if (inputs.includes(p)) return p;
  }
  const prefix = dotted.join('.');
  return inputs.find((b) => prefix && b.startsWith(`${prefix}.`)) ?? inputs[0]!;
}

/** The part of an issue's path below its block, as users read it: `#2 cron` for scaling.freeze.1.cron. */
function below(path: readonly PropertyKey[], block: string): string {
  return path.slice(block.split('.').length).map((k) => (typeof k === 'number' ? `#${k + 1}` : String(k))).join(' ');
}

function friendly(message: string): string {
  return message === 'required' || /received undefined/.test(message) ? 'Required.' : message;
}

export type ServiceViewResult = { ok: true; service: Service } | { ok: false; errors: Record<string, string> };

/** Reads, validates, and on failure answers with one message per input block (Slack shows them inline). */
export function parseServiceView(values: ViewValues, meta: ServiceModalMeta): ServiceViewResult {
  const r = serviceSchema.safeParse(serviceFromView(values, meta));
  if (r.success) return { ok: true, service: r.data };
  const inputs = FIELDS.map((f) => f.path).filter((p) => !(meta.mode === 'edit' && p === 'name'));
  const errors: Record<string, string> = {};
  for (const issue of r.error.issues) {
    const block = blockForIssue(issue.path, inputs);
    const where = below(issue.path, block);
    const text = where ? `${where}: ${friendly(issue.message)}` : friendly(issue.message);
    errors[block] = errors[block] ? `${errors[block]}; ${text}` : text;
  }
  return { ok: false, errors };
}

/** Problems found when the service is saved (rules across services, secrets), on the inputs they belong to. */
export function serviceProblemErrors(problems: readonly ServiceProblem[]): Record<string, string> {
  const inputs = FIELDS.map((f) => f.path).filter((p) => p !== 'name');
  const errors: Record<string, string> = {};
  for (const p of problems) {
    const block = blockForIssue(p.path, inputs);
    errors[block] = errors[block] ? `${errors[block]}; ${p.message}` : p.message;
  }
  return errors;
}

/** An error shown on the first input, for problems that belong to no field (e.g. the name is taken). */
export function modalError(meta: ServiceModalMeta, message: string): Record<string, string> {
  return { [meta.mode === 'edit' ? 'enabled' : 'name']: message };
}

export function parseModalMeta(raw: string): ServiceModalMeta | undefined {
  try {
    const m = JSON.parse(raw) as Partial<ServiceModalMeta>;
    if ((m.mode === 'create' || m.mode === 'edit') && typeof m.channel === 'string') return { mode: m.mode, name: m.name, channel: m.channel };
  } catch {
    // fall through
  }
  return undefined;
}
