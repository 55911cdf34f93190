import type { App, RespondFn } from '@slack/bolt';
import type { KnownBlock } from '@slack/types';
import type { Catalog, Locale } from '../../i18n/index.js';
import type { PlgDeps } from '../../integrations/plg/index.js';
import type { Deps } from '../../workflows/deps.js';
import type { Confirmations } from './confirmations.js';

/** What only the slash commands (and the buttons of the commands that ask first) use, on top of the services. */
export interface CommandServices {
  /** The pending confirmations of the commands that ask first; their buttons take them (handlers/confirmButtons.ts). */
  confirmations: Confirmations;
  /** How the bot reaches the monitoring server (`plg …`): built once from PLG_*, or replaced by a test. */
  plg: { ok: true; deps: PlgDeps } | { ok: false; message: string };
}

export type CommandDeps = Deps & CommandServices;

export interface CommandContext {
  deps: CommandDeps;
  app: App;
  user: string;
  channel: string;
  args: string[];
  triggerId: string;
  /** Replies later (response_url), ephemeral by default. */
  respond: RespondFn;
  /** The language of the replies: the user's Slack locale when known, else BOT_LOCALE (set by dispatch). */
  locale?: Locale;
}

/** What a subcommand answers at once (within Slack's 3 s): ephemeral text or blocks, or nothing. */
export type Reply = { text: string; blocks?: KnownBlock[]; inChannel?: boolean } | void;

export interface Subcommand {
  /** e.g. `scale out <service>` */
  usage: string;
  /** The help line, from the catalog of the reader's language. */
  summary: (w: Catalog['help']['summary']) => string;
  group: 'Operations' | 'Services' | 'Templates' | 'Monitoring (PLG)' | 'Jenkins' | 'Help';
  mutating: boolean;
  /**
   * Only ADMIN_USERS may run it even though it changes nothing: it shows what only admins should
   * read (the monitoring server's config, the Jenkins job). Mutating commands are admin-only anyway.
   */
  adminOnly?: boolean;
  /** Number of words of the name: `scale out` is 2. */
  name: string;
  minArgs?: number;
  maxArgs?: number;
  run(ctx: CommandContext): Promise<Reply>;
}
