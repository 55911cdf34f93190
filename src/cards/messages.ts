/** Every short string a Slack user reads, outside the card layout itself, in one place. */
import { formatDuration } from '../duration.js';
import type { BlockInfo, Direction, ScaleRequest, StepName } from '../store/types.js';
import { catalog, type Locale } from '../i18n/index.js';
import { escape, mention } from './mrkdwn.js';

/** A step's label in a language, from the catalog (section `steps`, one entry per step of the registry). */
export function stepLabel(locale: Locale, step: StepName | string): string {
  const labels: Record<string, string> = catalog(locale).steps;
  return labels[step] ?? step;
}

/** The English labels, for callers not yet given a locale. */
export const STEP_LABEL: Record<StepName, string> = catalog('en').steps;

const STATE_TEXT: Record<ScaleRequest['state'], string> = {
  pending: 'waiting for approval',
  blocked: 'blocked',
  approved: 'approved, about to run',
  running: 'running',
  succeeded: 'done',
  failed: 'failed',
  rejected: 'rejected',
  withdrawn: 'withdrawn',
};

const verb = (d: Direction) => (d === 'out' ? 'scale-out' : 'scale-in');

export const messages = {
  verb,
  stateText: (r: ScaleRequest) => STATE_TEXT[r.state],
  notApprover: (service: string, approvers: string[]) =>
    `You are not an approver for ${service} (approvers: ${approvers.map(mention).join(', ') || 'anyone'}). Nothing was changed.`,
  requestNotFound: (id: string) => `Scale request ${id} was not found. It may have been deleted.`,
  currentState: (r: ScaleRequest) => {
    const who = r.decision ? ` by ${r.decision.by === 'auto' ? 'auto-approval' : mention(r.decision.by)}` : '';
    return `The ${verb(r.direction)} of ${r.service} (${r.id}) is already ${STATE_TEXT[r.state]}${r.decision && r.state !== 'blocked' ? who : ''}. Nothing was changed.`;
  },
  startRefused: (r: ScaleRequest, b: BlockInfo) =>
    `The ${verb(r.direction)} of ${r.service} was not started: ${b.message}.${b.until ? ` Scaling becomes possible at ${b.until}.` : ''} The card says why.`,
  retryRefused: (r: ScaleRequest, b: BlockInfo) =>
    `The retry of the ${verb(r.direction)} of ${r.service} was not started: ${b.message}.${b.until ? ` Scaling becomes possible at ${b.until}.` : ''} The request stays failed; Retry again later.`,
  notStartedThread: (b: BlockInfo) => `:no_entry: Not started after the restart: ${b.message}.`,
  manualRefused: (service: string, direction: Direction, b: BlockInfo) =>
    `The ${verb(direction)} of ${service} cannot start now: ${b.message}.${b.until ? ` Scaling becomes possible at ${b.until}.` : ''} Its card says so in the channel.`,
  serviceGone: (service: string) => `Service ${service} no longer exists in the store.`,
  noExecutor: (kind: string) => `The ${kind} executor is not configured on this bot (see EXECUTOR and GOVC_URL / JENKINS_URL).`,
  interruptedRolledBack: () => 'The bot restarted in the middle of this run; what it had done was rolled back.',
  frozenConfirm: (service: string, until: Date) =>
    `${service} is in a change freeze until ${until.toISOString()}. Approve anyway?`,
  frozenRetryConfirm: (service: string, until: Date) =>
    `${service} is in a change freeze until ${until.toISOString()}. Retry anyway?`,
  conflictingAlert: (direction: Direction, alert: string) =>
    `A scale-${direction} alert (${alert}) fired while this request is open; it was not acted on.`,
  unknownService: (service: string, alert: string) =>
    `:grey_question: Alert *${escape(alert.slice(0, 200))}* names service \`${escape(service.slice(0, 200))}\`, which this bot does not know. ` +
    'Add it with `/autoscale service create` or `node dist/cli.js services apply -f services.yml`. (At most one notice per service per hour.)',
  stepThread: (step: StepName, durationMs: number, detail?: string) =>
    `:white_check_mark: ${STEP_LABEL[step]} (${formatDuration(durationMs)})${detail ? `: ${escape(detail)}` : ''}`,
  runFinishedThread: (r: ScaleRequest) => {
    const a = r.attempts[r.attempts.length - 1];
    if (!a) return `${r.service}: ${STATE_TEXT[r.state]}`;
    if (r.state === 'succeeded') {
      const plan = a.plan?.length ? `\n${'```'}\n${a.plan.join('\n')}\n${'```'}` : '';
      return `:white_check_mark: ${verb(r.direction)} of ${r.service} finished (attempt ${a.n}).${plan}`;
    }
    const undone = a.undone.length ? `\nUndone: ${escape(a.undone.join('; '))}` : '\nNothing needed undoing.';
    return `:x: ${verb(r.direction)} of ${r.service} failed at *${a.error ? escape(stepLabel('en', a.error.step)) : 'unknown step'}*: ${escape(a.error?.message ?? 'unknown error')}${undone}`;
  },
  rejectPrompt: (service: string, direction: Direction) => `Reject the ${verb(direction)} of ${service}?`,
};
