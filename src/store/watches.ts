/**
 * What the bot watches between requests: when it last told the default channel about alerts for an unknown service,
 * and each service's below-minimum watch (see workflows/belowMin.ts). Named transitions, one write each.
 */
import { openRequestIn, withdrawIn } from './requests.js';
import { writerOf, type StoreView } from './store.js';
import type { BelowMinWatch } from './types.js';

/** A notice about alerts for the unknown service `service` was sent at `at` (the next one waits NOTICE_EVERY). */
export async function recordNotice(store: StoreView, service: string, at: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    d.notices[service] = at;
  });
}

/** A scale-out was proposed because the service ran below its minimum. */
export async function recordBelowMinProposal(store: StoreView, service: string, proposed: NonNullable<BelowMinWatch['proposed']>): Promise<void> {
  await writerOf(store).mutate((d) => {
    ((d.belowMin ??= {})[service] ??= { seenWhole: false }).proposed = proposed;
  });
}

/**
 * The service is whole again (at or above its minimum): the watch says so, and an undecided below-min card is withdrawn
 * (the count came back by itself: it would add one too many). Returns the withdrawn request's id.
 */
export function markWhole(store: StoreView, service: string, x: { at: string; count: number; min: number }): Promise<string | undefined> {
  return writerOf(store).mutate((d) => {
    const w = ((d.belowMin ??= {})[service] ??= { seenWhole: false });
    w.seenWhole = true;
    delete w.proposed;
    const open = openRequestIn(d, service, 'out');
    if (!open || open.source !== 'min' || (open.state !== 'pending' && open.state !== 'blocked')) return undefined;
    withdrawIn(d, open, { at: x.at, actor: 'bot', fact: { code: 'back_at_min', service, count: x.count, min: x.min } });
    return open.id;
  });
}
