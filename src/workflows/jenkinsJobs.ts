/**
 * The services' Jenkins jobs: compare with what the bot would write, create or update, delete.
 * Expected failures are values; Jenkins errors become { code: 'jenkins' } with the client's
 * (token-free) message. Writes and deletes go to the audit trail.
 */
import type { Service } from '../config.js';
import { jobNameFor, renderJobConfig } from '../integrations/jenkins/jobConfig.js';
import { appendAudit } from '../store/audit.js';
import type { Deps } from './deps.js';

export type JobFailure = { ok: false; code: 'no_jenkins' } | { ok: false; code: 'jenkins'; message: string };
export type JobPreview = { ok: true; job: string; action: 'create' | 'update' | 'unchanged'; diff: string; xml: string };

/** The job's config.xml as the bot writes it (the agents' node and CLI paths from the environment). */
export function desiredJobConfig(deps: Pick<Deps, 'config'>, service: Service): string {
  return renderJobConfig(service, { botCliPath: deps.config.JENKINS_BOT_CLI, nodeBin: deps.config.JENKINS_NODE_BIN });
}

async function audit(deps: Deps, actor: string, action: string, job: string, detail: string): Promise<void> {
  const at = deps.clock.now().toISOString();
  await deps.store.mutate((d) => appendAudit(d, { at, actor, action, target: job, detail }));
}

/** What a push would do, without doing it. */
export async function previewJob(deps: Deps, service: Service): Promise<JobPreview | JobFailure> {
  if (!deps.jenkins) return { ok: false, code: 'no_jenkins' };
  const job = jobNameFor(service);
  const xml = desiredJobConfig(deps, service);
  try {
    const p = await deps.jenkins.previewJob(job, xml);
    return { ok: true, job, action: p.action, diff: p.diff, xml };
  } catch (e) {
    return { ok: false, code: 'jenkins', message: (e as Error).message };
  }
}

/** Writes `xml` (what the user was shown) as the service's job; nothing is written when Jenkins already has it. */
export async function applyJob(deps: Deps, service: Service, xml: string, actor: string): Promise<{ ok: true; job: string; action: 'created' | 'updated' | 'unchanged' } | JobFailure> {
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
export function runningOnJenkins(deps: Pick<Deps, 'store'>, service: string): string | undefined {
  return deps.store.data.requests.find((r) => r.service === service && r.executor === 'jenkins' && r.state === 'running')?.id;
}

export async function removeJob(
  deps: Deps, service: Service, actor: string,
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
