/** pino with secrets redacted, both by key and by value. */
import { pino, type Logger } from 'pino';

export type { Logger };

const REDACT_PATHS = [
  'password', '*.password', 'token', '*.token', 'secret', '*.secret', 'authorization', '*.authorization',
  'headers.authorization', 'req.headers.authorization', '*.headers["x-f5-auth-token"]', 'env.*PASSWORD', 'env.*TOKEN',
];

const secretValues = new Set<string>();

/** Registers values (passwords, tokens) that must be masked wherever they appear in text. */
export function registerSecrets(values: Array<string | undefined>): void {
  for (const v of values) if (v && v.length >= 4) secretValues.add(v);
}

/** Masks every registered secret value in a string (govc stderr, F5 messages, URLs). */
export function redact(text: string): string {
  let out = text;
  for (const v of secretValues) if (out.includes(v)) out = out.split(v).join('[REDACTED]');
  // user:password@ in URLs
  return out.replace(/(\/\/[^/\s:@]+:)[^@\s/]+@/g, '$1[REDACTED]@');
}

export function createLogger(level = 'info', destination?: NodeJS.WritableStream): Logger {
  return pino(
    {
      level,
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      formatters: { level: (label) => ({ level: label }) },
      hooks: {
        logMethod(args, method) {
          // Mask secret values inside messages and string fields.
          const masked = args.map((a) => (typeof a === 'string' ? redact(a) : a)) as typeof args;
          method.apply(this, masked);
        },
      },
    },
    destination as pino.DestinationStream | undefined,
  );
}
