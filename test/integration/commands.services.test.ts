/** `/autoscale service …` and its modals, through signed Bolt requests against the fake Slack API. */
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ACTION, VIEW } from '../../src/cards/ids.js';
import { serviceSchema } from '../../src/config.js';
import { claimAddress, markLeaseInUse } from '../../src/store/leases.js';
import { renderJobConfig } from '../../src/integrations/jenkins/jobConfig.js';
import { REDACTED, servicesToYaml } from '../../src/servicesFile.js';
import { buttons, messageProblems } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { waitFor } from '../helpers/net.js';
import { openedView, submitted, type Fill } from '../helpers/slackViews.js';

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

const ADMIN = 'U0ADMIN01';
const OTHER = 'U0OTHER01';

/** What the user reads next through response_url (commands that answer later). */
async function nextResponse(t: TestBot, before: number): Promise<any> {
  await waitFor(() => t.slack.responses.length > before, 5000, 'a response_url post');
  return t.slack.responses[before]!.body;
}

function audit(t: TestBot, action: string) {
  return t.store.data.audit.filter((a) => a.action === action);
}

/** Every leaf of the services schema, as the dotted paths the modal uses for block ids. */
function schemaLeaves(node: z.ZodType = serviceSchema, prefix = ''): string[] {
  while ('innerType' in node.def) node = node.def.innerType as z.ZodType;
  if (!(node instanceof z.ZodObject)) return [prefix];
  return Object.entries(node.shape as Record<string, z.ZodType>).flatMap(([k, v]) => schemaLeaves(v, prefix ? `${prefix}.${k}` : k));
}

function input(view: any, blockId: string): any {
  return view.blocks.find((b: any) => b.type === 'input' && b.block_id === blockId)?.element;
}

const NEW_SERVICE: Record<string, Fill> = {
  name: 'api-gateway',
  template: 'api-template',
  vmNamePrefix: 'api',
  'network.ipPool.start': '10.20.0.10',
  'network.ipPool.end': '10.20.0.20',
  'network.netmask': '255.255.255.0',
  'network.gateway': '10.20.0.1',
  'network.dns': '10.20.0.2, 10.20.0.3',
  'f5.pool': 'api-pool',
  'f5.port': '8080',
  'healthCheck.port': '8080',
  'scaling.min': '2',
  'scaling.max': '5',
  'scaling.freeze': '0 18 * * 5 | 60h | weekend',
  'approval.approvers': ['U0APPROVE1'],
};

describe('service list and show', () => {
  it('lists every service with instances now/min/max, IP pool usage and its last scale event', async () => {
    tb = await startBot({ services: [service(), service({ name: 'api', enabled: false })] });
    const at = tb.clock.now().toISOString();
    await claimAddress(tb.store, 'web-server', 'sr-old', ['127.0.10.10'], at);
    await markLeaseInUse(tb.store, 'web-server', '127.0.10.10', 'web-server-1', at);
    await tb.webhook(alertPayload());
    await tb.settle();

    const res = await tb.command('service list', OTHER);
    expect(res.status).toBe(200);
    expect(res.json.response_type).toBe('ephemeral');
    const [header, api, web] = res.json.text.split('\n');
    expect(header).toBe('*Services (2)*');
    expect(api).toContain('*api* _(disabled)_');
    expect(api).toContain('last scale event: none yet');
    expect(web).toContain('*web-server* — instances 1 now (min 1, max 6)');
    expect(web).toContain('IPs 1 leased / 40 free');
    expect(web).toContain('last scale event: scale-out waiting for approval 14:22 UTC');
  });

  it('shows the whole configuration of one service, with its Jenkins token masked', async () => {
    tb = await startBot({ services: [service({ jenkins: { job: 'autoscale-web', token: 'sekrit-token-123' } })] });
    const res = await tb.command('service show web-server', OTHER);
    const text: string = res.json.text;
    expect(text).toContain('*web-server* — instances 0 now (min 1, max 6)');
    expect(text).toContain('```');
    for (const line of ['name: web-server', 'template: web-server-template', 'start: 127.0.10.10', 'pool: web-server-pool', 'approval:', 'job: autoscale-web', 'token: "********"']) {
      expect(text).toContain(line);
    }
    expect(text).not.toContain('sekrit-token-123');
  });

  it('says which services exist when the name is unknown, and refuses names with shell characters', async () => {
    tb = await startBot({ services: [service()] });
    expect((await tb.command('service show nope')).json.text).toContain('No service named `nope`');
    const bad = await tb.command('service show "web;reboot"');
    expect(bad.json.text).toContain('is not a valid service name: shell characters are not allowed (`;`)');
  });
});

