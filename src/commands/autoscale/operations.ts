/** Day-to-day operations: status, history, manual scale, pre-flight. */
import { operationsText, protectedStatusLines, serviceText, warmStatusLines } from '../../cards/commandMessages.js';
import { refillLeasesIn, warmLeasesIn } from '../../store/warm.js';
import { catalog, type Locale } from '../../i18n/index.js';
import { protectedLeasesIn } from '../../store/leases.js';
import { messages } from '../../cards/messages.js';
import { findRequest, openRequests, requestsOf } from '../../store/requests.js';
import { getService, listServices } from '../../store/services.js';
import type { Direction } from '../../store/types.js';
import { buildPreview } from '../../workflows/preview.js';
import { answerLater } from './later.js';
import { PAGE_SIZE, pageArg, pageOf } from './paging.js';
import type { CommandContext, Subcommand } from './types.js';

/** The reply's language: the user's (dispatch sets it), else BOT_LOCALE. */
const lang = (ctx: CommandContext): Locale => ctx.locale ?? ctx.deps.config.BOT_LOCALE;

function tctx(ctx: CommandContext) {
  return { tz: ctx.deps.config.BOT_TIMEZONE, now: ctx.deps.clock.now(), locale: lang(ctx) };
}

const status: Subcommand = {
  name: 'status', usage: 'status [page]', summary: (w) => w.status({ pageSize: PAGE_SIZE }),
  group: 'Operations', mutating: false, maxArgs: 1,
  async run(ctx) {
    const asked = pageArg(ctx.args[0], lang(ctx));
    if ('refusal' in asked) return asked.refusal;
    const open = openRequests(ctx.deps.store).sort((a, b) => a.service.localeCompare(b.service) || a.createdAt.localeCompare(b.createdAt));
    const p = pageOf(open, asked.page);
    const text = open.length ? operationsText.open(p.items, tctx(ctx), { ...p, command: 'status' }) : operationsText.noOpenRequests(lang(ctx));
    const d = ctx.deps.store.data;
    const guarded = protectedStatusLines(listServices(ctx.deps.store).map((s) => ({ service: s.name, vms: protectedLeasesIn(d, s.name).map((l) => l.vmName!) })), catalog(lang(ctx)).protect);
    const warm = warmStatusLines(listServices(ctx.deps.store).flatMap((s) => (s.warmPool
      ? [{ service: s.name, size: s.warmPool.size, state: s.warmPool.state, vms: warmLeasesIn(d, s.name).map((l) => l.vmName!), refilling: refillLeasesIn(d, s.name).length > 0 }]
      : [])), catalog(lang(ctx)).warm);
    return { text: [text, ...guarded, ...warm].join('\n') };
  },
};

const history: Subcommand = {
  name: 'history', usage: 'history [service] [n]', summary: (w) => w.history,
  group: 'Operations', mutating: false, maxArgs: 2,
  async run(ctx) {
    let service: string | undefined;
    let n = 10;
    for (const a of ctx.args) {
      if (/^\d+$/.test(a)) n = Math.min(100, Math.max(1, Number(a)));
      else service = a;
    }
    if (service && !getService(ctx.deps.store, service)) return { text: serviceText.unknown(service, lang(ctx)) };
    const list = requestsOf(ctx.deps.store, service).slice(-n).reverse();
    return { text: list.length ? operationsText.history(list, service, tctx(ctx)) : operationsText.noHistory(service, lang(ctx)) };
  },
};

function scale(direction: Direction): Subcommand {
  return {
    name: `scale ${direction}`, usage: `scale ${direction} <service>`, summary: (w) => (direction === 'out' ? w.scaleOut : w.scaleIn),
    group: 'Operations', mutating: true, minArgs: 1, maxArgs: 1,
    async run(ctx) {
      const service = getService(ctx.deps.store, ctx.args[0]!);
      if (!service) return { text: serviceText.unknown(ctx.args[0]!, lang(ctx)) };
      if (!service.enabled) return { text: operationsText.disabled(service.name, lang(ctx)) };
      // Looking at vCenter / F5 can take seconds: answer now, post the card when ready. The run
      // itself starts only through the run-start check (approval, or at once in mode auto); a
      // refusal, then or at creation, is told to the one who asked.
      void ctx.deps.intake.createRequest(service, direction, undefined, 'manual', ctx.user)
        .then(({ request, fresh }) => {
          if (!fresh) return ctx.respond({ response_type: 'ephemeral', text: operationsText.alreadyOpen(service.name, direction, request.id, lang(ctx)) });
          const now = findRequest(ctx.deps.store, request.id);
          if (now?.state === 'blocked' && now.blocked) return ctx.respond({ response_type: 'ephemeral', text: messages.manualRefused(service.name, direction, now.blocked, tctx(ctx)) });
          return undefined;
        })
        .catch((e: unknown) => ctx.respond({ response_type: 'ephemeral', text: operationsText.requestFailed((e as Error).message, lang(ctx)) }));
      return { text: operationsText.preparing(service.name, direction, service.channel, lang(ctx)) };
    },
  };
}

const preflight: Subcommand = {
  name: 'preflight', usage: 'preflight <service> [out|in]', summary: (w) => w.preflight,
  group: 'Operations', mutating: false, minArgs: 1, maxArgs: 2,
  async run(ctx) {
    const service = getService(ctx.deps.store, ctx.args[0]!);
    if (!service) return { text: serviceText.unknown(ctx.args[0]!, lang(ctx)) };
    const direction: Direction = ctx.args[1] === 'in' ? 'in' : 'out';
    return answerLater(ctx, operationsText.checking(service.name, lang(ctx)), async () => {
      const p = await buildPreview(ctx.deps, service, direction);
      return { text: operationsText.preflight(service.name, service.f5.port, direction, p, lang(ctx)) };
    }, (e) => operationsText.preflightFailed(e.message, lang(ctx)));
  },
};

export const operations: Subcommand[] = [status, history, scale('out'), scale('in'), preflight];
