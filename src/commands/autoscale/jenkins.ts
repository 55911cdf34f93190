/** `/autoscale jenkins diff|push|remove <service>`: the service's Jenkins job, shown before it is written. */
import type { Service } from '../../config.js';
import { argText, confirmPrompt, serviceText } from '../../cards/commandMessages.js';
import { jenkinsCmdText } from '../../cards/jenkinsMessages.js';
import { catalog, type Locale } from '../../i18n/index.js';
import { jobNameFor } from '../../integrations/jenkins/jobConfig.js';
import { getService } from '../../store/services.js';
import { applyJob, previewJob, removeJob, runningOnJenkins, type JobFailure } from '../../workflows/jenkinsJobs.js';
import { check, serviceNameArg } from './args.js';
import { confirmationsOf } from './confirmations.js';
import { answerLater } from './later.js';
import type { CommandContext, Reply, Subcommand } from './types.js';

/** The reply's language: the user's (dispatch sets it), else BOT_LOCALE. The prompt and its outcome are the user's alone. */
const lang = (ctx: CommandContext): Locale => ctx.locale ?? ctx.deps.config.BOT_LOCALE;

/** The named service and its job, or the refusal to show instead. */
function target(ctx: CommandContext): { service: Service; job: string } | { refusal: Reply } {
  const l = lang(ctx);
  if (!ctx.deps.jenkins) return { refusal: { text: jenkinsCmdText.notConfigured(l) } };
  const name = ctx.args[0] ?? '';
  const valid = check(serviceNameArg, name, l);
  if (!valid.ok) return { refusal: { text: argText.invalid(catalog(l).args.what.serviceName, name, valid.problem, l) } };
  const service = getService(ctx.deps.store, name);
  return service ? { service, job: jobNameFor(service) } : { refusal: { text: serviceText.unknown(name, l) } };
}

const failureText = (job: string, f: JobFailure, l: Locale) =>
  f.code === 'no_jenkins' ? jenkinsCmdText.notConfigured(l) : jenkinsCmdText.failed(job, f.message, l);

const jenkinsDiff: Subcommand = {
  name: 'jenkins diff', usage: 'jenkins diff <service>', summary: (w) => w.jenkinsDiff,
  group: 'Jenkins', mutating: false, adminOnly: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const t = target(ctx);
    if ('refusal' in t) return t.refusal;
    const l = lang(ctx);
    return answerLater(ctx, jenkinsCmdText.comparing(t.job, l), async () => {
      const p = await previewJob(ctx.deps, t.service);
      if (!p.ok) return { text: failureText(t.job, p, l) };
      if (p.action === 'unchanged') return { text: jenkinsCmdText.unchanged(p.job, l) };
      return jenkinsCmdText.diff(jenkinsCmdText.diffHead(p.job, p.action, t.service.name, l), p.diff, t.service.name, l);
    }, (e) => jenkinsCmdText.failed(t.job, e.message, l));
  },
};

const jenkinsPush: Subcommand = {
  name: 'jenkins push', usage: 'jenkins push <service>', summary: (w) => w.jenkinsPush,
  group: 'Jenkins', mutating: true, adminOnly: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const t = target(ctx);
    if ('refusal' in t) return t.refusal;
    const l = lang(ctx);
    const { deps } = ctx;
    return answerLater(ctx, jenkinsCmdText.comparing(t.job, l), async () => {
      const p = await previewJob(deps, t.service, { actor: ctx.user });
      if (!p.ok) return { text: failureText(t.job, p, l) };
      if (p.action === 'unchanged') return { text: jenkinsCmdText.unchanged(p.job, l) };
      // Apply writes exactly what was shown; the button carries only this id.
      const id = confirmationsOf(deps).ask(ctx.user, ctx.channel, async (io) => {
        await io.reply(jenkinsCmdText.applying(p.job, l));
        const r = await applyJob(deps, t.service, p.xml, io.user);
        await io.reply(r.ok ? jenkinsCmdText.applied(r.job, r.action, io.user, l) : failureText(p.job, r, l));
      });
      return jenkinsCmdText.pushPrompt(jenkinsCmdText.pushHead(p.job, p.action, l), p.diff, t.service.name, id, l);
    }, (e) => jenkinsCmdText.failed(t.job, e.message, l));
  },
};

const jenkinsRemove: Subcommand = {
  name: 'jenkins remove', usage: 'jenkins remove <service>', summary: (w) => w.jenkinsRemove,
  group: 'Jenkins', mutating: true, adminOnly: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const t = target(ctx);
    if ('refusal' in t) return t.refusal;
    const l = lang(ctx);
    const { deps } = ctx;
    const busy = runningOnJenkins(deps, t.service.name);
    if (busy) return { text: jenkinsCmdText.removeBusy(t.job, busy, l) };
    const id = confirmationsOf(deps).ask(ctx.user, ctx.channel, async (io) => {
      const r = await removeJob(deps, t.service, io.user);
      const text = r.ok ? (r.removed ? jenkinsCmdText.removed(r.job, io.user, l) : jenkinsCmdText.notThere(r.job, l))
        : r.code === 'busy' ? jenkinsCmdText.removeBusy(t.job, r.requestId, l) : failureText(t.job, r, l);
      await io.reply(text);
      if (r.ok && r.removed) await io.progress(text);
    });
    const prompt = jenkinsCmdText.removePrompt(t.job, l);
    return { text: prompt, blocks: confirmPrompt(prompt, jenkinsCmdText.deleteButton(l), id, true, l) };
  },
};

export const jenkins: Subcommand[] = [jenkinsDiff, jenkinsPush, jenkinsRemove];
