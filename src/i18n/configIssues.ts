/**
 * The services schema's own rules, worded once (section `configIssues`): config.ts gives each custom issue its English
 * message (what `services apply` prints) and, in zod's `params`, its code and values; a Slack surface words the same
 * issue in its reader's language. Never decided by the English text: by the code.
 */
import { configIssues as english, type ConfigIssuesCatalog } from './en/configIssues.js';
import { catalog, type Locale } from './index.js';

export type ConfigIssueCode = keyof ConfigIssuesCatalog;
type ValuesOf<K extends ConfigIssueCode> = ConfigIssuesCatalog[K] extends (p: infer P) => string ? P : undefined;

/** A rule's code and the values its words need: what a custom issue carries in `params`, or a saved service's problem. */
export interface ConfigIssueFact<K extends ConfigIssueCode = ConfigIssueCode> {
  code: K;
  values?: ValuesOf<K>;
}

function wordsOf(c: ConfigIssuesCatalog, fact: ConfigIssueFact): string {
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

function isFact(p: unknown): p is ConfigIssueFact {
  return typeof p === 'object' && p !== null && typeof (p as { code?: unknown }).code === 'string' && (p as { code: string }).code in english;
}

/** A fact in a language. */
export function configFactText(fact: ConfigIssueFact, locale: Locale): string {
  return wordsOf(catalog(locale).configIssues, fact);
}

/** A zod issue in a language: one of the bot's rules from the catalog, anything else as zod (and its error map) wrote it. */
export function issueText(issue: { code: string; message: string; params?: unknown }, locale: Locale): string {
  return issue.code === 'custom' && isFact(issue.params) ? configFactText(issue.params, locale) : issue.message;
}
