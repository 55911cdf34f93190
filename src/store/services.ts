import type { Service } from '../config.js';
import { appendAudit } from './audit.js';
import type { Store } from './store.js';

export function getService(store: Store, name: string): Service | undefined {
  return store.data.services[name]?.config;
}

export function listServices(store: Store): Service[] {
  return Object.values(store.data.services)
    .map((r) => r.config)
    .sort((a, b) => a.name.localeCompare(b.name));
}

/** Upserts services; returns which were created / updated / unchanged. */
export async function upsertServices(
  store: Store,
  services: Service[],
  actor: string,
  at: string,
): Promise<{ created: string[]; updated: string[]; unchanged: string[] }> {
  return store.mutate((d) => {
    const out = { created: [] as string[], updated: [] as string[], unchanged: [] as string[] };
    for (const s of services) {
      const prev = d.services[s.name];
      if (prev && JSON.stringify(prev.config) === JSON.stringify(s)) {
        out.unchanged.push(s.name);
        continue;
      }
      d.services[s.name] = { config: s, updatedAt: at, updatedBy: actor };
      (prev ? out.updated : out.created).push(s.name);
      appendAudit(d, { at, actor, action: prev ? 'service.update' : 'service.create', target: s.name });
    }
    return out;
  });
}

export async function setServiceEnabled(store: Store, name: string, enabled: boolean, actor: string, at: string): Promise<boolean> {
  return store.mutate((d) => {
    const rec = d.services[name];
    if (!rec) return false;
    rec.config = { ...rec.config, enabled };
    rec.updatedAt = at;
    rec.updatedBy = actor;
    appendAudit(d, { at, actor, action: enabled ? 'service.enable' : 'service.disable', target: name });
    return true;
  });
}

export async function deleteService(store: Store, name: string, actor: string, at: string): Promise<boolean> {
  return store.mutate((d) => {
    if (!d.services[name]) return false;
    delete d.services[name];
    appendAudit(d, { at, actor, action: 'service.delete', target: name });
    return true;
  });
}
