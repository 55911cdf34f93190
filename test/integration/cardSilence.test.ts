/**
 * Silencing from the approval card, as approvers see it, against Debian's real Alertmanager: the card's menu creates a
 * silence Alertmanager lists and applies to a re-sent alert, the card says who silenced it until when (English and
 * Korean), Unsilence expires it; refusals and an unreachable Alertmanager change nothing; a silence made in
 * Alertmanager's own UI shows on a new card.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient, type Silence } from '../../src/integrations/alertmanagerApi.js';
import { findRequest } from '../../src/store/requests.js';
import { blockText, buttons } from '../fakes/slack.js';
import { startAlertmanager } from '../helpers/alertmanager.js';
import { alertPayload, service, startBot, TestClock, type StartOptions, type TestBot } from '../helpers/bot.js';
import { freePort, waitFor } from '../helpers/net.js';
import type { RunningServer } from '../helpers/prometheus.js';

const APPROVER = 'U0APPROVE1';
let am: RunningServer;
let amClient: AlertmanagerClient;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'card-silence-'));
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
  am = await startAlertmanager(file);
  amClient = new AlertmanagerClient(am.url);
}, 60_000);
afterAll(async () => {
  await am?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** A bot whose service `name` has one approver, with the clock at real time (Alertmanager refuses silences in the past). */
async function bot(name: string, o: { env?: Record<string, string>; locale?: 'ko' } & StartOptions = {}): Promise<TestBot> {
  const { env, locale, ...rest } = o;
  const tb = await startBot({
    services: [service({ name, approval: { mode: 'manual', autoApproveAfter: '10m', approvers: [APPROVER] }, ...(locale ? { locale } : {}) })],
    env: { ALERTMANAGER_URL: am.url, ...env },
    clock: new TestClock(Date.now()),
    ...rest,
  });
  cleanup.push(() => tb.stop());
  return tb;
}

function theCard(tb: TestBot) {
  const cards = tb.slack.topLevel('C0SERVICE1');
  expect(cards).toHaveLength(1);
  return cards[0]!;
}

function silenceMenu(blocks: any[] | undefined): any {
  for (const b of blocks ?? []) if (b.type === 'actions') for (const e of b.elements) if (e.action_id === 'silence_scale') return e;
  return undefined;
}

/** Picks a length in the card's silence menu, sending what Slack sends for a static_select: the option chosen. */
async function choose(tb: TestBot, length: '1h' | '4h' | 'tomorrow', user = APPROVER): Promise<void> {
  const menu = silenceMenu(theCard(tb).blocks);
  expect(menu, 'the card has a silence menu').toBeDefined();
  const option = menu.options.find((o: any) => o.value.endsWith(`:${length}`));
  const res = await tb.click('silence_scale', '', user, {
    actions: [{ type: 'static_select', action_id: 'silence_scale', block_id: 'decision', selected_option: option, placeholder: menu.placeholder, action_ts: String(Date.now() / 1000) }],
  });
  expect(res.status).toBe(200);
  await tb.settle();
}

async function newCard(tb: TestBot, name: string, labels: Record<string, string> = {}): Promise<string> {
  const res = await tb.webhook(alertPayload({ service: name, labels }));
  expect(res.json.alerts[0].outcome).toBe('created');
  await tb.settle();
  return res.json.alerts[0].requestId as string;
}

/** A front for the real Alertmanager that the test can unplug: the bot talks to it, then finds nobody there. */
async function unpluggable(target: string): Promise<{ url: string; unplug(): Promise<void> }> {
  const server = createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const r = await fetch(`${target}${req.url}`, { method: req.method, headers: { 'content-type': req.headers['content-type'] ?? 'application/json' }, body: chunks.length ? Buffer.concat(chunks) : undefined });
    res.writeHead(r.status, { 'content-type': r.headers.get('content-type') ?? 'application/json' });
    res.end(Buffer.from(await r.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  let closed = false;
  const unplug = async () => {
    if (closed) return;
    closed = true;
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  };
  cleanup.push(unplug);
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, unplug };
}

const silencesOf = (name: string): Promise<Silence[]> => amClient.listSilences([`service="${name}"`]);

/** Sends an alert straight to Alertmanager (as Prometheus does) and returns its status once Alertmanager has it. */
async function sendToAlertmanager(labels: Record<string, string>, want: 'suppressed' | 'active'): Promise<{ state: string; silencedBy: string[] }> {
  const res = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() }]),
  });
  expect(res.status).toBe(200);
  const filter = Object.entries(labels).map(([k, v]) => `filter=${encodeURIComponent(`${k}="${v}"`)}`).join('&');
  return waitFor(async () => {
    const list = (await (await fetch(`${am.url}/api/v2/alerts?${filter}`)).json()) as Array<{ status: { state: string; silencedBy: string[] } }>;
    return list[0]?.status.state === want ? list[0].status : undefined;
  }, 10_000, `the alert to be ${want}`);
}

