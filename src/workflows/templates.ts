/**
 * vCenter templates: make one from a VM (the VM is left as it is), delete one no service uses.
 * Expected failures are values; govc failures become { code: 'vcenter' } with govc's (redacted) message.
 */
import { GovcError, identityOf } from '../integrations/govc.js';
import { listServices } from '../store/services.js';
import type { StoreView as Store } from '../store/store.js';
import { auditTemplateFailure, dropTemplateMeta, saveTemplateMeta, templateMeta } from '../store/templates.js';
import type { NewTemplate, TemplateFailure, TemplateListing, TemplateStage } from '../store/templateTypes.js';
import type { Clock } from '../clock.js';
import type { Govc } from '../integrations/govc.js';

/** What the template commands use: vCenter (absent without GOVC_URL) and the store of the bot's template notes. */
export interface TemplateDeps {
  govc?: Govc;
  store: Store;
  clock: Clock;
}

export type { NewTemplate, TemplateFailure, TemplateListing, TemplateStage } from '../store/templateTypes.js';

type Progress = (stage: TemplateStage) => Promise<void>;

/** Services whose `template` names this template (by name or by a path ending in it). */
export function servicesUsingTemplate(store: Store, name: string): string[] {
  return listServices(store).filter((s) => s.template === name || s.template.endsWith(`/${name}`)).map((s) => s.name);
}

/** The resource pool the services share, when they name exactly one; govc needs one where there are several clusters. */
export function sharedServicePool(store: Store): string | undefined {
  const pools = new Set(listServices(store).map((s) => s.vcenter.pool).filter((p): p is string => Boolean(p)));
  return pools.size === 1 ? [...pools][0] : undefined;
}

export async function createTemplate(deps: TemplateDeps, t: NewTemplate, actor: string, progress: Progress): Promise<{ ok: true; pool?: string; durationMs: number } | TemplateFailure> {
  const { govc, store, clock } = deps;
  if (!govc) return { ok: false, code: 'no_vcenter' };
  const pool = t.pool ?? sharedServicePool(store);
  const started = clock.now().getTime();
  await progress('cloning');
  try {
    await govc.clone({ template: t.source, name: t.name, asTemplate: true, pool, folder: t.folder });
  } catch (e) {
    const failure: TemplateFailure =
      e instanceof GovcError && e.code === 'not_found' ? { ok: false, code: 'source_missing', source: t.source }
      : e instanceof GovcError && e.code === 'duplicate_name' ? { ok: false, code: 'exists', name: t.name }
      : { ok: false, code: 'vcenter', message: (e as Error).message };
    await auditTemplateFailure(store, 'template.create', t.name, actor, clock.now().toISOString(), failure.code === 'vcenter' ? failure.message : failure.code);
    return failure;
  }
  const at = clock.now().toISOString();
  await saveTemplateMeta(store, { name: t.name, description: t.description, sourceVm: t.source, createdBy: actor, createdAt: at }, actor);
  return { ok: true, pool, durationMs: clock.now().getTime() - started };
}

export async function deleteTemplate(deps: TemplateDeps, name: string, actor: string, progress: Progress): Promise<{ ok: true } | TemplateFailure> {
  const { govc, store, clock } = deps;
  if (!govc) return { ok: false, code: 'no_vcenter' };
  const users = servicesUsingTemplate(store, name);
  if (users.length) return { ok: false, code: 'in_use', name, services: users };
  await progress('checking');
  try {
    // Every VM and template of that name, anywhere: a name that means two objects is refused, and
    // the one object is then destroyed by its identity, never by name.
    const paths = await govc.findByName(name);
    if (paths.length > 1) return { ok: false, code: 'ambiguous', name, paths };
    const info = paths[0] ? await govc.vmAt(paths[0]) : undefined;
    const id = identityOf(info);
    if (!info || !id) {
      if (templateMeta(store, name)) await dropTemplateMeta(store, name, actor, clock.now().toISOString());
      return { ok: false, code: 'not_found', name };
    }
    // Never destroy a VM by mistake: only something vCenter marks as a template.
    if (!info.template) return { ok: false, code: 'not_template', name };
    // A service may have started using it while the user read the prompt.
    const nowUsing = servicesUsingTemplate(store, name);
    if (nowUsing.length) return { ok: false, code: 'in_use', name, services: nowUsing };
    await progress('destroying');
    await govc.destroy(id);
  } catch (e) {
    await auditTemplateFailure(store, 'template.delete', name, actor, clock.now().toISOString(), (e as Error).message);
    return { ok: false, code: 'vcenter', message: (e as Error).message };
  }
  await dropTemplateMeta(store, name, actor, clock.now().toISOString());
  return { ok: true };
}

/** vCenter's templates joined with the stored metadata; `stale` lists metadata whose template vCenter no longer has. */
export async function listTemplates(deps: TemplateDeps): Promise<{ ok: true; templates: TemplateListing[]; stale: string[] } | TemplateFailure> {
  if (!deps.govc) return { ok: false, code: 'no_vcenter' };
  const names = [...new Set(await deps.govc.listTemplates())].sort((a, b) => a.localeCompare(b));
  const templates = names.map((name) => {
    const m = templateMeta(deps.store, name);
    return { name, description: m?.description, sourceVm: m?.sourceVm, createdBy: m?.createdBy, createdAt: m?.createdAt, usedBy: servicesUsingTemplate(deps.store, name) };
  });
  const stale = Object.keys(deps.store.data.templates).filter((n) => !names.includes(n)).sort();
  return { ok: true, templates, stale };
}
