/**
 * Posts a new card's metric chart into its thread, or a note saying why there is none. Runs beside the card, never in
 * front of it: the card is posted at once, the chart follows when Prometheus has answered (bounded by requestChart's
 * deadline).
 */
import type { Clock } from '../clock.js';
import { catalog, type Locale } from '../i18n/index.js';
import type { Logger } from '../logger.js';
import { findRequest } from '../store/requests.js';
import { getService } from '../store/services.js';
import type { StoreView as Store } from '../store/store.js';
import type { ChatSurface } from './ports.js';
import { requestChart, type ChartUnavailable } from './requestChart.js';

export interface ChartPosterOptions {
  store: Store;
  surface: ChatSurface;
  clock: Clock;
  logger: Logger;
  prometheusUrl: string;
  timeZone: string;
  locale: (service: string) => Locale;
  deadlineMs?: number;
}

const REASON_KEYS: Record<ChartUnavailable, 'reasonTimeout' | 'reasonUnreachable' | 'reasonNoData' | 'reasonFailed'> = {
  timeout: 'reasonTimeout', unreachable: 'reasonUnreachable', no_data: 'reasonNoData', failed: 'reasonFailed',
};

export class ChartPoster {
  private readonly inFlight = new Set<Promise<void>>();

  constructor(private readonly o: ChartPosterOptions) {}

  /** Starts drawing the request's chart; returns at once. */
  post(requestId: string): void {
    const p = this.draw(requestId).catch((e: unknown) => this.o.logger.error({ err: e, requestId }, 'chart failed'));
    this.inFlight.add(p);
    void p.finally(() => this.inFlight.delete(p));
  }

  async idle(): Promise<void> {
    while (this.inFlight.size) await Promise.allSettled([...this.inFlight]);
  }

  private async draw(requestId: string): Promise<void> {
    const r = findRequest(this.o.store, requestId);
    const service = r && getService(this.o.store, r.service);
    if (!r || !service || !this.o.surface.image) return;
    const locale = this.o.locale(service.name);
    const t = catalog(locale).chart;
    const chart = await requestChart({
      prometheusUrl: this.o.prometheusUrl, service, direction: r.direction, alertStartsAt: r.alert?.startsAt,
      now: this.o.clock.now(), locale, timeZone: this.o.timeZone, deadlineMs: this.o.deadlineMs,
    });
    if (chart.ok) {
      this.o.surface.image(requestId, { png: chart.png, filename: `${service.name}-${requestId}.png`, title: t.title({ service: service.name }), altText: t.altText({ service: service.name }) });
    } else {
      this.o.logger.warn({ requestId, reason: chart.reason }, 'no chart for the card');
      this.o.surface.thread(requestId, t.unavailable({ reason: t[REASON_KEYS[chart.reason]] }));
    }
  }
}
