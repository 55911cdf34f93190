import type { AuditEntry, StoreData } from './types.js';

const MAX_AUDIT = 20_000;

/** Appends to the audit trail inside a mutation; the oldest entries roll off past MAX_AUDIT. */
export function appendAudit(d: StoreData, entry: AuditEntry): void {
  d.audit.push(entry);
  if (d.audit.length > MAX_AUDIT) d.audit.splice(0, d.audit.length - MAX_AUDIT);
}
