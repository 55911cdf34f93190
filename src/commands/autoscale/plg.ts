/** `/autoscale plg diff|push|remove <service>`: the service's scrape job, rules and route on the monitoring server. */
import { serviceText } from '../../cards/commandMessages.js';
import { plgApplyReport, plgMessages, plgPlanMessage } from '../../cards/plgCards.js';
import type { Locale } from '../../i18n/index.js';
import { maskSecretLines } from '../../integrations/plg/diff.js';
import { applyPush, planPush, planRemove, type PlgDeps, type PlgPlan } from '../../integrations/plg/index.js';
import { recordAudit } from '../../store/audit.js';
import { confirmationsOf, type ConfirmIO } from './confirmations.js';
import { getService } from '../../store/services.js';
import type { Deps } from '../../workflows/deps.js';
import { answerLater } from './later.js';
import type { CommandContext, Subcommand } from './types.js';

function plgCommand(kind: 'diff' | 'push' | 'remove'): Subcommand {
  const summary: Subcommand['summary'] = (w) => ({ diff: w.plgDiff, push: w.plgPush, remove: w.plgRemove })[kind];
  return {
    name: `plg ${kind}`, usage: `plg ${kind} <service>`, summary, group: 'Monitoring (PLG)', mutating: kind !== 'diff', adminOnly: true, minArgs: 1, maxArgs: 1,
    async run(ctx: CommandContext) {
      // The diff and the prompt are the user's (their locale); the report also goes to the channel (the service's locale).
      const l: Locale = ctx.locale ?? ctx.deps.config.BOT_LOCALE;
      const service = getService(ctx.deps.store, ctx.args[0]!);
      if (!service) return { text: serviceText.unknown(ctx.args[0]!, l) };
      const plg = ctx.deps.plg;
      if (!plg.ok) return { text: plgMessages.notConfigured(plg.message, l) };
      return answerLater(ctx, plgMessages.reading(service.name, l), async () => {
        const r = kind === 'remove' ? await planRemove(service, plg.deps) : await planPush(service, plg.deps);
        if (!r.ok) return { text: plgMessages.planFailed(service.name, r.code, r.message, l, r.fact) };
        if (kind === 'diff' || r.plan.noop) return plgPlanMessage(r.plan, { locale: l });
        const plan = r.plan;
        const here = service.locale ?? ctx.deps.config.BOT_LOCALE;
        const id = confirmationsOf(ctx.deps).ask(ctx.user, ctx.channel, (io) => applyPlan(ctx.deps, plan, plg.deps, io, { user: l, channel: here }));
        return plgPlanMessage(plan, { buttonsFor: id, locale: l });
      }, (e) => plgMessages.planFailed(service.name, 'failed', maskSecretLines(e.message), l));
    },
  };
}

/** Apply: exactly the plan that was shown (a file changed since then is refused), then the report. */
async function applyPlan(deps: Pick<Deps, 'clock' | 'store'>, plan: PlgPlan, plg: PlgDeps, io: ConfirmIO, l: { user: Locale; channel: Locale }): Promise<void> {
  await io.reply(plgMessages.applying(plan.service.name, l.user));
  const result = await applyPush(plan, plg);
  const at = deps.clock.now().toISOString();
  await recordAudit(deps.store, {
    at, actor: io.user, action: `plg.${plan.kind}`, target: plan.service.name, detail: result.ok ? (result.noop ? 'no-op' : 'applied') : `failed: ${result.code}`,
  });
  await io.reply(plgApplyReport(plan.service.name, plan.kind, io.user, result, l.user));
  await io.progress(plgApplyReport(plan.service.name, plan.kind, io.user, result, l.channel));
}

export const plgSubcommands: Subcommand[] = [plgCommand('diff'), plgCommand('push'), plgCommand('remove')];
