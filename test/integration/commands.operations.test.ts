/** `/autoscale` help, status, history, scale, preflight and the App Home, through signed Bolt requests. */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/cards/ids.js';
import { MAX_LINE_CHARS } from '../../src/cards/commandMessages.js';
import { blockText, buttons, messageProblems } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { waitFor } from '../helpers/net.js';

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

const ADMIN = 'U0ADMIN01';

async function nextResponse(t: TestBot, before: number): Promise<any> {
  await waitFor(() => t.slack.responses.length > before, 5000, 'a response_url post');
  return t.slack.responses[before]!.body;
}

describe('/autoscale help', () => {
  it('lists every subcommand, grouped, marking the ones only admins may run', async () => {
    tb = await startBot();
    const text: string = (await tb.command('help', 'U0READER1')).json.text;
    const groups = [...text.matchAll(/^\*(\w[^*]*)\*$/gm)].map((m) => m[1]);
    expect(groups).toEqual(expect.arrayContaining(['Operations', 'Services', 'Templates']));
    for (const usage of [
      'status [page]', 'history [service] [n]', 'scale out <service>', 'scale in <service>', 'preflight <service> [out|in]',
      'service list [page]', 'service show <name>', 'service create', 'service edit <name>', 'service enable <name>', 'service disable <name>',
      'service delete <name>', 'service import', 'service export [name]',
      'template list [page]', 'template create <source-vm> <name> [description] [pool=<path>] [folder=<path>]', 'template delete <name>',
    ]) {
      expect(text).toContain(`• \`/autoscale ${usage}\``);
    }
    expect(text).toMatch(/`\/autoscale service delete <name>` — .* _\(admins\)_/);
    expect(text).not.toMatch(/`\/autoscale service list \[page\]` — .* _\(admins\)_/);
  });

  it('answers an unknown subcommand with the help, and bad arguments with the usage line', async () => {
    tb = await startBot({ services: [service()] });
    const unknown = await tb.command('frobnicate now');
    expect(unknown.json).toMatchObject({ response_type: 'ephemeral' });
    expect(unknown.json.text).toMatch(/^Unknown command `frobnicate now`\.\n\n\*`\/autoscale` commands\*/);
    expect((await tb.command('service show')).json.text).toBe('Usage: `/autoscale service show <name>`');
    expect((await tb.command('template delete a b')).json.text).toBe('Usage: `/autoscale template delete <name>`');
  });
});

describe('/autoscale status and history', () => {
  it('shows open requests: pending with the deadline, in flight with the current step', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'timeout', autoApproveAfter: '10m' } }), service({ name: 'api' })] });
    expect((await tb.command('status', 'U0READER1')).json.text).toBe('No open scale requests.');
    const web = (await tb.webhook(alertPayload())).json.alerts[0].requestId;
    const api = (await tb.webhook(alertPayload({ service: 'api' }))).json.alerts[0].requestId;
    await tb.store.mutate((d) => {
      const r = d.requests.find((x) => x.id === api)!;
      r.state = 'running';
      r.attempts.push({ n: 1, startedAt: r.createdAt, steps: [{ name: 'reserve-ip', state: 'done', startedAt: r.createdAt }, { name: 'clone', state: 'running', startedAt: r.createdAt }], undone: [] });
    });
    const lines = (await tb.command('status', 'U0READER1')).json.text.split('\n');
    expect(lines).toEqual([
      '*Open scale requests*',
      `• *api* scale-out \`${api}\` — running, now: Clone from template`,
      `• *web-server* scale-out \`${web}\` — waiting for approval, auto-approves 14:32 UTC (in 10 minutes)`,
    ]);
  });

  it('pages 300 open requests, 20 a page, each reply within Slack\'s limits', async () => {
    tb = await startBot({ services: [service()] });
    const id = (await tb.webhook(alertPayload())).json.alerts[0].requestId;
    // 300 services each with a request blocked for a long reason: what a bad afternoon looks like in status.
    await tb.store.mutate((d) => {
      const template = d.requests.find((x) => x.id === id)!;
      for (let i = 1; i < 300; i++) {
        d.requests.push({ ...structuredClone(template), id: `${id}-${i}`, service: `svc-${String(i).padStart(3, '0')}`, state: 'blocked', blocked: { code: 'legacy', text: `already at max: ${'vCenter answered slowly; '.repeat(40)}` } });
      }
    });
    const first = await tb.command('status', 'U0READER1');
    expect(messageProblems(first.json)).toEqual([]);
    const lines: string[] = first.json.text.split('\n');
    expect(lines[0]).toBe('*Open scale requests (300)*');
    expect(lines.slice(1, -1)).toHaveLength(20);
    expect(lines[1]).toMatch(/^• \*svc-001\* scale-out `.*` — .*: already at max: vCenter answered slowly;/);
    expect(lines[1]!.length).toBeLessThanOrEqual(MAX_LINE_CHARS);
    expect(lines.at(-1)).toBe('_Page 1 of 15 — next: `/autoscale status 2`_');
    const last = (await tb.command('status 15', 'U0READER1')).json;
    expect(messageProblems(last)).toEqual([]);
    expect(last.text).toContain(`• *web-server* scale-out \`${id}\` — waiting for approval`);
    expect((await tb.command('status 0', 'U0READER1')).json.text).toBe('`0` is not a valid page number: expected a page number like 2. Nothing was changed.');
  });

  it('shows the last n requests with outcome, who decided, duration, VM and IP', async () => {
    tb = await startBot({ services: [service(), service({ name: 'api' })] });
    const first = (await tb.webhook(alertPayload())).json.alerts[0].requestId;
    await tb.click(ACTION.approve, first, 'U0APPROVE1');
    await tb.settle();
    await tb.webhook(alertPayload({ service: 'api' }));
    await tb.settle();

    const all = (await tb.command('history')).json.text.split('\n');
    expect(all[0]).toBe('*Last 2 request(s)*');
    expect(all[1]).toBe('• 14:22 UTC *api* out — waiting for approval, by —, —');
    expect(all[2]).toMatch(/^• 14:22 UTC \*web-server\* out — done, by <@U0APPROVE1>, \S+ web-server-1 127\.0\.10\.10$/);
    const one = (await tb.command('history web-server 1')).json.text.split('\n');
    expect(one).toHaveLength(2);
    expect(one[0]).toBe('*Last 1 request(s) of web-server*');
    expect((await tb.command('history nope')).json.text).toContain('No service named `nope`');
  });
});

