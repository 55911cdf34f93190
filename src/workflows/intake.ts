/**
 * Alert intake: each alert of an Alertmanager notification becomes at most one open scale request
 * per service and direction. Re-sends (group_interval, repeat_interval, an HA pair, concurrent
 * deliveries) are folded into the open request; a resolve before any decision withdraws it.
 */
import { addMilliseconds } from 'date-fns';
import type { Clock } from '../clock.js';
import type { Config, Service } from '../config.js';
import { messages } from '../cards/messages.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import { createRequest as storeRequest, foldRefire, newRequestId, openRequestIn, resolveAlert } from '../store/requests.js';
import { recordNotice } from '../store/watches.js';
import { getService } from '../store/services.js';
import type { StoreView as Store } from '../store/store.js';
import type { AlertSnapshot, Direction, ScaleRequest } from '../store/types.js';
import type { Alert, WebhookPayload } from './alertPayload.js';
import { blockFor, blockPassed, ms } from './policy.js';
import type { ChatSurface, Decisions, Inventory, Settle } from './ports.js';
import { buildPreview } from './preview.js';

export type AlertOutcome =
  | 'created' | 'refired' | 'withdrawn' | 'resolved' | 'resolved_ignored' | 'unknown_service' | 'disabled'
  | 'no_service_label' | 'bad_direction' | 'conflict';

export interface AlertResult { alert: string; service?: string; direction?: Direction; outcome: AlertOutcome; requestId?: string }

const NOTICE_EVERY_MS = 3_600_000;

export function serviceLabel(labels: Record<string, string>): string | undefined {
  return labels.service ?? labels.autoscaleConfigId;
}

export function directionOf(labels: Record<string, string>): Direction | undefined {
  const d = labels.autoscale ?? 'out';
  return d === 'out' || d === 'in' ? d : undefined;
}

function snapshot(a: Alert, p: WebhookPayload): AlertSnapshot {
  return {
    name: a.labels.alertname ?? 'unnamed alert',
    fingerprint: a.fingerprint,
    summary: a.annotations.summary,
    description: a.annotations.description,
    startsAt: a.startsAt,
    generatorURL: a.generatorURL,
    externalURL: p.externalURL,
    labels: a.labels,
  };
}

/** What intake uses: it creates requests, posts their cards, and hands auto-approval to the decisions. */
export interface IntakeDeps {
  config: Pick<Config, 'defaultExecutor' | 'SLACK_DEFAULT_CHANNEL' | 'BOT_LOCALE' | 'BOT_TIMEZONE'>;
  store: Store;
  clock: Clock;
  logger: Logger;
  metrics: Pick<Metrics, 'alertsReceived'>;
  surface: ChatSurface;
  inventory: Inventory;
  decisions: Pick<Decisions, 'autoApprove'>;
  settle: Settle;
  /** Posts a new card's metric chart into its thread (PROMETHEUS_URL set). */
  charts?: { post(requestId: string): void };
  /** Tells a new card about the silences Alertmanager already has for its service. */
  silences?: { noteExisting(requestId: string): void };
}

/**
 * Creations in progress per service+direction, so concurrent deliveries wait instead of racing.
 * Check `pending(key)` and call `hold(key, job)` with no await in between: then two deliveries cannot
 * both create.
 */
export class IntakeLock {
  private readonly creating = new Map<string, Promise<unknown>>();

  pending(key: string): Promise<unknown> | undefined {
    return this.creating.get(key);
  }

  async hold<T>(key: string, job: Promise<T>): Promise<T> {
    this.creating.set(key, job);
    try {
      return await job;
    } finally {
      this.creating.delete(key);
    }
  }
}

/** Alerts and manual requests in, scale requests (and their cards) out. Owns the lock of its creations. */
export class IntakeService {
  private readonly lock = new IntakeLock();

  constructor(private readonly deps: IntakeDeps) {}

