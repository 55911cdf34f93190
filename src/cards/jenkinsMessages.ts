/** What users read about Jenkins: the executor's lines on cards and threads, and `/autoscale jenkins …`. */
import type { KnownBlock } from '@slack/types';
import { catalog, type Locale } from '../i18n/index.js';
import { ACTION } from './ids.js';
import { mention } from './mrkdwn.js';
import { formatDuration } from './time.js';

const link = (url: string, text: string) => (/^https?:\/\/[^|<>\s]+$/.test(url) ? `<${url}|${text}>` : text);

const jr = (l: Locale | undefined) => catalog(l ?? 'en').jenkins.run;
const jc = (l: Locale | undefined) => catalog(l ?? 'en').jenkins.cmd;

/**
 * The Jenkins executor's words: thread lines, and the operator's English message of its errors. What the card shows of a
 * build (its outcome, a failure, the pipeline's rollback) is stored as facts and worded by cards/facts.ts from the same
 * catalog section.
 */
export const jenkinsRunText = {
  buildStarted: (job: string, n: number, url: string, l?: Locale) => jr(l).buildStarted({ build: link(url, `${job} #${n}`) }),
  stoppedFollowing: (l?: Locale) => jr(l).stoppedFollowing,
  /** `which`: `#12`, or undefined while the build waits in Jenkins' queue. */
  reattached: (job: string, which: string | undefined, l?: Locale) => jr(l).reattached({ job, which: which ?? jr(l).inQueue }),
  resumed: (l?: Locale) => jr(l).resumed,
  scaleInLocal: (service: string, l?: Locale) => jr(l).scaleInLocal({ service }),
  noLocalForScaleIn: (service: string, l?: Locale) => jr(l).noLocalForScaleIn({ service }),
  buildDetail: (job: string, n: number, result: string, durationMs: number, l?: Locale) =>
    jr(l).buildDetail({ job, n, result, took: formatDuration(l ?? 'en', durationMs) }),
  buildFailed: (job: string, n: number, result: string, stage: string | undefined, tail: string, l?: Locale) =>
    jr(l).buildFailed({ job, n, result, stage: stage ? jr(l).atStage({ stage }) : '', tail: tail ? jr(l).tail({ tail }) : '' }),
  stageEnded: (stage: string, status: string, l?: Locale) => jr(l).stageEnded({ stage, status }),
  jobMissing: (job: string, service: string, l?: Locale) => jr(l).jobMissing({ job, service }),
  queueCancelled: (job: string, l?: Locale) => jr(l).queueCancelled({ job }),
};

/** A diff in code blocks, each within Slack's 3000-character section limit; long diffs are cut with a pointer to the CLI. */
function diffBlocks(diff: string, service: string, l?: Locale): KnownBlock[] {
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
    blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: jc(l).diffCut({ service }) }] });
  }
  return blocks;
}

export type JobAction = 'create' | 'update' | 'unchanged';

export const jenkinsCmdText = {
  notConfigured: (l?: Locale) => jc(l).notConfigured,
  comparing: (job: string, l?: Locale) => jc(l).comparing({ job }),
  failed: (job: string, message: string, l?: Locale) => jc(l).failed({ job, message }),
  unchanged: (job: string, l?: Locale) => jc(l).unchanged({ job }),
  diffHead: (job: string, action: JobAction, service: string, l?: Locale) =>
    action === 'create' ? jc(l).diffHeadCreate({ job, service }) : jc(l).diffHeadUpdate({ job, service }),
  pushHead: (job: string, action: JobAction, l?: Locale) => (action === 'create' ? jc(l).pushHeadCreate({ job }) : jc(l).pushHeadUpdate({ job })),
  diff: (head: string, diff: string, service: string, l?: Locale): { text: string; blocks: KnownBlock[] } => ({
    text: head,
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: head } }, ...diffBlocks(diff, service, l)],
  }),
  /** The push prompt: the diff, then Apply / Cancel carrying the pending push's id only. */
  pushPrompt: (head: string, diff: string, service: string, pendingId: string, l?: Locale): { text: string; blocks: KnownBlock[] } => ({
    text: head,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: head } },
      ...diffBlocks(diff, service, l),
      {
        type: 'actions',
        block_id: 'jenkins_push',
        elements: [
          { type: 'button', action_id: ACTION.jenkinsApply, value: pendingId, style: 'primary', text: { type: 'plain_text', text: jc(l).apply } },
          { type: 'button', action_id: ACTION.jenkinsCancel, value: pendingId, text: { type: 'plain_text', text: jc(l).cancel } },
        ],
      },
    ],
  }),
  applying: (job: string, l?: Locale) => jc(l).applying({ job }),
  applied: (job: string, action: 'created' | 'updated' | 'unchanged', user: string, l?: Locale) =>
    action === 'unchanged' ? jc(l).appliedUnchanged({ job, who: mention(user) })
    : action === 'created' ? jc(l).created({ job, who: mention(user) })
    : jc(l).updated({ job, who: mention(user) }),
  removePrompt: (job: string, l?: Locale) => jc(l).removePrompt({ job }),
  removeBusy: (job: string, requestId: string, l?: Locale) => jc(l).removeBusy({ job, id: requestId }),
  deleteButton: (l?: Locale) => jc(l).deleteButton,
  removed: (job: string, user: string, l?: Locale) => jc(l).removed({ job, who: mention(user) }),
  notThere: (job: string, l?: Locale) => jc(l).notThere({ job }),
};