/** "15:30" in the zone, the way a clock reads it (independent of the bot's formatter). */
const hhmm = (at: Date, timeZone: string) =>
  new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(at);

describe('silencing from the approval card (real Alertmanager)', () => {
  it('offers 1 h, 4 h and until tomorrow 09:00, each option carrying only the request id and the length', async () => {
    const tb = await bot('web-menu');
    const id = await newCard(tb, 'web-menu');
    const menu = silenceMenu(theCard(tb).blocks);
    expect(menu.type).toBe('static_select');
    expect(menu.options.map((o: any) => [o.text.text, o.value])).toEqual([
      ['1 hour', `${id}:1h`], ['4 hours', `${id}:4h`], ['Until tomorrow 09:00', `${id}:tomorrow`],
    ]);
    expect(menu.confirm.text.text).toContain('withdraw this request');
    expect(tb.slack.violations).toEqual([]);
  });

  it('creates a silence Alertmanager lists with the service and direction, the approver and a link to the card, and withdraws the request', async () => {
    const tb = await bot('web-a', { env: { BOT_TIMEZONE: 'Asia/Seoul' } });
    const id = await newCard(tb, 'web-a');
    const card = theCard(tb);
    await choose(tb, '1h');

    const [s, ...more] = await silencesOf('web-a');
    expect(more).toEqual([]);
    expect(s!.status.state).toBe('active');
    expect(s!.matchers.map((m) => [m.name, m.value, m.isRegex])).toEqual([['service', 'web-a', false], ['autoscale', 'out', false]]);
    expect(s!.createdBy).toBe(`slack:${APPROVER}`);
    expect(s!.comment).toContain(id);
    expect(s!.comment).toContain(`https://fake.slack.com/archives/C0SERVICE1/p${card.ts.replace('.', '')}`);
    expect(Date.parse(s!.endsAt) - tb.clock.now().getTime()).toBeGreaterThanOrEqual(3_599_000);

    const r = findRequest(tb.store, id)!;
    expect(r.state).toBe('withdrawn');
    expect(r.silence).toMatchObject({ id: s!.id, by: APPROVER });
    expect(tb.store.data.audit.filter((a) => a.target === id).map((a) => a.action)).toEqual(['request.create', 'request.withdraw', 'request.silence']);

    const text = blockText(theCard(tb).blocks);
    expect(text).toMatch(new RegExp(`Silenced by <@${APPROVER}> until (\\w{3} \\d+, )?${hhmm(new Date(s!.endsAt), 'Asia/Seoul')}`));
    expect(silenceMenu(theCard(tb).blocks)).toBeUndefined();
    expect(buttons(theCard(tb).blocks).map((b) => [b.action_id, b.value])).toEqual([['unsilence_scale', id]]);
    expect(tb.slack.violations).toEqual([]);
  });

  it('suppresses a re-sent alert of the service and direction, and not the service\'s other alerts', async () => {
    const tb = await bot('web-b');
    await newCard(tb, 'web-b');
    await choose(tb, '4h');
    const [s] = await silencesOf('web-b');
    const again = await sendToAlertmanager({ alertname: 'AutoscaleScaleOut', service: 'web-b', autoscale: 'out' }, 'suppressed');
    expect(again.silencedBy).toEqual([s!.id]);
    expect((await sendToAlertmanager({ alertname: 'AutoscaleScaleIn', service: 'web-b', autoscale: 'in' }, 'active')).silencedBy).toEqual([]);
    expect((await sendToAlertmanager({ alertname: 'HostDown', service: 'web-b' }, 'active')).silencedBy).toEqual([]);
  });

  it('silences an older rule\'s alert that has no autoscale label by its name, without muting the service\'s other alerts', async () => {
    const tb = await bot('web-old');
    const res = await tb.webhook(alertPayload({ labels: { service: undefined as never, autoscaleConfigId: 'web-old', autoscale: undefined as never } }));
    expect(res.json.alerts[0]).toMatchObject({ service: 'web-old', direction: 'out', outcome: 'created' });
    await tb.settle();
    await choose(tb, '1h');
    const [s] = await amClient.listSilences(['autoscaleConfigId="web-old"']);
    expect(s!.matchers.map((m) => [m.name, m.value])).toEqual([['autoscaleConfigId', 'web-old'], ['alertname', 'HighCPU'], ['autoscale', '']]);
    expect((await sendToAlertmanager({ alertname: 'HighCPU', autoscaleConfigId: 'web-old' }, 'suppressed')).silencedBy).toEqual([s!.id]);
    expect((await sendToAlertmanager({ alertname: 'HighDisk', autoscaleConfigId: 'web-old' }, 'active')).silencedBy).toEqual([]);
  });

  it('two silence clicks at once make one silence, and the second is told who silenced it', async () => {
    const tb = await bot('web-c');
    const id = await newCard(tb, 'web-c');
    const menu = silenceMenu(theCard(tb).blocks);
    const pick = (length: string, user: string) => tb.click('silence_scale', '', user, {
      actions: [{ type: 'static_select', action_id: 'silence_scale', block_id: 'decision', selected_option: menu.options.find((o: any) => o.value === `${id}:${length}`), action_ts: '1' }],
    });
    await Promise.all([pick('1h', APPROVER), pick('4h', APPROVER)]);
    await tb.settle();
    expect((await silencesOf('web-c')).filter((s) => s.status.state === 'active')).toHaveLength(1);
    expect(tb.slack.ephemerals(APPROVER).map((e) => e.text)).toEqual([expect.stringMatching(new RegExp(`^Already silenced by <@${APPROVER}> until .+\\. Nothing was changed\\.$`))]);
    expect(tb.store.data.audit.filter((a) => a.action === 'request.silence')).toHaveLength(1);
  });

  it('unsilence expires the silence in Alertmanager and the card says so; a second click is harmless', async () => {
    const tb = await bot('web-d');
    const id = await newCard(tb, 'web-d');
    await choose(tb, '1h');
    const [s] = await silencesOf('web-d');
    expect((await tb.click('unsilence_scale', id, APPROVER)).status).toBe(200);
    await tb.settle();

    expect((await silencesOf('web-d')).find((x) => x.id === s!.id)?.status.state).toBe('expired');
    const text = blockText(theCard(tb).blocks);
    expect(text).toMatch(new RegExp(`Unsilenced by <@${APPROVER}> at \\S+`));
    expect(buttons(theCard(tb).blocks)).toEqual([]);
    expect(tb.store.data.audit.at(-1)).toMatchObject({ actor: APPROVER, action: 'request.unsilence', target: id });

    await tb.click('unsilence_scale', id, APPROVER);
    await tb.settle();
    expect(tb.slack.ephemerals(APPROVER).at(-1)?.text).toMatch(/^The silence was already lifted by <@U0APPROVE1> at .+\. Nothing was changed\.$/);
  });

  it('treats a silence someone already expired in Alertmanager as lifted', async () => {
    const tb = await bot('web-x');
    const id = await newCard(tb, 'web-x');
    await choose(tb, '1h');
    const [s] = await silencesOf('web-x');
    await amClient.expireSilence(s!.id); // in Alertmanager's UI, say
    await tb.click('unsilence_scale', id, APPROVER);
    await tb.settle();
    expect(tb.slack.ephemerals(APPROVER)).toEqual([]);
    expect(findRequest(tb.store, id)!.silence?.expiredBy).toBe(APPROVER);
    expect(blockText(theCard(tb).blocks)).toContain(`Unsilenced by <@${APPROVER}>`);
  });

  it('says it in Korean with BOT_LOCALE=ko', async () => {
    const tb = await bot('web-ko', { env: { BOT_LOCALE: 'ko', BOT_TIMEZONE: 'Asia/Seoul' } });
    await newCard(tb, 'web-ko');
    const menu = silenceMenu(theCard(tb).blocks);
    expect(menu.placeholder.text).toBe('사일런스…');
    expect(menu.options.map((o: any) => o.text.text)).toEqual(['1시간', '4시간', '내일 09:00까지']);
    await choose(tb, '1h');
    const [s] = await silencesOf('web-ko');
    const text = blockText(theCard(tb).blocks);
    expect(text).toMatch(new RegExp(`<@${APPROVER}>님이 (\\d+월 \\d+일 )?${hhmm(new Date(s!.endsAt), 'Asia/Seoul')}까지 사일런스했습니다`));
    expect(buttons(theCard(tb).blocks)[0]?.text).toBe('사일런스 해제');
    expect(tb.slack.violations).toEqual([]);
  });

  it('refuses a non-approver, naming the approvers, and changes nothing', async () => {
    const tb = await bot('web-e');
    const id = await newCard(tb, 'web-e');
    const before = { updates: theCard(tb).updates, audit: tb.store.data.audit.length };
    await choose(tb, '1h', 'U0STRANGER');
    expect(tb.slack.ephemerals('U0STRANGER').map((e) => e.text)).toEqual([
      `You are not an approver for web-e (approvers: <@${APPROVER}>). Nothing was changed.`,
    ]);
    expect(await silencesOf('web-e')).toEqual([]);
    expect(findRequest(tb.store, id)).toMatchObject({ state: 'pending' });
    expect(findRequest(tb.store, id)!.silence).toBeUndefined();
    expect({ updates: theCard(tb).updates, audit: tb.store.data.audit.length }).toEqual(before);

    // Unsilence is approver-only too.
    await choose(tb, '1h');
    await tb.click('unsilence_scale', id, 'U0STRANGER');
    await tb.settle();
    expect(tb.slack.ephemerals('U0STRANGER').at(-1)?.text).toContain(`approvers: <@${APPROVER}>`);
    expect((await silencesOf('web-e')).map((s) => s.status.state)).toEqual(['active']);
  });

  it('gives a clear ephemeral when Alertmanager cannot be reached, and changes nothing', async () => {
    const down = `http://127.0.0.1:${await freePort()}`;
    const tb = await bot('web-f', { env: { ALERTMANAGER_URL: down } });
    const id = await newCard(tb, 'web-f');
    const before = { updates: theCard(tb).updates, audit: tb.store.data.audit.length, request: JSON.stringify(findRequest(tb.store, id)) };
    await choose(tb, '1h');
    expect(tb.slack.ephemerals(APPROVER).map((e) => e.text)).toEqual([
      `Could not silence: Alertmanager at ${down} could not be reached. Nothing was changed; the request is still open.`,
    ]);
    expect({ updates: theCard(tb).updates, audit: tb.store.data.audit.length, request: JSON.stringify(findRequest(tb.store, id)) }).toEqual(before);
  });

  it('gives a clear ephemeral when Alertmanager cannot be reached for an unsilence, and the silence and the card stay', async () => {
    const front = await unpluggable(am.url);
    const tb = await bot('web-f2', { env: { ALERTMANAGER_URL: front.url } });
    const id = await newCard(tb, 'web-f2');
    await choose(tb, '1h');
    const [s] = await silencesOf('web-f2');
    expect(s?.status.state).toBe('active');
    await front.unplug();
    const before = { updates: theCard(tb).updates, audit: tb.store.data.audit.length, request: JSON.stringify(findRequest(tb.store, id)) };
    expect((await tb.click('unsilence_scale', id, APPROVER)).status).toBe(200);
    await tb.settle();
    expect(tb.slack.ephemerals(APPROVER).map((e) => e.text)).toEqual([
      `Could not lift the silence: Alertmanager at ${front.url} could not be reached. Nothing was changed; the silence still holds.`,
    ]);
    expect({ updates: theCard(tb).updates, audit: tb.store.data.audit.length, request: JSON.stringify(findRequest(tb.store, id)) }).toEqual(before);
    expect((await silencesOf('web-f2')).map((x) => [x.id, x.status.state])).toEqual([[s!.id, 'active']]);
  });

  it('shows no silence menu without ALERTMANAGER_URL', async () => {
    const tb = await bot('web-g', { env: { ALERTMANAGER_URL: '' } });
    await newCard(tb, 'web-g');
    expect(silenceMenu(theCard(tb).blocks)).toBeUndefined();
    expect(buttons(theCard(tb).blocks).map((b) => b.action_id)).toEqual(['approve_scale', 'reject_scale']);
  });

  it('shows a silence made in Alertmanager for the service on a new card, and not one for the other direction', async () => {
    const now = new Date();
    const mine = await amClient.createSilence({
      matchers: [{ name: 'service', value: 'web-h', isRegex: false }],
      startsAt: now, endsAt: new Date(now.getTime() + 2 * 3_600_000), createdBy: 'alice', comment: 'maintenance window',
    });
    await amClient.createSilence({
      matchers: [{ name: 'service', value: 'web-h', isRegex: false }, { name: 'autoscale', value: 'in', isRegex: false }],
      startsAt: now, endsAt: new Date(now.getTime() + 3_600_000), createdBy: 'bob', comment: 'no scale-in today',
    });
    const tb = await bot('web-h');
    expect((await tb.command('scale out web-h', APPROVER)).status).toBe(200);
    await tb.settle();
    const text = blockText(theCard(tb).blocks);
    expect(text).toMatch(/Silenced in Alertmanager by alice until \S+/);
    expect(text).toContain(`<${am.url}/#/silences/${mine}|Alertmanager>`);
    expect(text).not.toContain('bob');
  });
});