  /** Handles one notification. Throws only when the store cannot write (the caller answers 503). */
  async ingestNotification(payload: WebhookPayload): Promise<AlertResult[]> {
    const results: AlertResult[] = [];
    for (const alert of payload.alerts) {
      const r = await ingestAlert(this.deps, this.lock, alert, payload);
      this.deps.metrics.alertsReceived.inc({ outcome: r.outcome });
      results.push(r);
    }
    return results;
  }

  /** Creates a request (pending, blocked, or approved at once in mode auto) and posts its card. */
  createRequest(
    service: Service, direction: Direction, alert: AlertSnapshot | undefined, source: ScaleRequest['source'], requestedBy?: string,
    extra: { belowMin?: ScaleRequest['belowMin'] } = {},
  ): Promise<{ request: ScaleRequest; fresh: boolean }> {
    return createRequest(this.deps, service, direction, alert, source, requestedBy, extra);
  }
}

async function ingestAlert(deps: IntakeDeps, lock: IntakeLock, alert: Alert, payload: WebhookPayload): Promise<AlertResult> {
  const { store, logger } = deps;
  const name = alert.labels.alertname ?? 'unnamed alert';
  const serviceName = serviceLabel(alert.labels);
  if (!serviceName) return { alert: name, outcome: 'no_service_label' };
  const direction = directionOf(alert.labels);
  if (!direction) return { alert: name, service: serviceName, outcome: 'bad_direction' };
  const service = getService(store, serviceName);
  if (!service) {
    await noticeUnknownService(deps, serviceName, name);
    return { alert: name, service: serviceName, direction, outcome: 'unknown_service' };
  }
  if (!service.enabled) {
    logger.info({ service: serviceName, alert: name }, 'alert for a disabled service ignored');
    return { alert: name, service: serviceName, direction, outcome: 'disabled' };
  }
  if (alert.status === 'resolved') return resolve(deps, service, direction, name);

  const key = `${serviceName}/${direction}`;
  for (;;) {
    // A creation for this key is under way: wait for it, then fold this alert into it.
    const pending = lock.pending(key);
    if (pending) {
      await pending.catch(() => undefined);
      continue;
    }
    if (mayFold(deps, service, direction)) {
      const folded = await foldIntoOpen(deps, service, direction, alert, payload);
      if (folded) return { alert: name, service: serviceName, direction, ...folded };
      continue; // the open request closed meanwhile: look again
    }
    // No await between the check above and taking the lock: concurrent deliveries cannot both create.
    const { request, fresh } = await lock.hold(key, createRequest(deps, service, direction, snapshot(alert, payload), 'alert'));
    return { alert: name, service: serviceName, direction, outcome: fresh ? 'created' : 'refired', requestId: request.id };
  }
}

/** True when an alert should be folded into an open request rather than create one. */
function mayFold(deps: IntakeDeps, service: Service, direction: Direction): boolean {
  const d = deps.store.data;
  const open = openRequestIn(d, service.name, direction);
  const now = deps.clock.now().toISOString();
  if (open) return !blockPassed(open, d.requests, now);
  return Boolean(openRequestIn(d, service.name, direction === 'out' ? 'in' : 'out'));
}

/** Re-fire of an open request: counts it on the card. Returns undefined when nothing is open. */
async function foldIntoOpen(
  deps: IntakeDeps, service: Service, direction: Direction, alert: Alert, payload: WebhookPayload,
): Promise<{ outcome: AlertOutcome; requestId: string } | undefined> {
  const now = deps.clock.now();
  const at = now.toISOString();
  // A re-fire only moves a counter: answer Alertmanager without waiting for the disk (losing the
  // count in a crash is harmless; the open request itself was written when it was created).
  const { result: res, written } = foldRefire(deps.store, {
    service: service.name, direction, at, alertName: alert.labels.alertname ?? 'alert', alert: snapshot(alert, payload),
    blockPassed: (open, requests) => blockPassed(open, requests, at),
  });
  written.catch((e: unknown) => deps.logger.warn({ err: e }, 're-fire count not written'));
  if (!res) return undefined;
  deps.surface.sync(res.requestId);
  return res;
}

