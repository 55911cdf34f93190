/** What users read about Jenkins: the executor's lines on cards and threads, and `/autoscale jenkins …`. */
import type { KnownBlock } from '@slack/types';
import { ACTION } from './ids.js';

const who = (u: string) => (/^[UW][A-Z0-9]+$/.test(u) ? `<@${u}>` : u);
const link = (url: string, text: string) => (/^https?:\/\/[^|<>\s]+$/.test(url) ? `<${url}|${text}>` : text);

/** The Jenkins executor's words (thread lines, step details, errors). */
export const jenkinsRunText = {
  buildStarted: (job: string, n: number, url: string) => `:gear: Jenkins build ${link(url, `${job} #${n}`)} started; its stages show on the card.`,
  stoppedFollowing: () => 'stopped following the build: the bot is shutting down (the build goes on; the next start re-attaches to it)',
  reattached: (job: string, which: string) => `:arrows_counterclockwise: The bot restarted during this run; re-attached to its Jenkins build of ${job} ${which} (no new build started).`,
  resumed: () => ':arrows_counterclockwise: The bot restarted during this run; resuming from the last completed step.',
  scaleInLocal: (service: string) => `:information_source: ${service} runs scale-outs on Jenkins; this scale-in runs on the bot itself.`,
  noLocalForScaleIn: (service: string) => `${service} runs on Jenkins, whose job only scales out, and this bot has no vCenter access (GOVC_URL) to scale in itself`,
  buildDetail: (job: string, n: number, result: string, durationMs: number) => `${job} #${n} ${result} in ${Math.round(durationMs / 1000)}s`,
  buildFailed: (job: string, n: number, result: string, stage: string | undefined, tail: string) =>
    `${job} #${n} ${result}${stage ? ` at stage ${stage}` : ''}${tail ? `: ${tail}` : ''}`,
  stageEnded: (stage: string, status: string) => `stage ${stage} ended ${status}`,
  jobMissing: (job: string, service: string) => `Jenkins has no job ${job}; create it with \`/autoscale jenkins push ${service}\``,
  queueCancelled: (job: string) => `the build of ${job} was cancelled in Jenkins' queue before it started`,
  pipelineUndid: (text: string) => `Jenkins rollback: ${text}`,
  vmLeftToPipeline: (vm: string) => `${vm}: left to the pipeline's rollback (this bot has no vCenter access)`,
};

/** A diff in code blocks, each within Slack's 3000-character section limit; long diffs are cut with a pointer to the CLI. */
function diffBlocks(diff: string, service: string): KnownBlock[] {
  const max = 2900;
  const chunks: string[] = [];
  let cur = '';
  // The patch's leading `=====` rule says nothing; backticks would end the code block.
  for (const line of diff.replace(/^=+\n/, '').replace(/`/g, "'").split('\n')) {
    const l = line.length > max ? `${line.slice(0, max - 1)}…` : line;
    if (cur.length + l.length + 1 > max) {
      chunks.push(cur);
      cur = '';
    }
    cur += `${l}\n`;
  }
  if (cur.trim()) chunks.push(cur);
  const shown = chunks.slice(0, 8);
  const blocks: KnownBlock[] = shown.map((c) => ({ type: 'section', text: { type: 'mrkdwn', text: `\`\`\`${c.trimEnd()}\`\`\`` } }));
  if (chunks.length > shown.length) {
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `… diff cut here; \`node dist/cli.js jenkins render ${service}\` prints the whole config.xml.` }] });
  }
  return blocks;
}

export type JobAction = 'create' | 'update' | 'unchanged';

export const jenkinsCmdText = {
  notConfigured: () => 'Jenkins is not configured on this bot (JENKINS_URL, JENKINS_USER, JENKINS_TOKEN). Nothing was changed.',
  comparing: (job: string) => `Comparing job *${job}* in Jenkins with the bot's config…`,
  failed: (job: string, message: string) => `:x: Jenkins: could not read or write job *${job}*: ${message}. Nothing was changed.`,
  unchanged: (job: string) => `Job *${job}* in Jenkins already matches the bot's config. Nothing to push.`,
  diffHead: (job: string, action: JobAction, service: string) =>
    action === 'create' ? `Job *${job}* does not exist in Jenkins yet; \`/autoscale jenkins push ${service}\` would create it:`
    : `Job *${job}* in Jenkins differs from the bot's config; \`/autoscale jenkins push ${service}\` would apply this:`,
  pushHead: (job: string, action: JobAction) =>
    action === 'create' ? `Create Jenkins job *${job}*? Its config.xml:` : `Update Jenkins job *${job}*? The change:`,
  diff: (head: string, diff: string, service: string): { text: string; blocks: KnownBlock[] } => ({
    text: head,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: head } }, ...diffBlocks(diff, service)],
  }),
  /** The push prompt: the diff, then Apply / Cancel carrying the pending push's id only. */
  pushPrompt: (head: string, diff: string, service: string, pendingId: string): { text: string; blocks: KnownBlock[] } => ({
    text: head,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head } },
      ...diffBlocks(diff, service),
      {
        type: 'actions',
        block_id: 'jenkins_push',
        elements: [
          { type: 'button', action_id: ACTION.jenkinsApply, value: pendingId, style: 'primary', text: { type: 'plain_text', text: 'Apply' } },
          { type: 'button', action_id: ACTION.jenkinsCancel, value: pendingId, text: { type: 'plain_text', text: 'Cancel' } },
        ],
      },
    ],
  }),
  applying: (job: string) => `:hourglass_flowing_sand: Writing job *${job}* to Jenkins…`,
  applied: (job: string, action: 'created' | 'updated' | 'unchanged', user: string) =>
    action === 'unchanged' ? `Job *${job}* in Jenkins already matched the bot's config; nothing was written (asked by ${who(user)}).`
    : `:white_check_mark: Jenkins job *${job}* ${action} by ${who(user)}.`,
  removePrompt: (job: string) => `Delete Jenkins job *${job}* with its build history? Services using \`executor: jenkins\` cannot scale out until it is pushed again.`,
  removeBusy: (job: string, requestId: string) => `A scale-out (${requestId}) is running on *${job}*; delete the job when it has finished. Nothing was changed.`,
  removed: (job: string, user: string) => `:wastebasket: Jenkins job *${job}* deleted by ${who(user)}.`,
  notThere: (job: string) => `Jenkins has no job *${job}*. Nothing was changed.`,
};
