/**
 * Paging of the long listings (`service list`, `template list`, `status`): a few hundred entries would pass Slack's
 * 40,000 characters in one reply. PAGE_SIZE lines per page, each line capped (cards/commandMessages.ts), keep a page
 * far below that limit.
 */
import { argText } from '../../cards/commandMessages.js';
import { catalog, type Locale } from '../../i18n/index.js';
import type { Reply } from './types.js';

export const PAGE_SIZE = 20;

export interface Page<T> {
  items: T[];
  page: number;
  pages: number;
  total: number;
}

/** The page asked for (1 when none): a page number, or the refusal to answer with. */
export function pageArg(arg: string | undefined, locale: Locale = 'en'): { page: number } | { refusal: Reply } {
  if (arg === undefined) return { page: 1 };
  const w = catalog(locale).args;
  if (!/^\d{1,6}$/.test(arg) || Number(arg) < 1) return { refusal: { text: argText.invalid(w.what.pageNumber, arg, w.expectedPage, locale) } };
  return { page: Number(arg) };
}

/** One page of `all`; asking past the last page gives the last page, so a list that shrank still answers. */
export function pageOf<T>(all: readonly T[], page: number, size = PAGE_SIZE): Page<T> {
  const pages = Math.max(1, Math.ceil(all.length / size));
  const p = Math.min(Math.max(1, page), pages);
  return { items: all.slice((p - 1) * size, p * size), page: p, pages, total: all.length };
}
