import type { App, RespondFn } from '@slack/bolt';
import type { Deps } from '../../workflows/deps.js';

export interface CommandContext {
  deps: Deps;
  app: App;
  user: string;
  channel: string;
  args: string[];
  triggerId: string;
  /** Replies later (response_url), ephemeral by default. */
  respond: RespondFn;
}

/** What a subcommand answers at once (within Slack's 3 s): ephemeral text or blocks, or nothing. */
export type Reply = { text: string; blocks?: unknown[]; inChannel?: boolean } | void;

export interface Subcommand {
  /** e.g. `scale out <service>` */
  usage: string;
  summary: string;
  group: 'Operations' | 'Services' | 'Templates' | 'Monitoring (PLG)' | 'Jenkins' | 'Help';
  mutating: boolean;
  /** Number of words of the name: `scale out` is 2. */
  name: string;
  minArgs?: number;
  maxArgs?: number;
  run(ctx: CommandContext): Promise<Reply>;
}
