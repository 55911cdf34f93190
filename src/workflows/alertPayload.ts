/** Alertmanager webhook payload, version 4. Unknown fields are ignored (newer versions add some). */
import { z } from 'zod';
import { isHttpUrl } from '../httpUrl.js';

/**
 * A URL the alert carries (generatorURL, externalURL) ends up as a link on the card: only http(s)
 * is kept. Anything else (javascript:, data:, a `|` or `>` that would end the mrkdwn link) is
 * dropped, and the alert itself is still taken.
 */
const alertUrl = z.string().max(4096).optional().transform((u) => (isHttpUrl(u) ? u : undefined));

const labels = z.record(z.string().max(1024), z.string().max(8192));

export const alertSchema = z.object({
  status: z.enum(['firing', 'resolved']),
  labels,
  annotations: labels.default({}),
  startsAt: z.string().max(64).optional(),
  endsAt: z.string().max(64).optional(),
  generatorURL: alertUrl,
  fingerprint: z.string().max(64).optional(),
});

export const webhookSchema = z.object({
  version: z.literal('4', { message: 'only Alertmanager webhook payload version "4" is supported' }),
  groupKey: z.string().max(8192).optional(),
  truncatedAlerts: z.number().int().min(0).optional(),
  receiver: z.string().max(1024).optional(),
  status: z.enum(['firing', 'resolved']),
  alerts: z.array(alertSchema).max(1000),
  groupLabels: labels.optional(),
  commonLabels: labels.optional(),
  commonAnnotations: labels.optional(),
  externalURL: alertUrl,
});

export type WebhookPayload = z.infer<typeof webhookSchema>;
export type Alert = z.infer<typeof alertSchema>;
