/**
 * POST /alertmanager: bearer token (constant-time), body size limit, payload v4 validated.
 * 401 bad token · 400 bad JSON or schema (nothing stored) · 413 too large · 503 store cannot write
 * (Alertmanager retries 5xx only) · 200 with what was done per alert, ignored alerts included.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { formatIssues } from '../config.js';
import { StoreError } from '../store/store.js';
import { webhookSchema, type WebhookPayload } from '../workflows/alertPayload.js';
import type { Deps } from '../workflows/deps.js';

export const MAX_WEBHOOK_BYTES = 1024 * 1024;

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Compares digests, so neither the content nor the length of the token leaks through timing. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const m = /^Bearer\s+(.+)$/i.exec(header ?? '');
  return timingSafeEqual(digest(m?.[1]?.trim() ?? ''), digest(token)) && Boolean(m);
}

export class BodyTooLarge extends Error {}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const declared = Number(req.headers['content-length'] ?? 0);
    if (declared > limit) {
      req.resume();
      reject(new BodyTooLarge());
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.resume();
        reject(new BodyTooLarge());
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** How many generatorURL / externalURL values the schema dropped for not being http(s). */
function droppedUrls(raw: unknown, parsed: WebhookPayload): number {
  const given = (v: unknown) => typeof v === 'string' && v !== '';
  const r = raw as { externalURL?: unknown; alerts?: Array<{ generatorURL?: unknown }> };
  let n = given(r.externalURL) && !parsed.externalURL ? 1 : 0;
  parsed.alerts.forEach((a, i) => {
    if (given(r.alerts?.[i]?.generatorURL) && !a.generatorURL) n++;
  });
  return n;
}

export async function handleAlertmanager(req: IncomingMessage, res: ServerResponse, deps: Deps): Promise<void> {
  if (req.method !== 'POST') return sendJson(res, 405, { error: 'use POST' }, { allow: 'POST' });
  if (!bearerMatches(req.headers.authorization, deps.config.ALERT_WEBHOOK_TOKEN)) {
    req.resume();
    deps.metrics.alertsReceived.inc({ outcome: 'unauthorized' });
    return sendJson(res, 401, { error: 'missing or wrong bearer token' }, { 'www-authenticate': 'Bearer' });
  }
  let raw: Buffer;
  try {
    raw = await readBody(req, MAX_WEBHOOK_BYTES);
  } catch (e) {
    if (e instanceof BodyTooLarge) return sendJson(res, 413, { error: `payload larger than ${MAX_WEBHOOK_BYTES} bytes` }, { connection: 'close' });
    throw e;
  }
  let json: unknown;
  try {
    json = JSON.parse(raw.toString('utf8'));
  } catch (e) {
    deps.metrics.alertsReceived.inc({ outcome: 'malformed' });
    return sendJson(res, 400, { error: `malformed JSON: ${(e as Error).message}` });
  }
  const parsed = webhookSchema.safeParse(json);
  if (!parsed.success) {
    deps.metrics.alertsReceived.inc({ outcome: 'invalid' });
    return sendJson(res, 400, { error: 'invalid Alertmanager payload', problems: formatIssues(parsed.error) });
  }
  const dropped = droppedUrls(json, parsed.data);
  if (dropped) deps.logger.warn({ dropped }, 'webhook: URLs that are not http(s) were dropped (the alerts are kept)');
  try {
    const results = await deps.intake.ingestNotification(parsed.data);
    return sendJson(res, 200, { status: 'ok', alerts: results });
  } catch (e) {
    if (e instanceof StoreError) {
      deps.logger.error({ err: e }, 'webhook not stored; Alertmanager will retry');
      return sendJson(res, 503, { error: 'the store cannot write right now; retry later' }, { 'retry-after': '10' });
    }
    throw e;
  }
}
