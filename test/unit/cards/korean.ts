/**
 * English words left in a Korean text once what is not ours is taken out: code spans, links, emoji codes, mentions,
 * environment variables (`BOT_LOCALE`), file names, names and values the caller passes (`foreign`), and the product and
 * protocol names the team's guide writes in Latin letters (`allowed`).
 */
export const PRODUCT_WORDS = ['F5', 'IP', 'VM', 'VIP', 'DNS', 'HTTP', 'URL', 'UTC', 'YAML', 'SSH', 'vCenter', 'Prometheus', 'Alertmanager', 'Grafana', 'Jenkins', 'PLG', 'Pool', 'CPU', 'job'];

export function englishWordsIn(text: string, opts: { foreign?: string[]; allowed?: string[] } = {}): string[] {
  let t = text;
  // Whole words only: the value `en` must not take a bite out of "vCenter".
  const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  for (const f of [...(opts.foreign ?? [])].filter(Boolean).sort((a, b) => b.length - a.length)) t = t.replace(new RegExp(`(?<![A-Za-z0-9-])${escape(f)}(?![A-Za-z0-9-])`, 'g'), ' ');
  t = t
    .replace(/`[^`]*`/g, ' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/:[a-z_]+:/g, ' ')
    .replace(/\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b/g, ' ')
    .replace(/\b[\w-]+\.(xml|yml|yaml|js|ts)\b/g, ' ');
  const allowed = new Set([...PRODUCT_WORDS, ...(opts.allowed ?? [])]);
  return (t.match(/[A-Za-z]{2,}/g) ?? []).filter((w) => !allowed.has(w));
}

/** What a reader sees of a Block Kit structure: every `text` of a text object (and a message's notification text). */
export function texts(x: unknown): string[] {
  if (Array.isArray(x)) return x.flatMap(texts);
  if (x && typeof x === 'object') {
    const o = x as Record<string, unknown>;
    return [...(typeof o.text === 'string' ? [o.text] : []), ...Object.entries(o).filter(([k]) => k !== 'text' || typeof o.text !== 'string').flatMap(([, v]) => texts(v))];
  }
  return [];
}
