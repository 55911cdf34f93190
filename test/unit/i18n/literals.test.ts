/**
 * A user-visible English sentence belongs in the catalog (src/i18n), not in a card builder or a listener: this scans
 * src/cards, src/handlers and src/commands for string literals with two or more English words in a row.
 *
 * What operators read stays English and is not scanned (STYLE.md: logs and CLI output for operators stay English):
 * - a logger call's arguments (`logger.warn({ err }, 'respond failed')`, `deps.logger.error(…)`);
 * - the HTTP routes that answer Alertmanager and Prometheus, not a Slack user (OPERATOR_FILES);
 * - a subcommand's `name` / `usage` and a listing's `command`: the words a user types, the same in every language.
 * Anything else a listener shows a user — a refusal, a button, an error message put into a reply — is in the catalog.
 * An `Error` thrown in a listener is not exempt: a confirmed command's failure shows its message to the user
 * (confirmText.failed), so the listeners throw none with words of ours; errors from integrations are their own text.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_LABEL } from '../../../src/cards/messages.js';

const SRC = join(import.meta.dirname, '../../../src');
const ROOTS = ['cards', 'handlers', 'commands'];

/** The text of every string literal and template-literal chunk in a TypeScript source (comments skipped). */
export function literals(src: string): string[] {
  const out: string[] = [];
  let i = 0;
  const stack: number[] = []; // brace depth at each `${` we are inside
  let depth = 0;
  const template = (): void => {
    let chunk = '';
    i++; // the opening backtick
    while (i < src.length) {
      const c = src[i]!;
      if (c === '\\') { chunk += src.slice(i, i + 2); i += 2; continue; }
      if (c === '`') { i++; out.push(chunk); return; }
      if (c === '$' && src[i + 1] === '{') { out.push(chunk); chunk = ''; i += 2; stack.push(depth); depth++; code(); continue; }
      chunk += c; i++;
    }
  };
  const quoted = (q: string): void => {
    let s = '';
    i++;
    while (i < src.length && src[i] !== q) { if (src[i] === '\\') { s += src[i + 1]; i += 2; } else s += src[i++]; }
    i++;
    out.push(s);
  };
  /** A regular-expression literal (`/`/g`): skipped whole, so a quote or backtick inside it starts no string. */
  const regex = (): void => {
    let inClass = false;
    i++;
    while (i < src.length && src[i] !== '\n') {
      const c = src[i]!;
      if (c === '\\') { i += 2; continue; }
      if (c === '[') inClass = true;
      else if (c === ']') inClass = false;
      else if (c === '/' && !inClass) { i++; break; }
      i++;
    }
    while (/[a-z]/.test(src[i] ?? '')) i++;
  };
  /** Where a `/` starts a regex rather than a division: after an operator, an opening bracket, or a keyword such as `return`. */
  const regexMayStart = (): boolean => {
    let j = i - 1;
    while (j >= 0 && /\s/.test(src[j]!)) j--;
    if (j < 0) return true;
    if ('(,=:[!&|?{};+-*%<>~^'.includes(src[j]!)) return true;
    return /\b(return|typeof|case|of|in|void|yield|await)$/.test(src.slice(Math.max(0, j - 6), j + 1));
  };
  /** Code until the `}` that closes the current `${` (or the end at top level). */
  const code = (): void => {
    while (i < src.length) {
      const c = src[i]!;
      if (c === '/' && src[i + 1] === '/') { while (i < src.length && src[i] !== '\n') i++; continue; }
      if (c === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i + 2) + 2; continue; }
      if (c === '/' && regexMayStart()) { regex(); continue; }
      if (c === "'" || c === '"') { quoted(c); continue; }
      if (c === '`') { template(); continue; }
      if (c === '{') depth++;
      if (c === '}') { depth--; if (stack.length && depth === stack[stack.length - 1]) { stack.pop(); i++; return; } }
      i++;
    }
  };
  code();
  return out;
}

