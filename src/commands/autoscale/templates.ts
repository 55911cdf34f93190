/** `/autoscale template list|create|delete`: vCenter templates, with a confirm button before anything changes. */
import { argText, confirmPrompt, confirmText, templateText } from '../../cards/commandMessages.js';
import { catalog, type Locale } from '../../i18n/index.js';
import { createTemplate, deleteTemplate, listTemplates, servicesUsingTemplate, sharedServicePool, type NewTemplate } from '../../workflows/templates.js';
import { check, descriptionArg, existingVmName, inventoryPathArg, newVmName, splitOptions, type Checked } from './args.js';
import { confirmationsOf } from './confirmations.js';
import { answerLater } from './later.js';
import { PAGE_SIZE, pageArg, pageOf } from './paging.js';
import type { CommandContext, Reply, Subcommand } from './types.js';

/** The reply's language: the user's (dispatch sets it), else BOT_LOCALE. Progress in the channel: BOT_LOCALE (a template belongs to no service). */
const lang = (ctx: CommandContext): Locale => ctx.locale ?? ctx.deps.config.BOT_LOCALE;
const tctx = (ctx: CommandContext) => ({ tz: ctx.deps.config.BOT_TIMEZONE, now: ctx.deps.clock.now(), locale: lang(ctx) });

/** The first invalid argument as a refusal, else undefined. */
function firstInvalid(checks: Array<[what: string, value: string | undefined, result: Checked<unknown> | undefined]>, l: Locale): Reply | undefined {
  for (const [what, value, r] of checks) if (value !== undefined && r && !r.ok) return { text: argText.invalid(what, value, r.problem, l) };
  return undefined;
}

const templateList: Subcommand = {
  name: 'template list', usage: 'template list [page]', summary: (w) => w.templateList({ pageSize: PAGE_SIZE }),
  group: 'Templates', mutating: false, maxArgs: 1,
  async run(ctx) {
    const l = lang(ctx);
    if (!ctx.deps.govc) return { text: templateText.noVcenter(l) };
    const asked = pageArg(ctx.args[0], l);
    if ('refusal' in asked) return asked.refusal;
    return answerLater(ctx, templateText.working(l), async () => {
      const r = await listTemplates(ctx.deps);
      if (!r.ok) return { text: templateText.noVcenter(l) };
      const p = pageOf(r.templates, asked.page);
      return { text: templateText.list(p.items, r.stale, tctx(ctx), { ...p, command: 'template list' }) };
    }, (e) => templateText.listFailed(e.message, l));
  },
};

const templateCreate: Subcommand = {
  name: 'template create', usage: 'template create <source-vm> <name> [description] [pool=<path>] [folder=<path>]',
  summary: (w) => w.templateCreate,
  group: 'Templates', mutating: true, minArgs: 2,
  async run(ctx) {
    const { deps } = ctx;
    const l = lang(ctx);
    const w = catalog(l).args;
    const here = deps.config.BOT_LOCALE;
    if (!deps.govc) return { text: templateText.noVcenter(l) };
    const { rest, options } = splitOptions(ctx.args, ['pool', 'folder'] as const);
    const [source, name, ...words] = rest;
    if (source === undefined || name === undefined) return { text: w.usage({ usage: templateCreate.usage }) };
    const description = words.join(' ') || undefined;
    const bad = firstInvalid([
      [w.what.sourceVm, source, check(existingVmName, source, l)],
      [w.what.templateName, name, check(newVmName, name, l)],
      [w.what.description, description, description === undefined ? undefined : check(descriptionArg, description, l)],
      [w.what.resourcePool, options.pool, options.pool === undefined ? undefined : check(inventoryPathArg, options.pool, l)],
      [w.what.folder, options.folder, options.folder === undefined ? undefined : check(inventoryPathArg, options.folder, l)],
    ], l);
    if (bad) return bad;
    const t: NewTemplate = { source, name, description, pool: options.pool ?? sharedServicePool(deps.store), folder: options.folder };
    const id = confirmationsOf(deps).ask(ctx.user, ctx.channel, async (io) => {
      await io.reply(confirmText.started(ctx.channel, l));
      const r = await createTemplate(deps, t, io.user, () => io.progress(templateText.creating(t.name, t.source, io.user, here)));
      await io.progress(r.ok ? templateText.created(t.name, t.source, io.user, r.durationMs, here) : templateText.failed('create', t.name, r, here));
    });
    const prompt = templateText.createPrompt(t, l);
    return { text: prompt, blocks: confirmPrompt(prompt, templateText.createButton(l), id, false, l) };
  },
};

const templateDelete: Subcommand = {
  name: 'template delete', usage: 'template delete <name>', summary: (w) => w.templateDelete,
  group: 'Templates', mutating: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const { deps } = ctx;
    const l = lang(ctx);
    const here = deps.config.BOT_LOCALE;
    if (!deps.govc) return { text: templateText.noVcenter(l) };
    const name = ctx.args[0]!;
    const bad = firstInvalid([[catalog(l).args.what.templateName, name, check(existingVmName, name, l)]], l);
    if (bad) return bad;
    const users = servicesUsingTemplate(deps.store, name);
    if (users.length) return { text: templateText.inUse(name, users, l) };
    const id = confirmationsOf(deps).ask(ctx.user, ctx.channel, async (io) => {
      await io.reply(confirmText.started(ctx.channel, l));
      const r = await deleteTemplate(deps, name, io.user, (stage) =>
        io.progress(stage === 'destroying' ? templateText.destroying(name, io.user, here) : templateText.checking(name, io.user, here)));
      await io.progress(r.ok ? templateText.deleted(name, io.user, here) : templateText.failed('delete', name, r, here));
    });
    const prompt = templateText.deletePrompt(name, l);
    return { text: prompt, blocks: confirmPrompt(prompt, templateText.deleteButton(l), id, true, l) };
  },
};

export const templates: Subcommand[] = [templateList, templateCreate, templateDelete];
