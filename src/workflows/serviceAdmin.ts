/** Changing the stored services from Slack: save (keeping secrets Slack never shows), delete when idle. */
export { REDACTED, withoutSecrets } from '../servicesFile.js';
import type { Service } from '../config.js';
import { applyServices, type ApplyResult } from '../store/services.js';
import type { StoreView as Store } from '../store/store.js';

/** Saves services changed from Slack (the modal, `service import`): secrets and the rules across services apply. */
export async function saveServices(store: Store, services: Service[], actor: string, at: string): Promise<ApplyResult> {
  return applyServices(store, services, actor, at);
}

export { removeService, type RemoveResult } from '../store/services.js';