const englishSentence = /[A-Za-z]{2,}[ ,]+[A-Za-z]{2,}/;
/** The step labels move into the catalog with the step registry (another part of issue 12). */
const ALLOWED = new Set<string>(Object.values(STEP_LABEL));
/** Other programs' words the bot looks for in their output (govc's stderr), never shown as ours. */
const EXTERNAL = new Set(['resolves to multiple']);
/** HTTP routes for machines and operators (Alertmanager's webhook, Prometheus' service discovery): English bodies. */
const OPERATOR_FILES = new Set(['handlers/alertmanager.ts', 'handlers/serviceDiscovery.ts']);

/** The end of the call whose `(` is at `open`, skipping strings (a `)` inside a string does not close it). */
function callEnd(src: string, open: number): number {
  let depth = 0;
  for (let i = open; i < src.length; i++) {
    const c = src[i]!;
    if (c === "'" || c === '"' || c === '`') {
      for (i++; i < src.length && src[i] !== c; i++) if (src[i] === '\\') i++;
      continue;
    }
    if (c === '(') depth++;
    if (c === ')' && --depth === 0) return i + 1;
  }
  return src.length;
}

/** The source without what only operators read: logger calls, and the command words of `name:` / `usage:` / `command:`. */
export function userVisible(src: string): string {
  let out = src;
  for (let m = /\blogger\.(trace|debug|info|warn|error|fatal)\(/.exec(out); m; m = /\blogger\.(trace|debug|info|warn|error|fatal)\(/.exec(out)) {
    const open = m.index + m[0].length - 1;
    out = `${out.slice(0, m.index)}${out.slice(callEnd(out, open))}`;
  }
  return out.replace(/\b(name|usage|command):\s*('[^'\n]*'|`[^`\n]*`)/g, '$1: 0');
}

/** Every .ts file under src/<root>, as `root/…/file.ts`. */
function filesUnder(root: string): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((f) => (statSync(join(dir, f)).isDirectory() ? walk(join(dir, f)) : f.endsWith('.ts') ? [join(dir, f)] : []));
  return walk(join(SRC, root)).map((f) => relative(SRC, f));
}

const offenders = (file: string) =>
  literals(userVisible(readFileSync(join(SRC, file), 'utf8')))
    .filter((l) => englishSentence.test(l) && !ALLOWED.has(l) && !EXTERNAL.has(l) && !/^\s*(import|from)\b/.test(l));

describe('English literals in src/cards, src/handlers and src/commands', () => {
  const files = ROOTS.flatMap(filesUnder).filter((f) => !OPERATOR_FILES.has(f));

  it('scans the listeners and the card builders', () => {
    expect(files).toEqual(expect.arrayContaining(['cards/serviceModal.ts', 'handlers/confirmButtons.ts', 'handlers/views.ts', 'commands/autoscale/services.ts']));
  });

  it.each(files)('%s has no English sentence outside the catalog', (file) => {
    expect(offenders(file)).toEqual([]);
  });

  it.each([...OPERATOR_FILES])('%s still exists (else drop it from OPERATOR_FILES)', (file) => {
    expect(statSync(join(SRC, file)).isFile()).toBe(true);
  });

  it('finds an English sentence in a literal, in a template chunk and past a nested template', () => {
    const src = "const a = 'plain_text'; // Not this comment\nconst b = `x ${`${'y'}`} Nothing was changed.`; const c = \"Approve anyway?\";";
    expect(literals(src).filter((l) => englishSentence.test(l))).toEqual([' Nothing was changed.', 'Approve anyway?']);
  });

  it('reads past a regular expression holding a quote or a backtick, but not past a division', () => {
    const src = "const v = s.replace(/`/g, \"'\").split(/[\"/]/); const d = a / b / 2; const t = 'Still found here.';";
    expect(literals(src).filter((l) => englishSentence.test(l))).toEqual(['Still found here.']);
  });
});

describe('what only operators read', () => {
  it('drops logger calls, even with a parenthesis in the message, and command words, and nothing else', () => {
    const src = "deps.logger.warn({ err: e }, 'cannot post (retrying)'); const u = { name: 'service list', usage: `service list [page]` }; reply('Nothing was changed.');";
    expect(literals(userVisible(src)).filter((l) => englishSentence.test(l))).toEqual(['Nothing was changed.']);
  });
});
