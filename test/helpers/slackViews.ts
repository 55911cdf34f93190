/** Modal views as Slack would submit them, for tests that drive views.open → view_submission. */
import { expect } from 'vitest';
import type { TestBot } from './bot.js';

export type Fill = string | string[] | boolean | null;

/** The view state Slack would submit for `view` as opened, with the given fields changed (by block id). */
export function submitted(view: any, fill: Record<string, Fill> = {}): Record<string, unknown> {
  const values: Record<string, Record<string, unknown>> = {};
  for (const b of view.blocks) {
    if (b.type !== 'input') continue;
    const e = b.element;
    const f = fill[b.block_id];
    const has = b.block_id in fill;
    let v: Record<string, unknown>;
    switch (e.type) {
      case 'static_select': v = { selected_option: has ? (f === null ? null : { value: f }) : e.initial_option ?? null }; break;
      case 'checkboxes': v = { selected_options: has ? (f ? e.options : []) : e.initial_options ?? [] }; break;
      case 'multi_users_select': v = { selected_users: has ? f : e.initial_users ?? [] }; break;
      case 'conversations_select': v = { selected_conversation: has ? f : e.initial_conversation ?? null }; break;
      default: v = { value: has ? f : e.initial_value ?? null };
    }
    values[b.block_id] = { [e.action_id]: { type: e.type, ...v } };
  }
  return { callback_id: view.callback_id, private_metadata: view.private_metadata, state: { values } };
}

export function openedView(t: TestBot, n = -1): any {
  const call = t.slack.callsOf('views.open').at(n);
  expect(call).toBeDefined();
  return call!.args.view;
}

