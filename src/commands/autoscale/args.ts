/** Validation of slash-command arguments: zod schemas, with shell metacharacters named in the refusal. */
import { z } from 'zod';
import { serviceSchema } from '../../config.js';

/** Characters a shell would interpret. We never use a shell, but names with them are refused with a clear reason. */
const SHELL_CHARS = /[;&|`$<>(){}[\]\\'"*?!~#\u0000-\u001f\u007f]/g;

export function shellCharsIn(value: string): string[] {
  return [...new Set(value.match(SHELL_CHARS) ?? [])].map((c) => (c < ' ' || c === '\u007f' ? `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}` : c));
}

const noShellChars = (s: string, ctx: z.RefinementCtx) => {
  const found = shellCharsIn(s);
  if (found.length) ctx.addIssue({ code: 'custom', message: `shell characters are not allowed (${found.map((c) => `\`${c}\``).join(' ')})` });
};

/** A name this bot creates in vCenter (templates): no spaces, no path, no shell characters. */
export const newVmName = z
  .string()
  .max(80, { message: 'at most 80 characters' })
  .superRefine(noShellChars)
  .pipe(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, { message: 'letters, digits, "_", "." and "-" only, starting with a letter or digit' }));

/** An existing VM or template, by name or inventory path (may contain spaces when quoted). */
export const existingVmName = z
  .string()
  .min(1)
  .max(255, { message: 'at most 255 characters' })
  .superRefine(noShellChars)
  .pipe(z.string().regex(/^[^-\s]/, { message: 'must not start with "-" or a space' }));

export const inventoryPathArg = existingVmName;

export const serviceNameArg = z.string().superRefine(noShellChars).pipe(serviceSchema.shape.name);

export const descriptionArg = z.string().max(200, { message: 'at most 200 characters' }).superRefine(noShellChars);

export type Checked<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Validates one argument; `problem` is the first issue's message. */
export function check<T>(schema: z.ZodType<T>, value: string): Checked<T> {
  const r = schema.safeParse(value);
  return r.success ? { ok: true, value: r.data } : { ok: false, problem: r.error.issues[0]?.message ?? 'invalid' };
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
