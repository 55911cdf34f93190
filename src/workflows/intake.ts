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
import { appendAudit } from '../store/audit.js';
import { addEvent, newRequestId, openRequestIn, moveTo } from '../store/requests.js';
import { getService } from '../store/services.js';
import type { Store } from '../store/store.js';
import type { AlertSnapshot, Direction, EventFact, ScaleRequest, StoreData } from '../store/types.js';
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
  const d = deps.store.data as StoreData;
  const open = openRequestIn(d, service.name, direction);
  const now = deps.clock.now().toISOString();
  if (open) return !blockPassed(open, d.requests, now);
  return Boolean(openRequestIn(d, service.name, direction === 'out' ? 'in' : 'out'));
}

/**
 * Records a re-fire in the request's history. A run of re-fires with nothing between them is one
 * event whose count and time move on, so a chatty Alertmanager cannot grow the store without bound.
 */
function noteRefire(r: ScaleRequest, at: string, what: string): void {
  const last = r.events[r.events.length - 1];
  const n = r.fireCount - 1;
  if (last?.type === 'refired') {
    last.at = at;
    last.fact = { code: 'refired', count: n, last: what };
    r.updatedAt = at;
  } else {
    addEvent(r, { at, type: 'refired', fact: { code: 'refired', count: n, last: what } });
  }
}

/** Re-fire of an open request: counts it on the card. Returns undefined when nothing is open. */
async function foldIntoOpen(
  deps: IntakeDeps, service: Service, direction: Direction, alert: Alert, payload: WebhookPayload,
): Promise<{ outcome: AlertOutcome; requestId: string } | undefined> {
  const now = deps.clock.now();
  const at = now.toISOString();
  const opposite: Direction = direction === 'out' ? 'in' : 'out';
  type Folded = { outcome: AlertOutcome; requestId: string } | undefined;
  // A re-fire only moves a counter: answer Alertmanager without waiting for the disk (losing the
  // count in a crash is harmless; the open request itself was written when it was created).
  const { result: res, written } = deps.store.applyNow((d): Folded => {
    const open = openRequestIn(d, service.name, direction);
    if (open) {
      if (blockPassed(open, d.requests, at)) return undefined; // createRequest supersedes it
      open.fireCount += 1;
      open.lastFiredAt = at;
      if (open.alertResolvedAt) delete open.alertResolvedAt;
      if (!open.alert) open.alert = snapshot(alert, payload);
      noteRefire(open, at, alert.labels.alertname ?? 'alert');
      return { outcome: 'refired' as const, requestId: open.id };
    }
    const other = openRequestIn(d, service.name, opposite);
    if (other) {
      addEvent(other, { at, type: 'note', fact: { code: 'conflicting_alert', direction, alert: alert.labels.alertname ?? 'alert' } });
      return { outcome: 'conflict' as const, requestId: other.id };
    }
    return undefined;
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
  let superseded: string | undefined;
  const created = await store.mutate((d: StoreData) => {
    // Someone may have created one while we looked at vCenter / F5: fold into it.
    const open = openRequestIn(d, service.name, direction);
    // A blocked card whose reason has passed gives way to a fresh request.
    if (open && blockPassed(open, d.requests, at)) {
      moveTo(open, 'withdrawn');
      open.finishedAt = at;
      addEvent(open, { at, type: 'superseded', fact: { code: 'block_passed' } });
      superseded = open.id;
    } else if (open) {
      open.fireCount += 1;
      open.lastFiredAt = at;
      noteRefire(open, at, requestedBy ? `a manual request by ${requestedBy}` : source === 'min' ? 'below its minimum' : 'alert');
      return { request: open, fresh: false };
    }
    const block = blockFor({ service, direction, instances: preview.instances, requests: d.requests, now, victim: direction === 'in' ? preview.vmName : undefined, protectedCount: preview.protectedVms?.length });
    const r: ScaleRequest = {
      id: newRequestId(now),
      service: service.name,
      direction,
      state: block ? 'blocked' : 'pending',
      executor: service.executor ?? deps.config.defaultExecutor,
      source,
      requestedBy,
      alert,
      ...(extra.belowMin ? { belowMin: extra.belowMin } : {}),
      fireCount: 1,
      lastFiredAt: at,
      createdAt: at,
      updatedAt: at,
      preview,
      attempts: [],
      events: [{ at, type: 'created', by: requestedBy ?? (alert ? `alert:${alert.name}` : source === 'min' ? 'bot:below-min' : undefined) }],
    };
    if (block) {
      r.blocked = block;
      addEvent(r, { at, type: 'blocked', fact: { code: 'blocked', block } });
    } else if (service.approval.mode === 'timeout') {
      r.autoApproveAt = addMilliseconds(now, ms(service.approval.autoApproveAfter)).toISOString();
    }
    d.requests.push(r);
    appendAudit(d, { at, actor: requestedBy ?? (source === 'min' ? 'bot' : 'alertmanager'), action: `request.create`, target: r.id, detail: `${service.name} scale ${direction}${block ? ` (blocked: ${block.code})` : ''}` });
    return { request: r, fresh: true };
  });
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

/** Withdraws an undecided request (its alert resolved, or an approver silenced it), inside a store mutation. */
export function withdrawIn(d: StoreData, r: ScaleRequest, w: { at: string; actor: string; fact: EventFact; audit?: string }): void {
  moveTo(r, 'withdrawn');
  r.finishedAt = w.at;
  addEvent(r, { at: w.at, type: 'withdrawn', by: w.actor, fact: w.fact });
  appendAudit(d, { at: w.at, actor: w.actor, action: 'request.withdraw', target: r.id, ...(w.audit ? { detail: w.audit } : {}) });
}

async function resolve(deps: IntakeDeps, service: Service, direction: Direction, name: string): Promise<AlertResult> {
  const at = deps.clock.now().toISOString();
  const res = await deps.store.mutate((d) => {
    const open = openRequestIn(d, service.name, direction);
    if (!open || open.source !== 'alert') return undefined;
    if (open.state === 'pending' || open.state === 'blocked') {
      open.alertResolvedAt = at;
      withdrawIn(d, open, { at, actor: 'alertmanager', fact: { code: 'resolved_before_decision', alert: name } });
      return { outcome: 'withdrawn' as const, id: open.id };
    }
    open.alertResolvedAt = at;
    addEvent(open, { at, type: 'resolved', fact: { code: 'alert_resolved', alert: name } });
    return { outcome: 'resolved' as const, id: open.id };
  });
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
  if (due) await deps.store.mutate((d) => { d.notices[serviceName] = now.toISOString(); });
  deps.logger.warn({ service: serviceName, alert: alertName }, 'alert for an unknown service');
  if (due && channel) {
    deps.surface.notice(channel, messages.unknownService(serviceName, alertName, { locale: deps.config.BOT_LOCALE, tz: deps.config.BOT_TIMEZONE })).catch((e: unknown) =>
      deps.logger.error({ err: e }, 'could not post the unknown-service notice'),
    );
  }
}
