/** Changing the stored services from Slack: save (keeping secrets Slack never shows), delete when idle. */
import type { Service } from '../config.js';
import { appendAudit } from '../store/audit.js';
import { leasesIn } from '../store/leases.js';
import { openRequestIn } from '../store/requests.js';
import { getService, upsertServices } from '../store/services.js';
import type { Store } from '../store/store.js';

export const REDACTED = '********';

/**
 * Slack never shows a service's Jenkins token (show, export, the edit modal), so a service coming back from Slack
 * without one keeps the stored token when it still names the same job.
 */
export function keepStoredSecrets(next: Service, prev: Service | undefined): Service {
  const token = prev?.jenkins?.token;
  if (!next.jenkins || next.jenkins.token || !token || next.jenkins.job !== prev.jenkins?.job) return next;
  return { ...next, jenkins: { ...next.jenkins, token } };
}

/** The config as Slack may show it: secrets replaced. */
export function withoutSecrets(s: Service): Service {
  return s.jenkins?.token ? { ...s, jenkins: { ...s.jenkins, token: REDACTED } } : s;
}

export async function saveServices(store: Store, services: Service[], actor: string, at: string) {
  return upsertServices(store, services.map((s) => keepStoredSecrets(s, getService(store, s.name))), actor, at);
}

export type RemoveResult =
  | { ok: true; keptLeases: number }
  | { ok: false; code: 'not_found' }
  | { ok: false; code: 'open_request'; requestId: string };

/** Deletes the service unless a request of it is open; the check and the delete are one atomic mutation. */
export async function removeService(store: Store, name: string, actor: string, at: string): Promise<RemoveResult> {
  return store.mutate((d): RemoveResult => {
    if (!d.services[name]) return { ok: false, code: 'not_found' };
    const open = openRequestIn(d, name);
    if (open) return { ok: false, code: 'open_request', requestId: open.id };
    delete d.services[name];
    appendAudit(d, { at, actor, action: 'service.delete', target: name });
    // Leases stay: VMs the bot made still hold their addresses, and a re-created service must not reuse them.
    return { ok: true, keptLeases: leasesIn(d, name).length };
  });
}
