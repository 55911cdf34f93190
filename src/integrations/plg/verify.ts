/** Did the running servers take the change? Asked through their HTTP APIs. */
import { parse } from 'yaml';
import type { Service } from '../../config.js';
import { isRouteOf } from './merge.js';
import { generatedJobName, managedName, ruleJob } from './render.js';
import type { StepOutcome } from './commands.js';

export interface Expectation {
  kind: 'push' | 'remove';
  service: Service;
}

async function getJson(url: string): Promise<unknown> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch((e: Error & { cause?: { code?: string } }) => {
    throw new Error(`GET ${url} failed: ${e.cause?.code ?? e.message}`);
  });
  if (!res.ok) throw new Error(`GET ${url} → ${res.status}`);
  return res.json();
}

/**
 * The server's last successful config load (`*_config_last_reload_success_timestamp_seconds` on
 * its /metrics, by the server's own clock) and whether the last attempt succeeded. Taken before
 * and after a reload, it tells whether the reload took — even for an update, where the job and
 * group were there before too.
 */
export async function lastReload(svc: 'prometheus' | 'alertmanager', url: string | undefined): Promise<{ at: number; successful: boolean } | undefined> {
  if (!url) return undefined;
  try {
    const res = await fetch(`${url.replace(/\/+$/, '')}/metrics`, { signal: AbortSignal.timeout(5000) });
    if (!res.ok) return undefined;
    const text = await res.text();
    const value = (metric: string) => Number(new RegExp(`^${svc}_config_${metric} (\\S+)$`, 'm').exec(text)?.[1] ?? NaN);
    const at = value('last_reload_success_timestamp_seconds');
    return Number.isNaN(at) ? undefined : { at, successful: value('last_reload_successful') === 1 };
  } catch {
    return undefined;
  }
}

/** What the running server shows; compared with what the plan expects. */
async function observe(svc: 'prometheus' | 'alertmanager', plan: Expectation, base: string, before: number | undefined): Promise<{ matches: boolean; seen: string }> {
  const want = plan.kind === 'push';
  const name = managedName(plan.service); // the rule group's name
  const job = generatedJobName(plan.service);
  if (before !== undefined) {
    const now = await lastReload(svc, base);
    if (!now || !now.successful || now.at <= before) {
      return { matches: false, seen: now && !now.successful ? 'its last config reload FAILED' : 'no config reload since the change' };
    }
  }
  if (svc === 'prometheus') {
    const config = (await getJson(`${base}/api/v1/status/config`)) as { data?: { yaml?: string } };
    const jobs = ((parse(config.data?.yaml ?? '') as { scrape_configs?: Array<{ job_name?: string }> } | null)?.scrape_configs ?? []).map((j) => j.job_name);
    const rules = (await getJson(`${base}/api/v1/rules`)) as { data?: { groups?: Array<{ name?: string }> } };
    const groups = (rules.data?.groups ?? []).map((g) => g.name);
    // The job the rules read must be there after a push: the generated one, or the operator's existingJob (a typo
    // there would leave the rules selecting nothing, so it fails the push like a missing generated job would).
    // After a remove the generated job must be gone; the operator's own job is none of the bot's business.
    const readJob = ruleJob(plan.service);
    const jobOk = want ? jobs.includes(readJob) : job === undefined || !jobs.includes(job);
    const shown = want || job !== undefined ? `job ${want ? readJob : job} ${jobs.includes(want ? readJob : job!) ? 'loaded' : 'absent'}` : `job ${readJob} (the operator's) left alone`;
    const groupOk = groups.includes(name) === want;
    return { matches: jobOk && groupOk, seen: `${shown}, rule group ${name} ${groups.includes(name) ? 'loaded' : 'absent'}` };
  }
  const status = (await getJson(`${base}/api/v2/status`)) as { config?: { original?: string } };
  const routes = (parse(status.config?.original ?? '') as { route?: { routes?: unknown[] } } | null)?.route?.routes ?? [];
  const has = routes.some(isRouteOf(plan.service));
  return { matches: has === want, seen: `route service="${plan.service.name}" → vm-autoscale-bot ${has ? 'loaded' : 'absent'}` };
}

/**
 * Polls until the server has reloaded successfully since `reloadedBefore` and Prometheus
 * (/api/v1/status/config + /api/v1/rules) or Alertmanager (/api/v2/status, config.original) shows
 * the change, or `timeoutMs` passes — a `docker restart` takes a while. No URL: skipped, and the
 * report says so.
 */
export async function verify(
  svc: 'prometheus' | 'alertmanager',
  plan: Expectation,
  url: string | undefined,
  timeoutMs: number,
  /** lastReload().at from before the reload; undefined: not known, presence checks only. */
  reloadedBefore?: number,
): Promise<StepOutcome> {
  const base = url?.replace(/\/+$/, '');
  if (!base) return { ok: true, detail: `skipped: ${svc === 'prometheus' ? 'PROMETHEUS_URL' : 'ALERTMANAGER_URL'} is not set` };
  const deadline = Date.now() + timeoutMs;
  let last = '';
  for (;;) {
    try {
      const o = await observe(svc, plan, base, reloadedBefore);
      if (o.matches) return { ok: true, detail: o.seen };
      last = o.seen;
    } catch (e) {
      last = (e as Error).message;
    }
    if (Date.now() > deadline) return { ok: false, detail: `after ${Math.round(timeoutMs / 1000)}s: ${last}` };
    await new Promise((r) => setTimeout(r, 500));
  }
}
