/**
 * The Confirm / Cancel (or Apply / Cancel) buttons of every command that asks first: template
 * create/delete, service delete, `jenkins push|remove`, `plg push|remove`. The button carries only
 * the pending confirmation's id; only the user who asked can use it, once, and only while they are
 * still an admin (ADMIN_USERS is checked again at the click: it may have changed since the prompt).
 */
import type { App, BlockAction, ButtonAction, RespondFn } from '@slack/bolt';
import { argText, confirmText } from '../cards/commandMessages.js';
import { ACTION } from '../cards/ids.js';
import { isAdmin } from '../commands/autoscale/admins.js';
import { confirmationsOf, type ConfirmIO, type Confirmations } from '../commands/autoscale/confirmations.js';
import type { Locale } from '../i18n/index.js';
import type { Deps } from '../workflows/deps.js';

/** Progress in the command's channel: one message, posted then updated; ephemeral via response_url when the bot cannot post there. */
function channelProgress(app: App, deps: Deps, channel: string, respond: RespondFn): ConfirmIO['progress'] {
  let ts: string | undefined;
  let canPost = true;
  return async (text) => {
    if (canPost) {
      try {
        if (ts) await app.client.chat.update({ channel, ts, text });
        else ts = (await app.client.chat.postMessage({ channel, text })).ts;
        return;
      } catch (e) {
        deps.logger.warn({ err: e, channel }, 'cannot post progress to the channel; answering the user only');
        canPost = false;
      }
    }
    await respond({ response_type: 'ephemeral', replace_original: false, text }).catch((e: unknown) => deps.logger.warn({ err: e }, 'respond failed'));
  };
}

interface ButtonPair {
  confirm: string;
  cancel: string;
  /** Where progress goes: a message in the command's channel, or the prompt itself. */
  progress: 'channel' | 'prompt';
}

const PAIRS: ButtonPair[] = [
  { confirm: ACTION.confirmCommand, cancel: ACTION.cancelCommand, progress: 'channel' },
  { confirm: ACTION.jenkinsApply, cancel: ACTION.jenkinsCancel, progress: 'prompt' },
  { confirm: ACTION.plgApply, cancel: ACTION.plgCancel, progress: 'channel' },
];

export function registerConfirmButtons(app: App, deps: Deps & { confirmations: Confirmations }): void {
  // Every answer here is the clicking user's own (ephemeral or their prompt): their Slack locale, else BOT_LOCALE.
  const lang = async (user: string): Promise<Locale> => (await deps.userLocales?.of(user)) ?? deps.config.BOT_LOCALE;
  for (const pair of PAIRS) {
    app.action<BlockAction<ButtonAction>>(pair.confirm, async ({ ack, body, action, respond }) => {
      await ack();
      const l = await lang(body.user.id);
      // Every command that asks first is admin-only; the prompt stays usable for an admin.
      if (!isAdmin(deps.config.ADMIN_USERS, body.user.id)) {
        return void (await respond({ response_type: 'ephemeral', replace_original: false, text: argText.onlyAdmins(deps.config.ADMIN_USERS, l) }));
      }
      const taken = confirmationsOf(deps).take(action.value ?? '', body.user.id);
      if (!taken.ok) {
        const text = taken.code === 'expired' ? confirmText.expired(l) : confirmText.notYours(taken.owner, l);
        return void (await respond({ response_type: 'ephemeral', replace_original: taken.code === 'expired', text }));
      }
      const reply = async (text: string) => void (await respond({ replace_original: true, text }));
      const progress = pair.progress === 'channel' ? channelProgress(app, deps, taken.pending.channel, respond) : reply;
      try {
        await taken.pending.run({ user: body.user.id, reply, progress });
      } catch (e) {
        deps.logger.error({ err: e, action: pair.confirm }, 'confirmed command failed');
        await reply(confirmText.failed((e as Error).message, l)).catch(() => undefined);
      }
    });

    app.action<BlockAction<ButtonAction>>(pair.cancel, async ({ ack, body, action, respond }) => {
      await ack();
      const l = await lang(body.user.id);
      const taken = confirmationsOf(deps).take(action.value ?? '', body.user.id);
      if (!taken.ok && taken.code === 'not_yours') return void (await respond({ response_type: 'ephemeral', replace_original: false, text: confirmText.notYours(taken.owner, l) }));
      await respond({ replace_original: true, text: taken.ok ? confirmText.cancelled(l) : confirmText.expired(l) });
    });
  }
}
