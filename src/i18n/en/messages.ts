/** Threads, ephemerals and notices outside the card layout (src/cards/messages.ts). Step labels live elsewhere. */
export const messages = {
  scaleOut: 'scale-out',
  scaleIn: 'scale-in',
  anyone: 'anyone',
  autoApproval: 'auto-approval',
  notApprover: (p: { service: string; approvers: string }) => `You are not an approver for ${p.service} (approvers: ${p.approvers}). Nothing was changed.`,
  requestNotFound: (p: { id: string }) => `Scale request ${p.id} was not found. It may have been deleted.`,
  by: (p: { who: string }) => ` by ${p.who}`,
  currentState: (p: { verb: string; service: string; id: string; state: string; by: string }) =>
    `The ${p.verb} of ${p.service} (${p.id}) is already ${p.state}${p.by}. Nothing was changed.`,
  possibleAt: (p: { at: string }) => ` Scaling becomes possible at ${p.at}.`,
  startRefused: (p: { verb: string; service: string; why: string; until: string }) =>
    `The ${p.verb} of ${p.service} was not started: ${p.why}.${p.until} The card says why.`,
  retryRefused: (p: { verb: string; service: string; why: string; until: string }) =>
    `The retry of the ${p.verb} of ${p.service} was not started: ${p.why}.${p.until} The request stays failed; Retry again later.`,
  notStartedThread: (p: { why: string }) => `:no_entry: Not started after the restart: ${p.why}.`,
  manualRefused: (p: { verb: string; service: string; why: string; until: string }) =>
    `The ${p.verb} of ${p.service} cannot start now: ${p.why}.${p.until} Its card says so in the channel.`,
  serviceGone: (p: { service: string }) => `Service ${p.service} no longer exists in the store.`,
  noExecutor: (p: { kind: string }) => `The ${p.kind} executor is not configured on this bot (see EXECUTOR and GOVC_URL / JENKINS_URL).`,
  clearedAfterJoin: (p: { mins: number; vm: string }) => `:large_green_circle: alert cleared ${p.mins} min after ${p.vm} joined.`,
  clearedAfterRemoval: (p: { mins: number; vm: string }) => `:large_green_circle: alert cleared ${p.mins} min after ${p.vm} was removed.`,
  stillFiringOut: (p: { alert: string; settle: string; vm: string }) =>
    `:warning: still firing — consider another scale-out (${p.alert} has not cleared ${p.settle} after ${p.vm} joined).`,
  stillFiringIn: (p: { alert: string; settle: string; vm: string }) => `:warning: still firing (${p.alert} has not cleared ${p.settle} after ${p.vm} was removed).`,
  theNewVm: 'the new VM',
  theAlert: 'the alert',
  restartedResuming: ':arrows_counterclockwise: The bot restarted during this run; resuming from the last completed step.',
  restartedRollingBack: ':arrows_counterclockwise: The bot restarted while it was rolling this run back; finishing the rollback.',
  interruptedRolledBack: 'The bot restarted in the middle of this run; what it had done was rolled back.',
  frozenConfirm: (p: { service: string; until: string }) => `${p.service} is in a change freeze until ${p.until}. Approve anyway?`,
  frozenRetryConfirm: (p: { service: string; until: string }) => `${p.service} is in a change freeze until ${p.until}. Retry anyway?`,
  unknownService: (p: { alert: string; service: string }) =>
    `:grey_question: Alert *${p.alert}* names service \`${p.service}\`, which this bot does not know. ` +
    'Add it with `/autoscale service create` or `node dist/cli.js services apply -f services.yml`. (At most one notice per service per hour.)',
  finished: (p: { verb: string; service: string; n: number }) => `:white_check_mark: ${p.verb} of ${p.service} finished (attempt ${p.n}).`,
  undone: (p: { what: string }) => `\nUndone: ${p.what}`,
  nothingUndone: '\nNothing needed undoing.',
  failedAt: (p: { verb: string; service: string; step: string; error: string }) => `:x: ${p.verb} of ${p.service} failed at *${p.step}*: ${p.error}`,
  unknownStep: 'unknown step',
  unknownError: 'unknown error',
  rejectPrompt: (p: { verb: string; service: string }) => `Reject the ${p.verb} of ${p.service}?`,
  /** The reject-reason modal and the freeze prompt (src/cards/modals.ts). */
  rejectTitle: 'Reject request',
  rejectSubmit: 'Reject',
  cancel: 'Cancel',
  reasonLabel: 'Reason (optional)',
  approveDuringFreeze: 'Approve during freeze',
  retryDuringFreeze: 'Retry during freeze',
};
