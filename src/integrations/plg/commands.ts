/** Remote commands of a push: the configured checks and reloads. */
import { posix } from 'node:path';
import type { RemoteHost } from './ssh.js';

export type StepOutcome = { ok: boolean; detail: string };

/** The tail of a tool's output, on one line, for a step report. */
export const lastLines = (text: string, n = 6): string => text.trim().split('\n').slice(-n).join(' | ');

/**
 * Splits a configured command line into arguments (whitespace; '…' and "…" group; no expansion)
 * and substitutes `{file}` / `{name}`. The result goes through shellQuote, so a path can never
 * inject into the remote shell.
 */
export function commandArgs(template: string, file: string): string[] {
  const args: string[] = [];
  let current = '';
  let quote: '"' | "'" | undefined;
  let inWord = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i]!;
    if (quote) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < template.length) current += template[++i];
      else current += c;
    } else if (c === "'" || c === '"') {
      quote = c;
      inWord = true;
    } else if (/\s/.test(c)) {
      if (inWord) args.push(current);
      current = '';
      inWord = false;
    } else {
      current += c;
      inWord = true;
    }
  }
  if (inWord) args.push(current);
  return args.map((a) => a.replaceAll('{file}', file).replaceAll('{name}', posix.basename(file)));
}

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

/** Runs a configured command over SSH; ok when it exits 0. */
export async function runRemote(remote: RemoteHost, args: string[], timeoutMs: number): Promise<StepOutcome> {
  const r = await remote.exec(args, { timeoutMs });
  const output = (r.stderr + r.stdout).trim();
  return { ok: r.code === 0, detail: `${args.join(' ')} → ${r.timedOut ? 'timed out' : `exit ${r.code}`}${output ? `: ${lastLines(output)}` : ''}` };
}

/** A reload: POST to an http(s)://…/-/reload URL, or a command (`docker restart prometheus`) over SSH. */
export async function reload(how: string, remote: RemoteHost, timeoutMs: number): Promise<StepOutcome> {
  if (isUrl(how)) {
    try {
      const res = await fetch(how, { method: 'POST', signal: AbortSignal.timeout(timeoutMs) });
      const body = (await res.text()).trim();
      return { ok: res.ok, detail: `POST ${how} → ${res.status}${body ? `: ${lastLines(body)}` : ''}` };
    } catch (e) {
      const err = e as Error & { cause?: { code?: string } };
      return { ok: false, detail: `POST ${how} failed: ${err.cause?.code ?? err.message}` };
    }
  }
  return runRemote(remote, commandArgs(how, ''), timeoutMs);
}
