/** `/autoscale …`: parse, check who may, dispatch to one subcommand, answer within 3 s. */
import type { App } from '@slack/bolt';
import { catalog, type Locale } from '../../i18n/index.js';
import { jenkins } from './jenkins.js';
import { operations } from './operations.js';
import { services } from './services.js';
import { templates } from './templates.js';
import { plgSubcommands } from './plg.js';
import { protection } from './protect.js';
import { isAdmin } from './admins.js';
import type { CommandContext, CommandDeps, Reply, Subcommand } from './types.js';

/** Every subcommand, in the order `/autoscale help` lists them (grouped by `group`). One list, read at call time. */
export const SUBCOMMANDS: readonly Subcommand[] = [...operations, ...protection, ...services, ...templates, ...jenkins, ...plgSubcommands];

/** Every subcommand by group, in the reader's language; usages stay as typed (they are the command itself). */
export function helpText(locale: Locale = 'en'): string {
  const w = catalog(locale).help;
  const groups = new Map<Subcommand['group'], Subcommand[]>();
  for (const s of SUBCOMMANDS) groups.set(s.group, [...(groups.get(s.group) ?? []), s]);
  const out = [w.title];
  for (const [g, list] of groups) {
    out.push(`\n*${w.groups[g]}*`);
    for (const s of list) out.push(`• \`/autoscale ${s.usage}\` — ${s.summary(w.summary)}${s.mutating || s.adminOnly ? w.admins : ''}`);
  }
  return out.join('\n');
}

/** Splits on whitespace, keeping "quoted phrases" together. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/"([^"]*)"|'([^']*)'|(\S+)/g)) out.push(m[1] ?? m[2] ?? m[3] ?? '');
  return out;
}

export function findSubcommand(words: string[]): { sub: Subcommand; args: string[] } | undefined {
  const lowered = words.map((w) => w.toLowerCase());
  let best: { sub: Subcommand; args: string[] } | undefined;
  for (const s of SUBCOMMANDS) {
    const parts = s.name.split(' ');
    if (parts.every((p, i) => lowered[i] === p) && (!best || parts.length > best.sub.name.split(' ').length)) {
      best = { sub: s, args: words.slice(parts.length) };
    }
  }
  return best;
}

export async function dispatch(ctx: Omit<CommandContext, 'args'>, text: string): Promise<Reply> {
  // The user's own Slack language when Slack says it (cached, bounded wait), else the workspace default.
  const locale = (await ctx.deps.userLocales?.of(ctx.user)) ?? ctx.deps.config.BOT_LOCALE;
  const w = catalog(locale).help;
  const words = tokenize(text.trim());
  if (words.length === 0 || words[0] === 'help') return { text: helpText(locale) };
  const found = findSubcommand(words);
  if (!found) return { text: `${w.unknown({ text: text.trim().slice(0, 80) })}\n\n${helpText(locale)}` };
  const { sub, args } = found;
  if ((sub.minArgs !== undefined && args.length < sub.minArgs) || (sub.maxArgs !== undefined && args.length > sub.maxArgs)) {
    return { text: w.usage({ usage: sub.usage }) };
  }
  const admins = ctx.deps.config.ADMIN_USERS;
  if ((sub.mutating || sub.adminOnly) && !isAdmin(admins, ctx.user)) {
    return { text: w.adminOnly({ name: sub.name, admins: admins.map((u) => `<@${u}>`).join(', ') }) };
  }
  return sub.run({ ...ctx, args, locale });
}

export function registerAutoscale(app: App, deps: CommandDeps): void {
  app.command('/autoscale', async ({ command, ack, respond }) => {
    let reply: Reply;
    try {
      reply = await dispatch({ deps, app, user: command.user_id, channel: command.channel_id, triggerId: command.trigger_id, respond }, command.text ?? '');
    } catch (e) {
      deps.logger.error({ err: e, text: command.text }, 'slash command failed');
      reply = { text: catalog(deps.config.BOT_LOCALE).help.failed({ message: (e as Error).message }) };
    }
    if (!reply) return ack();
    return ack({ response_type: reply.inChannel ? 'in_channel' : 'ephemeral', text: reply.text, ...(reply.blocks ? { blocks: reply.blocks } : {}) });
  });
}
