/**
 * The diff shown in Slack before Apply, with every secret masked: in added, removed and context
 * lines alike, because both texts are masked before they are compared.
 *
 * Masking works on the YAML structure first (so block scalars `password: |`, flow maps
 * `{username: u, password: p}`, quoted multi-line strings, `"password":` keys and anchors/aliases
 * are all covered), then a line pass catches what the parser cannot see (commented-out secrets, a
 * file that does not parse, tokens inside URLs anywhere).
 *
 * Secret-bearing keys, from the Prometheus and Alertmanager configuration references (`<secret>`
 * fields and their `_file` variants):
 * - HTTP client config everywhere: basic_auth.password, authorization.credentials, bearer_token,
 *   oauth2.client_secret, proxy_connect_header, http_headers.*.secrets, tls_config.key, sigv4
 *   access_key/secret_key;
 * - Alertmanager global and receivers: smtp_auth_password/secret, slack_api_url and slack api_url,
 *   opsgenie/victorops api_key, pagerduty routing_key/service_key, pushover user_key/token,
 *   telegram bot_token, wechat api_secret, webex/discord/msteams webhook_url, webhook url,
 *   rocketchat token/token_id, incident.io alert_source_token, jira/webex api_url;
 * - Prometheus service discovery: password, client_secret, secret_key, access_key, auth_token,
 *   application_secret, consumer_key, application_credential_secret, token.
 * Names are matched by rule (any `*_password`, `*_secret`, `*_token`, `*_key`, `credentials`, and
 * the same with `_file`), so a receiver type added later is masked without a code change.
 */
import { createTwoFilesPatch } from 'diff';
import { isAlias, isMap, isScalar, isSeq, parseAllDocuments, type Document, type Node } from 'yaml';
import { redact } from '../../logger.js';
import type { RenderSettings } from './render.js';

export const MASK = '[REDACTED]';

type MaskSettings = Pick<RenderSettings, 'webhookToken'> & Partial<Pick<RenderSettings, 'botPublicUrl'>>;
type Kind = 'secret' | 'url';

const SECRET_NAMES = new Set([
  'password', 'passwd', 'credentials', 'bearer_token', 'client_secret', 'secret', 'secrets', 'secret_key', 'access_key',
  'api_key', 'apikey', 'api_secret', 'api_token', 'auth_token', 'token', 'token_id', 'routing_key', 'service_key',
  'integration_key', 'user_key', 'bot_token', 'app_token', 'auth_password', 'auth_secret', 'authorization', 'cookie',
  'proxy_connect_header', 'application_secret', 'application_credential_secret', 'consumer_key', 'private_key',
  'alert_source_token', 'session_token', 'sas_token',
]);
/** URL-valued secrets: the token is in the path or the query (Slack, Discord, Teams, webhook receivers). */
const URL_NAMES = new Set(['slack_api_url', 'api_url', 'webhook_url']);
/** Sections whose URLs are those of notification receivers (Alertmanager `global`, `receivers`). */
const RECEIVER_SECTIONS = new Set(['receivers', 'global']);

/** What a key's value is: a secret, a URL that may carry one, or neither. */
function classify(rawName: string, parents: string[]): Kind | undefined {
  const name = rawName.toLowerCase().replace(/-/g, '_');
  const base = name.endsWith('_file') ? name.slice(0, -'_file'.length) : name;
  if (SECRET_NAMES.has(base)) return 'secret';
  if (/(^|_)(password|passwd|secret|secrets|token|credentials|apikey)$/.test(base) || /_key$/.test(base)) return 'secret';
  if (base === 'key' && parents.includes('tls_config')) return 'secret'; // an inline private key
  if (URL_NAMES.has(base)) return 'url';
  if ((base === 'url' || base.endsWith('_url')) && parents.some((p) => RECEIVER_SECTIONS.has(p))) return 'url';
  return undefined;
}

interface Replacement { start: number; end: number; text: string }

/** `scheme://host[:port]/[REDACTED]`: where it goes stays readable, the path and query (the token) do not. */
function maskUrl(value: string, settings: MaskSettings): string {
  if (settings.botPublicUrl && value.startsWith(settings.botPublicUrl.replace(/\/+$/, ''))) {
    return value; // the bot's own webhook: its token travels in the Authorization header, masked separately
  }
  try {
    const u = new URL(value);
    return `${u.protocol}//${u.host}/${MASK}`;
  } catch {
    return MASK;
  }
}