describe('service create', () => {
  it('opens a form with every field of the services schema, in sections, with the defaults filled in', async () => {
    tb = await startBot();
    const res = await tb.command('service create');
    expect(res.status).toBe(200);
    expect(res.json).toBeUndefined();
    const [call] = tb.slack.callsOf('views.open');
    expect(call!.args.trigger_id).toMatch(/^trigger-/);
    const view = call!.args.view;
    expect(view.callback_id).toBe(VIEW.serviceEdit);
    const blockIds = view.blocks.filter((b: any) => b.type === 'input').map((b: any) => b.block_id);
    expect(blockIds.sort()).toEqual(schemaLeaves().sort());
    expect(view.blocks.filter((b: any) => b.type === 'header').map((b: any) => b.text.text)).toEqual([
      'Service', 'vCenter placement', 'Network', 'F5', 'Health check', 'Scaling', 'Approval', 'Monitoring (optional)', 'Warm pool (optional)', 'Jenkins (optional)',
    ]);
    expect(input(view, 'channel').initial_conversation).toBe('C0SERVICE1');
    expect(input(view, 'f5.partition').initial_value).toBe('Common');
    expect(input(view, 'healthCheck.timeout').initial_value).toBe('5m');
    expect(input(view, 'scaling.maxPerHour').initial_value).toBe('3');
    expect(input(view, 'network.conflictCheck').initial_option.value).toBe('icmp');
    expect(input(view, 'approval.mode').initial_option.value).toBe('manual');
    expect(input(view, 'monitoring.cpuThreshold').placeholder.text).toBe('default: 80');
    expect(input(view, 'monitoring.cpuThreshold').initial_value).toBeUndefined();
    expect(view.blocks.length).toBeLessThanOrEqual(100);
  });

  it('stores a valid submission, answers with what was done and writes who did it to the audit trail', async () => {
    tb = await startBot();
    await tb.command('service create');
    const res = await tb.submitView(submitted(openedView(tb), NEW_SERVICE));
    expect(res.status).toBe(200);
    expect(res.json.response_action).toBe('update');
    expect(JSON.stringify(res.json.view)).toContain('Service *api-gateway* created.');
    const stored = tb.store.data.services['api-gateway']!.config;
    expect(stored).toMatchObject({
      name: 'api-gateway', enabled: true, channel: 'C0SERVICE1', network: { dns: ['10.20.0.2', '10.20.0.3'], conflictCheck: 'icmp' },
      f5: { partition: 'Common', port: 8080 }, scaling: { min: 2, max: 5, maxPerHour: 3, freeze: [{ cron: '0 18 * * 5', duration: '60h', reason: 'weekend' }] },
      approval: { mode: 'manual', approvers: ['U0APPROVE1'] },
    });
    expect(stored.monitoring).toBeUndefined();
    expect(stored.jenkins).toBeUndefined();
    expect(audit(tb, 'service.create')).toEqual([expect.objectContaining({ actor: ADMIN, target: 'api-gateway' })]);
  });

  it('answers invalid fields inline with the validation message and stores nothing', async () => {
    tb = await startBot();
    await tb.command('service create');
    const res = await tb.submitView(submitted(openedView(tb), {
      ...NEW_SERVICE,
      name: 'Bad_Name',
      template: null,
      'network.ipPool.start': '10.20.0.999',
      'network.dns': '10.20.0.2, nope',
      'f5.port': 'eighty',
      'scaling.freeze': '0 18 * * 5 | 60h\nbad | soon',
      'monitoring.cpuThreshold': '120',
    }));
    expect(res.status).toBe(200);
    expect(res.json.response_action).toBe('errors');
    const e = res.json.errors;
    expect(e.name).toBe('lower-case letters, digits and "-" only');
    expect(e.template).toBe('Required.');
    expect(e['network.ipPool.start']).toContain('expected an IPv4 address');
    expect(e['network.dns']).toBe('#2: expected an IPv4 address like 10.0.0.1');
    expect(e['f5.port']).toContain('expected number');
    expect(e['scaling.freeze']).toMatch(/^#2 cron: .*; #2 duration: expected a duration/);
    expect(e['monitoring.cpuThreshold']).toContain('100');
    expect(tb.store.data.services).toEqual({});
    expect(tb.store.data.audit).toEqual([]);
  });

  it('checks fields against each other once each is valid on its own', async () => {
    tb = await startBot();
    await tb.command('service create');
    const res = await tb.submitView(submitted(openedView(tb), { ...NEW_SERVICE, 'scaling.min': '9', 'network.ipPool.end': '10.20.0.5' }));
    expect(res.json).toEqual({
      response_action: 'errors',
      errors: { 'scaling.min': 'min 9 is greater than max 5', 'network.ipPool.end': 'pool end 10.20.0.5 is before start 10.20.0.10' },
    });
    expect(tb.store.data.services).toEqual({});
  });

  it('refuses a name that is taken', async () => {
    tb = await startBot({ services: [service({ name: 'api-gateway' })] });
    await tb.command('service create');
    const res = await tb.submitView(submitted(openedView(tb), NEW_SERVICE));
    expect(res.json).toEqual({ response_action: 'errors', errors: { name: 'A service named api-gateway already exists; use `/autoscale service edit api-gateway`.' } });
    expect(tb.store.data.services['api-gateway']!.config.template).toBe('api-gateway-template');
  });

  it('refuses the form to a user who is not an admin, and a submission from one', async () => {
    tb = await startBot({ env: { ADMIN_USERS: ADMIN } });
    const refused = await tb.command('service create', OTHER);
    expect(refused.json.text).toContain(`Only admins may run \`/autoscale service create\` (ADMIN_USERS: <@${ADMIN}>)`);
    expect(tb.slack.callsOf('views.open')).toHaveLength(0);
    await tb.command('service create', ADMIN);
    const res = await tb.submitView(submitted(openedView(tb), NEW_SERVICE), OTHER);
    expect(res.json.response_action).toBe('errors');
    expect(res.json.errors.name).toContain('Only admins may do this');
    expect(tb.store.data.services).toEqual({});
  });
});

describe('service edit', () => {
  it('opens the same form filled in with the service, never showing its token', async () => {
    tb = await startBot({ services: [service({ jenkins: { job: 'autoscale-web', token: 'sekrit-token-123' }, approval: { mode: 'timeout', approvers: ['U0APPROVE1'] } })] });
    await tb.command('service edit web-server');
    const view = openedView(tb);
    expect(view.title.text).toBe('Edit web-server');
    expect(input(view, 'name')).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain('*Name:* web-server');
    expect(input(view, 'template').initial_value).toBe('web-server-template');
    expect(input(view, 'network.dns').initial_value).toBe('127.0.10.2');
    expect(input(view, 'approval.mode').initial_option.value).toBe('timeout');
    expect(input(view, 'approval.approvers').initial_users).toEqual(['U0APPROVE1']);
    expect(input(view, 'jenkins.job').initial_value).toBe('autoscale-web');
    expect(JSON.stringify(view)).not.toContain('sekrit-token-123');
  });

  it('saves a change, keeps the stored token and records the update', async () => {
    tb = await startBot({ services: [service({ jenkins: { job: 'autoscale-web', token: 'sekrit-token-123' } })] });
    await tb.command('service edit web-server');
    const res = await tb.submitView(submitted(openedView(tb), { 'scaling.max': '8', enabled: false }));
    expect(res.json.response_action).toBe('update');
    expect(JSON.stringify(res.json.view)).toContain('Service *web-server* saved.');
    const stored = tb.store.data.services['web-server']!.config;
    expect(stored.scaling.max).toBe(8);
    expect(stored.enabled).toBe(false);
    expect(stored.jenkins?.token).toBe('sekrit-token-123');
    expect(audit(tb, 'service.update')).toEqual([expect.objectContaining({ actor: ADMIN, target: 'web-server' })]);
  });

  it('answers an invalid edit inline and leaves the service as it was', async () => {
    tb = await startBot({ services: [service()] });
    await tb.command('service edit web-server');
    const res = await tb.submitView(submitted(openedView(tb), { 'network.gateway': '10.99.0.1', 'healthCheck.timeout': 'soon' }));
    expect(res.json.response_action).toBe('errors');
    expect(res.json.errors['network.ipPool.start']).toContain("is not in the gateway's subnet");
    expect(res.json.errors['healthCheck.timeout']).toBe('expected a duration like 30s, 10m, 1h');
    expect(tb.store.data.services['web-server']!.config.network.gateway).toBe('127.0.10.1');
    expect(audit(tb, 'service.update')).toEqual([]);
  });
});

describe('service enable / disable', () => {
  it('switches a service off and on, says so in the channel and records who did it', async () => {
    tb = await startBot({ services: [service()] });
    const off = await tb.command('service disable web-server');
    expect(off.json).toMatchObject({ response_type: 'in_channel', text: expect.stringContaining('web-server is disabled') });
    expect(tb.store.data.services['web-server']!.config.enabled).toBe(false);
    expect((await tb.command('service disable web-server')).json.text).toBe('web-server is already disabled. Nothing was changed.');
    const on = await tb.command('service enable web-server');
    expect(on.json.text).toContain('web-server is enabled');
    expect(tb.store.data.services['web-server']!.config.enabled).toBe(true);
    expect(tb.store.data.audit.filter((a) => a.actor !== 'test').map((a) => [a.action, a.actor])).toEqual([['service.disable', ADMIN], ['service.enable', ADMIN]]);
  });

  it('shows the usage line when the name is missing', async () => {
    tb = await startBot({ services: [service()] });
    expect((await tb.command('service enable')).json.text).toBe('Usage: `/autoscale service enable <name>`');
  });
});

describe('service delete', () => {
  it('asks first, then deletes, tells the channel and records who did it', async () => {
    tb = await startBot({ services: [service()] });
    const prompt = await tb.command('service delete web-server');
    expect(prompt.json.text).toContain('Delete service *web-server*?');
    const [confirm, cancel] = buttons(prompt.json.blocks);
    expect([confirm!.action_id, cancel!.action_id]).toEqual([ACTION.confirmCommand, ACTION.cancelCommand]);
    expect(confirm!.value).toMatch(/^cf-[0-9a-f]{16}$/);
    expect(tb.store.data.services['web-server']).toBeDefined();

    const before = tb.slack.responses.length;
    await tb.click(ACTION.confirmCommand, confirm!.value);
    expect(tb.store.data.services['web-server']).toBeUndefined();
    expect(tb.slack.responses[before]!.body).toMatchObject({ replace_original: true, text: `:wastebasket: Service *web-server* deleted by <@${ADMIN}>.` });
    expect(tb.slack.topLevel('C0SERVICE1').map((m) => m.text)).toEqual([`:wastebasket: Service *web-server* deleted by <@${ADMIN}>.`]);
    expect(audit(tb, 'service.delete')).toEqual([expect.objectContaining({ actor: ADMIN, target: 'web-server' })]);

    await tb.click(ACTION.confirmCommand, confirm!.value);
    expect(tb.slack.responses.at(-1)!.body.text).toContain('This confirmation expired or was already used');
  });

  it('is refused while a request of the service is open, also when the request opened after the prompt', async () => {
    tb = await startBot({ services: [service()] });
    const prompt = await tb.command('service delete web-server');
    const id = buttons(prompt.json.blocks)[0]!.value;
    const alert = await tb.webhook(alertPayload());
    const requestId = alert.json.alerts[0].requestId;

    const refused = await tb.command('service delete web-server');
    expect(refused.json.text).toBe(`web-server has an open scale request (${requestId}); delete it when the request is finished or rejected. Nothing was changed.`);
    expect(refused.json.blocks).toBeUndefined();

    await tb.click(ACTION.confirmCommand, id);
    expect(tb.slack.responses.at(-1)!.body.text).toContain(`has an open scale request (${requestId})`);
    expect(tb.store.data.services['web-server']).toBeDefined();
    expect(audit(tb, 'service.delete')).toEqual([]);
  });

  it('changes nothing when cancelled, and only the user who asked can confirm', async () => {
    tb = await startBot({ services: [service()] });
    const id = buttons((await tb.command('service delete web-server')).json.blocks)[0]!.value;
    await tb.click(ACTION.confirmCommand, id, OTHER);
    expect(tb.slack.responses.at(-1)!.body.text).toBe(`Only <@${ADMIN}>, who ran the command, can confirm it. Nothing was changed.`);
    await tb.click(ACTION.cancelCommand, id);
    expect(tb.slack.responses.at(-1)!.body).toMatchObject({ replace_original: true, text: 'Cancelled. Nothing was changed.' });
    await tb.click(ACTION.confirmCommand, id);
    expect(tb.store.data.services['web-server']).toBeDefined();
  });
});

describe('service import', () => {
  const yaml = (name: string, extra = '', subnet = '10.30.0') => `services:
  - name: ${name}
    channel: C0SERVICE1
    template: ${name}-template
    vcenter: { datacenter: DC0 }
    vmNamePrefix: ${name}
    network:
      ipPool: { start: ${subnet}.10, end: ${subnet}.20 }
      netmask: 255.255.255.0
      gateway: ${subnet}.1
    f5: { pool: ${name}-pool, port: 80 }
    healthCheck: { port: 80 }
    scaling: { min: 1, max: 3 }
    approval: { mode: manual }
${extra}`;

  it('opens a modal with a YAML text area and upserts a valid file', async () => {
    tb = await startBot({ services: [service()] });
    await tb.command('service import');
    const view = openedView(tb);
    expect(view.callback_id).toBe(VIEW.serviceImport);
    expect(input(view, 'yaml')).toMatchObject({ type: 'plain_text_input', multiline: true });

    const text = `${yaml('billing', '', '10.31.0')}${yaml('web-server').replace('services:\n', '')}`;
    const res = await tb.submitView(submitted(view, { yaml: text }));
    expect(res.json.response_action).toBe('update');
    expect(JSON.stringify(res.json.view)).toContain('Created: billing\\nUpdated: web-server\\nUnchanged: —');
    expect(tb.store.data.services.billing!.config.scaling.max).toBe(3);
    expect(tb.store.data.services['web-server']!.config.network.gateway).toBe('10.30.0.1');
    expect(tb.store.data.audit.filter((a) => a.actor !== 'test').map((a) => [a.action, a.target, a.actor])).toEqual([['service.create', 'billing', ADMIN], ['service.update', 'web-server', ADMIN]]);
  });

  it('answers invalid YAML or fields inline, naming the path, and stores nothing', async () => {
    tb = await startBot();
    await tb.command('service import');
    const view = openedView(tb);
    const bad = await tb.submitView(submitted(view, { yaml: yaml('billing').replace('gateway: 10.30.0.1', 'gateway: 10.30.0.x') }));
    expect(bad.json).toEqual({ response_action: 'errors', errors: { yaml: expect.stringContaining('services[0].network.gateway: expected an IPv4 address') } });
    const broken = await tb.submitView(submitted(view, { yaml: 'services: [\n' }));
    expect(broken.json.errors.yaml).toContain('(yaml):');
    expect(tb.store.data.services).toEqual({});
    expect(tb.store.data.audit).toEqual([]);
  });
});

describe('service export', () => {
  it('uploads the YAML as a file to the channel', async () => {
    tb = await startBot({ services: [service(), service({ name: 'api', jenkins: { job: 'autoscale-api', token: 'sekrit-token-123' } })] });
    const before = tb.slack.responses.length;
    const res = await tb.command('service export', OTHER);
    expect(res.json.text).toBe('Exporting…');
    const reply = await nextResponse(tb, before);
    expect(reply.text).toContain('Uploaded *services.yaml* (2 services) to this channel.');
    expect(reply.text).toContain('Jenkins tokens are shown as ********');
    const [urlCall] = tb.slack.callsOf('files.getUploadURLExternal');
    expect(urlCall!.args.filename).toBe('services.yaml');
    const [upload] = tb.slack.callsOf('upload');
    expect(upload!.args.body).toContain('name: web-server');
    expect(upload!.args.body).toContain('name: api');
    expect(upload!.args.body).not.toContain('sekrit-token-123');
    const [complete] = tb.slack.callsOf('files.completeUploadExternal');
    expect(complete!.args.channel_id).toBe('C0SERVICE1');
  });

  it('answers with a code block of one service when the upload fails', async () => {
    tb = await startBot({ services: [service(), service({ name: 'api' })] });
    tb.slack.failNext('files.getUploadURLExternal', 200, { body: { ok: false, error: 'not_in_channel' } });
    const before = tb.slack.responses.length;
    await tb.command('service export api');
    const reply = await nextResponse(tb, before);
    expect(reply.text).toContain('Could not upload a file');
    expect(reply.text).toContain('not_in_channel');
    expect(reply.text).toMatch(/```\nservices:\n {2}- name: api\n/);
    expect(reply.text).not.toContain('web-server');
  });
});

describe('Slack limits of the service commands', () => {
  /** A service whose settings are long where the old form cut them: 60 targets, 12 freeze windows, a long Jenkins URL. */
  function bigService() {
    return service({
      monitoring: { prometheusJob: 'web-server', targets: Array.from({ length: 60 }, (_, i) => `web-server-${i + 1}.prod.example.internal:9100`) },
      scaling: {
        min: 1, max: 6, cooldown: '10m',
        freeze: Array.from({ length: 12 }, (_, i) => ({ cron: `0 ${i} * * 1-5`, duration: '30m', reason: `batch window ${i + 1}: ${'ledger reconciliation, '.repeat(6)}`.trim() })),
      },
      jenkins: { job: 'autoscale-web', token: 'sekrit-token-123', scm: { url: `https://git.example.internal/platform/${'deep/'.repeat(80)}autoscale.git`, scriptPath: 'Jenkinsfile', branch: 'main' } },
    });
  }

  it('opens the edit form of a service with 60 targets, 12 freeze windows and a long Jenkins URL, and saves it unchanged', async () => {
    const big = bigService();
    tb = await startBot({ services: [big] });
    const res = await tb.command('service edit web-server');
    expect(res.json?.text).toBeUndefined(); // no "Could not open the form"
    const view = openedView(tb);
    expect(tb.slack.violations).toEqual([]);
    expect(input(view, 'monitoring.targets').initial_value).toContain('web-server-60.prod.example.internal:9100');
    expect(input(view, 'scaling.freeze').initial_value.split('\n')).toHaveLength(12);
    expect(input(view, 'jenkins.scm.url').initial_value).toBe(big.jenkins!.scm!.url);

    const saved = await tb.submitView(submitted(view));
    expect(saved.json.response_action).toBe('update');
    expect(JSON.stringify(saved.json.view)).toContain('Nothing changed in *web-server*.');
    expect(tb.store.data.services['web-server']!.config).toEqual(big);
  });

  it('pages the service list of 300 services, 20 a page, each reply within Slack\'s limits', async () => {
    const many = Array.from({ length: 300 }, (_, i) => service({ name: `svc-${String(i + 1).padStart(3, '0')}-${'x'.repeat(40)}` }));
    tb = await startBot({ services: many });
    const first = await tb.command('service list', OTHER);
    expect(messageProblems(first.json)).toEqual([]);
    const lines: string[] = first.json.text.split('\n');
    expect(lines[0]).toBe('*Services (300)*');
    expect(lines.slice(1, -1)).toHaveLength(20);
    expect(lines[1]).toContain(`*svc-001-${'x'.repeat(40)}*`);
    expect(lines.at(-1)).toBe('_Page 1 of 15 — next: `/autoscale service list 2`_');

    const last = await tb.command('service list 15', OTHER);
    expect(messageProblems(last.json)).toEqual([]);
    expect(last.json.text).toContain(`*svc-300-${'x'.repeat(40)}*`);
    expect(last.json.text).not.toContain('svc-280-');
    expect(last.json.text.split('\n').at(-1)).toBe('_Page 15 of 15 — first: `/autoscale service list`_');

    expect((await tb.command('service list two', OTHER)).json.text).toBe('`two` is not a valid page number: expected a page number like 2. Nothing was changed.');
  });
});

describe('secrets through export and import', () => {
  it('keeps the stored Jenkins token when the exported YAML (token shown as ********) is imported back', async () => {
    tb = await startBot({ services: [service({ jenkins: { job: 'autoscale-web', token: 'sekrit-token-123' } })] });
    const before = tb.slack.responses.length;
    await tb.command('service export web-server');
    await nextResponse(tb, before);
    const exported: string = tb.slack.callsOf('upload')[0]!.args.content;
    expect(exported).toContain('token: "********"');

    await tb.command('service import');
    const res = await tb.submitView(submitted(openedView(tb), { yaml: exported.replace('max: 6', 'max: 7') }));
    expect(res.json.errors).toBeUndefined();
    expect(res.json.response_action).toBe('update');
    const stored = tb.store.data.services['web-server']!.config;
    expect(stored.scaling.max).toBe(7);
    expect(stored.jenkins?.token).toBe('sekrit-token-123');
    // What `jenkins render` / `jenkins push` would publish.
    expect(renderJobConfig(stored)).not.toContain(REDACTED);
  });

  it('refuses ******** for a service that has no stored token, and stores nothing', async () => {
    tb = await startBot({ services: [service()] });
    const yaml = servicesToYaml([{ ...service(), jenkins: { job: 'autoscale-web', token: REDACTED } }]);
    await tb.command('service import');
    const res = await tb.submitView(submitted(openedView(tb), { yaml }));
    expect(res.json).toEqual({ response_action: 'errors', errors: { yaml: 'services[0].jenkins.token: ******** stands for the stored secret, but service "web-server" has none stored; write the secret itself or leave the field out' } });
    expect(tb.store.data.services['web-server']!.config.jenkins).toBeUndefined();
    expect(audit(tb, 'service.update')).toEqual([]);
  });
});

describe('services that would share VMs or addresses', () => {
  const apiPool = { ipPool: { start: '127.0.20.10', end: '127.0.20.20' }, netmask: '255.255.255.0', gateway: '127.0.20.1', dns: [], conflictCheck: 'none' as const };

  it('refuses a new service whose IP pool overlaps another\'s, on the pool field, naming both', async () => {
    tb = await startBot({ services: [service({ name: 'billing', network: { ...apiPool, ipPool: { start: '10.20.0.15', end: '10.20.0.30' }, gateway: '10.20.0.1' } })] });
    await tb.command('service create');
    const res = await tb.submitView(submitted(openedView(tb), NEW_SERVICE));
    expect(res.json.response_action).toBe('errors');
    expect(res.json.errors['network.ipPool.start']).toBe('the pool 10.20.0.10-10.20.0.20 of service "api-gateway" overlaps the pool 10.20.0.15-10.20.0.30 of service "billing" (both hold 10.20.0.15-10.20.0.20); pools must not share addresses');
    expect(Object.keys(tb.store.data.services)).toEqual(['billing']);
  });

  it('refuses an edit that gives a service the VM name prefix of another in the same folder, naming both', async () => {
    tb = await startBot({ services: [service(), service({ name: 'api', network: apiPool })] });
    await tb.command('service edit api');
    const res = await tb.submitView(submitted(openedView(tb), { vmNamePrefix: 'web-server' }));
    expect(res.json.response_action).toBe('errors');
    expect(res.json.errors.vmNamePrefix).toBe('services "api" and "web-server" would both name their VMs web-server-<n> in folder /DC0/vm; give one of them another vmNamePrefix or vcenter.folder');
    expect(tb.store.data.services.api!.config.vmNamePrefix).toBe('api');
  });

  it('refuses an import that shares a prefix (the default VM folder is /DC0/vm) and a pool with stored services, and writes nothing', async () => {
    tb = await startBot({ services: [service()] });
    const canary = { ...service({ name: 'web-canary', vmNamePrefix: 'web-server', vcenter: { datacenter: 'DC0' } }) };
    const billing = service({ name: 'billing', network: apiPool });
    await tb.command('service import');
    const res = await tb.submitView(submitted(openedView(tb), { yaml: servicesToYaml([billing, canary]) }));
    expect(res.json.response_action).toBe('errors');
    const lines: string[] = res.json.errors.yaml.split('\n');
    expect(lines).toEqual([
      'services[1].vmNamePrefix: services "web-canary" and "web-server" would both name their VMs web-server-<n> in folder /DC0/vm; give one of them another vmNamePrefix or vcenter.folder',
      'services[1].network.ipPool: the pool 127.0.10.10-127.0.10.50 of service "web-canary" overlaps the pool 127.0.10.10-127.0.10.50 of service "web-server" (both hold 127.0.10.10-127.0.10.50); pools must not share addresses',
    ]);
    expect(Object.keys(tb.store.data.services)).toEqual(['web-server']);
    expect(tb.store.data.audit.filter((a) => a.actor !== 'test')).toEqual([]);
  });
  it('with BOT_LOCALE=ko, words the form\'s and the import\'s refusals in Korean, paths as they are, and writes nothing', async () => {
    tb = await startBot({ env: { BOT_LOCALE: 'ko' }, services: [service()] });
    await tb.command('service edit web-server');
    const edit = await tb.submitView(submitted(openedView(tb), { 'scaling.min': '7', 'scaling.max': '3' }));
    expect(edit.json.errors['scaling.min']).toBe('최소 7이(가) 최대 3보다 큽니다');

    const canary = service({ name: 'web-canary', vmNamePrefix: 'web-server', vcenter: { datacenter: 'DC0' }, network: apiPool });
    await tb.command('service import');
    const clash = await tb.submitView(submitted(openedView(tb), { yaml: servicesToYaml([canary]) }));
    expect(clash.json.errors.yaml).toBe(
      'services[0].vmNamePrefix: 서비스 "web-canary"와(과) "web-server"이(가) 폴더 /DC0/vm에서 둘 다 VM 이름을 web-server-<n>으로 짓게 됩니다. 한쪽의 vmNamePrefix나 vcenter.folder를 바꾸세요',
    );
    await tb.command('service import');
    const billing = servicesToYaml([service({ name: 'billing', network: apiPool })]).replace('gateway: 127.0.20.1', 'gateway: 127.0.20.x');
    const bad = await tb.submitView(submitted(openedView(tb), { yaml: billing }));
    expect(bad.json.errors.yaml).toContain('services[0].network.gateway: 10.0.0.1 같은 IPv4 주소를 입력하세요');
    expect(Object.keys(tb.store.data.services)).toEqual(['web-server']);
    expect(tb.store.data.services['web-server']!.config.scaling.min).toBe(1);
  });
});
