/**
 * The services schema's own rules, worded once (section `configIssues`): config.ts gives each custom issue its English
 * message (what `services apply` prints) and, in zod's `params`, its code and values; a Slack surface words the same
 * issue in its reader's language (cards/configIssues.ts). Never decided by the English text: by the code.
 */
import { configIssues as english, type ConfigIssuesCatalog } from './en/configIssues.js';
// Only the English section: config.ts imports this module, and the catalogs import types that import config.ts.

export type ConfigIssueCode = keyof ConfigIssuesCatalog;
type ValuesOf<K extends ConfigIssueCode> = ConfigIssuesCatalog[K] extends (p: infer P) => string ? P : undefined;

/** A rule's code and the values its words need: what a custom issue carries in `params`, or a saved service's problem. */
export interface ConfigIssueFact<K extends ConfigIssueCode = ConfigIssueCode> {
  code: K;
  values?: ValuesOf<K>;
}

/** A fact in the words of one language's section (cards/configIssues.ts passes the reader's). */
export function wordsOf(c: ConfigIssuesCatalog, fact: ConfigIssueFact): string {
  const w = c[fact.code] as string | ((p: unknown) => string);
  return typeof w === 'string' ? w : w(fact.values);
}

/** A fact of one of the rules, with its values typed by the catalog's entry. */
export function configFact<K extends ConfigIssueCode>(code: K, ...values: ValuesOf<K> extends undefined ? [] : [ValuesOf<K>]): ConfigIssueFact<K> {
  return values.length ? { code, values: values[0] as ValuesOf<K> } : { code };
}

/** A rule's issue as zod takes it (`refine` / `addIssue`): the English message, and the fact in `params`. */
export function configIssue<K extends ConfigIssueCode>(code: K, ...values: ValuesOf<K> extends undefined ? [] : [ValuesOf<K>]): { message: string; params: ConfigIssueFact<K> } {
  const fact = configFact(code, ...values);
  return { message: wordsOf(english, fact), params: fact };
}

/** A fact in English: the CLI's words. */
export function englishOf(fact: ConfigIssueFact): string {
  return wordsOf(english, fact);
}

/** Whether a custom issue's `params` is one of the rules' facts. */
export function isConfigFact(p: unknown): p is ConfigIssueFact {
  return typeof p === 'object' && p !== null && typeof (p as { code?: unknown }).code === 'string' && (p as { code: string }).code in english;
}
