/** `/autoscale plg diff|push|remove <service>`: the service's scrape job, rules and route on the monitoring server. */
import { plgApplyReport, plgMessages, plgPlanMessage } from '../../cards/plgCards.js';
import { applyPush, planPush, planRemove, type PlgDeps, type PlgPlan } from '../../integrations/plg/index.js';
import { appendAudit } from '../../store/audit.js';
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
      const service = getService(ctx.deps.store, ctx.args[0]!);
      if (!service) return { text: `No service named \`${ctx.args[0]!.slice(0, 60)}\`. \`/autoscale service list\` shows them.` };
      const plg = ctx.deps.plg;
      if (!plg.ok) return { text: plgMessages.notConfigured(plg.message) };
      return answerLater(ctx, `Reading the monitoring config for ${service.name}…`, async () => {
        const r = kind === 'remove' ? await planRemove(service, plg.deps) : await planPush(service, plg.deps);
        if (!r.ok) return { text: plgMessages.planFailed(service.name, r.code, r.message) };
        if (kind === 'diff' || r.plan.noop) return plgPlanMessage(r.plan);
        const plan = r.plan;
        const id = confirmationsOf(ctx.deps).ask(ctx.user, ctx.channel, (io) => applyPlan(ctx.deps, plan, plg.deps, io));
        return plgPlanMessage(plan, { buttonsFor: id });
      }, (e) => plgMessages.planFailed(service.name, 'failed', e.message));
    },
  };
}

/** Apply: exactly the plan that was shown (a file changed since then is refused), then the report. */
async function applyPlan(deps: Pick<Deps, 'clock' | 'store'>, plan: PlgPlan, plg: PlgDeps, io: ConfirmIO): Promise<void> {
  await io.reply(plgMessages.applying(plan.service.name));
  const result = await applyPush(plan, plg);
  const at = deps.clock.now().toISOString();
  await deps.store.mutate((d) => appendAudit(d, {
    at, actor: io.user, action: `plg.${plan.kind}`, target: plan.service.name, detail: result.ok ? (result.noop ? 'no-op' : 'applied') : `failed: ${result.code}`,
  }));
  const report = plgApplyReport(plan.service.name, plan.kind, io.user, result);
  await io.reply(report);
  await io.progress(report);
}

export const plgSubcommands: Subcommand[] = [plgCommand('diff'), plgCommand('push'), plgCommand('remove')];
