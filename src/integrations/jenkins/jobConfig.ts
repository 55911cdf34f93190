/**
 * config.xml for a service's Jenkins Pipeline job, built with a real XML builder (every value is
 * escaped by xmlbuilder2, never spliced into a template), plus the normalisation used to decide
 * whether the job in Jenkins already matches.
 *
 * The job mirrors what the user's hand-made `plg-autoscale-out` job does (Generic Webhook Trigger
 * extracting the same Alertmanager fields, firing alerts only) and runs the bot's own steps:
 * each stage calls `node <cli> run-step <step> --plan "$PLAN_FILE"`, so no logic lives in Groovy.
 */
import { createHash } from 'node:crypto';
import { createTwoFilesPatch } from 'diff';
import { create } from 'xmlbuilder2';
import type { Service } from '../../config.js';

type XMLBuilder = ReturnType<typeof create>;
/** The few DOM members of xmlbuilder2's nodes that normalisation needs (no DOM lib in this project). */
interface XmlNode {
  nodeType: number;
  localName: string;
  textContent: string | null;
  attributes: ArrayLike<{ name: string; value: string }>;
  childNodes: ArrayLike<XmlNode>;
  removeAttribute(name: string): void;
  setAttribute(name: string, value: string): void;
  removeChild(child: XmlNode): unknown;
}

/** The scale-out steps, in order; each is one pipeline stage and one `run-step` call. */
export const PIPELINE_STEPS = ['clone', 'customize', 'power-on', 'wait-ip', 'health', 'f5-add'] as const;
export type PipelineStep = (typeof PIPELINE_STEPS)[number];
/** Run by the pipeline's `post { failure / aborted }` blocks. */
export const ROLLBACK_STEP = 'rollback';

/** Build parameters the bot sets on `buildWithParameters`. PLAN carries the plan JSON itself. */
export const JOB_PARAMETERS = ['SERVICE', 'REQUEST_ID', 'VM_NAME', 'VM_IP', 'TEMPLATE', 'F5_POOL', 'PLAN_FILE', 'PLAN'] as const;
export type JobParameter = (typeof JOB_PARAMETERS)[number];

/** What the user's current job extracts from the Alertmanager payload (user guide, "파싱 변수"). */
export const WEBHOOK_VARIABLES: ReadonlyArray<{ key: string; path: string }> = [
  { key: 'alertname', path: '$.alerts[0].labels.alertname' },
  { key: 'instance', path: '$.alerts[0].labels.instance' },
  { key: 'severity', path: '$.alerts[0].labels.severity' },
  { key: 'service', path: '$.alerts[0].labels.service' },
  { key: 'autoscaleConfigId', path: '$.alerts[0].labels.autoscaleConfigId' },
  { key: 'status', path: '$.status' },
  { key: 'summary', path: '$.alerts[0].annotations.summary' },
  { key: 'description', path: '$.alerts[0].annotations.description' },
];

export const DEFAULT_BOT_CLI = 'dist/cli.js';
export const DEFAULT_NODE_BIN = 'node';
export const DEFAULT_PLAN_FILE = 'plan.json';

export interface RenderJobOptions {
  /** Path of the bot's CLI on the Jenkins agent; default `dist/cli.js` (relative to the workspace). */
  botCliPath?: string;
  /** Node executable on the agent; default `node`. */
  nodeBin?: string;
}

type JenkinsSettings = NonNullable<Service['jenkins']>;
/** The subset of a service that the job config depends on. */
export type JobService = Pick<Service, 'name' | 'template' | 'f5'> & { jenkins?: JenkinsSettings };

/** `jenkins.job`, or `autoscale-<service>` (the user's naming rule). */
export function jobNameFor(service: JobService): string {
  return service.jenkins?.job ?? `autoscale-${service.name}`;
}

/** `jenkins.token`, or `<job>-token` (the user's convention). */
export function webhookTokenFor(service: JobService): string {
  return service.jenkins?.token ?? `${jobNameFor(service)}-token`;
}

/** Renders the job's config.xml. Throws on a control character in a path option (it cannot be meant). */
export function renderJobConfig(service: JobService, opts: RenderJobOptions = {}): string {
  const doc = create({ version: '1.0', encoding: 'UTF-8', invalidCharReplacement: '\uFFFD' });
  const root = doc.ele('flow-definition', { plugin: 'workflow-job' });
  root.ele('actions');
  root.ele('description').txt(describe(service));
  root.ele('keepDependencies').txt('false');
  const props = root.ele('properties');
  props.ele('org.jenkinsci.plugins.workflow.job.properties.DisableConcurrentBuildsJobProperty').ele('abortPrevious').txt('false');
  addParameters(props, service);
  addWebhookTrigger(props.ele('org.jenkinsci.plugins.workflow.job.properties.PipelineTriggersJobProperty').ele('triggers'), service);
  if (service.jenkins?.scm) addScmDefinition(root, service.jenkins.scm);
  else {
    const def = root.ele('definition', { class: 'org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition', plugin: 'workflow-cps' });
    def.ele('script').txt(renderPipelineScript(opts));
    def.ele('sandbox').txt('true');
  }
  root.ele('triggers');
  root.ele('disabled').txt('false');
  return doc.end({ prettyPrint: true, wellFormed: true }) + '\n';
}

