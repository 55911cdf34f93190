/**
 * A user-visible English sentence belongs in the catalog (src/i18n), not in a card builder: this scans src/cards/*.ts
 * for string literals with two or more English words in a row.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { STEP_LABEL } from '../../../src/cards/messages.js';

const DIR = join(import.meta.dirname, '../../../src/cards');

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
  /** Code until the `}` that closes the current `${` (or the end at top level). */
  const code = (): void => {
    while (i < src.length) {
      const c = src[i]!;
      if (c === '/' && src[i + 1] === '/') { while (i < src.length && src[i] !== '\n') i++; continue; }
      if (c === '/' && src[i + 1] === '*') { i = src.indexOf('*/', i + 2) + 2; continue; }
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
/** The step labels move into the catalog with the step registry (another part of issue 12); nothing else is allowed. */
const ALLOWED = new Set<string>(Object.values(STEP_LABEL));
/** Files still to move into the catalog (issue 12); each must still need it, so the list only shrinks. */
const PENDING = new Set(['commandMessages.ts', 'serviceModal.ts', 'jenkinsMessages.ts', 'plgCards.ts']);

const offenders = (file: string) =>
  literals(readFileSync(join(DIR, file), 'utf8')).filter((l) => englishSentence.test(l) && !ALLOWED.has(l) && !/^\s*(import|from)\b/.test(l));

describe('English literals in src/cards', () => {
  const files = readdirSync(DIR).filter((f) => f.endsWith('.ts'));

  it.each(files.filter((f) => !PENDING.has(f)))('%s has no English sentence outside the catalog', (file) => {
    expect(offenders(file)).toEqual([]);
  });

  it.each([...PENDING])('%s is still on the pending list for a reason', (file) => {
    expect(offenders(file).length).toBeGreaterThan(0);
  });

  it('finds an English sentence in a literal, in a template chunk and past a nested template', () => {
    const src = "const a = 'plain_text'; // Not this comment\nconst b = `x ${`${'y'}`} Nothing was changed.`; const c = \"Approve anyway?\";";
    expect(literals(src).filter((l) => englishSentence.test(l))).toEqual([' Nothing was changed.', 'Approve anyway?']);
  });
});
