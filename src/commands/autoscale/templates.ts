/** `/autoscale template list|create|delete`: vCenter templates, with a confirm button before anything changes. */
import { argText, confirmPrompt, confirmText, templateText } from '../../cards/commandMessages.js';
import { createTemplate, deleteTemplate, listTemplates, servicesUsingTemplate, sharedServicePool, type NewTemplate } from '../../workflows/templates.js';
import { check, descriptionArg, existingVmName, inventoryPathArg, newVmName, splitOptions, type Checked } from './args.js';
import { confirmationsOf } from './confirmations.js';
import { answerLater } from './later.js';
import { PAGE_SIZE, pageArg, pageOf } from './paging.js';
import type { CommandContext, Reply, Subcommand } from './types.js';

const tctx = (ctx: CommandContext) => ({ tz: ctx.deps.config.BOT_TIMEZONE, now: ctx.deps.clock.now() });

/** The first invalid argument as a refusal, else undefined. */
function firstInvalid(checks: Array<[what: string, value: string | undefined, result: Checked<unknown> | undefined]>): Reply | undefined {
  for (const [what, value, r] of checks) if (value !== undefined && r && !r.ok) return { text: argText.invalid(what, value, r.problem) };
  return undefined;
}

const templateList: Subcommand = {
  name: 'template list', usage: 'template list [page]', summary: (w) => w.templateList({ pageSize: PAGE_SIZE }),
  group: 'Templates', mutating: false, maxArgs: 1,
  async run(ctx) {
    if (!ctx.deps.govc) return { text: templateText.noVcenter() };
    const asked = pageArg(ctx.args[0]);
    if ('refusal' in asked) return asked.refusal;
    return answerLater(ctx, templateText.working(), async () => {
      const r = await listTemplates(ctx.deps);
      if (!r.ok) return { text: templateText.noVcenter() };
      const p = pageOf(r.templates, asked.page);
      return { text: templateText.list(p.items, r.stale, tctx(ctx), { ...p, command: 'template list' }) };
    }, (e) => templateText.listFailed(e.message));
  },
};

const templateCreate: Subcommand = {
  name: 'template create', usage: 'template create <source-vm> <name> [description] [pool=<path>] [folder=<path>]',
  summary: (w) => w.templateCreate,
  group: 'Templates', mutating: true, minArgs: 2,
  async run(ctx) {
    const { deps } = ctx;
    if (!deps.govc) return { text: templateText.noVcenter() };
    const { rest, options } = splitOptions(ctx.args, ['pool', 'folder'] as const);
    const [source, name, ...words] = rest;
    if (source === undefined || name === undefined) return { text: `Usage: \`/autoscale ${templateCreate.usage}\`` };
    const description = words.join(' ') || undefined;
    const bad = firstInvalid([
      ['source VM name', source, check(existingVmName, source)],
      ['template name', name, check(newVmName, name)],
      ['description', description, description === undefined ? undefined : check(descriptionArg, description)],
      ['resource pool', options.pool, options.pool === undefined ? undefined : check(inventoryPathArg, options.pool)],
      ['folder', options.folder, options.folder === undefined ? undefined : check(inventoryPathArg, options.folder)],
    ]);
    if (bad) return bad;
    const t: NewTemplate = { source, name, description, pool: options.pool ?? sharedServicePool(deps.store), folder: options.folder };
    const id = confirmationsOf(deps).ask(ctx.user, ctx.channel, async (io) => {
      await io.reply(confirmText.started(ctx.channel));
      const r = await createTemplate(deps, t, io.user, () => io.progress(templateText.creating(t.name, t.source, io.user)));
      await io.progress(r.ok ? templateText.created(t.name, t.source, io.user, r.durationMs) : templateText.failed('create', t.name, r));
    });
    const prompt = templateText.createPrompt(t);
    return { text: prompt, blocks: confirmPrompt(prompt, 'Create template', id) };
  },
};

const templateDelete: Subcommand = {
  name: 'template delete', usage: 'template delete <name>', summary: (w) => w.templateDelete,
  group: 'Templates', mutating: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const { deps } = ctx;
    if (!deps.govc) return { text: templateText.noVcenter() };
    const name = ctx.args[0]!;
    const bad = firstInvalid([['template name', name, check(existingVmName, name)]]);
    if (bad) return bad;
    const users = servicesUsingTemplate(deps.store, name);
    if (users.length) return { text: templateText.inUse(name, users) };
    const id = confirmationsOf(deps).ask(ctx.user, ctx.channel, async (io) => {
      await io.reply(confirmText.started(ctx.channel));
      const r = await deleteTemplate(deps, name, io.user, (stage) =>
        io.progress(stage === 'destroying' ? templateText.destroying(name, io.user) : templateText.checking(name, io.user)));
      await io.progress(r.ok ? templateText.deleted(name, io.user) : templateText.failed('delete', name, r));
    });
    const prompt = templateText.deletePrompt(name);
    return { text: prompt, blocks: confirmPrompt(prompt, 'Delete template', id, true) };
  },
};

export const templates: Subcommand[] = [templateList, templateCreate, templateDelete];