function describe(service: JobService): string {
  return (
    `Scale-out pipeline for service "${service.name}" (template ${service.template}, F5 pool ${service.f5.pool}). ` +
    'Managed by vm-autoscale-bot: changes made here are replaced by `/autoscale jenkins push`.'
  );
}

function addParameters(props: XMLBuilder, service: JobService): void {
  const defs = props.ele('hudson.model.ParametersDefinitionProperty').ele('parameterDefinitions');
  const defaults: Record<JobParameter, string> = {
    SERVICE: service.name,
    REQUEST_ID: '',
    VM_NAME: '',
    VM_IP: '',
    TEMPLATE: service.template,
    F5_POOL: service.f5.pool,
    PLAN_FILE: DEFAULT_PLAN_FILE,
    PLAN: '',
  };
  const descriptions: Record<JobParameter, string> = {
    SERVICE: 'Service name in the bot',
    REQUEST_ID: 'Scale request id (links the build to its Slack card)',
    VM_NAME: 'Name of the VM to create',
    VM_IP: 'Reserved IPv4 address of the new VM',
    TEMPLATE: 'vCenter template to clone',
    F5_POOL: 'F5 pool the VM joins',
    PLAN_FILE: 'Plan file each step reads (relative to the workspace)',
    PLAN: 'The plan as JSON; written to PLAN_FILE before the first step when set',
  };
  for (const name of JOB_PARAMETERS) {
    const kind = name === 'PLAN' ? 'hudson.model.TextParameterDefinition' : 'hudson.model.StringParameterDefinition';
    const def = defs.ele(kind);
    def.ele('name').txt(name);
    def.ele('description').txt(descriptions[name]);
    def.ele('defaultValue').txt(defaults[name]);
    def.ele('trim').txt('false');
  }
}

function addWebhookTrigger(triggers: XMLBuilder, service: JobService): void {
  const t = triggers.ele('org.jenkinsci.plugins.gwt.GenericTrigger', { plugin: 'generic-webhook-trigger' });
  t.ele('spec');
  const vars = t.ele('genericVariables');
  for (const v of WEBHOOK_VARIABLES) {
    const el = vars.ele('org.jenkinsci.plugins.gwt.GenericVariable');
    el.ele('expressionType').txt('JSONPath');
    el.ele('key').txt(v.key);
    el.ele('value').txt(v.path);
    el.ele('regexpFilter');
    el.ele('defaultValue');
  }
  // Only firing alerts start a build, as in the user's job (resolved notifications are ignored).
  t.ele('regexpFilterText').txt('$status');
  t.ele('regexpFilterExpression').txt('^firing$');
  t.ele('printPostContent').txt('false');
  t.ele('printContributedVariables').txt('false');
  t.ele('causeString').txt('Alert: $alertname - Service: $service');
  t.ele('token').txt(webhookTokenFor(service));
  t.ele('tokenCredentialId');
  t.ele('silentResponse').txt('false');
  t.ele('shouldNotFlatten').txt('false');
  t.ele('overrideQuietPeriod').txt('false');
}

function addScmDefinition(root: XMLBuilder, scm: NonNullable<JenkinsSettings['scm']>): void {
  const def = root.ele('definition', { class: 'org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition', plugin: 'workflow-cps' });
  const git = def.ele('scm', { class: 'hudson.plugins.git.GitSCM', plugin: 'git' });
  git.ele('configVersion').txt('2');
  git.ele('userRemoteConfigs').ele('hudson.plugins.git.UserRemoteConfig').ele('url').txt(scm.url);
  const branch = scm.branch.includes('/') ? scm.branch : `*/${scm.branch}`;
  git.ele('branches').ele('hudson.plugins.git.BranchSpec').ele('name').txt(branch);
  git.ele('doGenerateSubmoduleConfigurations').txt('false');
  git.ele('submoduleCfg', { class: 'empty-list' });
  git.ele('extensions');
  def.ele('scriptPath').txt(scm.scriptPath);
  def.ele('lightweight').txt('true');
}

// ---------------------------------------------------------------------------------------------
// The generated pipeline

