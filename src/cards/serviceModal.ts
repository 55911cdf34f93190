/**
 * The service modal (`/autoscale service create` / `service edit <name>`): every field of the services schema, in
 * sections, with the schema's defaults. One table of fields drives three things: the blocks, reading the submitted
 * view state back into a services-file object, and mapping zod issue paths to block ids for `response_action: errors`.
 * Each input's block_id is its dotted path in the schema (`network.ipPool.start`); every element's action_id is `v`.
 */
import type { InputBlock, KnownBlock, ModalView, PlainTextElement, PlainTextInput, PlainTextOption } from '@slack/types';
import type { Service } from '../config.js';
import { FREEZE_TEXT_MAX, freezeText, LIST_TEXT_MAX, listText, SLACK_INPUT_MAX } from '../formText.js';
import type { ServiceProblem } from '../servicesFile.js';
import { catalog, type Catalog, type Locale } from '../i18n/index.js';
import { problemText } from './configIssues.js';
import { VIEW } from './ids.js';

type Kind = 'text' | 'number' | 'list' | 'freeze' | 'select' | 'checkbox' | 'users' | 'channel' | 'secret';

type FormText = Catalog['serviceForm'];
/** An input's label, hint and checkbox text: by its path in the catalog, or (inputs that share words with another section) its own. */
type Words = { label: string; hint?: string; checkbox?: string };

interface Field {
  path: string;
  kind: Kind;
  required?: boolean;
  /** Numbers with a fraction allowed (percentages). */
  decimal?: boolean;
  options?: readonly string[];
  /** Whether an unset checkbox shows ticked. */
  defaultOn?: boolean;
  /** Words from another section of the catalog; otherwise `serviceForm.fields[path]`. */
  words?: (c: Catalog) => Words;
}

interface Section {
  id: keyof FormText['sections'];
  /** Schema key of an optional group: absent when all its fields are empty. */
  optionalGroup?: string;
  fields: Field[];
}

