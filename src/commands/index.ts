/**
 * Every slash command of the bot, one register per command (as the Bolt TypeScript starter's
 * listeners/commands/index.ts). Today there is one, `/autoscale` (its subcommands: autoscale/index.ts).
 */
import type { App } from '@slack/bolt';
import { registerAutoscale } from './autoscale/index.js';
import type { CommandDeps } from './autoscale/types.js';

export function registerCommands(app: App, deps: CommandDeps): void {
  registerAutoscale(app, deps);
}
