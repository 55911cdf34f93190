/**
 * Just enough of Alertmanager's routing to decide where the service's route must go: which
 * existing routes would take the service's alerts before it (and stop them there).
 */
export type Labels = Record<string, string>;
type Condition = (labels: Labels) => boolean;

/** Go's regexps in Alertmanager are anchored; JS's are not. */
function anchored(pattern: string): RegExp {
  return new RegExp(`^(?:${pattern})$`);
}

/**
 * Parses one `matchers:` entry (`a="b"`, `a=~"x|y"`, `{a!="b", c!~d}`). Returns undefined when it
 * cannot be understood (the caller then assumes the worst).
 */
export function parseMatchers(entry: string): Condition[] | undefined {
  const body = entry.trim().replace(/^\{/, '').replace(/\}$/, '');
  const conds: Condition[] = [];
  const re = /\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*("(?:[^"\\]|\\.)*"|[^,"]*?)\s*(?:,|$)/y;
  let pos = 0;
  while (pos < body.length) {
    re.lastIndex = pos;
    const m = re.exec(body);
    if (!m || m[0] === '') return undefined;
    pos = re.lastIndex;
    const [, name, op, raw] = m as unknown as [string, string, string, string];
    try {
      conds.push(condition(name, op, raw.startsWith('"') ? (JSON.parse(raw) as string) : raw));
    } catch {
      return undefined; // a bad escape, or a Go regexp JS cannot read
    }
  }
  return conds;
}

function condition(name: string, op: string, value: string): Condition {
  if (op === '=') return (l) => (l[name] ?? '') === value;
  if (op === '!=') return (l) => (l[name] ?? '') !== value;
  const rx = anchored(value);
  return op === '=~' ? (l) => rx.test(l[name] ?? '') : (l) => !rx.test(l[name] ?? '');
}

/** The conditions of a route (`match`, `match_re`, `matchers`); undefined when not understood. */
export function routeConditions(route: unknown): Condition[] | undefined {
  if (typeof route !== 'object' || route === null) return undefined;
  const r = route as Record<string, unknown>;
  const conds: Condition[] = [];
  try {
    for (const [k, v] of Object.entries((r.match as Record<string, unknown> | undefined) ?? {})) conds.push(condition(k, '=', String(v)));
    for (const [k, v] of Object.entries((r.match_re as Record<string, unknown> | undefined) ?? {})) conds.push(condition(k, '=~', String(v)));
  } catch {
    return undefined;
  }
  const matchers = r.matchers ?? [];
  if (!Array.isArray(matchers)) return undefined;
  for (const m of matchers) {
    const parsed = typeof m === 'string' ? parseMatchers(m) : undefined;
    if (!parsed) return undefined;
    conds.push(...parsed);
  }
  return conds;
}

export function routeMatches(route: unknown, labels: Labels): boolean {
  const conds = routeConditions(route);
  return conds !== undefined && conds.every((c) => c(labels));
}

/**
 * True when `route`, placed before ours, would stop alerts carrying any of `labelSets`: a catch-all
 * (no matchers), a route whose matchers match them, or one we cannot parse. A route with
 * `continue: true` only looks at alerts and passes them on, so it captures nothing.
 */
export function routeCaptures(route: unknown, labelSets: readonly Labels[]): boolean {
  if (typeof route === 'object' && route !== null && (route as Record<string, unknown>).continue === true) return false;
  const conds = routeConditions(route);
  if (conds === undefined || conds.length === 0) return true;
  return labelSets.some((labels) => conds.every((c) => c(labels)));
}
