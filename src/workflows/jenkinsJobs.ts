/**
 * The services' Jenkins jobs: compare with what the bot would write, create or update, delete.
 * Expected failures are values; Jenkins errors become { code: 'jenkins' } with the client's
 * (token-free) message. Writes and deletes go to the audit trail.
 *
 * A service with `jenkins.webhookTrigger: true` needs a webhook token: the push generates one
 * (crypto.randomBytes) and keeps it with the service in the store, where Slack never shows it
 * (`withoutSecrets`); diffs show a fingerprint only, and the logger masks it.
 */
import type { Service } from '../config.js';
import { generateWebhookToken, isGeneratedToken, jobNameFor, PENDING_WEBHOOK_TOKEN, renderJobConfig, webhookTokenFor } from '../integrations/jenkins/jobConfig.js';
import { registerSecrets } from '../logger.js';
import { recordAudit } from '../store/audit.js';
import type { Clock } from '../clock.js';
import type { Config } from '../config.js';
import type { JenkinsClient } from '../integrations/jenkins/client.js';
import { setWebhookToken } from '../store/services.js';
import type { StoreView as Store } from '../store/store.js';

/** What managing the services' Jenkins jobs uses (the client is absent without JENKINS_URL). */
export interface JenkinsJobsDeps {
  config: Pick<Config, 'JENKINS_BOT_CLI' | 'JENKINS_NODE_BIN'>;
  store: Store;
  clock: Clock;
  jenkins?: Pick<JenkinsClient, 'previewJob' | 'upsertJob' | 'deleteJob'>;
}

export type JobFailure = { ok: false; code: 'no_jenkins' } | { ok: false; code: 'jenkins'; message: string };
export type JobPreview = { ok: true; job: string; action: 'create' | 'update' | 'unchanged'; diff: string; xml: string };

/**
 * The job's config.xml as the bot writes it (the agents' node and CLI paths from the environment).
 * A service asking for a webhook trigger without a generated token yet shows PENDING_WEBHOOK_TOKEN.
 */
export function desiredJobConfig(deps: Pick<JenkinsJobsDeps, 'config'>, service: Service): string {
  const token = webhookTokenFor(service);
  if (token !== undefined && token !== 'needed') registerSecrets([token]);
  return renderJobConfig(service, {
    botCliPath: deps.config.JENKINS_BOT_CLI, nodeBin: deps.config.JENKINS_NODE_BIN,
    webhookToken: token === 'needed' ? PENDING_WEBHOOK_TOKEN : undefined,
  });
}

/**
 * The service with its webhook token, generated and stored now if it asks for a trigger and has
 * none the bot generated (a token typed by hand is replaced: it may be guessable). Never logged.
 */
export async function ensureWebhookToken(deps: Pick<JenkinsJobsDeps, 'store' | 'clock'>, service: Service, actor: string): Promise<Service> {
  if (webhookTokenFor(service) !== 'needed') return service;
  const at = deps.clock.now().toISOString();
  const stored = await setWebhookToken(deps.store, service.name, { token: generateWebhookToken(), generated: isGeneratedToken, actor, at, job: jobNameFor(service) });
  if (!stored) return service;
  registerSecrets([stored.jenkins?.token]);
  return stored;
}

async function audit(deps: JenkinsJobsDeps, actor: string, action: string, job: string, detail: string): Promise<void> {
  const at = deps.clock.now().toISOString();
  await recordAudit(deps.store, { at, actor, action, target: job, detail });
}

/**
 * What a push would do, without doing it. `forPush`: the preview the push will apply, so a
 * missing webhook token is generated (and stored) first; a plain diff changes nothing.
 */
export async function previewJob(deps: JenkinsJobsDeps, service: Service, forPush?: { actor: string }): Promise<JobPreview | JobFailure> {
  if (!deps.jenkins) return { ok: false, code: 'no_jenkins' };
  const job = jobNameFor(service);
  const xml = desiredJobConfig(deps, forPush ? await ensureWebhookToken(deps, service, forPush.actor) : service);
  try {
    const p = await deps.jenkins.previewJob(job, xml);
    return { ok: true, job, action: p.action, diff: p.diff, xml };
  } catch (e) {
    return { ok: false, code: 'jenkins', message: (e as Error).message };
  }
}

/** Writes `xml` (what the user was shown) as the service's job; nothing is written when Jenkins already has it. */
export async function applyJob(deps: JenkinsJobsDeps, service: Service, xml: string, actor: string): Promise<{ ok: true; job: string; action: 'created' | 'updated' | 'unchanged' } | JobFailure> {
  if (!deps.jenkins) return { ok: false, code: 'no_jenkins' };
  const job = jobNameFor(service);
  try {
    const r = await deps.jenkins.upsertJob(job, xml);
    await audit(deps, actor, 'jenkins.push', job, `${service.name}: ${r.action}`);
    return { ok: true, job, action: r.action };
  } catch (e) {
    const message = (e as Error).message;
    await audit(deps, actor, 'jenkins.push.failed', job, `${service.name}: ${message}`);
    return { ok: false, code: 'jenkins', message };
  }
}

/** A scale-out of the service running on Jenkins right now, if any. */
export function runningOnJenkins(deps: Pick<JenkinsJobsDeps, 'store'>, service: string): string | undefined {
  return deps.store.data.requests.find((r) => r.service === service && r.executor === 'jenkins' && r.state === 'running')?.id;
}

export async function removeJob(
  deps: JenkinsJobsDeps, service: Service, actor: string,
): Promise<{ ok: true; job: string; removed: boolean } | { ok: false; code: 'busy'; requestId: string } | JobFailure> {
  if (!deps.jenkins) return { ok: false, code: 'no_jenkins' };
  const job = jobNameFor(service);
  const busy = runningOnJenkins(deps, service.name);
  if (busy) return { ok: false, code: 'busy', requestId: busy };
  try {
    const removed = await deps.jenkins.deleteJob(job);
    await audit(deps, actor, 'jenkins.remove', job, `${service.name}: ${removed ? 'deleted' : 'no such job'}`);
    return { ok: true, job, removed };
  } catch (e) {
    const message = (e as Error).message;
    await audit(deps, actor, 'jenkins.remove.failed', job, `${service.name}: ${message}`);
    return { ok: false, code: 'jenkins', message };
  }
}
