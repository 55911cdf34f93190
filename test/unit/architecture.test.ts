/**
 * The arrows of src/, checked on every run: handlers/commands → workflows → integrations/store, cards
 * depend on nothing but types (and the catalog), and nothing imports in a circle.
 *
 * The scanner is test/helpers/importGraph.ts (the TypeScript compiler's own parser, already a dependency).
 * Known debts are listed below by name, each with a TODO and who removes it; an entry that no longer
 * matches anything fails too, so the lists only shrink.
 */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { findCycles, importEdges, layerOf, readSources, type ImportEdge, type SourceFiles } from '../helpers/importGraph.js';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));

/** Cycles of imports that Node loads, allowed for now (each as the sorted list of its files): none. */
const KNOWN_CYCLES: Record<string, string[]> = {};

/**
 * Cycles that close only through a type-only import (erased from the JavaScript, so Node never loads them in a
 * circle, but a reader still has to untie them), allowed for now: none.
 */
const KNOWN_TYPE_CYCLES: Record<string, string[]> = {};

/**
 * Leaf helpers at the top of src/ that cards may call: pure functions that themselves import nothing from
 * src/ (checked below), as good as a library — parsing "10m", checking a URL is http(s), a list as the service form
 * shows it.
 */
const CARD_LEAF_HELPERS = ['duration.ts', 'httpUrl.ts', 'formText.ts'];

/** Imports from cards/ that break the cards rule today, `from -> to`: none (the callers pass what the cards show). */
const KNOWN_CARD_IMPORTS: string[] = [];

const files = readSources(SRC);
const edges = importEdges(files);
const local = edges.filter((e) => !e.package);
const show = (e: ImportEdge) => `${e.from}:${e.line} -> ${e.to}${e.typeOnly ? ' (type only)' : ''}`;
const key = (cycle: string[]) => [...new Set(cycle)].sort().join(' ');
const knownKeys = (known: Record<string, string[]>) => new Set(Object.values(known).map(key));

/** The file imports that break a layer rule, by rule. */
function layerViolations(all: readonly ImportEdge[]): Record<string, string[]> {
  const out: Record<string, string[]> = { cards: [], integrations: [], store: [], workflows: [], bolt: [] };
  for (const e of all) {
    const from = layerOf(e.from);
    if (e.package) {
      // The domain and the card builders never see Bolt or the WebClient (@slack/types is types for Block Kit).
      if ((from === 'workflows' || from === 'cards') && /^@slack\/(bolt|web-api|socket-mode)/.test(e.to) && !e.typeOnly) out.bolt!.push(show(e));
      continue;
    }
    const to = layerOf(e.to);
    if (from === 'cards' && !e.typeOnly && to !== 'cards' && to !== 'i18n' && !CARD_LEAF_HELPERS.includes(e.to)) out.cards!.push(`${e.from} -> ${e.to}`);
    if ((from === 'integrations' || from === 'store') && ['workflows', 'handlers', 'commands'].includes(to)) out[from]!.push(show(e));
    if (from === 'workflows' && (to === 'handlers' || to === 'commands')) out.workflows!.push(show(e));
  }
  return out;
}

/**
 * Writes to the store from outside src/store/: a call of `mutate` or `applyNow`, or a use of `writerOf` (the writer
 * behind a StoreView), as `file:line`. Every change is a named transition of a store module (issue 12).
 */
