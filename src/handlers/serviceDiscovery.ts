/**
 * GET /sd/prometheus[?service=NAME]: the bot as Prometheus' `http_sd_configs` endpoint.
 *
 * - Off (404) unless PROMETHEUS_SD_TOKEN is set: the route exposes the inventory (addresses and VM names), so it
 *   exists only when the operator gave it its own read-only token.
 * - `Authorization: Bearer <PROMETHEUS_SD_TOKEN>` or 401 (constant-time compare, as /alertmanager).
 * - An unknown `service` is a 404, not `200 []`: http_sd treats any non-200 answer as a failed refresh and KEEPS
 *   the targets it had, while `[]` makes it drop them at once. A name that is unknown only for a moment (the
 *   service is being re-applied, a restore of the store) must not blank the service's metrics and reset the
 *   `for:` of its alerts; and a typo in a hand-written job shows up as `prometheus_sd_http_failures_total` and a
 *   log line in Prometheus instead of a silently empty job. A known service with no instances answers `200 []`.
 * - Answered from memory (store.data) on every scrape: no store write, no call to vCenter or F5.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { StoreView as Store } from '../store/store.js';
import type { IpLease } from '../store/types.js';
import { targetGroups } from '../workflows/serviceDiscovery.js';
import type { Deps } from '../workflows/deps.js';
import { bearerMatches, sendJson } from './alertmanager.js';

/** Every lease the store holds, whatever service it belongs to (keyed by address since schema 2; each names its service). */
export function allLeases(store: Store): IpLease[] {
  return Object.values(store.data.leases);
}

export function handleServiceDiscovery(req: IncomingMessage, res: ServerResponse, deps: Pick<Deps, 'config' | 'store'>): void {
  const token = deps.config.PROMETHEUS_SD_TOKEN;
  if (!token) return sendJson(res, 404, { error: 'service discovery is off: set PROMETHEUS_SD_TOKEN to enable GET /sd/prometheus' });
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: 'use GET' }, { allow: 'GET, HEAD' });
  if (!bearerMatches(req.headers.authorization, token)) {
    return sendJson(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
  }
  const query = new URL(req.url ?? '/', 'http://bot.invalid').searchParams;
  const asked = query.getAll('service');
  if (asked.length > 1) return sendJson(res, 400, { error: 'give at most one service parameter' });
  const only = asked[0];
  const data = deps.store.data;
  if (only !== undefined && !data.services[only]) {
    return sendJson(res, 404, { error: `no service named ${JSON.stringify(only.slice(0, 80))}` });
  }
  const services = only !== undefined ? [data.services[only]!.config] : Object.values(data.services).map((r) => r.config);
  const requests = only !== undefined ? data.requests.filter((r) => r.service === only) : data.requests;
  const leases = allLeases(deps.store).filter((l) => only === undefined || l.service === only);
  const groups = targetGroups({ services, leases, requests }, only);
  // Prometheus re-reads the list every refresh_interval: nothing here may be cached on the way.
  return sendJson(res, 200, groups, { 'cache-control': 'no-store' });
}
