import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { create } from 'xmlbuilder2';
import {
  JOB_PARAMETERS,
  PIPELINE_STEPS,
  WEBHOOK_VARIABLES,
  diffJobConfig,
  generateWebhookToken,
  jobNameFor,
  normalizeXml,
  renderJobConfig,
  renderPipelineScript,
  webhookTokenFor,
  type JobService,
} from '../../../src/integrations/jenkins/jobConfig.js';
import { runProcess } from '../../../src/integrations/process.js';
import { checkWellFormedXml, extractPipeline, processSh } from '../../fakes/jenkins.js';

const service: JobService = {
  name: 'web-server',
  template: 'web-server-template',
  f5: { pool: 'web-server-pool', partition: 'Common', port: 80 },
  jenkins: { job: 'autoscale-web-server' },
};

/** Values no schema would let through, to prove the builder escapes rather than trusts. */
const HOSTILE = `x<y & z]]> "q" 'a' </description><evil/>`;
const hostile: JobService = {
  name: HOSTILE,
  template: `tpl ${HOSTILE}`,
  f5: { pool: `pool ${HOSTILE}`, partition: 'Common', port: 80 },
  jenkins: { job: `job ${HOSTILE}`, webhookTrigger: true },
};
const HOSTILE_TOKEN = { webhookToken: `tok ${HOSTILE}` };

interface El {
  nodeType: number;
  localName: string;
  textContent: string | null;
  childNodes: ArrayLike<El>;
  getElementsByTagName(name: string): ArrayLike<El>;
}
const dom = (xml: string) => create(xml.replace(/^<\?xml[^>]*\?>/, '')).root().node as unknown as El;
const kids = (el: El) => Array.from(el.childNodes).filter((c) => c.nodeType === 1);
const child = (el: El, name: string) => kids(el).find((c) => c.localName === name);
const text = (el: El | undefined, name: string) => (el ? child(el, name)?.textContent ?? '' : '');

async function expatAccepts(xml: string): Promise<boolean | 'no-python'> {
  try {
    const r = await runProcess('python3', ['-c', 'import sys, xml.dom.minidom; xml.dom.minidom.parseString(sys.stdin.buffer.read())'], { input: xml, env: { PATH: process.env.PATH } });
    return r.code === 0;
  } catch {
    return 'no-python';
  }
}

describe('checkWellFormedXml (the strict check the tests rely on)', () => {
  it.each([
    ['<a><b></a>', 'does not close'],
    ['<a>&</a>', 'bare "&"'],
    ['<a>]]></a>', '"]]>"'],
    ['<a x="<"/>', '"<" in the value'],
    ['<a/><b/>', 'second root'],
    ['<a>', 'not closed'],
    ['<a x=1/>', 'unquoted'],
    ['<a>\u0001</a>', 'not allowed'],
    ['<a>&#1;</a>', 'not allowed'],
    ['<!DOCTYPE a><a/>', 'DOCTYPE'],
  ])('rejects %j', (xml, why) => {
    expect(checkWellFormedXml(xml)).toContain(why);
  });

  it('accepts a declaration, comments, entities and CDATA', () => {
    expect(checkWellFormedXml(`<?xml version='1.1' encoding='UTF-8'?>\n<a k="&quot;1&quot;"><!-- c --><b>&lt;&#x41;</b><![CDATA[<x>]]></a>\n`)).toBeUndefined();
  });
});