function structuralReplacements(text: string, settings: MaskSettings): Replacement[] {
  const out: Replacement[] = [];
  const seen = new Set<Node>();
  const maskScalar = (node: Node, kind: Kind) => {
    if (!isScalar(node) || !node.range || seen.has(node)) return;
    seen.add(node);
    const [start, end] = node.range;
    const original = text.slice(start, end);
    const trailing = /\n*$/.exec(original)?.[0] ?? ''; // block scalars own their final newline
    const value = kind === 'url' && typeof node.value === 'string' ? maskUrl(node.value, settings) : MASK;
    if (value === node.value) return;
    out.push({ start, end, text: `'${value.replace(/'/g, "''")}'${trailing}` });
  };

  const walk = (doc: Document, node: unknown, parents: string[], inherited: Kind | undefined, depth: number): void => {
    if (depth > 64 || !node) return;
    if (isAlias(node)) {
      // `password: *pw` hides the value where `&pw` was defined: mask it there.
      const target = node.resolve(doc);
      if (inherited && target) walk(doc, target, parents, inherited, depth + 1);
      return;
    }
    if (isScalar(node)) {
      if (inherited) maskScalar(node, inherited);
      return;
    }
    if (isSeq(node)) {
      for (const item of node.items) walk(doc, item, parents, inherited, depth + 1);
      return;
    }
    if (isMap(node)) {
      const parent = parents[parents.length - 1];
      for (const pair of node.items) {
        const name = isScalar(pair.key) ? String(pair.key.value) : '';
        const kind = inherited ?? classify(name, parents);
        // `authorization: {type, credentials}` keeps `type` readable; a header named Authorization is masked whole.
        const recurseNormally = !inherited && kind && isMap(pair.value) && name.toLowerCase() === 'authorization' && parent !== 'http_headers';
        walk(doc, pair.value, [...parents, name.toLowerCase()], recurseNormally ? undefined : kind, depth + 1);
      }
    }
  };

  for (const doc of parseAllDocuments(text)) {
    if (!('contents' in doc)) continue; // an EmptyStream
    walk(doc, doc.contents, [], undefined, 0);
  }
  return out;
}

function applyReplacements(text: string, reps: Replacement[]): string {
  let out = text;
  let limit = Infinity;
  for (const r of [...reps].sort((a, b) => b.start - a.start)) {
    if (r.end > limit) continue; // overlapping (should not happen): keep the outer one
    out = out.slice(0, r.start) + r.text + out.slice(r.end);
    limit = r.start;
  }
  return out;
}

// The line pass: `key: value` with a secret-looking key, also commented out, also `- key: value`.
const SECRET_LINE = /^(\s*(?:#\s*)?(?:-\s+)?["']?(?:password|passwd|credentials|bearer_token|client_secret|secret|api_key|api_secret|api_url|slack_api_url|webhook_url|auth_token|token|token_id|routing_key|service_key|user_key|bot_token|[a-z_]*_(?:password|secret|token|key|credentials))(?:_file)?["']?)(\s*:[ \t]+)(\S.*)$/gim;
const URL_QUERY_SECRET = /([?&](?:token|access_token|auth|key|apikey|api_key|secret|password|sig|signature|code)=)[^&\s'"#]+/gi;
/** Well-known webhook URLs whose path is the credential. */
const TOKEN_PATH_URL = /(https?:\/\/(?:hooks\.slack\.com|(?:[a-z0-9-]+\.)?discord(?:app)?\.com\/api\/webhooks|[a-z0-9.-]*webhook\.office\.com|outlook\.office\.com|api\.telegram\.org))\/[^\s'"]+/gi;

/** Masks secrets in text that is not (or not only) YAML structure: report lines, error messages, comments. */
export function maskSecretLines(text: string): string {
  const out = text
    .replace(SECRET_LINE, (line: string, key: string, colon: string, value: string) => (value.includes(MASK) ? line : `${key}${colon}'${MASK}'`))
    .replace(URL_QUERY_SECRET, `$1${MASK}`)
    .replace(TOKEN_PATH_URL, `$1/${MASK}`);
  return redact(out);
}

/** Masks secret values of a Prometheus / Alertmanager / rules file: the bot's webhook token, secret keys, tokens in URLs, URL credentials. */
export function maskSecrets(text: string, settings: MaskSettings): string {
  let out = applyReplacements(text, structuralReplacements(text, settings));
  // The token may also sit under a key no rule knows (or in a file that does not parse).
  if (settings.webhookToken) out = out.split(settings.webhookToken).join(MASK);
  return maskSecretLines(out);
}

/** Unified diff of the masked texts; a one-line note when only secret values differ. */
export function maskedDiff(path: string, before: string, after: string, settings: MaskSettings): string {
  const a = maskSecrets(before, settings);
  const b = maskSecrets(after, settings);
  if (a === b) return `${path}: only secret values change (not shown)\n`;
  return createTwoFilesPatch(path, path, a, b, 'current', 'proposed', { context: 3 });
}
