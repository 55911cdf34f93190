/** `/autoscale help`, the dispatcher's refusals and App Home speak BOT_LOCALE, through the real Bolt app. */
import { afterEach, describe, expect, it } from 'vitest';
import { helpText } from '../../src/commands/autoscale/index.js';
import { catalog, type Catalog } from '../../src/i18n/index.js';
import { blockProblems, blockText, viewProblems } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

const HANGUL = /[\uac00-\ud7a3]/;

/** Every English summary line the catalog has, rendered (the page size is a number either way). */
function englishSummaries(): string[] {
  const s = catalog('en').help.summary as Record<string, string | ((p: { pageSize: number }) => string)>;
  return Object.values(s).map((v) => (typeof v === 'string' ? v : v({ pageSize: 10 })).replace(/ \(\d+ a page\)$/, ''));
}

/** The `/autoscale …` usages a help text lists, in order. */
const usages = (help: string) => [...help.matchAll(/^• `\/autoscale ([^`]+)`/gm)].map((m) => m[1]);

describe('/autoscale help in Korean and English', () => {
  it('with BOT_LOCALE=ko, help is Korean, lists every subcommand English lists, and has no English summary sentence', async () => {
    tb = await startBot({ env: { BOT_LOCALE: 'ko' } });
    const res = await tb.command('help');
    const help = res.json.text as string;
    expect(help.startsWith('*`/autoscale` 명령어*')).toBe(true);
    expect(help).toContain('*운영*');
    expect(help).toContain('*템플릿*');
    expect(help).toContain('• `/autoscale scale out <service>` — 승인 카드를 거쳐 수동 스케일아웃을 요청합니다 _(관리자)_');
    expect(usages(help)).toEqual(usages(helpText('en')));
    expect(usages(help).length).toBeGreaterThanOrEqual(25);
    for (const line of help.split('\n').filter((l) => l.startsWith('• '))) expect(line).toMatch(HANGUL);
    for (const sentence of englishSummaries()) expect(help).not.toContain(sentence);
    expect(help).not.toContain('_(admins)_');
    expect(blockProblems(res.json.blocks)).toEqual([]);
  });

  it('with BOT_LOCALE=ko, unknown commands, usage errors and the admin refusal are Korean and still change nothing', async () => {
    tb = await startBot({ env: { BOT_LOCALE: 'ko', ADMIN_USERS: 'U0ADMIN01' }, services: [service()] });
    const unknown = (await tb.command('frobnicate now')).json.text as string;
    expect(unknown).toMatch(/^알 수 없는 명령어입니다: `frobnicate now`\n\n\*`\/autoscale` 명령어\*/);
    expect((await tb.command('service show')).json.text).toBe('사용법: `/autoscale service show <name>`');
    const refused = (await tb.command('scale out web-server', 'U0READER1')).json.text as string;
    expect(refused).toBe('`/autoscale scale out`은(는) 관리자만 실행할 수 있습니다 (ADMIN_USERS: <@U0ADMIN01>). 아무것도 바뀌지 않았습니다.');
    expect(tb.store.data.requests).toEqual([]);
  });

  it('in English (the default), help keeps its words and lists the same subcommands', async () => {
    tb = await startBot();
    const help = (await tb.command('help')).json.text as string;
    expect(help).toBe(helpText('en'));
    expect(help).toContain('• `/autoscale status [page]` — open requests per service: pending with deadlines, in flight with the current step (20 a page)');
    expect(help).toContain('*Monitoring (PLG)*');
    expect(help).not.toMatch(HANGUL);
  });

  it('every summary of the registry is a catalog key in both languages: a Korean help line is the Korean entry of that key', () => {
    const ko = helpText('ko');
    const w: Catalog['help']['summary'] = catalog('ko').help.summary;
    expect(ko).toContain(`• \`/autoscale service delete <name>\` — ${w.serviceDelete} _(관리자)_`);
    expect(ko).toContain(`• \`/autoscale plg diff <service>\` — ${w.plgDiff} _(관리자)_`);
    expect(ko).toContain(`• \`/autoscale history [service] [n]\` — ${w.history}\n`);
  });
});