describe('/autoscale scale out|in', () => {
  it('asks for a manual scale-out through the same approval card and records who asked', async () => {
    tb = await startBot({ services: [service()] });
    const res = await tb.command('scale out web-server');
    expect(res.json.text).toBe('Preparing a scale-out request for web-server; its card will appear in <#C0SERVICE1>.');
    await tb.settle();
    await waitFor(() => tb!.slack.topLevel('C0SERVICE1').length === 1, 5000, 'the card');
    const card = tb.slack.topLevel('C0SERVICE1')[0]!;
    expect(blockText(card.blocks)).toContain('Scale out web-server?');
    expect(buttons(card.blocks).map((b) => b.action_id)).toEqual([ACTION.approve, ACTION.reject]);
    expect(tb.store.data.audit.find((a) => a.action === 'request.create')).toMatchObject({ actor: ADMIN });

    const before = tb.slack.responses.length;
    await tb.command('scale out web-server');
    expect((await nextResponse(tb, before)).text).toContain('A scale-out of web-server is already open');
    expect(tb.slack.topLevel('C0SERVICE1')).toHaveLength(1);
  });

  it('refuses a disabled service, and users who are not admins', async () => {
    tb = await startBot({ services: [service({ enabled: false })], env: { ADMIN_USERS: ADMIN } });
    expect((await tb.command('scale in web-server')).json.text).toBe('web-server is disabled; `/autoscale service enable web-server` first.');
    expect((await tb.command('scale out web-server', 'U0READER1')).json.text).toContain('Only admins may run `/autoscale scale out`');
    expect((await tb.command('status', 'U0READER1')).json.text).toBe('No open scale requests.');
    expect(tb.store.data.requests).toEqual([]);
  });
});

describe('/autoscale preflight', () => {
  it('says what a scale-out would do now and whether it can, changing nothing', async () => {
    tb = await startBot({ services: [service()] });
    const before = tb.slack.responses.length;
    expect((await tb.command('preflight web-server', 'U0READER1')).json.text).toBe('Checking web-server…');
    const text: string = (await nextResponse(tb, before)).text;
    expect(text).toContain('*Pre-flight: scale-out of web-server*');
    expect(text).toContain('Next VM: web-server-1 · IP: 127.0.10.10 · template web-server-template');
    expect(text).toContain('F5 pool: /Common/web-server-pool:80');
    expect(text).toContain(':white_check_mark: 41 of 41 pool IPs free');
    expect(text).toContain('_Nothing was changed._');
    expect(tb.store.data.requests).toEqual([]);
    expect(tb.store.data.leases).toEqual({});
  });
});

describe('App Home', () => {
  it('publishes services with instances and pool usage, pending approvals with deadlines, and recent history', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'timeout', autoApproveAfter: '10m' } })] });
    await tb.webhook(alertPayload());
    await tb.settle();
    await tb.event({ type: 'app_home_opened', user: 'U0READER1', channel: 'D0HOME', tab: 'home' });
    const [publish] = tb.slack.callsOf('views.publish');
    expect(publish!.args.user_id).toBe('U0READER1');
    const text = blockText(publish!.args.view.blocks);
    expect(text).toContain('*web-server* — instances 0 (min 1, max 6) · IPs 0/41 leased');
    expect(text).toContain('• *web-server* scale-out — waiting for approval, auto-approves 14:32 UTC (in 10 minutes)');
    expect(text).toContain('*Recent history*');
  });
});
