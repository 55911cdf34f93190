/**
 * Text surgery on YAML guided by the `yaml` Document API.
 *
 * Why not edit the Document and call toString()? Because it re-prints the whole file: quotes,
 * indentation and comment placement of the operator's other jobs, rules and routes change (it does
 * not round-trip the user's prometheus.yml). Instead we parse to find where a sequence item starts
 * and ends, and replace only those bytes. Everything outside the managed item is kept as it was.
 *
 * The insert/remove rules are inverses of each other (blank-line separators included), so
 * remove(insert(x)) === x and a second merge changes nothing.
 */
import { Document, isMap, isPair, isScalar, isSeq, parseDocument, visit, type Node, type YAMLMap, type YAMLSeq } from 'yaml';

export class PlgMergeError extends Error {
  constructor(
    readonly code: 'invalid_yaml' | 'unexpected_shape' | 'job_conflict',
    message: string,
  ) {
    super(message);
    this.name = 'PlgMergeError';
  }
}

export function parseYaml(text: string, what: string): Document.Parsed {
  const doc = parseDocument(text);
  const err = doc.errors[0];
  if (err) throw new PlgMergeError('invalid_yaml', `${what} is not valid YAML: ${err.message.split('\n')[0]}`);
  return doc;
}

/**
 * Stringifies without folding long lines (PromQL stays on one line); short lists of scalars are
 * written in flow style (`targets: [10.0.0.1:9100]`) as the operator's files do.
 */