describe('App Home in Korean and English', () => {
  it('with BOT_LOCALE=ko, App Home is Korean: services, the open request with its auto-approval, and history', async () => {
    tb = await startBot({ env: { BOT_LOCALE: 'ko' }, services: [service({ approval: { mode: 'timeout', autoApproveAfter: '10m' } })] });
    await tb.webhook(alertPayload());
    await tb.settle();
    await tb.event({ type: 'app_home_opened', user: 'U0READER1', channel: 'D0HOME', tab: 'home' });
    const [publish] = tb.slack.callsOf('views.publish');
    const view = publish!.args.view;
    expect(viewProblems(view)).toEqual([]);
    expect(view.blocks[0].text.text).toBe('VM 오토스케일링');
    const text = blockText(view.blocks);
    expect(text).toContain('*서비스*');
    expect(text).toContain('*web-server* — 인스턴스 0대 (최소 1, 최대 6) · IP 0/41 사용 중');
    expect(text).toMatch(/• \*web-server\* 스케일아웃 — 승인 대기, 14:32에 자동 승인 \(10분 후\)/);
    expect(text).toContain('*최근 이력*');
    for (const english of ['Services', 'Open requests', 'Recent history', 'waiting for approval', 'auto-approves', 'instances', 'leased', 'minutes']) {
      expect(text).not.toContain(english);
    }
  });

  it('with no services, the Korean App Home says so in Korean, within Slack limits', async () => {
    tb = await startBot({ env: { BOT_LOCALE: 'ko' } });
    await tb.event({ type: 'app_home_opened', user: 'U0READER1', channel: 'D0HOME', tab: 'home' });
    const view = tb.slack.callsOf('views.publish')[0]!.args.view;
    expect(viewProblems(view)).toEqual([]);
    const text = blockText(view.blocks);
    expect(text).toContain('_아직 서비스가 없습니다: `/autoscale service create` 또는 `cli services apply`로 추가하세요._');
    expect(text).toContain('_없음._');
    expect(text).toContain('_아직 없습니다._');
  });
});

describe("a user's own Slack language", () => {
  it('a ko-KR user reads help, refusals and App Home in Korean on an English bot; an en-US user keeps English', async () => {
    tb = await startBot({ env: { ADMIN_USERS: 'U0ADMIN01' }, services: [service()] });
    tb.slack.userLocales.set('U0KOREAN1', 'ko-KR');
    tb.slack.userLocales.set('U0ENGLISH', 'en-US');
    expect((await tb.command('help', 'U0KOREAN1')).json.text).toBe(helpText('ko'));
    expect((await tb.command('scale out web-server', 'U0KOREAN1')).json.text).toContain('관리자만 실행할 수 있습니다');
    expect((await tb.command('help', 'U0ENGLISH')).json.text).toBe(helpText('en'));
    await tb.event({ type: 'app_home_opened', user: 'U0KOREAN1', channel: 'D0HOME', tab: 'home' });
    const view = tb.slack.callsOf('views.publish')[0]!.args.view;
    expect(view.blocks[0].text.text).toBe('VM 오토스케일링');
    const asked = tb.slack.callsOf('users.info');
    expect(asked.every((c) => String(c.args.include_locale) === 'true')).toBe(true);
    expect(asked.filter((c) => c.args.user === 'U0KOREAN1')).toHaveLength(1);
  });

  it('without users:read, every user reads BOT_LOCALE', async () => {
    tb = await startBot({ env: { BOT_LOCALE: 'ko' } });
    tb.slack.missingUsersRead = true;
    tb.slack.userLocales.set('U0ENGLISH', 'en-US');
    expect((await tb.command('help', 'U0ENGLISH')).json.text).toBe(helpText('ko'));
  });

  it('a ko-KR user reads /autoscale status, preflight and the refusal of a disabled service in Korean; the channel card stays in BOT_LOCALE', async () => {
    tb = await startBot({ services: [service(), service({ name: 'api', enabled: false })] });
    tb.slack.userLocales.set('U0KOREAN1', 'ko-KR');
    expect((await tb.command('status', 'U0KOREAN1')).json.text).toBe('열린 스케일 요청이 없습니다.');
    expect((await tb.command('status', 'U0ENGLISH')).json.text).toBe('No open scale requests.');
    const before = tb.slack.responses.length;
    expect((await tb.command('preflight web-server', 'U0KOREAN1')).json.text).toBe('web-server 확인 중…');
    for (let i = 0; i < 200 && tb.slack.responses.length === before; i++) await new Promise((r) => setTimeout(r, 25));
    const text: string = tb.slack.responses[before]!.body.text;
    expect(text).toContain('*사전 점검: web-server 스케일아웃*');
    expect(text).toContain('다음 VM: web-server-1 · IP: 127.0.10.10 · 템플릿 web-server-template');
    expect(text).toContain('_아무것도 변경하지 않았습니다._');
    expect(tb.store.data.requests).toEqual([]);

    await tb.webhook(alertPayload());
    await tb.settle();
    expect(blockText(tb.slack.topLevel()[0]!.blocks)).toContain('*Instances now / max*');
    expect((await tb.command('status', 'U0KOREAN1')).json.text).toMatch(/^\*열린 스케일 요청\*\n• \*web-server\* 스케일아웃 `sr-[^`]+` — 승인 대기, 기한 없음 \(수동 승인\)/);
  });
});

