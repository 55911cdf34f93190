/** Changing the stored services from Slack: save (keeping secrets Slack never shows), delete when idle. */
export { REDACTED, withoutSecrets } from '../servicesFile.js';
import type { Service } from '../config.js';
import { appendAudit } from '../store/audit.js';
import { leasesIn } from '../store/leases.js';
import { openRequestIn } from '../store/requests.js';
import { applyServices, type ApplyResult } from '../store/services.js';
import type { Store } from '../store/store.js';

/** Saves services changed from Slack (the modal, `service import`): secrets and the rules across services apply. */
export async function saveServices(store: Store, services: Service[], actor: string, at: string): Promise<ApplyResult> {
  return applyServices(store, services, actor, at);
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
