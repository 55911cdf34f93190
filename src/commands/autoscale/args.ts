/**
 * Validation of slash-command arguments: zod schemas, with shell metacharacters named in the refusal. The schemas' own
 * messages are codes (`REFUSAL`); `check` renders them, and zod's length limits, in the reader's language.
 */
import { z } from 'zod';
import { serviceSchema } from '../../config.js';
import { catalog, type Locale } from '../../i18n/index.js';
import { zodMessages } from '../../i18n/zodMessages.js';

/** Why an argument is refused: the message codes the schemas below carry. */
const REFUSAL = { shellChars: 'arg.shell_chars', vmNameChars: 'arg.vm_name_chars', noLeadingDash: 'arg.no_leading_dash' } as const;

/** Characters a shell would interpret. We never use a shell, but names with them are refused with a clear reason. */
const SHELL_CHARS = /[;&|`$<>(){}[\]\\'"*?!~#\u0000-\u001f\u007f]/g;

export function shellCharsIn(value: string): string[] {
  return [...new Set(value.match(SHELL_CHARS) ?? [])].map((c) => (c < ' ' || c === '\u007f' ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c));
}

const noShellChars = (s: string, ctx: z.RefinementCtx) => {
  const found = shellCharsIn(s);
  if (found.length) ctx.addIssue({ code: 'custom', message: REFUSAL.shellChars });
};

/** A name this bot creates in vCenter (templates): no spaces, no path, no shell characters. */
export const newVmName = z
  .string()
  .max(80)
  .superRefine(noShellChars)
  .pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: REFUSAL.vmNameChars }));

/** An existing VM or template, by name or inventory path (may contain spaces when quoted). */
export const existingVmName = z
  .string()
  .min(1)
  .max(255)
  .superRefine(noShellChars)
  .pipe(z.string().regex(/^[^-\s]/, { message: REFUSAL.noLeadingDash }));

export const inventoryPathArg = existingVmName;

export const serviceNameArg = z.string().superRefine(noShellChars).pipe(serviceSchema.shape.name);

export const descriptionArg = z.string().max(200).superRefine(noShellChars);

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Validates one argument; `problem` is the first issue, in the reader's language (messages of config.ts as written). */
export function check<T>(schema: z.ZodType<T>, value: string, locale: Locale = 'en'): Checked<T> {
  const w = catalog(locale).args;
  const own = zodMessages(locale);
  const r = schema.safeParse(value, {
    error: (iss) =>
      iss.code === 'too_big' && iss.origin === 'string' ? w.atMost({ n: Number(iss.maximum) })
      : iss.code === 'too_small' && iss.origin === 'string' && Number(iss.minimum) === 1 ? w.empty
      : own?.(iss),
  });
  if (r.success) return { ok: true, value: r.data };
  const message = r.error.issues[0]?.message;
  const problem =
    message === REFUSAL.shellChars ? w.shellChars({ chars: shellCharsIn(value).map((c) => `\`${c}\``).join(' ') })
    : message === REFUSAL.vmNameChars ? w.vmNameChars
    : message === REFUSAL.noLeadingDash ? w.noLeadingDash
    : message ?? w.invalid;
  return { ok: false, problem };
}

/** Splits `key=value` options (only the given keys) from the other arguments. */
export function splitOptions<K extends string>(args: string[], keys: readonly K[]): { rest: string[]; options: Partial<Record<K, string>> } {
  const options: Partial<Record<K, string>> = {};
  const rest: string[] = [];
  for (const a of args) {
    const m = /^([a-z]+)=(.*)$/s.exec(a);
    if (m && (keys as readonly string[]).includes(m[1]!)) options[m[1] as K] = m[2]!;
    else rest.push(a);
  }
  return { rest, options };
}
