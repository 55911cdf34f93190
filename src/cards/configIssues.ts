/** The services schema's own rules in the reader's language: a zod issue or a saved service's problem, by its code. */
import { catalog, type Locale } from '../i18n/index.js';
import { isConfigFact, wordsOf, type ConfigIssueFact } from '../i18n/configIssues.js';

export function configFactText(fact: ConfigIssueFact, locale: Locale): string {
  return wordsOf(catalog(locale).configIssues, fact);
}

/** A zod issue in a language: one of the bot's rules from the catalog, anything else as zod (and its error map) wrote it. */
export function issueText(issue: { code: string; message: string; params?: unknown }, locale: Locale): string {
  return issue.code === 'custom' && isConfigFact(issue.params) ? configFactText(issue.params, locale) : issue.message;
}

/** A problem of a services file or of a saved service: its fact in the reader's language, else its message as it is. */
export function problemText(p: { message: string; fact?: ConfigIssueFact }, locale: Locale): string {
  return p.fact ? configFactText(p.fact, locale) : p.message;
}
