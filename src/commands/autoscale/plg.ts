/** `/autoscale plg diff|push|remove <service>`: the service's scrape job, rules and route on the monitoring server. */
import { randomBytes } from 'node:crypto';
import { plgMessages, plgPlanMessage } from '../../cards/plgCards.js';
import { planPush, planRemove, plgDepsFromConfig, type PlgDeps, type PlgPlan } from '../../integrations/plg/index.js';
import { getService } from '../../store/services.js';
import type { Deps } from '../../workflows/deps.js';
import { answerLater } from './later.js';
import type { CommandContext, Subcommand } from './types.js';

/** Plans shown with Apply / Cancel, by a random id (the button's value), for 15 minutes. */
export interface PendingPlan { plan: PlgPlan; user: string; channel: string; expiresAt: number }
const pendingPlans = new WeakMap<Deps, Map<string, PendingPlan>>();

export function plansOf(deps: Deps): Map<string, PendingPlan> {
  let m = pendingPlans.get(deps);
  if (!m) pendingPlans.set(deps, (m = new Map()));
  return m;
}

/** Tests replace how the bot reaches the monitoring server. */
export const plgDepsFor = new WeakMap<Deps, PlgDeps>();

export function resolvePlgDeps(deps: Deps): { ok: true; deps: PlgDeps } | { ok: false; message: string } {
  const injected = plgDepsFor.get(deps);
  if (injected) return { ok: true, deps: injected };
  const r = plgDepsFromConfig(deps.config);
  return r.ok ? r : { ok: false, message: r.message };
}

function plgCommand(kind: 'diff' | 'push' | 'remove'): Subcommand {
  const summary = {
    diff: "show what a push would change in Prometheus' and Alertmanager's files (changes nothing)",
    push: 'push the scrape job, alert rules and Alertmanager route, after showing the diff (Apply / Cancel)',
    remove: 'remove the service from the monitoring config, after showing the diff (Apply / Cancel)',
  }[kind];
  return {
    name: `plg ${kind}`, usage: `plg ${kind} <service>`, summary, group: 'Monitoring (PLG)', mutating: kind !== 'diff', minArgs: 1, maxArgs: 1,
    async run(ctx: CommandContext) {
      const service = getService(ctx.deps.store, ctx.args[0]!);
      if (!service) return { text: `No service named \`${ctx.args[0]!.slice(0, 60)}\`. \`/autoscale service list\` shows them.` };
      const plg = resolvePlgDeps(ctx.deps);
      if (!plg.ok) return { text: plgMessages.notConfigured(plg.message) };
      return answerLater(ctx, `Reading the monitoring config for ${service.name}…`, async () => {
        const r = kind === 'remove' ? await planRemove(service, plg.deps) : await planPush(service, plg.deps);
        if (!r.ok) return { text: plgMessages.planFailed(service.name, r.code, r.message) };
        if (kind === 'diff' || r.plan.noop) return plgPlanMessage(r.plan);
        const id = `plg-${randomBytes(8).toString('hex')}`;
        plansOf(ctx.deps).set(id, { plan: r.plan, user: ctx.user, channel: ctx.channel, expiresAt: ctx.deps.clock.now().getTime() + 15 * 60_000 });
        return plgPlanMessage(r.plan, { buttonsFor: id });
      }, (e) => plgMessages.planFailed(service.name, 'failed', e.message));
    },
  };
}

export const plgSubcommands: Subcommand[] = [plgCommand('diff'), plgCommand('push'), plgCommand('remove')];
