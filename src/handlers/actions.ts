/**
 * The approval card's buttons and menu, and the reject-reason modal they open. Each listener: ack,
 * parse, call one service, reply. Registered by kind from handlers/index.ts.
 */
import type { App, BlockAction, ButtonAction, StaticSelectAction, ViewSubmitAction } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import { decisionText } from '../cards/decisionText.js';
import { ACTION, VIEW } from '../cards/ids.js';
import { frozenApprovePrompt, rejectReasonModal } from '../cards/modals.js';
import { findRequest } from '../store/requests.js';
import type { DecisionResult, Deps } from '../workflows/deps.js';

type Ctx = { channel?: string; user: string };

function ctxOf(body: BlockAction): Ctx {
  return { channel: body.channel?.id ?? body.container?.channel_id, user: body.user.id };
}

export function registerActions(app: App, deps: Deps): void {
  const tell = async (c: Ctx, text: string, blocks?: KnownBlock[]) => {
    if (!c.channel) return;
    await app.client.chat.postEphemeral({ channel: c.channel, user: c.user, text, ...(blocks ? { blocks } : {}) });
  };
  // A user's own replies follow their Slack locale when known, else BOT_LOCALE.
  const lang = async (user: string) => ({ locale: (await deps.userLocales?.of(user)) ?? deps.config.BOT_LOCALE, tz: deps.config.BOT_TIMEZONE, now: deps.clock.now() });
  const answer = async (c: Ctx, res: DecisionResult, requestId: string, kind: 'approve' | 'retry' = 'approve') => {
    if (res.ok) return;
    const l = await lang(c.user);
    const text = decisionText(res.fact, l);
    if (res.code === 'frozen') return tell(c, text, frozenApprovePrompt(requestId, text, kind, l.locale));
    return tell(c, text);
  };

  app.action<BlockAction<ButtonAction>>(ACTION.approve, async ({ ack, body, action }) => {
    await ack();
    const c = ctxOf(body);
    await answer(c, await deps.decisions.approve(action.value ?? '', c.user), action.value ?? '');
  });

  app.action<BlockAction<ButtonAction>>(ACTION.approveFrozen, async ({ ack, body, action }) => {
    await ack();
    const c = ctxOf(body);
    await answer(c, await deps.decisions.approve(action.value ?? '', c.user, { confirmFrozen: true }), action.value ?? '');
  });

  app.action<BlockAction<ButtonAction>>(ACTION.retry, async ({ ack, body, action }) => {
    await ack();
    const c = ctxOf(body);
    await answer(c, await deps.decisions.retry(action.value ?? '', c.user), action.value ?? '', 'retry');
  });

  app.action<BlockAction<ButtonAction>>(ACTION.retryFrozen, async ({ ack, body, action }) => {
    await ack();
    const c = ctxOf(body);
    await answer(c, await deps.decisions.retry(action.value ?? '', c.user, { confirmFrozen: true }), action.value ?? '', 'retry');
  });

  // Reject asks for an optional reason in a modal; the refusal for non-approvers comes first.
  app.action<BlockAction<ButtonAction>>(ACTION.reject, async ({ ack, body, action, client }) => {
    await ack();
    const c = ctxOf(body);
    const id = action.value ?? '';
    const may = deps.decisions.check(id, c.user);
    if (!may.ok) return tell(c, decisionText(may.fact, await lang(c.user)));
    const r = findRequest(deps.store, id)!;
    await client.views.open({ trigger_id: body.trigger_id, view: rejectReasonModal(r, await lang(c.user)) });
  });

  // The silence menu (value `<requestId>:<length>`) and Unsilence (value: the request id); the card shows the outcome.
  app.action<BlockAction<StaticSelectAction>>(ACTION.silence, async ({ ack, body, action }) => {
    await ack();
    const c = ctxOf(body);
    const res = await deps.silences?.silence(action.selected_option?.value ?? '', { id: c.user, name: body.user.name });
    if (res?.message) await tell(c, res.message);
  });

  app.action<BlockAction<ButtonAction>>(ACTION.unsilence, async ({ ack, body, action }) => {
    await ack();
    const c = ctxOf(body);
    const res = await deps.silences?.unsilence(action.value ?? '', { id: c.user, name: body.user.name });
    if (res?.message) await tell(c, res.message);
  });
}

/** The submission of the reject-reason modal (opened by the card's Reject button above). */
export function registerRejectReason(app: App, deps: Deps): void {
  // The refusal is the submitting user's own: their Slack locale, else BOT_LOCALE.
  const lang = async (user: string) => ({ locale: (await deps.userLocales?.of(user)) ?? deps.config.BOT_LOCALE, tz: deps.config.BOT_TIMEZONE, now: deps.clock.now() });
  app.view<ViewSubmitAction>(VIEW.rejectReason, async ({ ack, body, view }) => {
    await ack();
    const id = view.private_metadata;
    const reason = view.state.values.reason?.reason?.value?.trim() || undefined;
    const res = await deps.decisions.reject(id, body.user.id, reason);
    if (!res.ok) {
      const r = findRequest(deps.store, id);
      const channel = r?.card?.channel;
      if (channel) await app.client.chat.postEphemeral({ channel, user: body.user.id, text: decisionText(res.fact, await lang(body.user.id)) });
    }
  });
}
