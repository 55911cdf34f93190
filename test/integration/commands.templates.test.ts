/** `/autoscale template …` through signed Bolt requests, against a real vcsim and the fake Slack API. */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/cards/ids.js';
import { saveTemplateMeta } from '../../src/store/templates.js';
import type { Service } from '../../src/config.js';
import { runProcess } from '../../src/integrations/process.js';
import { buttons, messageProblems } from '../fakes/slack.js';
import { service, startBot, type TestBot } from '../helpers/bot.js';
import { waitFor } from '../helpers/net.js';
import { GOVC_BIN, startVcsim, VCSIM_POOL, type Vcsim } from '../helpers/vcsim.js';

const ADMIN = 'U0ADMIN01';
let sim: Vcsim;
let tb: TestBot | undefined;

beforeEach(async () => {
  sim = await startVcsim();
});
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
  await sim.stop();
});

async function startWithVcenter(services: Service[] = [service()], env: Record<string, string> = {}): Promise<TestBot> {
  return startBot({ services, env, govc: sim.govc });
}

async function nextResponse(t: TestBot, before: number): Promise<any> {
  await waitFor(() => t.slack.responses.length > before, 10_000, 'a response_url post');
  return t.slack.responses[before]!.body;
}

function channelTexts(t: TestBot): string[] {
  return t.slack.topLevel('C0SERVICE1').map((m) => m.text ?? '');
}

function confirmId(res: { json: any }): string {
  const b = buttons(res.json.blocks);
  expect(b.map((x) => x.action_id)).toEqual([ACTION.confirmCommand, ACTION.cancelCommand]);
  return b[0]!.value;
}

describe('template list', () => {
  it("joins vCenter's templates with who made them, from what, and which services use them", async () => {
    tb = await startWithVcenter([service(), service({ name: 'api', template: 'web-server-template' })]);
    await sim.makeTemplate('web-server-template');
    await sim.makeTemplate('spare-template');
    await saveTemplateMeta(tb.store, { name: 'web-server-template', description: 'Ubuntu 24.04 base', sourceVm: 'DC0_H0_VM0', createdBy: 'U0MAKER01', createdAt: '2026-11-20T09:00:00Z' }, 'U0MAKER01');
    await saveTemplateMeta(tb.store, { name: 'gone-template', createdAt: '2026-11-01T09:00:00Z' }, 'U0MAKER01');

    const before = tb.slack.responses.length;
    const res = await tb.command('template list', 'U0READER1');
    expect(res.json.text).toBe('Asking vCenter for its templates…');
    const lines: string[] = (await nextResponse(tb, before)).text.split('\n');
    expect(lines[0]).toBe('*Templates in vCenter (2)*');
    expect(lines[1]).toBe('• *spare-template* — unused');
    expect(lines[2]).toBe('• *web-server-template* — Ubuntu 24.04 base · from DC0_H0_VM0 · made by <@U0MAKER01> Nov 20 09:00 UTC · used by api, web-server');
    expect(lines[3]).toContain('no longer has: gone-template');
  });

  it('pages 300 templates, 20 a page, each reply within Slack\'s limits', async () => {
    await sim.stop();
    sim = await startVcsim({ extraArgs: ['-vm', '150'] }); // 150 VMs on the host and 150 in the cluster
    for (const args of [['vm.power', '-off', '-force', 'DC0_*'], ['vm.markastemplate', 'DC0_*']]) {
      expect((await runProcess(GOVC_BIN, args, { env: sim.processEnv, timeoutMs: 60_000 })).code).toBe(0);
    }
    // One template used by 300 services: the line names a few of them, not all.
    const users = Array.from({ length: 300 }, (_, i) => service({ name: `svc-${String(i + 1).padStart(3, '0')}`, template: 'DC0_C0_RP0_VM0' }));
    tb = await startWithVcenter(users);
    // Descriptions as long as they may be (200): 300 of them would pass 40,000 characters in one reply.
    const description = `Ubuntu 24.04 base with the agent, hardened. ${'x'.repeat(200)}`.slice(0, 200);
    for (const prefix of ['DC0_H0_VM', 'DC0_C0_RP0_VM']) {
      for (let i = 0; i < 150; i++) await saveTemplateMeta(tb.store, { name: `${prefix}${i}`, description, createdBy: 'U0MAKER01', createdAt: '2026-11-20T09:00:00Z' }, 'U0MAKER01');
    }
    const before = tb.slack.responses.length;
    await tb.command('template list', 'U0READER1');
    const first = await nextResponse(tb, before);
    expect(messageProblems(first)).toEqual([]);
    const lines: string[] = first.text.split('\n');
    expect(lines[0]).toBe('*Templates in vCenter (300)*');
    expect(lines.slice(1, -1)).toHaveLength(20);
    expect(lines[1]).toBe(`• *DC0_C0_RP0_VM0* — ${description} · made by <@U0MAKER01> Nov 20 09:00 UTC · used by svc-001, svc-002, svc-003, svc-004, svc-005, svc-006, svc-007, svc-008, svc-009, svc-010 and 290 more`);
    expect(lines.at(-1)).toBe('_Page 1 of 15 — next: `/autoscale template list 2`_');

    const n = tb.slack.responses.length;
    await tb.command('template list 15', 'U0READER1');
    const last = await nextResponse(tb, n);
    expect(messageProblems(last)).toEqual([]);
    expect(last.text).toContain(`• *DC0_H0_VM99* — ${description} · made by <@U0MAKER01> Nov 20 09:00 UTC · unused`);
    expect(last.text.split('\n').at(-1)).toBe('_Page 15 of 15 — first: `/autoscale template list`_');
  });

  it('says vCenter is not configured when the bot has no GOVC_URL', async () => {
    tb = await startBot({ services: [service()] });
    for (const cmd of ['template list', 'template create DC0_H0_VM0 base', 'template delete base']) {
      expect((await tb.command(cmd)).json.text).toBe('vCenter is not configured on this bot (GOVC_URL), so there are no templates to manage.');
    }
  });
});

