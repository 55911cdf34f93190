/**
 * Settle check: after a scale-out, did the alert that triggered it clear within `scaling.settle`?
 * Resolved alerts with no open request land here; a periodic check reports those still firing.
 */
import { differenceInMinutes } from 'date-fns';
import { markSettled, markStillFiring } from '../store/requests.js';
import { getService } from '../store/services.js';
import type { Clock } from '../clock.js';
import { catalog, type Locale } from '../i18n/index.js';
import type { StoreView as Store } from '../store/store.js';
import type { Direction } from '../store/types.js';
import type { ChatSurface, Settle } from './ports.js';
import { ms } from './policy.js';

export class SettleWatcher implements Settle {
  /** `locale`: BOT_LOCALE (default en); a service's own `locale` wins in its card's thread. */
  constructor(private readonly deps: { store: Store; clock: Clock; surface: ChatSurface; locale?: Locale }) {}

  async alertResolved(service: string, direction: Direction, at: string): Promise<string | undefined> {
    const { store } = this.deps;
    const cfg = getService(store, service);
    if (!cfg) return undefined;
    const window = ms(cfg.scaling.settle);
    const r = store.data.requests.findLast(
      (x) => x.service === service && x.direction === direction && x.state === 'succeeded' && x.source === 'alert' && x.finishedAt && !x.alertResolvedAt &&
        Date.parse(at) - Date.parse(x.finishedAt) <= window,
    );
    if (!r) return undefined;
    await markSettled(store, r.id, at);
    const mins = differenceInMinutes(new Date(at), new Date(r.finishedAt!));
    const w = catalog(cfg.locale ?? this.deps.locale ?? 'en').messages;
    const vm = r.attempts[r.attempts.length - 1]?.result?.vmName ?? w.theNewVm;
    this.deps.surface.thread(r.id, (direction === 'out' ? w.clearedAfterJoin : w.clearedAfterRemoval)({ mins, vm }));
    this.deps.surface.sync(r.id);
    return r.id;
  }

  /** Reports runs whose settle window passed with the alert still firing (once each). */
  async check(): Promise<string[]> {
    const { deps } = this;
    const now = deps.clock.now().getTime();
    const reported: string[] = [];
    for (const r of deps.store.data.requests) {
      if (r.state !== 'succeeded' || r.source !== 'alert' || r.alertResolvedAt || !r.finishedAt) continue;
      if (r.events.some((e) => e.fact?.code === 'still_firing')) continue;
      const cfg = getService(deps.store, r.service);
      if (!cfg || now - Date.parse(r.finishedAt) < ms(cfg.scaling.settle)) continue;
      await markStillFiring(deps.store, r.id, new Date(now).toISOString());
      const w = catalog(cfg.locale ?? deps.locale ?? 'en').messages;
      const vm = r.attempts[r.attempts.length - 1]?.result?.vmName ?? w.theNewVm;
      const words = { alert: r.alert?.name ?? w.theAlert, settle: cfg.scaling.settle, vm };
      deps.surface.thread(r.id, (r.direction === 'out' ? w.stillFiringOut : w.stillFiringIn)(words));
      reported.push(r.id);
    }
    return reported;
  }
}