const SECTIONS: Section[] = [
  {
    id: 'service',
    fields: [
      { path: 'name', kind: 'text', required: true },
      { path: 'enabled', kind: 'checkbox', defaultOn: true },
      { path: 'locale', kind: 'select', options: ['en', 'ko'] },
      { path: 'channel', kind: 'channel', required: true },
      { path: 'template', kind: 'text', required: true },
      { path: 'vmNamePrefix', kind: 'text', required: true },
      { path: 'executor', kind: 'select', options: ['local', 'dry-run', 'jenkins'] },
    ],
  },
  {
    id: 'vcenter',
    fields: [
      { path: 'vcenter.datacenter', kind: 'text' },
      { path: 'vcenter.folder', kind: 'text' },
      { path: 'vcenter.pool', kind: 'text' },
      { path: 'vcenter.datastore', kind: 'text' },
      { path: 'vcenter.network', kind: 'text' },
    ],
  },
  {
    id: 'network',
    fields: [
      { path: 'network.ipPool.start', kind: 'text', required: true },
      { path: 'network.ipPool.end', kind: 'text', required: true },
      { path: 'network.netmask', kind: 'text', required: true },
      { path: 'network.gateway', kind: 'text', required: true },
      { path: 'network.dns', kind: 'list' },
      { path: 'network.conflictCheck', kind: 'select', options: ['icmp', 'tcp', 'none'] },
    ],
  },
  {
    id: 'f5',
    fields: [
      { path: 'f5.pool', kind: 'text', required: true },
      { path: 'f5.partition', kind: 'text' },
      { path: 'f5.port', kind: 'number', required: true },
      { path: 'f5.vip', kind: 'text' },
      { path: 'f5.deviceGroup', kind: 'text' },
    ],
  },
  {
    id: 'healthCheck',
    fields: [
      { path: 'healthCheck.type', kind: 'select', options: ['tcp', 'http'] },
      { path: 'healthCheck.port', kind: 'number', required: true },
      { path: 'healthCheck.path', kind: 'text' },
      { path: 'healthCheck.expectStatus', kind: 'number' },
      { path: 'healthCheck.timeout', kind: 'text' },
    ],
  },
  {
    id: 'scaling',
    fields: [
      { path: 'scaling.min', kind: 'number', required: true },
      { path: 'scaling.max', kind: 'number', required: true },
      { path: 'scaling.cooldown', kind: 'text' },
      { path: 'scaling.cooldownIn', kind: 'text' },
      { path: 'scaling.maxPerHour', kind: 'number' },
      { path: 'scaling.drainTimeout', kind: 'text' },
      { path: 'scaling.settle', kind: 'text' },
      { path: 'scaling.freeze', kind: 'freeze' },
    ],
  },
  {
    id: 'approval',
    fields: [
      { path: 'approval.mode', kind: 'select', options: ['manual', 'timeout', 'auto'] },
      { path: 'approval.autoApproveAfter', kind: 'text' },
      { path: 'approval.approvers', kind: 'users' },
    ],
  },
  {
    id: 'monitoring',
    optionalGroup: 'monitoring',
    fields: [
      { path: 'monitoring.prometheusJob', kind: 'text', words: (c) => ({ label: c.serviceForm.fields['monitoring.prometheusJob'].label, hint: c.sd.prometheusJobHint }) },
      { path: 'monitoring.existingJob', kind: 'text', words: (c) => ({ label: c.sd.existingJob, hint: c.sd.existingJobHint }) },
      { path: 'monitoring.targets', kind: 'list' },
      { path: 'monitoring.exporterPort', kind: 'number', words: (c) => ({ label: c.sd.exporterPort }) },
      { path: 'monitoring.sdRefreshInterval', kind: 'text', words: (c) => ({ label: c.sd.sdRefreshInterval, hint: c.sd.sdRefreshIntervalHint }) },
      { path: 'monitoring.cpuThreshold', kind: 'number', decimal: true },
      { path: 'monitoring.memoryThreshold', kind: 'number', decimal: true },
      { path: 'monitoring.for', kind: 'text' },
      { path: 'monitoring.scaleInCpuBelow', kind: 'number', decimal: true },
      { path: 'monitoring.scaleInMemoryBelow', kind: 'number', decimal: true },
      { path: 'monitoring.scaleInFor', kind: 'text' },
      { path: 'monitoring.scrapeInterval', kind: 'text' },
      { path: 'monitoring.evaluationInterval', kind: 'text' },
      { path: 'monitoring.groupWait', kind: 'text' },
      { path: 'monitoring.groupInterval', kind: 'text' },
      { path: 'monitoring.repeatInterval', kind: 'text' },
    ],
  },
  {
    id: 'warmPool',
    optionalGroup: 'warmPool',
    fields: [
      { path: 'warmPool.size', kind: 'number' },
      { path: 'warmPool.state', kind: 'select', options: ['running', 'stopped'] },
    ],
  },
  {
    id: 'jenkins',
    optionalGroup: 'jenkins',
    fields: [
      { path: 'jenkins.job', kind: 'text' },
      { path: 'jenkins.token', kind: 'secret' },
      { path: 'jenkins.webhookTrigger', kind: 'checkbox', defaultOn: false },
      { path: 'jenkins.scm.url', kind: 'text' },
      { path: 'jenkins.scm.scriptPath', kind: 'text' },
      { path: 'jenkins.scm.branch', kind: 'text' },
    ],
  },
];

/** The words of an input in a language; a field the catalog lacks shows its path (the catalog test makes that fail). */
function fieldWords(f: Field, c: Catalog): Words {
  if (f.words) return f.words(c);
  const fields: Record<string, Words | undefined> = c.serviceForm.fields;
  return fields[f.path] ?? { label: f.path };
}

const FIELDS = SECTIONS.flatMap((s) => s.fields);
/** The inputs' paths in the services schema: what the form asks the schema about (src/serviceForm.ts). */
export const SERVICE_FORM_PATHS: readonly string[] = FIELDS.map((f) => f.path);

