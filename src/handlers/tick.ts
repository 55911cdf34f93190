/**
 * The periodic tick: auto-approve due requests (also those that fell due while the bot was down),
 * re-post cards that never reached Slack, propose a scale-out for a service below its minimum, run
 * the settle check and start the executors' upkeep (warm pools). Never two ticks at once. The first tick runs at start.
 */
import { listServices } from '../store/services.js';
import { LIVE_CARD_STATES } from '../store/types.js';
import { checkBelowMin } from '../workflows/belowMin.js';
import { approveDue } from '../workflows/decisions.js';
import type { Deps } from '../workflows/deps.js';
import type { SettleWatcher } from '../workflows/settle.js';

export async function tick(deps: Deps, settle: SettleWatcher): Promise<void> {
  await approveDue(deps);
  for (const r of deps.store.data.requests) {
    if (!r.card && LIVE_CARD_STATES.includes(r.state)) deps.surface.sync(r.id);
  }
  await checkBelowMin(deps);
  await settle.check();
  // Warm pools: refills, drains and checks run in the background (one pass per service at a time).
  const services = listServices(deps.store);
  for (const e of Object.values(deps.executors)) e?.maintain?.(services);
}

export function startTicker(deps: Deps, settle: SettleWatcher, everyMs = 5000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tick(deps, settle)
      .catch((e: unknown) => deps.logger.error({ err: e }, 'tick failed'))
      .finally(() => { running = false; });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