export function toYaml(value: unknown): string {
  const doc = new Document(value);
  visit(doc, {
    Seq(_, node) {
      if (node === doc.contents) return; // renderItem wraps an item in a list: that one stays block
      if (node.items.length === 0 || node.items.length > 4 || !node.items.every(isScalar)) return;
      node.flow = true;
      // Quoted, as the operator's files write them: older YAML parsers (go-yaml v2 in Prometheus)
      // are not sure about a plain `host:port` inside [ ].
      for (const item of node.items) if (typeof item.value === 'string') item.type = 'QUOTE_SINGLE';
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

// ---------------------------------------------------------------------------------------------
// Lines

const lineStart = (text: string, i: number): number => text.lastIndexOf('\n', i - 1) + 1;
/** Index just past the end of the line holding `i` (past its '\n'), or text.length. */
function lineEnd(text: string, i: number): number {
  const nl = text.indexOf('\n', i);
  return nl < 0 ? text.length : nl + 1;
}
const lineAt = (text: string, i: number): string => text.slice(i, lineEnd(text, i)).replace(/\r?\n$/, '');
const isBlankLine = (line: string): boolean => line.trim() === '';
const indentOf = (line: string): number => line.length - line.trimStart().length;
const column = (text: string, i: number): number => i - lineStart(text, i);
/** The line before the one starting at `start`, or undefined at the top of the file. */
const previousLine = (text: string, start: number): string | undefined => (start > 0 ? lineAt(text, lineStart(text, start - 1)) : undefined);

/** Renders one sequence item (`- …`) indented so that its dash sits at `dashColumn`. Ends with '\n'. */
export function renderItem(value: unknown, dashColumn: number, mark?: string): string {
  const lines = toYaml([value]).replace(/\n$/, '').split('\n');
  if (mark && lines[0]) lines[0] += `  # ${mark}`;
  const pad = ' '.repeat(dashColumn);
  return lines.map((l) => (l === '' ? l : pad + l)).join('\n') + '\n';
}

// ---------------------------------------------------------------------------------------------
// Items of a block sequence

type Ranged = Node & { range: [number, number, number] };

/** Start of the line holding the item's `-` indicator. */
function itemStart(text: string, item: Ranged): number {
  let i = item.range[0] - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  if (text[i] !== '-') throw new PlgMergeError('unexpected_shape', `expected "-" before offset ${item.range[0]}`);
  return lineStart(text, i);
}

/** Column of the item's `-` indicator. */
function dashColumn(text: string, item: Ranged): number {
  let i = item.range[0] - 1;
  while (i >= 0 && /\s/.test(text[i]!)) i--;
  return column(text, i);
}

/** Just past the item's last line of content (trailing comments and blank lines excluded). */
const itemEnd = (text: string, item: Ranged): number => lineEnd(text, Math.max(item.range[1] - 1, item.range[0]));

/** Start of the item including the comment lines directly above it (they describe it). */
function itemBlockStart(text: string, item: Ranged): number {
  let start = itemStart(text, item);
  for (;;) {
    const prev = previousLine(text, start);
    if (prev === undefined || !prev.trimStart().startsWith('#')) return start;
    start = lineStart(text, start - 1);
  }
}

/** Where to append after the last item: past its content and the comments indented under it. */
function afterLastItem(text: string, item: Ranged, dashCol: number): number {
  let end = itemEnd(text, item);
  for (let i = end; i < text.length; ) {
    const line = lineAt(text, i);
    const next = lineEnd(text, i);
    if (line.trimStart().startsWith('#') && indentOf(line) > dashCol) end = next;
    else if (!isBlankLine(line)) break;
    i = next;
  }
  return end;
}

interface Edit {
  start: number;
  end: number;
  text: string;
}

function applyEdits(text: string, edits: Edit[]): string {
  let out = text;
  for (const e of [...edits].sort((a, b) => b.start - a.start)) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return out;
}

// ---------------------------------------------------------------------------------------------
// Locating a sequence by its key path

interface SeqSlot {
  /** The map holding the key (undefined when the document is empty). */
  parent: YAMLMap | undefined;
  /** The key's pair, when present. */
  pair: { key: Ranged; value: unknown } | undefined;
  seq: (YAMLSeq & Ranged) | undefined;
}

function locate(doc: Document.Parsed, path: readonly string[], what: string): SeqSlot {
  const parentNode = path.length > 1 ? doc.getIn(path.slice(0, -1), true) : doc.contents;
  if (parentNode === null || parentNode === undefined) {
    if (path.length === 1) return { parent: undefined, pair: undefined, seq: undefined };
    throw new PlgMergeError('unexpected_shape', `${what}: ${path.slice(0, -1).join('.')} is missing`);
  }
  if (!isMap(parentNode) || parentNode.flow) {
    throw new PlgMergeError('unexpected_shape', `${what}: ${path.slice(0, -1).join('.') || 'the document'} is not a block mapping`);
  }
  const key = path[path.length - 1];
  const pair = parentNode.items.find((p) => isPair(p) && isScalar(p.key) && p.key.value === key);
  if (!pair) return { parent: parentNode, pair: undefined, seq: undefined };
  const value = pair.value;
  if (isSeq(value)) return { parent: parentNode, pair: pair as SeqSlot['pair'], seq: value as YAMLSeq & Ranged };
  if (value === null || (isScalar(value) && value.value === null)) return { parent: parentNode, pair: pair as SeqSlot['pair'], seq: undefined };
  throw new PlgMergeError('unexpected_shape', `${what}: ${path.join('.')} is not a list`);
}

/** Offset just past the ':' that follows a mapping key. */
function afterColon(text: string, key: Ranged): number {
  const colon = text.indexOf(':', key.range[1]);
  if (colon < 0) throw new PlgMergeError('unexpected_shape', `no ":" after key at offset ${key.range[0]}`);
  return colon + 1;
}

/** Offset of the end of the pair's value as written (`[]`, `~`, or nothing). */
function valueEnd(pair: NonNullable<SeqSlot['pair']>, fallback: number): number {
  const v = pair.value as { range?: [number, number, number] } | null;
  return v?.range ? Math.max(v.range[1], fallback) : fallback;
}

export type ItemMatcher = (item: unknown) => boolean;

export interface UpsertOptions {
  /** Index before which a new item goes (default: the end). Gets the items as plain JS. */
  position?: (items: unknown[]) => number;
  /** Trailing comment on the item's first line. */
  mark?: string;
}

/**
 * Replaces the item for which `mine` is true with `value`, or inserts it. Creates the key (as a
 * block list) when it is missing, empty (`key: []`) or null.
 */
export function upsertItem(text: string, path: readonly string[], mine: ItemMatcher, value: unknown, what: string, opts: UpsertOptions = {}): string {
  const doc = parseYaml(text, what);
  const slot = locate(doc, path, what);
  const { seq } = slot;

  if (seq && !seq.flow) {
    const items = seq.items as Ranged[];
    const js = items.map((it) => it.toJSON() as unknown);
    const dashCol = dashColumn(text, items[0]!);
    const chunk = renderItem(value, dashCol, opts.mark);
    const existing = js.findIndex(mine);
    if (existing >= 0) {
      const it = items[existing]!;
      return applyEdits(text, [{ start: itemStart(text, it), end: itemEnd(text, it), text: chunk }]);
    }
    const at = Math.min(opts.position?.(js) ?? items.length, items.length);
    if (at < items.length) {
      const start = itemBlockStart(text, items[at]!);
      const sep = isBlankLine(previousLine(text, start) ?? 'x') ? '\n' : '';
      return applyEdits(text, [{ start, end: start, text: chunk + sep }]);
    }
    const last = items[items.length - 1]!;
    const pos = afterLastItem(text, last, dashCol);
    const sep = isBlankLine(previousLine(text, itemBlockStart(text, last)) ?? 'x') ? '\n' : '';
    const nl = pos > 0 && text[pos - 1] !== '\n' ? '\n' : '';
    return applyEdits(text, [{ start: pos, end: pos, text: nl + sep + chunk }]);
  }

  if (seq && seq.flow && seq.items.length > 0) {
    throw new PlgMergeError('unexpected_shape', `${what}: ${path.join('.')} is a non-empty flow list ([…]); write it as a block list (- item per line)`);
  }

  if (slot.pair) {
    // `key: []`, `key: ~` or `key:` → `key:` followed by a block list holding our item.
    const key = slot.pair.key;
    const colon = afterColon(text, key);
    const end = valueEnd(slot.pair, colon);
    const insertAt = lineEnd(text, end);
    const nl = insertAt > 0 && text[insertAt - 1] !== '\n' ? '\n' : '';
    const chunk = renderItem(value, column(text, key.range[0]) + 2, opts.mark);
    return applyEdits(text, [
      { start: colon, end, text: '' },
      { start: insertAt, end: insertAt, text: nl + chunk },
    ]);
  }

  // The key is missing: add it at the end of its parent mapping.
  const keyName = path[path.length - 1]!;
  const parent = slot.parent as (YAMLMap & Ranged) | undefined;
  const keyCol = parent && parent.items[0] && isScalar(parent.items[0].key) ? column(text, (parent.items[0].key as Ranged).range[0]) : 0;
  let at = text.length;
  if (parent && path.length > 1) at = lineEnd(text, Math.max(parent.range[1] - 1, parent.range[0]));
  const nl = at > 0 && text[at - 1] !== '\n' ? '\n' : '';
  const gap = path.length === 1 && text.trim() !== '' ? '\n' : '';
  const block = `${' '.repeat(keyCol)}${keyName}:\n${renderItem(value, keyCol + 2, opts.mark)}`;
  return applyEdits(text, [{ start: at, end: at, text: nl + gap + block }]);
}

/** Removes the item for which `mine` is true (and the blank line upsertItem added with it). */
export function removeItem(text: string, path: readonly string[], mine: ItemMatcher, what: string): string {
  const doc = parseYaml(text, what);
  const slot = locate(doc, path, what);
  const { seq } = slot;
  if (!seq || seq.flow) return text;
  const items = seq.items as Ranged[];
  const index = items.findIndex((it) => mine(it.toJSON()));
  if (index < 0) return text;
  const it = items[index]!;
  let start = itemStart(text, it);
  let end = itemEnd(text, it);
  if (items.length === 1 && slot.pair) {
    const colon = afterColon(text, slot.pair.key);
    return applyEdits(text, [
      { start: colon, end: colon, text: ' []' },
      { start, end, text: '' },
    ]);
  }
  const prev = previousLine(text, start);
  if (prev !== undefined && isBlankLine(prev)) {
    if (end < text.length && isBlankLine(lineAt(text, end))) end = lineEnd(text, end);
    else start = lineStart(text, start - 1);
  }
  return applyEdits(text, [{ start, end, text: '' }]);
}

/** The items of the list at `path` as plain JS ([] when missing). */
export function listItems(text: string, path: readonly string[], what: string): unknown[] {
  const doc = parseYaml(text, what);
  const node = doc.getIn(path, true);
  return isSeq(node) ? (node.toJSON() as unknown[]) : [];
}
