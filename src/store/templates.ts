/** Metadata the bot keeps about the vCenter templates it made (vCenter itself has no "who, when, why"). */
import { appendAudit } from './audit.js';
import { writerOf, type StoreView } from './store.js';
import type { TemplateMeta } from './types.js';

export function templateMeta(store: StoreView, name: string): TemplateMeta | undefined {
  return store.data.templates[name];
}

export async function saveTemplateMeta(store: StoreView, meta: TemplateMeta, actor: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    d.templates[meta.name] = meta;
    appendAudit(d, { at: meta.createdAt, actor, action: 'template.create', target: meta.name, detail: meta.sourceVm ? `from ${meta.sourceVm}` : undefined });
  });
}

export async function dropTemplateMeta(store: StoreView, name: string, actor: string, at: string): Promise<void> {
  await writerOf(store).mutate((d) => {
    delete d.templates[name];
    appendAudit(d, { at, actor, action: 'template.delete', target: name });
  });
}

/** A failed attempt is worth a line in the audit trail too: it touched vCenter. */
export async function auditTemplateFailure(store: StoreView, action: 'template.create' | 'template.delete', name: string, actor: string, at: string, detail: string): Promise<void> {
  await writerOf(store).mutate((d) => appendAudit(d, { at, actor, action: `${action}.failed`, target: name, detail: detail.slice(0, 500) }));
}
