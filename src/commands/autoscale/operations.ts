/** Day-to-day operations: status, history, manual scale, pre-flight. */
import { clock, relative } from '../../cards/time.js';
import { STEP_LABEL, messages } from '../../cards/messages.js';
import { formatDuration } from '../../duration.js';
import { openRequests, requestsOf } from '../../store/requests.js';
import { getService } from '../../store/services.js';
import type { Direction, ScaleRequest } from '../../store/types.js';
import { createRequest } from '../../workflows/intake.js';
import { buildPreview } from '../../workflows/preview.js';
import type { CommandContext, Subcommand } from './types.js';

function tctx(ctx: CommandContext) {
  return { tz: ctx.deps.config.BOT_TIMEZONE, now: ctx.deps.clock.now() };
}

function unknownService(name: string): { text: string } {
  return { text: `No service named \`${name.slice(0, 60)}\`. \`/autoscale service list\` shows them.` };
}

function decidedBy(r: ScaleRequest): string {
  if (!r.decision) return '—';
  return r.decision.by === 'auto' ? 'auto' : `<@${r.decision.by}>`;
}

export function statusLine(r: ScaleRequest, t: { tz: string; now: Date }): string {
  const a = r.attempts[r.attempts.length - 1];
  const step = a?.steps.findLast((s) => s.state === 'running');
  const extra =
    r.state === 'pending' && r.autoApproveAt ? `, auto-approves ${clock(r.autoApproveAt, t)} (${relative(r.autoApproveAt, t)})`
    : r.state === 'running' && step ? `, now: ${STEP_LABEL[step.name]}`
    : r.state === 'blocked' && r.blocked ? `: ${r.blocked.message}`
    : '';
  return `• *${r.service}* ${messages.verb(r.direction)} \`${r.id}\` — ${messages.stateText(r)}${extra}`;
}

const status: Subcommand = {
  name: 'status', usage: 'status', summary: 'open requests per service: pending with deadlines, in flight with the current step',
  group: 'Operations', mutating: false, maxArgs: 0,
  async run(ctx) {
    const open = openRequests(ctx.deps.store);
    if (!open.length) return { text: 'No open scale requests.' };
    return { text: ['*Open scale requests*', ...open.map((r) => statusLine(r, tctx(ctx)))].join('\n') };
  },
};

const history: Subcommand = {
  name: 'history', usage: 'history [service] [n]', summary: 'the last n requests (default 10) with outcome, who decided, duration, VM and IP',
  group: 'Operations', mutating: false, maxArgs: 2,
  async run(ctx) {
    let service: string | undefined;
    let n = 10;
    for (const a of ctx.args) {
      if (/^\d+$/.test(a)) n = Math.min(100, Math.max(1, Number(a)));
      else service = a;
    }
    if (service && !getService(ctx.deps.store, service)) return unknownService(service);
    const list = requestsOf(ctx.deps.store, service).slice(-n).reverse();
    if (!list.length) return { text: service ? `No requests for ${service} yet.` : 'No requests yet.' };
    const t = tctx(ctx);
    const lines = list.map((r) => {
      const a = r.attempts[r.attempts.length - 1];
      const dur = a?.finishedAt ? formatDuration(Date.parse(a.finishedAt) - Date.parse(a.startedAt)) : '—';
      const vm = a?.result ? ` ${a.result.vmName ?? ''} ${a.result.ip ?? ''}`.trimEnd() : '';
      return `• ${clock(r.createdAt, t)} *${r.service}* ${r.direction} — ${messages.stateText(r)}, by ${decidedBy(r)}, ${dur}${vm}`;
    });
    return { text: [`*Last ${list.length} request(s)${service ? ` of ${service}` : ''}*`, ...lines].join('\n') };
  },
};

function scale(direction: Direction): Subcommand {
  return {
    name: `scale ${direction}`, usage: `scale ${direction} <service>`, summary: `ask for a manual scale-${direction} through the approval card`,
    group: 'Operations', mutating: true, minArgs: 1, maxArgs: 1,
    async run(ctx) {
      const service = getService(ctx.deps.store, ctx.args[0]!);
      if (!service) return unknownService(ctx.args[0]!);
      if (!service.enabled) return { text: `${service.name} is disabled; \`/autoscale service enable ${service.name}\` first.` };
      // Looking at vCenter / F5 can take seconds: answer now, post the card when ready.
      void createRequest(ctx.deps, service, direction, undefined, 'manual', ctx.user)
        .then(({ request, fresh }) => (fresh ? undefined : ctx.respond({ response_type: 'ephemeral', text: `A scale-${direction} of ${service.name} is already open (${request.id}); see its card.` })))
        .catch((e: unknown) => ctx.respond({ response_type: 'ephemeral', text: `:x: Could not create the request: ${(e as Error).message}` }));
      return { text: `Preparing a scale-${direction} request for ${service.name}; its card will appear in <#${service.channel}>.` };
    },
  };
}

const preflight: Subcommand = {
  name: 'preflight', usage: 'preflight <service> [out|in]', summary: 'what a scale-out would do now and whether it can, changing nothing',
  group: 'Operations', mutating: false, minArgs: 1, maxArgs: 2,
  async run(ctx) {
    const service = getService(ctx.deps.store, ctx.args[0]!);
    if (!service) return unknownService(ctx.args[0]!);
    const direction: Direction = ctx.args[1] === 'in' ? 'in' : 'out';
    void buildPreview(ctx.deps, service, direction)
      .then((p) => {
        const lines = [
          `*Pre-flight: scale-${direction} of ${service.name}*`,
          `Instances now / max: ${p.instances ?? '?'} / ${p.max} (min ${p.min}, from ${p.instancesSource})`,
          ...(direction === 'out' ? [`Next VM: ${p.vmName ?? '?'} · IP: ${p.ip ?? 'none free'} · template ${p.template}`] : [`VM to remove: ${p.vmName ?? '?'}`]),
          `F5 pool: ${p.f5Pool}:${service.f5.port}`,
          ...p.checks.map((c) => `${c.ok ? ':white_check_mark:' : ':warning:'} ${c.text}`),
          '_Nothing was changed._',
        ];
        return ctx.respond({ response_type: 'ephemeral', text: lines.join('\n') });
      })
      .catch((e: unknown) => ctx.respond({ response_type: 'ephemeral', text: `:x: Pre-flight failed: ${(e as Error).message}` }));
    return { text: `Checking ${service.name}…` };
  },
};

export const operations: Subcommand[] = [status, history, scale('out'), scale('in'), preflight];
