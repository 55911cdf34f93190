/**
 * Modal submissions (the service form, the YAML import) and the Confirm / Cancel buttons of commands that ask first.
 * Invalid input is answered with `response_action: errors` and nothing is stored.
 */
import type { App, BlockAction, ButtonAction, RespondFn, ViewSubmitAction } from '@slack/bolt';
import { argText, confirmText, serviceText } from '../cards/commandMessages.js';
import { ACTION, VIEW } from '../cards/ids.js';
import { doneView, IMPORT_BLOCK } from '../cards/importModal.js';
import { modalError, parseModalMeta, parseServiceView, type ViewValues } from '../cards/serviceModal.js';
import { confirmationsOf, type ConfirmIO } from '../commands/autoscale/confirmations.js';
import { parseServicesYaml } from '../servicesFile.js';
import { getService } from '../store/services.js';
import type { Deps } from '../workflows/deps.js';
import { saveServices } from '../workflows/serviceAdmin.js';

function isAdmin(deps: Deps, user: string): boolean {
  const admins = deps.config.ADMIN_USERS;
  return admins.length === 0 || admins.includes(user);
}

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

export function registerViews(app: App, deps: Deps): void {
  const now = () => deps.clock.now().toISOString();

  app.view<ViewSubmitAction>(VIEW.serviceEdit, async ({ ack, body, view }) => {
    const meta = parseModalMeta(view.private_metadata);
    if (!meta) return ack();
    if (!isAdmin(deps, body.user.id)) return ack({ response_action: 'errors', errors: modalError(meta, argText.onlyAdmins(deps.config.ADMIN_USERS)) });
    const parsed = parseServiceView(view.state.values as ViewValues, meta);
    if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
    const { name } = parsed.service;
    const existing = getService(deps.store, name);
    if (meta.mode === 'create' && existing) return ack({ response_action: 'errors', errors: modalError(meta, serviceText.nameTaken(name)) });
    if (meta.mode === 'edit' && !existing) return ack({ response_action: 'errors', errors: modalError(meta, serviceText.gone(name)) });
    const r = await saveServices(deps.store, [parsed.service], body.user.id, now());
    const outcome = r.created.length ? 'created' : r.updated.length ? 'updated' : 'unchanged';
    await ack({ response_action: 'update', view: doneView(name, serviceText.saved(name, outcome)) as never });
  });

  app.view<ViewSubmitAction>(VIEW.serviceImport, async ({ ack, body, view }) => {
    if (!isAdmin(deps, body.user.id)) return ack({ response_action: 'errors', errors: { [IMPORT_BLOCK]: argText.onlyAdmins(deps.config.ADMIN_USERS) } });
    const parsed = parseServicesYaml(view.state.values[IMPORT_BLOCK]?.v?.value ?? '');
    if (!parsed.ok) return ack({ response_action: 'errors', errors: { [IMPORT_BLOCK]: serviceText.importProblems(parsed.problems) } });
    const r = await saveServices(deps.store, parsed.services, body.user.id, now());
    await ack({ response_action: 'update', view: doneView('Services imported', serviceText.imported(r)) as never });
  });

  app.action<BlockAction<ButtonAction>>(ACTION.confirmCommand, async ({ ack, body, action, respond }) => {
    await ack();
    const taken = confirmationsOf(deps).take(action.value ?? '', body.user.id);
    if (!taken.ok) {
      const text = taken.code === 'expired' ? confirmText.expired() : confirmText.notYours(taken.owner);
      return void (await respond({ response_type: 'ephemeral', replace_original: taken.code === 'expired', text }));
    }
    const reply = async (text: string) => void (await respond({ replace_original: true, text }));
    try {
      await taken.pending.run({ user: body.user.id, reply, progress: channelProgress(app, deps, taken.pending.channel, respond) });
    } catch (e) {
      deps.logger.error({ err: e }, 'confirmed command failed');
      await reply(confirmText.failed((e as Error).message)).catch(() => undefined);
    }
  });

  app.action<BlockAction<ButtonAction>>(ACTION.cancelCommand, async ({ ack, body, action, respond }) => {
    await ack();
    const taken = confirmationsOf(deps).take(action.value ?? '', body.user.id);
    if (!taken.ok && taken.code === 'not_yours') return void (await respond({ response_type: 'ephemeral', replace_original: false, text: confirmText.notYours(taken.owner) }));
    await respond({ replace_original: true, text: taken.ok ? confirmText.cancelled() : confirmText.expired() });
  });
}
