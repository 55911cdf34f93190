/** The diff shown in Slack before Apply, with every secret masked. */
import { createTwoFilesPatch } from 'diff';
import { redact } from '../../logger.js';
import type { RenderSettings } from './render.js';

// Keys whose values are secrets in Prometheus / Alertmanager configs.
const SECRET_KEY = /^(\s*(?:-\s+)?(?:password|credentials|bearer_token|secret|api_key|api_secret|auth_token|token|routing_key|service_key|webhook_url|[a-z_]*_(?:password|secret|token)))(\s*:\s*)(\S.*)$/gim;

/** Masks secret values: the bot's webhook token, values of secret keys, tokens in URLs, URL credentials. */
export function maskSecrets(text: string, settings: Pick<RenderSettings, 'webhookToken'>): string {
  let out = settings.webhookToken ? text.split(settings.webhookToken).join('[REDACTED]') : text;
  out = out.replace(SECRET_KEY, (_, key: string, colon: string) => `${key}${colon}'[REDACTED]'`);
  out = out.replace(/([?&](?:token|key|secret|password|api_key)=)[^&\s'"]+/gi, '$1[REDACTED]');
  return redact(out);
}

/** Unified diff of the masked texts; a one-line note when only secret values differ. */
export function maskedDiff(path: string, before: string, after: string, settings: Pick<RenderSettings, 'webhookToken'>): string {
  const a = maskSecrets(before, settings);
  const b = maskSecrets(after, settings);
  if (a === b) return `${path}: only secret values change (not shown)\n`;
  return createTwoFilesPatch(path, path, a, b, 'current', 'proposed', { context: 3 });
}
