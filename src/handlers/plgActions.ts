/** Apply / Cancel under a monitoring-config diff. */
import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { ACTION } from '../cards/ids.js';
import { plgApplyReport, plgMessages } from '../cards/plgCards.js';
import { applyPush } from '../integrations/plg/index.js';
import { appendAudit } from '../store/audit.js';
import { plansOf, resolvePlgDeps } from '../commands/autoscale/plg.js';
import type { Deps } from '../workflows/deps.js';

export function registerPlgActions(app: App, deps: Deps): void {
  const take = (id: string, user: string) => {
    const plans = plansOf(deps);
    const p = plans.get(id);
    if (!p || p.expiresAt <= deps.clock.now().getTime()) {
      plans.delete(id);
      return { ok: false as const, text: plgMessages.expired };
    }
    if (p.user !== user) return { ok: false as const, text: plgMessages.notYours(p.user) };
    plans.delete(id);
    return { ok: true as const, pending: p };
  };

  app.action<BlockAction<ButtonAction>>(ACTION.plgCancel, async ({ ack, body, action, respond }) => {
    await ack();
    const t = take(action.value ?? '', body.user.id);
    await respond({ replace_original: !t.ok ? false : true, response_type: 'ephemeral', text: t.ok ? plgMessages.cancelled(body.user.id) : t.text });
  });

  app.action<BlockAction<ButtonAction>>(ACTION.plgApply, async ({ ack, body, action, respond }) => {
    await ack();
    const t = take(action.value ?? '', body.user.id);
    if (!t.ok) return void (await respond({ replace_original: false, response_type: 'ephemeral', text: t.text }));
    const admins = deps.config.ADMIN_USERS;
    if (admins.length && !admins.includes(body.user.id)) return void (await respond({ replace_original: false, response_type: 'ephemeral', text: `Only admins may apply monitoring changes.` }));
    const plg = resolvePlgDeps(deps);
    if (!plg.ok) return void (await respond({ replace_original: false, text: plgMessages.notConfigured(plg.message) }));
    const { plan } = t.pending;
    await respond({ replace_original: true, response_type: 'ephemeral', text: plgMessages.applying(plan.service.name) });
    const result = await applyPush(plan, plg.deps);
    const at = deps.clock.now().toISOString();
    await deps.store.mutate((d) => appendAudit(d, {
      at, actor: body.user.id, action: `plg.${plan.kind}`, target: plan.service.name, detail: result.ok ? (result.noop ? 'no-op' : 'applied') : `failed: ${result.code}`,
    }));
    const text = plgApplyReport(plan.service.name, plan.kind, body.user.id, result);
    await respond({ replace_original: true, response_type: 'ephemeral', text });
    await app.client.chat.postMessage({ channel: t.pending.channel, text }).catch((e: unknown) => deps.logger.warn({ err: e }, 'could not post the PLG report in the channel'));
  });
}