/**
 * A declarative pipeline, one stage per step. Nothing from a service or a request is spliced into
 * a shell command: the paths travel in the `environment` block as Groovy single-quoted strings
 * (no interpolation), the request's values as build parameters, which Jenkins exposes to `sh` as
 * environment variables; every command refers to them as quoted "$VARIABLES".
 */
export function renderPipelineScript(opts: RenderJobOptions = {}): string {
  const botCli = opts.botCliPath ?? DEFAULT_BOT_CLI;
  const nodeBin = opts.nodeBin ?? DEFAULT_NODE_BIN;
  for (const [what, v] of [['botCliPath', botCli], ['nodeBin', nodeBin]] as const) {
    if (v === '' || /[\u0000-\u001f\u007f]/.test(v)) throw new Error(`${what} must be a non-empty path without control characters`);
  }
  const step = (name: string) => `sh ${groovyString(`"$NODE_BIN" "$BOT_CLI" run-step ${name} --plan "$PLAN_FILE"`)}`;
  const writePlan = `sh ${groovyString('if [ -n "$PLAN" ]; then printf \'%s\' "$PLAN" > "$PLAN_FILE"; fi')}`;
  const stages = PIPELINE_STEPS.map((name, i) => [
    `    stage(${groovyString(name)}) {`,
    '      steps {',
    ...(i === 0 ? [`        ${writePlan}`] : []),
    `        ${step(name)}`,
    '      }',
    '    }',
  ]).flat();
  return [
    '// Generated by vm-autoscale-bot. Each stage runs one step of the plan with the bot\'s own CLI.',
    'pipeline {',
    '  agent any',
    '  environment {',
    `    BOT_CLI = ${groovyString(botCli)}`,
    `    NODE_BIN = ${groovyString(nodeBin)}`,
    '  }',
    '  stages {',
    ...stages,
    '  }',
    '  post {',
    `    failure { ${step(ROLLBACK_STEP)} }`,
    `    aborted { ${step(ROLLBACK_STEP)} }`,
    '  }',
    '}',
    '',
  ].join('\n');
}

/** A Groovy single-quoted string literal: no `$` interpolation, only `\\` and `'` need escaping. */
export function groovyString(value: string): string {
  const body = value.replace(/[\\']/g, (c) => `\\${c}`).replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${body}'`;
}

// ---------------------------------------------------------------------------------------------
// Comparing configs

export interface NormalizeOptions {
  /** Replace the webhook token with a short fingerprint (for diffs shown in Slack or logs). */
  maskSecrets?: boolean;
}

/**
 * The XML re-serialised without what Jenkins or an editor may change without changing the job:
 * the declaration (Jenkins answers `version='1.1'`), whitespace between elements, comments,
 * attribute order and plugin versions (`plugin="git@5.2.0"` → `plugin="git"`).
 */
export function normalizeXml(text: string, opts: NormalizeOptions = {}): string {
  const body = text.replace(/^\uFEFF?\s*<\?xml[^>]*\?>/, '');
  const doc = create({ skipWhitespaceOnlyText: true }, body);
  const rootNode = doc.root().node as unknown as XmlNode;
  canonicalize(rootNode, opts);
  return doc.end({ prettyPrint: true, headless: true });
}

function canonicalize(el: XmlNode, opts: NormalizeOptions): void {
  const attrs = Array.from(el.attributes, (a) => [a.name, a.value] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [name] of attrs) el.removeAttribute(name);
  for (const [name, value] of attrs) el.setAttribute(name, name === 'plugin' ? value.replace(/@.*$/, '') : value);
  for (const child of Array.from(el.childNodes)) {
    if (child.nodeType === 8 /* comment */ || child.nodeType === 7 /* processing instruction */) el.removeChild(child);
    else if (child.nodeType === 1) canonicalize(child, opts);
  }
  if (opts.maskSecrets && el.localName === 'token' && el.textContent) {
    el.textContent = `[REDACTED sha256:${createHash('sha256').update(el.textContent).digest('hex').slice(0, 8)}]`;
  }
}

export interface JobConfigDiff {
  /** False when the normalized configs are equal. */
  changed: boolean;
  /** Unified diff of the normalized configs, webhook token masked; '' when unchanged. */
  diff: string;
}

/** Compares Jenkins' config (undefined: no such job yet) with the rendered one. */
export function diffJobConfig(job: string, current: string | undefined, desired: string): JobConfigDiff {
  const changed = current === undefined || normalizeXml(current) !== normalizeXml(desired);
  if (!changed) return { changed, diff: '' };
  const before = current === undefined ? '' : normalizeXml(current, { maskSecrets: true }) + '\n';
  const after = normalizeXml(desired, { maskSecrets: true }) + '\n';
  const diff = createTwoFilesPatch(`${job}/config.xml (Jenkins)`, `${job}/config.xml (bot)`, before, after, undefined, undefined, { context: 3 });
  return { changed, diff };
}
