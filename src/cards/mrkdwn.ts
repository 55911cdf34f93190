/**
 * Slack mrkdwn for text we did not write (alert labels and annotations, generatorURL, externalURL,
 * names from vCenter or the monitoring server, error messages). Slack reads `<…>` as a link, a
 * mention or a command (`<!channel>`, `<@U…>`, `<#C…>`, `<!date^…>`), so every outside string goes
 * through `escape` and every outside URL through `link`; the local copies these replace had holes
 * (a `|` or `>` in a generatorURL ended the link early and let `<!channel>` through).
 */
import type { MrkdwnElement, PlainTextElement } from '@slack/types';
import { isHttpUrl } from '../httpUrl.js';

/** The three characters Slack asks to escape in all text: `&`, `<`, `>`. */
export function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** The URL when it is an absolute http(s) URL; anything else (javascript:, data:, relative, unparsable) is undefined. */
export function safeUrl(url: string | undefined): string | undefined {
  return isHttpUrl(url) ? url : undefined;
}

/**
 * `<url|text>` for an http(s) URL. Inside a link `|` separates URL from text and `>` ends it, so the
 * URL gets `|` percent-encoded and `&<>` escaped, and the text has `&<>` escaped and `|` replaced.
 * A URL that is not http(s) is not linked: the result is the escaped text alone.
 */
export function link(url: string | undefined, text: string): string {
  const safe = safeUrl(url);
  const label = escape(text).replace(/\|/g, '¦');
  if (!safe) return label;
  return `<${escape(safe).replace(/\|/g, '%7C')}|${label}>`;
}

/** A user mention for a Slack user id; anything else is shown as escaped text, never as `<…>`. */
export function mention(user: string): string {
  return /^[UW][A-Z0-9]+$/.test(user) ? `<@${user}>` : escape(user);
}

/** At most `n` UTF-16 units, ending in `…` when cut, never splitting a surrogate pair (emoji, CJK ext.). */
export function truncate(s: string, n: number): string {
  if (s.length <= n) return s;
  let cut = Math.max(0, n - 1);
  const last = s.charCodeAt(cut - 1);
  if (cut > 0 && last >= 0xd800 && last <= 0xdbff) cut--; // a high surrogate without its low half
  return `${s.slice(0, cut)}…`;
}

export type Text = PlainTextElement | MrkdwnElement;

/** A mrkdwn text object, cut to `n`. The caller has escaped what it did not write. */
export const mrkdwnText = (text: string, n: number): MrkdwnElement => ({ type: 'mrkdwn', text: truncate(text, n) });

/** A plain_text object (Slack shows it verbatim, so no escaping), cut to `n`. */
export const plainText = (text: string, n: number): PlainTextElement => ({ type: 'plain_text', text: truncate(text, n), emoji: true });
