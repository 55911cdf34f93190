/**
 * Every listener of the bot but the slash commands (those: src/commands/index.ts), by kind, as the Bolt
 * TypeScript starter's listeners/index.ts collects them: one register per kind, all called from
 * `registerListeners`. What is not a Bolt listener lives here too, each kind in its own place: the
 * HTTP routes (alertmanager.ts, serviceDiscovery.ts, mounted by src/http.ts) and the ticker (tick.ts).
 */
import type { App } from '@slack/bolt';
import type { CommandDeps } from '../commands/autoscale/types.js';
import { registerActions, registerRejectReason } from './actions.js';
import { registerConfirmButtons } from './confirmButtons.js';
import { registerHome } from './home.js';
import { registerViews } from './views.js';

/** What the listeners are given: every service, plus the commands' pending confirmations (their buttons are here). */
export type ListenerDeps = CommandDeps;

/** Buttons and menus: the approval card's, and Confirm / Cancel of the commands that ask first. */
export function registerActionListeners(app: App, deps: ListenerDeps): void {
  registerActions(app, deps);
  registerConfirmButtons(app, deps);
}

/** Modal submissions: the reject reason, the service form, the YAML import. */
export function registerViewListeners(app: App, deps: ListenerDeps): void {
  registerRejectReason(app, deps);
  registerViews(app, deps);
}

/** Events API: App Home. */
export function registerEventListeners(app: App, deps: ListenerDeps): void {
  registerHome(app, deps);
}

export function registerListeners(app: App, deps: ListenerDeps): void {
  registerActionListeners(app, deps);
  registerViewListeners(app, deps);
  registerEventListeners(app, deps);
}

export { handleAlertmanager } from './alertmanager.js';
export { handleServiceDiscovery } from './serviceDiscovery.js';
export { startTicker, tick, type TickDeps } from './tick.js';
