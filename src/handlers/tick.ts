/**
 * The periodic tick: auto-approve due requests (also those that fell due while the bot was down),
 * re-post cards that never reached Slack, propose a scale-out for a service below its minimum, run
 * the settle check and start the executors' upkeep (warm pools). Never two ticks at once. The first tick runs at start.
 */
import { listServices } from '../store/services.js';
import { LIVE_CARD_STATES } from '../store/types.js';
import { approveDue } from '../workflows/decisions.js';
import type { Deps } from '../workflows/deps.js';
import type { SettleWatcher } from '../workflows/settle.js';

export type TickDeps = Pick<Deps, 'store' | 'clock' | 'logger' | 'surface' | 'freezes' | 'decisions' | 'belowMin' | 'executors'> & { config: Pick<Deps['config'], 'defaultExecutor'> } & { settle: Pick<SettleWatcher, 'check'> };

export async function tick(deps: TickDeps): Promise<void> {
  await approveDue(deps);
  for (const r of deps.store.data.requests) {
    if (!r.card && LIVE_CARD_STATES.includes(r.state)) deps.surface.sync(r.id);
  }
  await deps.belowMin.check();
  await deps.settle.check();
  // Warm pools: refills, drains and checks run in the background (one pass per service at a time).
  // Each executor keeps up the services it runs (a service run by Jenkins has no warm pool to keep: its VMs drain).
  const services = listServices(deps.store);
  for (const e of Object.values(deps.executors)) e?.maintain?.(services.filter((s) => (s.executor ?? deps.config.defaultExecutor) === e.kind));
}

/** Ticks every `everyMs` (never two at once); returns the stop. */
export function startTicker(deps: TickDeps, everyMs = 5000): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    tick(deps)
      .catch((e: unknown) => deps.logger.error({ err: e }, 'tick failed'))
      .finally(() => { running = false; });
  }, everyMs);
  timer.unref();
  return () => clearInterval(timer);
}
