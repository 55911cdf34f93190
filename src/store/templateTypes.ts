/**
 * The shapes of vCenter templates as the bot lists, makes and deletes them (workflows/templates.ts), defined
 * here below workflows/ so the words for them (cards/commandMessages.ts) need not reach up into a workflow.
 */

export type TemplateStage = 'cloning' | 'checking' | 'destroying';

export type TemplateFailure =
  | { ok: false; code: 'no_vcenter' }
  | { ok: false; code: 'source_missing'; source: string }
  | { ok: false; code: 'exists'; name: string }
  | { ok: false; code: 'not_found'; name: string }
  | { ok: false; code: 'not_template'; name: string }
  | { ok: false; code: 'in_use'; name: string; services: string[] }
  /** The name matches more than one object in vCenter: nothing is destroyed. */
  | { ok: false; code: 'ambiguous'; name: string; paths: string[] }
  | { ok: false; code: 'vcenter'; message: string };

export interface NewTemplate {
  source: string;
  name: string;
  description?: string;
  /** Resource pool of the clone; by default the one pool all services use, if they agree on one. */
  pool?: string;
  folder?: string;
}

export interface TemplateListing {
  name: string;
  description?: string;
  sourceVm?: string;
  createdBy?: string;
  createdAt?: string;
  usedBy: string[];
}
