/**
 * Zod's own validation messages in each language (zod ships them as locales), for inline errors of forms and argument
 * refusals. English is zod's default; a message written into a schema (config.ts) takes precedence, as zod defines.
 * A new language adds its zod locale here.
 */
import type { z } from 'zod';
import { ko } from 'zod/v4/locales';
import type { Locale } from './index.js';

type IssueMessage = (iss: z.core.$ZodRawIssue) => string | undefined;

const byLocale: Record<Locale, IssueMessage | undefined> = {
  en: undefined,
  ko: (iss) => {
    const m = ko().localeError(iss);
    return typeof m === 'string' ? m : m?.message;
  },
};

export function zodMessages(locale: Locale): IssueMessage | undefined {
  return byLocale[locale];
}
