/**
 * A user's own replies follow their Slack locale (users.info include_locale) through the real Bolt app: confirm
 * prompts and their buttons, the service form and its inline errors, and a refused decision on a card.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ACTION } from '../../src/cards/ids.js';
import { findRequest } from '../../src/store/requests.js';
import { blockText, buttons } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { openedView, submitted } from '../helpers/slackViews.js';

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

const ADMIN = 'U0ADMIN01';
const OTHER = 'U0OTHER01';
const HANGUL = /[\uac00-\ud7a3]/;

describe('replies in the user\'s own language', () => {
  it('a Korean admin gets the delete prompt, its buttons and the cancel in Korean; an English user clicking it reads English', async () => {
    tb = await startBot({ services: [service()] });
    tb.slack.userLocales.set(ADMIN, 'ko-KR');
    tb.slack.userLocales.set(OTHER, 'en-US');
    const prompt = (await tb.command('service delete web-server')).json;
    expect(prompt.text).toBe('서비스 *web-server*을(를) 삭제할까요? 알림은 무시되고 카드도 더 이상 올라오지 않습니다. VM은 건드리지 않습니다.');
    const [confirm, cancel] = buttons(prompt.blocks);
    expect([confirm!.text, cancel!.text]).toEqual(['서비스 삭제', '취소']);
    await tb.click(ACTION.confirmCommand, confirm!.value, OTHER);
    expect(tb.slack.responses.at(-1)!.body.text).toBe(`Only <@${ADMIN}>, who ran the command, can confirm it. Nothing was changed.`);
    await tb.click(ACTION.cancelCommand, cancel!.value);
    expect(tb.slack.responses.at(-1)!.body).toMatchObject({ replace_original: true, text: '취소했습니다. 아무것도 변경하지 않았습니다.' });
    await tb.click(ACTION.confirmCommand, confirm!.value);
    expect(tb.slack.responses.at(-1)!.body.text).toBe('이 확인은 만료되었거나 이미 사용되었습니다. 명령을 다시 실행하세요. 아무것도 변경하지 않았습니다.');
    expect(tb.store.data.services['web-server']).toBeDefined();
  });

  it('a Korean admin gets the service form in Korean and its inline errors too; nothing is stored', async () => {
    tb = await startBot();
    tb.slack.userLocales.set(ADMIN, 'ko-KR');
    await tb.command('service create');
    const view = openedView(tb);
    expect(view.title.text).toBe('새 서비스');
    expect(view.blocks.filter((b: any) => b.type === 'header').map((b: any) => b.text.text)).toContain('스케일링');
    const res = await tb.submitView(submitted(view, { name: 'api-gateway' }));
    expect(res.json.response_action).toBe('errors');
    expect(res.json.errors.template).toBe('필수 항목입니다.');
    for (const e of Object.values(res.json.errors as Record<string, string>)) expect(e).toMatch(HANGUL);
    expect(tb.store.data.services['api-gateway']).toBeUndefined();
  });

  it('a refused approval is told to the clicking user in their language', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'manual', approvers: ['U0APPROVE1'] } })] });
    tb.slack.userLocales.set('U0RANDOM01', 'ko-KR');
    const r = await tb.webhook(alertPayload());
    await tb.settle();
    const id = r.json.alerts[0].requestId as string;
    await tb.click('approve_scale', id, 'U0RANDOM01');
    await tb.click('approve_scale', id, 'U0RANDOM02');
    await tb.settle();
    expect(tb.slack.ephemerals('U0RANDOM01')[0]!.text).toBe('web-server의 승인자가 아닙니다 (승인자: <@U0APPROVE1>). 아무것도 변경하지 않았습니다.');
    expect(tb.slack.ephemerals('U0RANDOM02')[0]!.text).toContain('You are not an approver for web-server (approvers: <@U0APPROVE1>)');
  });

  it('an auto-approval stores no English reason, so a Korean card says only that it was auto-approved; the audit keeps why', async () => {
    tb = await startBot({ services: [service({ locale: 'ko', approval: { mode: 'timeout', autoApproveAfter: '10m' } } as never)] });
    const r = await tb.webhook(alertPayload());
    await tb.settle();
    const id = r.json.alerts[0].requestId as string;
    tb.clock.advance(10 * 60_000);
    await tb.bot.tick();
    await tb.settle();
    const req = findRequest(tb.store, id)!;
    expect(req.decision).toMatchObject({ by: 'auto' });
    expect(req.decision!.reason).toBeUndefined();
    const card = blockText(tb.slack.topLevel('C0SERVICE1')[0]!.blocks);
    expect(card).toMatch(HANGUL);
    expect(card).not.toContain('no decision by');
    expect(tb.store.data.audit.find((a) => a.action === 'request.approve' && a.target === id)!.detail).toMatch(/^no decision by /);
  });
});