describe('renderJobConfig', () => {
  it('is a well-formed Pipeline job (flow-definition, workflow-job) for both a strict checker and expat', async () => {
    for (const xml of [renderJobConfig(service), renderJobConfig(hostile, { botCliPath: HOSTILE, nodeBin: HOSTILE, ...HOSTILE_TOKEN })]) {
      expect(checkWellFormedXml(xml)).toBeUndefined();
      const accepted = await expatAccepts(xml);
      if (accepted !== 'no-python') expect(accepted).toBe(true);
      const root = dom(xml);
      expect(root.localName).toBe('flow-definition');
      expect(xml).toMatch(/<flow-definition plugin="workflow-job">/);
    }
  });

  it('escapes hostile values: they read back exactly and inject no element', () => {
    const xml = renderJobConfig(hostile, HOSTILE_TOKEN);
    const root = dom(xml);
    expect(root.getElementsByTagName('evil').length).toBe(0);
    expect(text(root, 'description')).toContain(`"${HOSTILE}"`);
    expect(root.getElementsByTagName('token')[0]?.textContent).toBe(`tok ${HOSTILE}`);
    const defaults = Object.fromEntries(
      kids(root.getElementsByTagName('parameterDefinitions')[0] as El).map((d) => [text(d, 'name'), text(d, 'defaultValue')]),
    );
    expect(defaults).toMatchObject({ SERVICE: HOSTILE, TEMPLATE: `tpl ${HOSTILE}`, F5_POOL: `pool ${HOSTILE}` });
    expect(xml).not.toContain(']]>');
  });

  it('declares the build parameters the bot sets, with the service defaults', () => {
    const root = dom(renderJobConfig(service));
    const defs = kids(root.getElementsByTagName('parameterDefinitions')[0] as El);
    expect(defs.map((d) => text(d, 'name'))).toEqual([...JOB_PARAMETERS]);
    for (const name of ['SERVICE', 'REQUEST_ID', 'VM_NAME', 'VM_IP', 'TEMPLATE', 'F5_POOL', 'PLAN_FILE']) {
      expect(defs.find((d) => text(d, 'name') === name)?.localName).toBe('hudson.model.StringParameterDefinition');
    }
    const defaultOf = (name: string) => text(defs.find((d) => text(d, 'name') === name), 'defaultValue');
    expect([defaultOf('SERVICE'), defaultOf('TEMPLATE'), defaultOf('F5_POOL'), defaultOf('PLAN_FILE')]).toEqual([
      'web-server',
      'web-server-template',
      'web-server-pool',
      'plan.json',
    ]);
  });

  it('has no Generic Webhook Trigger unless the service asks for one: no token anyone could call it with', () => {
    const xml = renderJobConfig(service);
    expect(xml).not.toContain('GenericTrigger');
    expect(xml).not.toContain('PipelineTriggersJobProperty');
    expect(dom(xml).getElementsByTagName('token').length).toBe(0);
    expect(webhookTokenFor(service)).toBeUndefined();
  });

  it('asked for, the trigger carries only a token the bot generated: random, 256 bits, never <job>-token', () => {
    const a = generateWebhookToken();
    const b = generateWebhookToken();
    expect(a).not.toBe(b);
    expect(a).toMatch(/^gwt-[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(a.slice(4), 'base64url')).toHaveLength(32);
    const asked = { ...service, jenkins: { job: 'autoscale-web-server', webhookTrigger: true, token: a } };
    const trigger = dom(renderJobConfig(asked)).getElementsByTagName('org.jenkinsci.plugins.gwt.GenericTrigger')[0] as El;
    expect(text(trigger, 'token')).toBe(a);
    expect(text(trigger, 'token')).not.toBe('autoscale-web-server-token');
    // No generated token yet, or one typed by hand (the old `<job>-token` default): rendering refuses.
    for (const token of [undefined, 'autoscale-web-server-token']) {
      const s = { ...service, jenkins: { job: 'autoscale-web-server', webhookTrigger: true, token } };
      expect(webhookTokenFor(s)).toBe('needed');
      expect(() => renderJobConfig(s)).toThrow(/no generated token yet/);
    }
  });

  it("configures the Generic Webhook Trigger as the user's job does: same variables, firing alerts only", () => {
    const root = dom(renderJobConfig({ ...service, jenkins: { job: 'autoscale-web-server', webhookTrigger: true, token: generateWebhookToken() } }));
    const trigger = root.getElementsByTagName('org.jenkinsci.plugins.gwt.GenericTrigger')[0] as El;
    const vars = kids(child(trigger, 'genericVariables') as El).map((v) => [text(v, 'key'), text(v, 'value'), text(v, 'expressionType')]);
    expect(vars).toEqual(WEBHOOK_VARIABLES.map((v) => [v.key, v.path, 'JSONPath']));
    expect(vars.map(([k]) => k)).toEqual(expect.arrayContaining(['alertname', 'instance', 'severity', 'status', 'summary', 'description', 'service', 'autoscaleConfigId']));
    expect(text(trigger, 'regexpFilterText')).toBe('$status');
    expect(text(trigger, 'regexpFilterExpression')).toBe('^firing$');
    expect(text(trigger, 'causeString')).toBe('Alert: $alertname - Service: $service');
    expect([text(trigger, 'printContributedVariables'), text(trigger, 'printPostContent'), text(trigger, 'silentResponse')]).toEqual(['false', 'false', 'false']);
  });

  it('names the job autoscale-<service> when no job is named', () => {
    const bare = { ...service, jenkins: undefined };
    expect(jobNameFor(bare)).toBe('autoscale-web-server');
    expect(webhookTokenFor(bare)).toBeUndefined();
  });

  it('checks the plan first, then one stage per step, each calling run-step; rollback after failure or abort, then cleanup', () => {
    const pipeline = extractPipeline(renderJobConfig(service, { botCliPath: '/opt/bot/dist/cli.js' }));
    expect(pipeline.stages.map((s) => s.name)).toEqual(['plan', ...PIPELINE_STEPS]);
    for (const stage of pipeline.stages) {
      expect(stage.sh).toEqual([`"$NODE_BIN" "$BOT_CLI" run-step ${stage.name} --plan "$PLAN_FILE"`]);
    }
    expect(pipeline.environment).toEqual({ BOT_CLI: '/opt/bot/dist/cli.js', NODE_BIN: 'node' });
    expect(pipeline.post.failure).toEqual(['"$NODE_BIN" "$BOT_CLI" run-step rollback --plan "$PLAN_FILE"']);
    expect(pipeline.post.aborted).toEqual(pipeline.post.failure);
    // cleanup, not always: Jenkins runs `always` before `failure`, which would delete the plan before the rollback.
    expect(pipeline.post.cleanup).toEqual(['"$NODE_BIN" "$BOT_CLI" run-step cleanup --plan "$PLAN_FILE"']);
    expect(pipeline.post.always).toBeUndefined();
    const definition = dom(renderJobConfig(service)).getElementsByTagName('definition')[0] as El;
    expect(text(definition, 'sandbox')).toBe('true');
  });

  it('keeps hostile paths as Groovy literals: nothing from a service or request is spliced into a command', () => {
    const script = renderPipelineScript({ botCliPath: `/opt/it's "x"/$(id)/\\n/cli.js`, nodeBin: '/usr/bin/node' });
    const pipeline = extractPipeline(renderJobConfig(service, { botCliPath: `/opt/it's "x"/$(id)/\\n/cli.js`, nodeBin: '/usr/bin/node' }));
    expect(pipeline.environment.BOT_CLI).toBe(`/opt/it's "x"/$(id)/\\n/cli.js`);
    expect(script).toContain(`BOT_CLI = '/opt/it\\'s "x"/$(id)/\\\\n/cli.js'`);
    expect(script).not.toMatch(/"""|\$\{/); // no GStrings, no interpolation
    expect(() => renderPipelineScript({ botCliPath: 'a\nb' })).toThrow(/control characters/);
  });

  it('uses the SCM definition (GitSCM url, branch, script path) when jenkins.scm is set', () => {
    const xml = renderJobConfig({ ...service, jenkins: { job: 'j', scm: { url: 'https://git.example.invalid/ops/pipelines.git', scriptPath: 'jenkins/Jenkinsfile.autoscale', branch: 'main' } } });
    const definition = dom(xml).getElementsByTagName('definition')[0] as El;
    expect(xml).toContain('class="org.jenkinsci.plugins.workflow.cps.CpsScmFlowDefinition"');
    expect(xml).toContain('class="hudson.plugins.git.GitSCM"');
    expect(definition.getElementsByTagName('url')[0]?.textContent).toBe('https://git.example.invalid/ops/pipelines.git');
    expect(definition.getElementsByTagName('name')[0]?.textContent).toBe('*/main');
    expect(text(definition, 'scriptPath')).toBe('jenkins/Jenkinsfile.autoscale');
    expect(definition.getElementsByTagName('script').length).toBe(0);
    expect(checkWellFormedXml(xml)).toBeUndefined();
  });
});

describe('the generated commands under a real shell', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jenkins-sh-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('receive exactly the CLI path, step and plan file', async () => {
    const argvFile = join(dir, 'argv');
    const fakeNode = join(dir, 'fake-node');
    writeFileSync(fakeNode, `#!/bin/sh\nfor a in "$@"; do printf '%s\\n' "$a"; done >> '${argvFile}'\n`);
    chmodSync(fakeNode, 0o755);
    const botCliPath = `/opt/it's "$(touch pwned)" \`touch pwned\`/cli.js`;
    const pipeline = extractPipeline(renderJobConfig(service, { botCliPath, nodeBin: fakeNode }));
    const planFile = `plan "$(touch pwned)".json`;
    const plan = `{"vm":"web-server-3","note":"$(touch pwned) \`id\` '\\"'"}`;
    const env = { PATH: process.env.PATH ?? '', ...pipeline.environment, PLAN_FILE: planFile, PLAN: plan };
    const sh = processSh({ cwd: dir });
    for (const command of [...(pipeline.stages[0]?.sh ?? []), ...(pipeline.stages[1]?.sh ?? [])]) {
      expect(await sh(command, env, new AbortController().signal)).toMatchObject({ code: 0 });
    }
    expect(readFileSync(argvFile, 'utf8').split('\n').slice(0, -1)).toEqual([
      botCliPath, 'run-step', 'plan', '--plan', planFile,
      botCliPath, 'run-step', 'clone', '--plan', planFile,
    ]);
    expect(existsSync(join(dir, 'pwned'))).toBe(false);
  });
});

describe('normalizeXml and diffJobConfig', () => {
  const xml = renderJobConfig(service);

  it("equates Jenkins' own serialisation: declaration, indentation, attribute order, comments, plugin versions", () => {
    const asJenkinsSavesIt = xml
      .replace('<?xml version="1.0" encoding="UTF-8"?>', "<?xml version='1.1' encoding='UTF-8'?>")
      .replace(/>\n\s*</g, '>\n\t<') // re-indented between elements only
      .replace('<flow-definition plugin="workflow-job">', '<flow-definition plugin="workflow-job@1400.v7fd111b_ec82f"><!-- saved -->')
      .replace('class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition" plugin="workflow-cps"', 'plugin="workflow-cps@3.0" class="org.jenkinsci.plugins.workflow.cps.CpsFlowDefinition"');
    expect(asJenkinsSavesIt).not.toBe(xml);
    expect(normalizeXml(asJenkinsSavesIt)).toBe(normalizeXml(xml));
  });

  it('still sees a changed value, and whitespace inside the script', () => {
    expect(normalizeXml(xml.replace('web-server-pool', 'other-pool'))).not.toBe(normalizeXml(xml));
    expect(normalizeXml(xml.replace('agent any', 'agent  any'))).not.toBe(normalizeXml(xml));
  });

  it('diffs with the webhook token masked, and says unchanged for an equal config', () => {
    const [a, b] = [generateWebhookToken(), generateWebhookToken()];
    const withToken = (token: string) => renderJobConfig({ ...service, jenkins: { job: 'autoscale-web-server', webhookTrigger: true, token } });
    const d = diffJobConfig('autoscale-web-server', withToken(a), withToken(b));
    expect(d.changed).toBe(true);
    expect(d.diff).toMatch(/^-\s*<token>\[REDACTED sha256:[0-9a-f]{8}\]<\/token>$/m);
    expect(d.diff).toMatch(/^\+\s*<token>\[REDACTED sha256:[0-9a-f]{8}\]<\/token>$/m);
    expect(d.diff).not.toContain(a);
    expect(d.diff).not.toContain(b);
    expect(diffJobConfig('autoscale-web-server', xml, withToken(a)).diff).not.toContain(a);
    expect(diffJobConfig('autoscale-web-server', xml, xml)).toEqual({ changed: false, diff: '' });
    expect(diffJobConfig('autoscale-web-server', undefined, xml).diff).toContain('+<flow-definition plugin="workflow-job">');
  });
});
