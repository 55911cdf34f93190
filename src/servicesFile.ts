/** Reading and writing the services file (YAML), with the contract's validation. */
import { parseDocument, stringify } from 'yaml';
import { formatIssues, servicesFileSchema, type Service } from './config.js';

export const MAX_SERVICES_FILE_BYTES = 1024 * 1024;

export type ParseResult = { ok: true; services: Service[] } | { ok: false; problems: string[] };

/**
 * Parses YAML text into validated services. Aliases are capped (an "alias bomb" is refused), keys
 * must be unique, and every problem is reported as `path: reason`.
 */
export function parseServicesYaml(text: string): ParseResult {
  if (Buffer.byteLength(text) > MAX_SERVICES_FILE_BYTES) return { ok: false, problems: [`(file): larger than ${MAX_SERVICES_FILE_BYTES} bytes`] };
  const doc = parseDocument(text, { uniqueKeys: true, prettyErrors: true, strict: true });
  if (doc.errors.length) return { ok: false, problems: doc.errors.map((e) => `(yaml): ${e.message.split('\n')[0]}`) };
  let data: unknown;
  try {
    data = doc.toJS({ maxAliasCount: 50 });
  } catch (e) {
    return { ok: false, problems: [`(yaml): ${(e as Error).message}`] };
  }
  const r = servicesFileSchema.safeParse(data);
  if (!r.success) return { ok: false, problems: formatIssues(r.error) };
  return { ok: true, services: r.data.services };
}

export function servicesToYaml(services: Service[]): string {
  return stringify({ services }, { lineWidth: 0 });
}
