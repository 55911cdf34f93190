import type { Service } from '../config.js';
import { appendAudit } from './audit.js';
import { leasesIn } from './leases.js';
import { openRequestIn } from './requests.js';
import { writerOf, type StoreView } from './store.js';
import type { StoreData } from './types.js';
import { conflictsBetween, resolveSecrets, type ServiceProblem } from '../servicesFile.js';

export function getService(store: StoreView, name: string): Service | undefined {
  return store.data.services[name]?.config;
}

export function listServices(store: StoreView): Service[] {
  return Object.values(store.data.services)
    .map((r) => r.config)
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface UpsertCounts { created: string[]; updated: string[]; unchanged: string[] }

/** JSON with sorted keys: two configs are the same whatever order their keys were filled in (a form, a file). */
function canonical(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) =>
    x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b))) : x);
}

function upsertInto(d: StoreData, services: Service[], actor: string, at: string): UpsertCounts {
  const out: UpsertCounts = { created: [], updated: [], unchanged: [] };
  for (const s of services) {
    const prev = d.services[s.name];
    if (prev && canonical(prev.config) === canonical(s)) {
      out.unchanged.push(s.name);
      continue;
    }
    d.services[s.name] = { config: s, updatedAt: at, updatedBy: actor };
    (prev ? out.updated : out.created).push(s.name);
    appendAudit(d, { at, actor, action: prev ? 'service.update' : 'service.create', target: s.name });
  }
  return out;
}

/**
 * Upserts services as they are, without the rules across services or the secret placeholder: for seeding a store
 * (tests, migrations). Operators' changes go through applyServices.
 */
export async function upsertServices(store: StoreView, services: Service[], actor: string, at: string): Promise<UpsertCounts> {
  return writerOf(store).mutate((d) => upsertInto(d, services, actor, at));
}

export type ApplyResult = ({ ok: true } & UpsertCounts) | { ok: false; code: 'invalid'; problems: ServiceProblem[] };

/**
 * What `services apply`, the service modal and `service import` do: puts stored secrets back where the services say
 * REDACTED (or leave them out), checks the whole resulting set (these services and the stored ones they do not
 * replace) for shared VM names and IP pools, and upserts — or changes nothing and says why. The check and the write
 * are one mutation, so the set checked is the set written.
 */
export async function applyServices(store: StoreView, services: Service[], actor: string, at: string): Promise<ApplyResult> {
  return writerOf(store).mutate((d): ApplyResult => {
    const problems: ServiceProblem[] = [];
    const resolved = services.map((s, index) => {
      const r = resolveSecrets(s, d.services[s.name]?.config);
      if (r.ok) return r.service;
      problems.push({ index, service: s.name, path: r.path, message: r.message, fact: r.fact });
      return s;
    });
    problems.push(...conflictsBetween(resolved, Object.values(d.services).map((r) => r.config)));
    if (problems.length) return { ok: false, code: 'invalid', problems };
    return { ok: true, ...upsertInto(d, resolved, actor, at) };
  });
}

export async function setServiceEnabled(store: StoreView, name: string, enabled: boolean, actor: string, at: string): Promise<boolean> {
  return writerOf(store).mutate((d) => {
    const rec = d.services[name];
    if (!rec) return false;
    rec.config = { ...rec.config, enabled };
    rec.updatedAt = at;
    rec.updatedBy = actor;
    appendAudit(d, { at, actor, action: enabled ? 'service.enable' : 'service.disable', target: name });
    return true;
  });
}

export type RemoveResult =
  | { ok: true; keptLeases: number }
  | { ok: false; code: 'not_found' }
  | { ok: false; code: 'open_request'; requestId: string };

/** Deletes the service unless a request of it is open; the check and the delete are one atomic write. */
export async function removeService(store: StoreView, name: string, actor: string, at: string): Promise<RemoveResult> {
  return writerOf(store).mutate((d): RemoveResult => {
    if (!d.services[name]) return { ok: false, code: 'not_found' };
    const open = openRequestIn(d, name);
    if (open) return { ok: false, code: 'open_request', requestId: open.id };
    delete d.services[name];
    appendAudit(d, { at, actor, action: 'service.delete', target: name });
    // Leases stay: VMs the bot made still hold their addresses, and a re-created service must not reuse them.
    return { ok: true, keptLeases: leasesIn(d, name).length };
  });
}

/**
 * Gives a service that asks for a Jenkins webhook trigger the token `token`, unless it already has one `generated`
 * recognizes (another push may have made it meanwhile: one token per service). Returns the service as stored, or
 * undefined when it is gone or asks for no trigger.
 */
export async function setWebhookToken(
  store: StoreView, name: string, x: { token: string; generated: (t: string | undefined) => boolean; actor: string; at: string; job: string },
): Promise<Service | undefined> {
  const { at, actor } = x;
  return writerOf(store).mutate((d) => {
    const rec = d.services[name];
    const jenkins = rec?.config.jenkins;
    if (!rec || !jenkins?.webhookTrigger) return undefined;
    if (x.generated(jenkins.token)) return rec.config;
    rec.config = { ...rec.config, jenkins: { ...jenkins, token: x.token } };
    rec.updatedAt = at;
    rec.updatedBy = actor;
    appendAudit(d, { at, actor, action: 'jenkins.token.generate', target: x.job, detail: `${name}: new webhook token` });
    return rec.config;
  });
}