function storeWritesOutside(all: SourceFiles): string[] {
  return linesOutsideStore(all, /\.(mutate|applyNow)\s*[<(]|\bwriterOf\b/);
}

/** Casts of the store's data outside src/store/ (`as StoreData`, `as Readonly<…>`): the readers take what `data` is. */
function storeCastsOutside(all: SourceFiles): string[] {
  return linesOutsideStore(all, /\bas (StoreData|Readonly)\b/);
}

function linesOutsideStore(all: SourceFiles, re: RegExp): string[] {
  const out: string[] = [];
  for (const [f, text] of Object.entries(all)) {
    if (layerOf(f) === 'store') continue;
    text.split('\n').forEach((line, i) => {
      if (re.test(line)) out.push(`${f}:${i + 1}`);
    });
  }
  return out;
}

describe('the import graph of src/', () => {
  it('is read completely: every layer is there, with its imports', () => {
    for (const layer of ['cards', 'commands', 'handlers', 'i18n', 'integrations', 'store', 'workflows']) {
      expect(Object.keys(files).some((f) => layerOf(f) === layer), layer).toBe(true);
    }
    expect(local.length).toBeGreaterThan(300);
    expect(local.some((e) => e.from === 'app.ts' && e.to === 'workflows/decisions.ts' && !e.typeOnly)).toBe(true);
    expect(local.some((e) => e.from === 'workflows/deps.ts' && e.to === 'workflows/intake.ts' && e.typeOnly)).toBe(true);
    // Every relative import names a file that exists: a typo in the scanner's resolution would hide edges.
    expect(local.filter((e) => !(e.to in files)).map(show)).toEqual([]);
  });

  it('has no cycle of imports that Node loads (type-only imports aside)', () => {
    const cycles = findCycles(local.filter((e) => !e.typeOnly));
    const known = knownKeys(KNOWN_CYCLES);
    expect(cycles.filter((c) => !known.has(key(c))).map((c) => c.join(' -> '))).toEqual([]);
    // A debt paid is crossed off.
    expect([...known].filter((k) => !cycles.some((c) => key(c) === k))).toEqual([]);
  });

  it('has no cycle even through type-only imports, but the listed ones', () => {
    const cycles = findCycles(local);
    const known = knownKeys(KNOWN_TYPE_CYCLES);
    expect(cycles.filter((c) => !known.has(key(c))).map((c) => c.join(' -> '))).toEqual([]);
    expect([...known].filter((k) => !cycles.some((c) => key(c) === k))).toEqual([]);
  });

  it('cards/ import only cards/, i18n/, pure leaf helpers and types', () => {
    const found = layerViolations(edges).cards!;
    expect(found.filter((v) => !KNOWN_CARD_IMPORTS.includes(v))).toEqual([]);
    expect(KNOWN_CARD_IMPORTS.filter((k) => !found.includes(k))).toEqual([]);
    for (const leaf of CARD_LEAF_HELPERS) {
      expect(local.filter((e) => e.from === leaf && !e.typeOnly).map(show), `${leaf} stays a leaf`).toEqual([]);
    }
  });

  it('integrations/ and store/ never import workflows/, handlers/ or commands/ (not even a type)', () => {
    const v = layerViolations(edges);
    expect(v.integrations).toEqual([]);
    expect(v.store).toEqual([]);
  });

  it('workflows/ never import handlers/ or commands/, and neither workflows/ nor cards/ import Bolt or the WebClient', () => {
    const v = layerViolations(edges);
    expect(v.workflows).toEqual([]);
    expect(v.bolt).toEqual([]);
  });

  it('keeps the listener bag (workflows/deps.ts) out of the domain services', () => {
    const users = [...new Set(local.filter((e) => e.to === 'workflows/deps.ts' && layerOf(e.from) === 'workflows').map((e) => e.from))].sort();
    // Each service names what it uses (IntakeDeps, RunnerDeps, DecisionDeps …); only listeners and app.ts see the bag.
    expect(users).toEqual([]);
  });

  it('changes the store only through the named transitions of store/: no mutate, and no cast of its data, outside it', () => {
    expect(storeWritesOutside(files)).toEqual([]);
    expect(storeCastsOutside(files)).toEqual([]);
  });

  it('registers Slack listeners only in handlers/ and commands/ (the Bolt App itself is made in app.ts)', () => {
    const listening = Object.entries(files)
      .filter(([f, text]) => /\bapp\.(action|view|event|command|shortcut|options|message)\s*[<(]/.test(text) && !['handlers', 'commands'].includes(layerOf(f)))
      .map(([f]) => f);
    expect(listening).toEqual([]);
  });
});

describe('the checker', () => {
  const graph = (fs: SourceFiles) => importEdges(fs);

  it('catches a planted cycle, and names it as a loop', () => {
    const planted = graph({
      'a/one.ts': "import { two } from './two.js';\nexport const one = two;",
      'a/two.ts': "import { three } from '../b/three.js';\nexport const two = three;",
      'b/three.ts': "import { one } from '../a/one.js';\nexport const three = () => one;",
      'b/free.ts': "import { one } from '../a/one.js';\nexport const free = one;",
    });
    expect(findCycles(planted)).toEqual([['a/one.ts', 'a/two.ts', 'b/three.ts', 'a/one.ts']]);
  });

  it('catches a file importing itself and an `export … from` loop', () => {
    expect(findCycles(graph({ 'x.ts': "export * from './x.js';" }))).toEqual([['x.ts', 'x.ts']]);
    expect(findCycles(graph({ 'p.ts': "export { q } from './q.js';", 'q.ts': "import './p.js';\nexport const q = 1;" }))).toEqual([['p.ts', 'q.ts', 'p.ts']]);
  });

  it('tells a type-only cycle apart from one Node loads, and sees dynamic imports', () => {
    const typeOnly = graph({
      'm.ts': "import type { N } from './n.js';\nexport interface M { n: N }",
      'n.ts': "import { type M } from './m.js';\nexport interface N { m?: M }",
    });
    expect(typeOnly.every((e) => e.typeOnly)).toBe(true);
    expect(findCycles(typeOnly)).toHaveLength(1);
    expect(findCycles(typeOnly.filter((e) => !e.typeOnly))).toEqual([]);
    const dynamic = graph({ 'd.ts': "export const load = () => import('./e.js');", 'e.ts': "import { load } from './d.js';\nexport const e = load;" });
    expect(findCycles(dynamic.filter((e) => !e.typeOnly))).toEqual([['d.ts', 'e.ts', 'd.ts']]);
  });

  it('catches a planted arrow running back up', () => {
    const planted = graph({
      'integrations/f5.ts': "import type { Run } from '../workflows/run.js';\nexport const f5 = (r: Run) => r;",
      'workflows/run.ts': "import { reply } from '../handlers/reply.js';\nexport type Run = { id: string };\nexport const go = reply;",
      'handlers/reply.ts': 'export const reply = 1;',
      'cards/card.ts': "import { go } from '../workflows/run.js';\nimport type { Run } from '../workflows/run.js';\nimport { parseDuration } from '../duration.js';\nexport const card = [go, parseDuration];\nexport type R = Run;",
      'duration.ts': 'export const parseDuration = 1;',
      'store/db.ts': "import { card } from '../cards/card.js';\nexport const db = card;",
    });
    const v = layerViolations(planted);
    expect(v.integrations).toEqual(['integrations/f5.ts:1 -> workflows/run.ts (type only)']);
    expect(v.workflows).toEqual(['workflows/run.ts:1 -> handlers/reply.ts']);
    expect(v.cards).toEqual(['cards/card.ts -> workflows/run.ts']); // the type import and the leaf helper pass
    expect(v.store).toEqual([]); // store may use a card builder's types or words; it may not reach up into the domain
  });

  it('catches a planted store write outside store/, and lets store/ write', () => {
    const planted = {
      'workflows/w.ts': "export async function w(s: S) {\n  await s.mutate((d) => { d.notices.x = 'y'; });\n}",
      'integrations/i.ts': "export const i = (s: S) => s.applyNow<number>(() => 1);",
      'commands/c.ts': "import { writerOf } from '../store/store.js';\nexport const c = writerOf;",
      'store/requests.ts': "export const r = (s: S) => writerOf(s).mutate(() => 1);",
      'workflows/reads.ts': "export const mutated = (s: S) => s.data.requests.length; // immutable reads are fine",
    };
    expect(storeWritesOutside(planted)).toEqual(['workflows/w.ts:2', 'integrations/i.ts:1', 'commands/c.ts:1', 'commands/c.ts:2']);
    expect(storeCastsOutside({ 'commands/p.ts': 'const d = s.data as StoreData;', 'store/x.ts': 'const d = s.data as StoreData;' })).toEqual(['commands/p.ts:1']);
  });

  it('catches Bolt in the domain', () => {
    const v = layerViolations(graph({ 'workflows/w.ts': "import { App } from '@slack/bolt';\nexport const a = App;" }));
    expect(v.bolt).toEqual(['workflows/w.ts:1 -> @slack/bolt']);
  });
});
