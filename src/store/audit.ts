import type { AuditEntry, StoreData } from './types.js';
import { writerOf, type StoreView } from './store.js';

/**
 * The complete audit trail is DATA_DIR/audit.jsonl (append-only, one JSON object per line, written
 * with the store's batches). db.json keeps only the most recent entries, for the bot's own views.
 */
export const RECENT_AUDIT = 1000;
const MAX_AUDIT = RECENT_AUDIT;

/** Appends to the audit trail inside a mutation; db.json keeps the newest RECENT_AUDIT entries. */
export function appendAudit(d: StoreData, entry: AuditEntry): void {
  d.audit.push(entry);
  if (d.audit.length > MAX_AUDIT) d.audit.splice(0, d.audit.length - MAX_AUDIT);
}

/** Records what an operator or the bot did outside a request's own transitions (a config push, a Jenkins job change). */
export async function recordAudit(store: StoreView, entry: AuditEntry): Promise<void> {
  await writerOf(store).mutate((d) => appendAudit(d, entry));
}
