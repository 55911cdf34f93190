/**
 * Apply / Cancel under a `/autoscale jenkins push` diff. The button carries the pending push's id;
 * only the user who ran the push can use it, once (a second click finds nothing to run).
 */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { confirmText } from '../cards/commandMessages.js';
import { ACTION } from '../cards/ids.js';
import { confirmationsOf } from '../commands/autoscale/confirmations.js';
import type { Deps } from '../workflows/deps.js';

export function registerJenkinsActions(app: App, deps: Deps): void {
  app.action<BlockAction<ButtonAction>>(ACTION.jenkinsApply, async ({ ack, body, action, respond }) => {
    await ack();
    const taken = confirmationsOf(deps).take(action.value ?? '', body.user.id);
    if (!taken.ok) {
      const text = taken.code === 'expired' ? confirmText.expired() : confirmText.notYours(taken.owner);
      return void (await respond({ response_type: 'ephemeral', replace_original: taken.code === 'expired', text }));
    }
    const reply = async (text: string) => void (await respond({ replace_original: true, text }));
    try {
      await taken.pending.run({ user: body.user.id, reply, progress: reply });
    } catch (e) {
      deps.logger.error({ err: e }, 'jenkins push failed');
      await reply(confirmText.failed((e as Error).message)).catch(() => undefined);
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION.jenkinsCancel, async ({ ack, body, action, respond }) => {
    await ack();
    const taken = confirmationsOf(deps).take(action.value ?? '', body.user.id);
    if (!taken.ok && taken.code === 'not_yours') return void (await respond({ response_type: 'ephemeral', replace_original: false, text: confirmText.notYours(taken.owner) }));
    await respond({ replace_original: true, text: taken.ok ? confirmText.cancelled() : confirmText.expired() });
  });
}