async function createRequest(
  deps: IntakeDeps, service: Service, direction: Direction, alert: AlertSnapshot | undefined, source: ScaleRequest['source'], requestedBy?: string,
  extra: { belowMin?: ScaleRequest['belowMin'] } = {},
): Promise<{ request: ScaleRequest; fresh: boolean }> {
  const { store, clock } = deps;
  const preview = await buildPreview(deps, service, direction);
  const now = clock.now();
  const at = now.toISOString();
  const created = await storeRequest(store, {
    at,
    draft: {
      id: newRequestId(now),
      service: service.name,
      direction,
      executor: service.executor ?? deps.config.defaultExecutor,
      source,
      requestedBy,
      alert,
      ...(extra.belowMin ? { belowMin: extra.belowMin } : {}),
      preview,
      events: [{ at, type: 'created', by: requestedBy ?? (alert ? `alert:${alert.name}` : source === 'min' ? 'bot:below-min' : undefined) }],
    },
    auditActor: requestedBy ?? (source === 'min' ? 'bot' : 'alertmanager'),
    refire: requestedBy ? `a manual request by ${requestedBy}` : source === 'min' ? 'below its minimum' : 'alert',
    ...(service.approval.mode === 'timeout' ? { autoApproveAt: addMilliseconds(now, ms(service.approval.autoApproveAfter)).toISOString() } : {}),
    // A blocked card whose reason has passed gives way to a fresh request.
    blockPassed: (open, requests) => blockPassed(open, requests, at),
    blockFor: (requests) => blockFor({ service, direction, instances: preview.instances, requests, now, victim: direction === 'in' ? preview.vmName : undefined, protectedCount: preview.protectedVms?.length }),
  });
  const superseded = created.superseded;
  if (superseded) deps.surface.sync(superseded);
  deps.surface.sync(created.request.id);
  // The picture follows the card into its thread; the card never waits for Prometheus.
  if (created.fresh) deps.charts?.post(created.request.id);
  // So does what Alertmanager says about silences for the service (one made in its UI, say).
  if (created.fresh) deps.silences?.noteExisting(created.request.id);
  if (created.fresh && created.request.state === 'pending' && service.approval.mode === 'auto') {
    await deps.decisions.autoApprove(created.request.id, 'approval mode is auto');
  }
  return created;
}

async function resolve(deps: IntakeDeps, service: Service, direction: Direction, name: string): Promise<AlertResult> {
  const at = deps.clock.now().toISOString();
  const res = await resolveAlert(deps.store, { service: service.name, direction, at, alert: name });
  // Settle check (after the run) looks at recently finished requests too.
  if (!res) {
    const settled = await deps.settle.alertResolved(service.name, direction, at);
    return { alert: name, service: service.name, direction, outcome: settled ? 'resolved' : 'resolved_ignored', requestId: settled };
  }
  deps.surface.sync(res.id);
  return { alert: name, service: service.name, direction, outcome: res.outcome, requestId: res.id };
}

async function noticeUnknownService(deps: IntakeDeps, serviceName: string, alertName: string): Promise<void> {
  const now = deps.clock.now();
  const channel = deps.config.SLACK_DEFAULT_CHANNEL;
  // Read, then write only when a notice is due (no await in between, so no race): a flood of alerts
  // for an unknown service costs no store writes.
  const last = deps.store.data.notices[serviceName];
  const due = !last || now.getTime() - Date.parse(last) >= NOTICE_EVERY_MS;
  if (due) await recordNotice(deps.store, serviceName, now.toISOString());
  deps.logger.warn({ service: serviceName, alert: alertName }, 'alert for an unknown service');
  if (due && channel) {
    deps.surface.notice(channel, messages.unknownService(serviceName, alertName, { locale: deps.config.BOT_LOCALE, tz: deps.config.BOT_TIMEZONE })).catch((e: unknown) =>
      deps.logger.error({ err: e }, 'could not post the unknown-service notice'),
    );
  }
}
