/**
 * Alertmanager's API v2, the silences part (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml):
 * create, list, expire. Every call is bounded; failures are AlertmanagerError with a code the caller turns into words.
 */
import { z } from 'zod';

export type AlertmanagerErrorCode = 'unreachable' | 'timeout' | 'rejected' | 'not_found' | 'server_error' | 'bad_response';

export class AlertmanagerError extends Error {
  override readonly name = 'AlertmanagerError';
  constructor(readonly code: AlertmanagerErrorCode, message: string, readonly status?: number, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface Matcher {
  name: string;
  value: string;
  isRegex: boolean;
  /** false: `!=` / `!~` (Alertmanager ≥ 0.22). */
  isEqual?: boolean;
}

export interface NewSilence {
  matchers: Matcher[];
  startsAt: Date;
  endsAt: Date;
  createdBy: string;
  comment: string;
}

const matcherSchema = z.object({ name: z.string(), value: z.string(), isRegex: z.boolean(), isEqual: z.boolean().optional() });
const silenceSchema = z.object({
  id: z.string(),
  status: z.object({ state: z.enum(['active', 'pending', 'expired']) }),
  matchers: z.array(matcherSchema),
  startsAt: z.string(),
  endsAt: z.string(),
  createdBy: z.string(),
  comment: z.string(),
  updatedAt: z.string().optional(),
});
export type Silence = z.infer<typeof silenceSchema>;

export const ALERTMANAGER_TIMEOUT_MS = 5000;

export class AlertmanagerClient {
  private readonly base: string;

  constructor(baseUrl: string, private readonly timeoutMs = ALERTMANAGER_TIMEOUT_MS) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  /** POST /api/v2/silences → the new silence's id. */
  async createSilence(s: NewSilence): Promise<string> {
    const body = await this.call('POST', '/api/v2/silences', {
      matchers: s.matchers.map((m) => ({ isEqual: true, ...m })),
      startsAt: s.startsAt.toISOString(),
      endsAt: s.endsAt.toISOString(),
      createdBy: s.createdBy,
      comment: s.comment,
    });
    const parsed = z.object({ silenceID: z.string() }).safeParse(body);
    if (!parsed.success) throw new AlertmanagerError('bad_response', 'Alertmanager did not return a silence id');
    return parsed.data.silenceID;
  }

  /** GET /api/v2/silences, optionally filtered by label matchers (`service="web"`). */
  async listSilences(filter: string[] = []): Promise<Silence[]> {
    const q = filter.map((f) => `filter=${encodeURIComponent(f)}`).join('&');
    const body = await this.call('GET', `/api/v2/silences${q ? `?${q}` : ''}`);
    const parsed = z.array(silenceSchema).safeParse(body);
    if (!parsed.success) throw new AlertmanagerError('bad_response', 'unexpected answer to GET /api/v2/silences');
    return parsed.data;
  }

  /** DELETE /api/v2/silence/{id}: expires it. An already expired or unknown silence is `not_found`. */
  async expireSilence(id: string): Promise<void> {
    if (!/^[A-Za-z0-9-]+$/.test(id)) throw new AlertmanagerError('rejected', `not a silence id: ${JSON.stringify(id)}`);
    await this.call('DELETE', `/api/v2/silence/${id}`);
  }

  private async call(method: string, path: string, json?: unknown): Promise<unknown> {
    const timeout = AbortSignal.timeout(this.timeoutMs);
    let res: Response;
    try {
      res = await fetch(`${this.base}${path}`, {
        method,
        signal: timeout,
        headers: { accept: 'application/json', ...(json !== undefined ? { 'content-type': 'application/json' } : {}) },
        ...(json !== undefined ? { body: JSON.stringify(json) } : {}),
      });
    } catch (e) {
      if (timeout.aborted) throw new AlertmanagerError('timeout', `Alertmanager did not answer within ${this.timeoutMs} ms`, undefined, { cause: e });
      const code = (e as { cause?: { code?: string } }).cause?.code;
      throw new AlertmanagerError('unreachable', `cannot reach Alertmanager at ${new URL(this.base).origin}: ${code ?? (e as Error).message}`, undefined, { cause: e });
    }
    const text = await res.text().catch(() => '');
    if (!res.ok) {
      // Alertmanager 0.25 answers an unknown silence id with 500 "silence … not found".
      const code = res.status === 404 || /not found/i.test(text) ? 'not_found' : res.status >= 500 ? 'server_error' : 'rejected';
      throw new AlertmanagerError(code, `Alertmanager answered ${res.status}: ${text.slice(0, 200).trim()}`, res.status);
    }
    if (!text) return undefined;
    try {
      return JSON.parse(text) as unknown;
    } catch (e) {
      throw new AlertmanagerError('bad_response', `Alertmanager answered ${res.status} without JSON`, res.status, { cause: e });
    }
  }
}