/** What the schema says of one input: its default, and the length limit of a text (src/serviceForm.ts reads them). */
export interface FieldFacts {
  fallback?: unknown;
  maxLength?: number;
}
/** By input path; the caller computes it from serviceSchema, so the card builder stays a function of data. */
export type ServiceFormFacts = Readonly<Record<string, FieldFacts | undefined>>;
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
function initialValue(f: Field, service: Service | undefined, channel: string, facts: ServiceFormFacts): unknown {
  if (f.kind === 'secret') return undefined;
  if (service) return getPath(service, f.path);
  if (f.path === 'channel') return channel;
  if (f.path === 'enabled') return true;
  return groupOf(f.path) ? undefined : facts[f.path]?.fallback;
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
function maxLengthOf(f: Field, facts: ServiceFormFacts): number {
  if (f.kind === 'list') return LIST_TEXT_MAX;
  if (f.kind === 'freeze') return FREEZE_TEXT_MAX;
  return Math.min(SLACK_INPUT_MAX, facts[f.path]?.maxLength ?? SLACK_INPUT_MAX);
}

// ---------------------------------------------------------------------------------------------
// Blocks

const plain = (text: string): PlainTextElement => ({ type: 'plain_text', text: text.slice(0, 150) });
const option = (value: string, text = value): PlainTextOption => ({ text: plain(text), value });

function element(f: Field, value: unknown, editing: boolean, c: Catalog, facts: ServiceFormFacts): InputBlock['element'] {
  const fallback = facts[f.path]?.fallback;
  const placeholder = fallback !== undefined && !Array.isArray(fallback) ? { placeholder: plain(c.serviceForm.placeholderDefault({ value: String(fallback) })) } : {};
  const text = (v: string | undefined, extra: Partial<PlainTextInput> = {}): PlainTextInput =>
    ({ type: 'plain_text_input', action_id: ACTION_ID, ...placeholder, ...(v ? { initial_value: v } : {}), ...extra });
  switch (f.kind) {
    case 'text':
      return text(value === undefined ? undefined : String(value), { max_length: maxLengthOf(f, facts) });
    case 'secret':
      return { type: 'plain_text_input', action_id: ACTION_ID, max_length: maxLengthOf(f, facts), ...(editing ? { placeholder: plain(c.serviceForm.secretUnchanged) } : {}) };
    case 'number':
      return { type: 'number_input', action_id: ACTION_ID, is_decimal_allowed: Boolean(f.decimal), ...placeholder, ...(typeof value === 'number' ? { initial_value: String(value) } : {}) };
    case 'list':
      return text(Array.isArray(value) && value.length ? listText(value as string[]) : undefined, { max_length: maxLengthOf(f, facts) });
    case 'freeze':
      return text(freezeLines(value), { multiline: true, max_length: maxLengthOf(f, facts) });
    case 'select': {
      const optional = !f.required && fallback === undefined;
      const options = [...(optional ? [option(DEFAULT_OPTION, c.serviceForm.defaultOption)] : []), ...(f.options ?? []).map((o) => option(o))];
      const chosen = typeof value === 'string' ? value : optional ? DEFAULT_OPTION : undefined;
      const initial = options.find((o) => o.value === chosen);
      return { type: 'static_select', action_id: ACTION_ID, options, ...(initial ? { initial_option: initial } : {}) };
    }
    case 'checkbox': {
      const words = fieldWords(f, c);
      const on = option('on', words.checkbox ?? words.label);
      const ticked = value === true || (value === undefined && (f.defaultOn ?? false));
      return { type: 'checkboxes', action_id: ACTION_ID, options: [on], ...(ticked ? { initial_options: [on] } : {}) };
    }
    case 'users':
      return { type: 'multi_users_select', action_id: ACTION_ID, ...(Array.isArray(value) && value.length ? { initial_users: value } : {}) };
    case 'channel':
      return { type: 'conversations_select', action_id: ACTION_ID, filter: { include: ['public', 'private'] }, ...(typeof value === 'string' && value ? { initial_conversation: value } : {}) };
  }
}

function inputBlock(f: Field, value: unknown, editing: boolean, c: Catalog, facts: ServiceFormFacts): InputBlock {
  const optional = !f.required || f.kind === 'checkbox';
  const words = fieldWords(f, c);
  return {
    type: 'input',
    block_id: f.path,
    optional,
    label: plain(words.label),
    element: element(f, value, editing, c, facts),
    ...(words.hint ? { hint: plain(words.hint) } : {}),
  };
}

/** The modal; `service` prefills it for an edit. `facts`: the schema's defaults and limits (src/serviceForm.ts). */
export function serviceModal(meta: ServiceModalMeta, facts: ServiceFormFacts, service?: Service, locale: Locale = 'en'): ModalView {
  const c = catalog(locale);
  const editing = meta.mode === 'edit';
  const blocks: KnownBlock[] = [];
  for (const section of SECTIONS) {
    const head: { title: string; hint?: string } = c.serviceForm.sections[section.id];
    blocks.push({ type: 'header', text: plain(head.title) });
    if (head.hint) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: head.hint }] });
    for (const f of section.fields) {
      if (editing && f.path === 'name') {
        blocks.push({ type: 'section', block_id: 'name', text: { type: 'mrkdwn', text: c.serviceForm.nameFixed({ name: meta.name ?? '' }) } });
        continue;
      }
      blocks.push(inputBlock(f, initialValue(f, service, meta.channel, facts), editing, c, facts));
    }
  }
  return {
    type: 'modal',
    callback_id: VIEW.serviceEdit,
    private_metadata: JSON.stringify(meta),
    title: plain(editing ? c.serviceForm.editTitle({ name: meta.name ?? c.serviceForm.aService }).slice(0, 24) : c.serviceForm.newTitle),
    submit: plain(editing ? c.serviceForm.save : c.serviceForm.create),
    close: plain(c.serviceForm.cancel),
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
function below(path: readonly PropertyKey[], block: string, c: Catalog): string {
  return path.slice(block.split('.').length).map((k) => (typeof k === 'number' ? c.serviceForm.item({ n: k + 1 }) : String(k))).join(' ');
}

function friendly(message: string, c: Catalog): string {
  return message === 'required' || /received undefined/.test(message) ? c.serviceForm.required : message;
}

/** A validation issue of a submission, already worded in the reader's language (src/serviceForm.ts words it). */
export interface FormIssue {
  path: readonly PropertyKey[];
  message: string;
}

/** One message per input block (Slack shows them inline): the issues of a submission, on the inputs they belong to. */
export function serviceFormErrors(issues: readonly FormIssue[], meta: ServiceModalMeta, locale: Locale = 'en'): Record<string, string> {
  const c = catalog(locale);
  const inputs = FIELDS.map((f) => f.path).filter((p) => !(meta.mode === 'edit' && p === 'name'));
  const errors: Record<string, string> = {};
  for (const issue of issues) {
    const block = blockForIssue(issue.path, inputs);
    const where = below(issue.path, block, c);
    const text = where ? c.serviceForm.issueAt({ where, message: friendly(issue.message, c) }) : friendly(issue.message, c);
    errors[block] = errors[block] ? `${errors[block]}; ${text}` : text;
  }
  return errors;
}

/** Problems found when the service is saved (rules across services, secrets), on the inputs they belong to. */
export function serviceProblemErrors(problems: readonly ServiceProblem[], locale: Locale = 'en'): Record<string, string> {
  const inputs = FIELDS.map((f) => f.path).filter((p) => p !== 'name');
  const errors: Record<string, string> = {};
  for (const p of problems) {
    const block = blockForIssue(p.path, inputs);
    const text = problemText(p, locale);
    errors[block] = errors[block] ? `${errors[block]}; ${text}` : text;
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
