/** `/autoscale jenkins diff|push|remove <service>`: the service's Jenkins job, shown before it is written. */
import type { Service } from '../../config.js';
import { argText, confirmPrompt, serviceText } from '../../cards/commandMessages.js';
import { jenkinsCmdText } from '../../cards/jenkinsMessages.js';
import { jobNameFor } from '../../integrations/jenkins/jobConfig.js';
import { getService } from '../../store/services.js';
import { applyJob, previewJob, removeJob, runningOnJenkins, type JobFailure } from '../../workflows/jenkinsJobs.js';
import { check, serviceNameArg } from './args.js';
import { confirmationsOf } from './confirmations.js';
import { answerLater } from './later.js';
import type { CommandContext, Reply, Subcommand } from './types.js';

/** The named service and its job, or the refusal to show instead. */
function target(ctx: CommandContext): { service: Service; job: string } | { refusal: Reply } {
  if (!ctx.deps.jenkins) return { refusal: { text: jenkinsCmdText.notConfigured() } };
  const name = ctx.args[0] ?? '';
  const valid = check(serviceNameArg, name);
  if (!valid.ok) return { refusal: { text: argText.invalid('service name', name, valid.problem) } };
  const service = getService(ctx.deps.store, name);
  return service ? { service, job: jobNameFor(service) } : { refusal: { text: serviceText.unknown(name) } };
}

const failureText = (job: string, f: JobFailure) => (f.code === 'no_jenkins' ? jenkinsCmdText.notConfigured() : jenkinsCmdText.failed(job, f.message));

const jenkinsDiff: Subcommand = {
  name: 'jenkins diff', usage: 'jenkins diff <service>', summary: (w) => w.jenkinsDiff,
  group: 'Jenkins', mutating: false, adminOnly: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const t = target(ctx);
    if ('refusal' in t) return t.refusal;
    return answerLater(ctx, jenkinsCmdText.comparing(t.job), async () => {
      const p = await previewJob(ctx.deps, t.service);
      if (!p.ok) return { text: failureText(t.job, p) };
      if (p.action === 'unchanged') return { text: jenkinsCmdText.unchanged(p.job) };
      return jenkinsCmdText.diff(jenkinsCmdText.diffHead(p.job, p.action, t.service.name), p.diff, t.service.name);
    }, (e) => jenkinsCmdText.failed(t.job, e.message));
  },
};

const jenkinsPush: Subcommand = {
  name: 'jenkins push', usage: 'jenkins push <service>', summary: (w) => w.jenkinsPush,
  group: 'Jenkins', mutating: true, adminOnly: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const t = target(ctx);
    if ('refusal' in t) return t.refusal;
    const { deps } = ctx;
    return answerLater(ctx, jenkinsCmdText.comparing(t.job), async () => {
      const p = await previewJob(deps, t.service, { actor: ctx.user });
      if (!p.ok) return { text: failureText(t.job, p) };
      if (p.action === 'unchanged') return { text: jenkinsCmdText.unchanged(p.job) };
      // Apply writes exactly what was shown; the button carries only this id.
      const id = confirmationsOf(deps).ask(ctx.user, ctx.channel, async (io) => {
        await io.reply(jenkinsCmdText.applying(p.job));
        const r = await applyJob(deps, t.service, p.xml, io.user);
        await io.reply(r.ok ? jenkinsCmdText.applied(r.job, r.action, io.user) : failureText(p.job, r));
      });
      return jenkinsCmdText.pushPrompt(jenkinsCmdText.pushHead(p.job, p.action), p.diff, t.service.name, id);
    }, (e) => jenkinsCmdText.failed(t.job, e.message));
  },
};

const jenkinsRemove: Subcommand = {
  name: 'jenkins remove', usage: 'jenkins remove <service>', summary: (w) => w.jenkinsRemove,
  group: 'Jenkins', mutating: true, adminOnly: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const t = target(ctx);
    if ('refusal' in t) return t.refusal;
    const { deps } = ctx;
    const busy = runningOnJenkins(deps, t.service.name);
    if (busy) return { text: jenkinsCmdText.removeBusy(t.job, busy) };
    const id = confirmationsOf(deps).ask(ctx.user, ctx.channel, async (io) => {
      const r = await removeJob(deps, t.service, io.user);
      const text = r.ok ? (r.removed ? jenkinsCmdText.removed(r.job, io.user) : jenkinsCmdText.notThere(r.job))
        : r.code === 'busy' ? jenkinsCmdText.removeBusy(t.job, r.requestId) : failureText(t.job, r);
      await io.reply(text);
      if (r.ok && r.removed) await io.progress(text);
    });
    const prompt = jenkinsCmdText.removePrompt(t.job);
    return { text: prompt, blocks: confirmPrompt(prompt, 'Delete job', id, true) };
  },
};

export const jenkins: Subcommand[] = [jenkinsDiff, jenkinsPush, jenkinsRemove];
