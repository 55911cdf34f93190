/**
 * Values as the service form shows them, and the limits that follow from Slack's inputs: shared by the schema
 * (config.ts checks that the text fits) and the form (cards/serviceModal.ts sets its inputs' max_length). A leaf: it
 * imports nothing, so the card builders may use it.
 */

/**
 * Slack's documented maximum of a plain_text_input's max_length. Every value the service modal shows must fit in
 * its input, so the schema's limits are chosen to fit it and the modal derives its max_length from them.
 */
export const SLACK_INPUT_MAX = 3000;
/** A list (targets, DNS servers) as the modal shows it: `a, b, c`. */
export const listText = (items: readonly string[]): string => items.join(', ');
export const LIST_TEXT_MAX = SLACK_INPUT_MAX;
/** Freeze windows as the modal shows them: one `cron | duration | reason` per line. */
export function freezeText(windows: ReadonlyArray<{ cron: string; duration: string; reason?: string }>): string {
  return windows.map((w) => [w.cron, w.duration, w.reason].filter(Boolean).join(' | ')).join('\n');
}
export const FREEZE_TEXT_MAX = SLACK_INPUT_MAX;