describe('template create', () => {
  it('clones the VM into a template after a confirm, reports progress and the result in the channel, and leaves the VM alone', async () => {
    tb = await startWithVcenter();
    const res = await tb.command('template create DC0_H0_VM0 base-2026 "Ubuntu 24.04 base"');
    expect(res.json.text).toContain('Create template *base-2026* from VM *DC0_H0_VM0*?');
    expect(res.json.text).toContain(`Resource pool: ${VCSIM_POOL}`);
    const id = confirmId(res);
    expect(await sim.govc.vmInfo('base-2026')).toBeUndefined();

    const before = tb.slack.responses.length;
    await tb.click(ACTION.confirmCommand, id);
    expect(tb.slack.responses[before]!.body).toMatchObject({ replace_original: true, text: 'Confirmed. Progress and the result will appear in <#C0SERVICE1>.' });
    const [message] = tb.slack.topLevel('C0SERVICE1');
    expect(message!.text).toMatch(/^:white_check_mark: Template \*base-2026\* created from \*DC0_H0_VM0\* in .+ \(asked by <@U0ADMIN01>\)/);
    expect(message!.updates).toBeGreaterThanOrEqual(1);
    expect(tb.slack.callsOf('chat.postMessage')[0]!.args.text).toContain(':hourglass_flowing_sand: Creating template *base-2026* from *DC0_H0_VM0*');

    expect(await sim.govc.vmInfo('base-2026')).toMatchObject({ template: true, powerState: 'poweredOff' });
    expect(await sim.govc.vmInfo('DC0_H0_VM0')).toMatchObject({ template: false, powerState: 'poweredOn' });
    expect(await sim.govc.listTemplates()).toContain('base-2026');
    expect(tb.store.data.templates['base-2026']).toMatchObject({ description: 'Ubuntu 24.04 base', sourceVm: 'DC0_H0_VM0', createdBy: ADMIN });
    expect(tb.store.data.audit.filter((a) => a.action.startsWith('template.'))).toEqual([expect.objectContaining({ action: 'template.create', actor: ADMIN, target: 'base-2026' })]);

    const listed = tb.slack.responses.length;
    await tb.command('template list');
    expect((await nextResponse(tb, listed)).text).toContain('• *base-2026* — Ubuntu 24.04 base · from DC0_H0_VM0 · made by <@U0ADMIN01>');
  });

  it('reports in the channel when the source VM does not exist, and records the failed attempt', async () => {
    tb = await startWithVcenter();
    await tb.click(ACTION.confirmCommand, confirmId(await tb.command('template create no-such-vm base-2026')));
    expect(channelTexts(tb)).toEqual([':x: Could not create template *base-2026*: vCenter has no VM named *no-such-vm*. Nothing was changed.']);
    expect(tb.store.data.templates).toEqual({});
    expect(tb.store.data.audit.filter((a) => a.action.startsWith('template.'))).toEqual([expect.objectContaining({ action: 'template.create.failed', actor: ADMIN })]);
  });

  it('tells the user directly when the bot cannot post in the channel', async () => {
    tb = await startWithVcenter();
    tb.slack.failNext('chat.postMessage', 200, { body: { ok: false, error: 'not_in_channel' } });
    const id = confirmId(await tb.command('template create no-such-vm base-2026'));
    const before = tb.slack.responses.length;
    await tb.click(ACTION.confirmCommand, id);
    const told = tb.slack.responses.slice(before).map((r) => r.body.text);
    expect(told.at(-1)).toBe(':x: Could not create template *base-2026*: vCenter has no VM named *no-such-vm*. Nothing was changed.');
    expect(told).toContain(`:hourglass_flowing_sand: Creating template *base-2026* from *no-such-vm* (asked by <@${ADMIN}>)…`);
    expect(channelTexts(tb)).toEqual([]);
  });

  it('reports a name vCenter already has', async () => {
    tb = await startWithVcenter();
    await sim.makeTemplate('base-2026');
    await tb.click(ACTION.confirmCommand, confirmId(await tb.command('template create DC0_H0_VM0 base-2026')));
    expect(channelTexts(tb)).toEqual([':x: Could not create template *base-2026*: vCenter already has a VM or template named *base-2026*. Nothing was changed.']);
  });

  it('refuses names with shell characters and bad arguments before asking anything', async () => {
    tb = await startWithVcenter();
    const bad = await tb.command('template create DC0_H0_VM0 "base;reboot"');
    expect(bad.json.text).toBe('`base;reboot` is not a valid template name: shell characters are not allowed (`;`). Nothing was changed.');
    expect(bad.json.blocks).toBeUndefined();
    expect((await tb.command('template create "$(id)" base')).json.text).toContain('is not a valid source VM name: shell characters are not allowed (`$` `(` `)`)');
    expect((await tb.command('template create -vm base')).json.text).toContain('must not start with "-"');
    expect((await tb.command('template create DC0_H0_VM0')).json.text).toBe('Usage: `/autoscale template create <source-vm> <name> [description] [pool=<path>] [folder=<path>]`');
  });

  it('is only for admins, and the refusal says who may', async () => {
    tb = await startWithVcenter([service()], { ADMIN_USERS: `${ADMIN},U0ADMIN02` });
    const res = await tb.command('template create DC0_H0_VM0 base-2026', 'U0READER1');
    expect(res.json.text).toBe('Only admins may run `/autoscale template create` (ADMIN_USERS: <@U0ADMIN01>, <@U0ADMIN02>). Nothing was changed.');
    expect(res.json.blocks).toBeUndefined();
  });
});

