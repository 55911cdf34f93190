/** The bot's own metrics (GET /metrics). One registry per app, so tests can build many apps. */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { StoreView as Store } from './store/store.js';

export interface Metrics {
  registry: Registry;
  alertsReceived: Counter<'outcome'>;
  timeToDecision: Histogram<'decision'>;
  stepDuration: Histogram<'step' | 'outcome'>;
  runsFinished: Counter<'direction' | 'outcome'>;
}

export function createMetrics(store: Store, defaults = true): Metrics {
  const registry = new Registry();
  if (defaults) collectDefaultMetrics({ register: registry, prefix: 'autoscale_bot_' });
  const alertsReceived = new Counter({
    name: 'autoscale_alerts_received_total',
    help: 'Alerts received from Alertmanager, by what the bot did with them',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  new Gauge({
    name: 'autoscale_requests',
    help: 'Scale requests in the store, by state',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const counts = new Map<string, number>();
      for (const r of store.data.requests) counts.set(r.state, (counts.get(r.state) ?? 0) + 1);
      for (const [state, n] of counts) this.set({ state }, n);
    },
  });
  const timeToDecision = new Histogram({
    name: 'autoscale_time_to_decision_seconds',
    help: 'From card posted to approval or rejection',
    labelNames: ['decision'] as const,
    buckets: [5, 15, 30, 60, 120, 300, 600, 1200, 3600],
    registers: [registry],
  });
  const stepDuration = new Histogram({
    name: 'autoscale_executor_step_seconds',
    help: 'Duration of executor steps',
    labelNames: ['step', 'outcome'] as const,
    buckets: [0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600],
    registers: [registry],
  });
  const runsFinished = new Counter({
    name: 'autoscale_runs_finished_total',
    help: 'Scale runs finished, by direction and outcome',
    labelNames: ['direction', 'outcome'] as const,
    registers: [registry],
  });
  return { registry, alertsReceived, timeToDecision, stepDuration, runsFinished };
}
