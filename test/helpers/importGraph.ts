/**
 * The import graph of src/, read with the TypeScript compiler the project already builds with (no
 * extra dependency: dependency-cruiser and madge would bring their own resolvers and parsers for what
 * is here ~80 lines, and the compiler sees exactly what tsc sees, `import type` included).
 *
 * Every static `import … from`, `export … from`, `import x = require()`, `import('…')` and `import('…')`
 * type of a relative path is an edge between two files; a package import is an edge marked `package`
 * (its `to` is the package specifier; it cannot form a cycle inside src/). An edge is
 * type-only when the whole declaration is (`import type { … }`, `export type { … }`) or every named
 * binding is (`import { type A, type B }`): it vanishes from the emitted JavaScript.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import ts from 'typescript';

export interface ImportEdge {
  /** Both relative to the root scanned, with '/' separators: `workflows/intake.ts`. */
  from: string;
  to: string;
  typeOnly: boolean;
  line: number;
  /** `to` is a package (`@slack/bolt`, `node:fs`), not a file of src/. */
  package?: boolean;
}

export type SourceFiles = Record<string, string>;

/** Every .ts file under `root`, by path relative to it. */
export function readSources(root: string): SourceFiles {
  const out: SourceFiles = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.ts') && !e.name.endsWith('.d.ts')) out[relative(root, p).split(sep).join('/')] = readFileSync(p, 'utf8');
    }
  };
  walk(root);
  return out;
}

function isTypeOnly(node: ts.ImportDeclaration | ts.ExportDeclaration): boolean {
  if (ts.isExportDeclaration(node)) {
    if (node.isTypeOnly) return true;
    const c = node.exportClause;
    return Boolean(c && ts.isNamedExports(c) && c.elements.length > 0 && c.elements.every((e) => e.isTypeOnly));
  }
  const clause = node.importClause;
  if (!clause) return false; // `import './x.js'` runs the module
  if (clause.isTypeOnly) return true;
  if (clause.name) return false;
  const b = clause.namedBindings;
  return Boolean(b && ts.isNamedImports(b) && b.elements.length > 0 && b.elements.every((e) => e.isTypeOnly));
}

/** `./x.js` from `a/b.ts` → `a/x.ts` (NodeNext spells .ts files as .js); undefined for packages. */
function resolveSpecifier(from: string, spec: string, files: SourceFiles): string | undefined {
  if (!spec.startsWith('.')) return undefined;
  const base = resolve('/', dirname(from), spec).slice(1);
  const candidates = [base.replace(/\.js$/, '.ts'), base, `${base}.ts`, `${base}/index.ts`];
  return candidates.find((c) => c in files) ?? base.replace(/\.js$/, '.ts');
}

export function importEdges(files: SourceFiles): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const [from, text] of Object.entries(files)) {
    const sf = ts.createSourceFile(from, text, ts.ScriptTarget.ES2022, true, ts.ScriptKind.TS);
    const add = (spec: ts.Expression | undefined, node: ts.Node, typeOnly: boolean) => {
      if (!spec || !ts.isStringLiteralLike(spec)) return;
      const line = sf.getLineAndCharacterOfPosition(node.getStart(sf)).line + 1;
      const to = resolveSpecifier(from, spec.text, files);
      edges.push(to ? { from, to, typeOnly, line } : { from, to: spec.text, typeOnly, line, package: true });
    };
    const visit = (node: ts.Node) => {
      if (ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) add(node.moduleSpecifier, node, isTypeOnly(node));
      else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) add(node.moduleReference.expression, node, node.isTypeOnly);
      else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword) add(node.arguments[0], node, false);
      else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) add(node.argument.literal as ts.Expression, node, true);
      ts.forEachChild(node, visit);
    };
    visit(sf);
  }
  return edges;
}

/**
 * The knots of the graph, found by Tarjan's strongly connected components: each component of more
 * than one file (or a file importing itself) is reported once, as one concrete loop through it that
 * starts at its alphabetically first file, e.g. `['a.ts', 'b.ts', 'a.ts']`. Pass the edges to consider
 * (e.g. without the type-only ones for what Node loads).
 */
export function findCycles(all: readonly ImportEdge[]): string[][] {
  const edges = all.filter((e) => !e.package);
  const next = new Map<string, string[]>();
  for (const e of edges) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
  const nodes = [...new Set(edges.flatMap((e) => [e.from, e.to]))].sort();
  let index = 0;
  const idx = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  const strong = (v: string) => {
    idx.set(v, index);
    low.set(v, index++);
    stack.push(v);
    onStack.add(v);
    for (const w of next.get(v) ?? []) {
      if (!idx.has(w)) {
        strong(w);
        low.set(v, Math.min(low.get(v)!, low.get(w)!));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v)!, idx.get(w)!));
    }
    if (low.get(v) === idx.get(v)) {
      const comp: string[] = [];
      let w: string;
      do {
        w = stack.pop()!;
        onStack.delete(w);
        comp.push(w);
      } while (w !== v);
      if (comp.length > 1 || (next.get(v) ?? []).includes(v)) components.push(comp.sort());
    }
  };
  for (const v of nodes) if (!idx.has(v)) strong(v);
  return components.map((comp) => loopThrough(comp, next));
}

/** A shortest loop from the component's first file back to itself, staying inside the component. */
function loopThrough(comp: string[], next: Map<string, string[]>): string[] {
  const inside = new Set(comp);
  const start = comp[0]!;
  const prev = new Map<string, string>();
  const queue = [start];
  const seen = new Set<string>();
  while (queue.length) {
    const v = queue.shift()!;
    for (const w of next.get(v) ?? []) {
      if (!inside.has(w)) continue;
      if (w === start) {
        const back: string[] = [];
        for (let x = v; x !== start; x = prev.get(x)!) back.push(x);
        return [start, ...back.reverse(), start];
      }
      if (!seen.has(w)) {
        seen.add(w);
        prev.set(w, v);
        queue.push(w);
      }
    }
  }
  return [...comp, start];
}

/** The top-level folder of a path (`workflows/intake.ts` → `workflows`); a file at the top is its own name. */
export function layerOf(path: string): string {
  const i = path.indexOf('/');
  return i < 0 ? path : path.slice(0, i);
}