describe('template delete', () => {
  it('is refused while services use the template, naming them', async () => {
    tb = await startWithVcenter([service(), service({ name: 'api', template: '/DC0/vm/web-server-template' })]);
    await sim.makeTemplate('web-server-template');
    const res = await tb.command('template delete web-server-template');
    expect(res.json.text).toBe('Template *web-server-template* is used by *api*, *web-server*; point them at another template first (`/autoscale service edit api`). Nothing was changed.');
    expect(res.json.blocks).toBeUndefined();
    expect(await sim.govc.vmInfo('web-server-template')).toBeDefined();
  });

  it('destroys an unused template after a confirm, drops its metadata and reports in the channel', async () => {
    tb = await startWithVcenter();
    await sim.makeTemplate('old-template');
    await saveTemplateMeta(tb.store, { name: 'old-template', createdAt: '2026-11-01T09:00:00Z' }, 'U0MAKER01');
    const res = await tb.command('template delete old-template');
    expect(res.json.text).toContain('Delete template *old-template* from vCenter?');
    expect(buttons(res.json.blocks)[0]!.style).toBe('danger');

    await tb.click(ACTION.confirmCommand, confirmId(res));
    expect(channelTexts(tb)).toEqual([':wastebasket: Template *old-template* deleted from vCenter (asked by <@U0ADMIN01>).']);
    expect(await sim.govc.vmInfo('old-template')).toBeUndefined();
    expect(tb.store.data.templates['old-template']).toBeUndefined();
    expect(tb.store.data.audit.at(-1)).toMatchObject({ action: 'template.delete', actor: ADMIN, target: 'old-template' });
  });

  it('refuses a name that matches two objects and destroys neither', async () => {
    tb = await startWithVcenter();
    await sim.makeTemplate('old-template');
    const other = await sim.placeVm('/DC0/vm/other-team', 'old-template', { powerOn: true });
    await tb.click(ACTION.confirmCommand, confirmId(await tb.command('template delete old-template')));
    expect(channelTexts(tb)).toEqual([
      ':x: Could not delete template *old-template*: the name *old-template* matches 2 objects in vCenter (`/DC0/vm/old-template`, `/DC0/vm/other-team/old-template`), ' +
        'so the bot will not guess which one is meant. Rename the one to delete to a unique name. Nothing was changed.',
    ]);
    expect(await sim.govc.vmAt('/DC0/vm/old-template')).toMatchObject({ template: true });
    expect(await sim.govc.vmAt(other)).toMatchObject({ template: false, powerState: 'poweredOn' });
  });

  it('never destroys a VM that is not a template', async () => {
    tb = await startWithVcenter();
    await tb.click(ACTION.confirmCommand, confirmId(await tb.command('template delete DC0_H0_VM1')));
    expect(channelTexts(tb)).toEqual([':x: Could not delete template *DC0_H0_VM1*: *DC0_H0_VM1* is a VM, not a template; this command deletes only templates. Nothing was changed.']);
    expect(await sim.govc.vmInfo('DC0_H0_VM1')).toMatchObject({ template: false });
  });

  it('does nothing when cancelled', async () => {
    tb = await startWithVcenter();
    await sim.makeTemplate('old-template');
    const id = confirmId(await tb.command('template delete old-template'));
    await tb.click(ACTION.cancelCommand, id);
    expect(tb.slack.responses.at(-1)!.body.text).toBe('Cancelled. Nothing was changed.');
    await tb.click(ACTION.confirmCommand, id);
    expect(tb.slack.responses.at(-1)!.body.text).toContain('expired or was already used');
    expect(await sim.govc.vmInfo('old-template')).toMatchObject({ template: true });
    expect(channelTexts(tb)).toEqual([]);
  });
});
