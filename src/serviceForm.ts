/**
 * The service form's side of the services schema: what the form shows of serviceSchema (each input's default and
 * length limit, handed to the card builder as data) and the parse of a submission (handlers/views.ts), its issues
 * worded in the submitting user's language. The card builder (cards/serviceModal.ts) knows the inputs; this module
 * knows the schema; neither imports the other's concern.
 */
import { z } from 'zod';
import { serviceFromView, serviceFormErrors, SERVICE_FORM_PATHS, type ServiceFormFacts, type ServiceModalMeta, type ViewValues } from './cards/serviceModal.js';
import { serviceSchema, type Service } from './config.js';
import { catalog, type Locale } from './i18n/index.js';
import { issueText } from './cards/configIssues.js';
import { zodMessages } from './i18n/zodMessages.js';

/** The schema node at a dotted path, with optional/default wrappers peeled off; the default found on the way, if any. */
function schemaAt(path: string): { node: z.ZodType | undefined; fallback: unknown } {
  let node: z.ZodType | undefined = serviceSchema;
  let fallback: unknown;
  for (const key of path.split('.')) {
    node = node instanceof z.ZodObject ? (node.shape as Record<string, z.ZodType>)[key] : undefined;
    // Peel optional / default / prefault / nullable wrappers: each has an innerType.
    while (node && 'innerType' in node.def) {
      if (node instanceof z.ZodDefault) fallback = node.def.defaultValue;
      node = node.def.innerType as z.ZodType;
    }
  }
  return { node, fallback };
}

/** Each input's default and (a string's) maximum length, as serviceSchema defines them: a constant of the schema. */
const FACTS: ServiceFormFacts = Object.fromEntries(SERVICE_FORM_PATHS.map((path) => {
  const { node, fallback } = schemaAt(path);
  const maxLength = node instanceof z.ZodString ? node.maxLength ?? undefined : undefined;
  return [path, { ...(fallback !== undefined ? { fallback } : {}), ...(maxLength !== undefined ? { maxLength } : {}) }];
}));

/** What the service form shows of the schema (cards/serviceModal.ts takes it as data). */
export function serviceFormFacts(): ServiceFormFacts {
  return FACTS;
}

/**
 * Zod's own messages in the reader's language (i18n/zodMessages.ts); a missing value reads "Required." in each.
 * Messages written into the schema (config.ts) take precedence over this map, as zod defines; those of the bot's own
 * rules carry a code (their `params`) and are worded from the catalog afterwards (i18n/configIssues.ts).
 */
function issueMessages(locale: Locale): z.core.$ZodErrorMap {
  const c = catalog(locale);
  const own = zodMessages(locale);
  return (iss) => (iss.code === 'invalid_type' && iss.input === undefined ? c.serviceForm.required : own?.(iss));
}

export type ServiceViewResult = { ok: true; service: Service } | { ok: false; errors: Record<string, string> };

/** Reads and validates a submitted form; on failure one message per input block, in `locale`. */
export function parseServiceForm(values: ViewValues, meta: ServiceModalMeta, locale: Locale = 'en'): ServiceViewResult {
  const r = serviceSchema.safeParse(serviceFromView(values, meta), { error: issueMessages(locale) });
  if (r.success) return { ok: true, service: r.data };
  return { ok: false, errors: serviceFormErrors(r.error.issues.map((i) => ({ path: i.path, message: issueText(i, locale) })), meta, locale) };
}
