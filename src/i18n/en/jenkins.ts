/** What users read about Jenkins (src/cards/jenkinsMessages.ts): the executor's lines on cards and threads, and `/autoscale jenkins …`. */
export const jenkins = {
  run: {
    buildStarted: (p: { build: string }) => `:gear: Jenkins build ${p.build} started; its stages show on the card.`,
    stoppedFollowing: 'stopped following the build: the bot is shutting down (the build goes on; the next start re-attaches to it)',
    reattached: (p: { job: string; which: string }) =>
      `:arrows_counterclockwise: The bot restarted during this run; re-attached to its Jenkins build of ${p.job} ${p.which} (no new build started).`,
    inQueue: 'in the queue',
    resumed: ':arrows_counterclockwise: The bot restarted during this run; resuming from the last completed step.',
    scaleInLocal: (p: { service: string }) => `:information_source: ${p.service} runs scale-outs on Jenkins; this scale-in runs on the bot itself.`,
    noLocalForScaleIn: (p: { service: string }) =>
      `${p.service} runs on Jenkins, whose job only scales out, and this bot has no vCenter access (GOVC_URL) to scale in itself`,
    buildDetail: (p: { job: string; n: number; result: string; took: string }) => `${p.job} #${p.n} ${p.result} in ${p.took}`,
    buildFailed: (p: { job: string; n: number; result: string; stage: string; tail: string }) => `${p.job} #${p.n} ${p.result}${p.stage}${p.tail}`,
    atStage: (p: { stage: string }) => ` at stage ${p.stage}`,
    tail: (p: { tail: string }) => `: ${p.tail}`,
    stageEnded: (p: { stage: string; status: string }) => `stage ${p.stage} ended ${p.status}`,
    jobMissing: (p: { job: string; service: string }) => `Jenkins has no job ${p.job}; create it with \`/autoscale jenkins push ${p.service}\``,
    queueCancelled: (p: { job: string }) => `the build of ${p.job} was cancelled in Jenkins' queue before it started`,
    pipelineUndid: (p: { text: string }) => `Jenkins rollback: ${p.text}`,
    vmLeftToPipeline: (p: { vm: string }) => `${p.vm}: left to the pipeline's rollback (this bot has no vCenter access)`,
  },
  cmd: {
    diffCut: (p: { service: string }) => `… diff cut here; \`node dist/cli.js jenkins render ${p.service}\` prints the whole config.xml.`,
    notConfigured: 'Jenkins is not configured on this bot (JENKINS_URL, JENKINS_USER, JENKINS_TOKEN). Nothing was changed.',
    comparing: (p: { job: string }) => `Comparing job *${p.job}* in Jenkins with the bot's config…`,
    failed: (p: { job: string; message: string }) => `:x: Jenkins: could not read or write job *${p.job}*: ${p.message}. Nothing was changed.`,
    unchanged: (p: { job: string }) => `Job *${p.job}* in Jenkins already matches the bot's config. Nothing to push.`,
    diffHeadCreate: (p: { job: string; service: string }) =>
      `Job *${p.job}* does not exist in Jenkins yet; \`/autoscale jenkins push ${p.service}\` would create it:`,
    diffHeadUpdate: (p: { job: string; service: string }) =>
      `Job *${p.job}* in Jenkins differs from the bot's config; \`/autoscale jenkins push ${p.service}\` would apply this:`,
    pushHeadCreate: (p: { job: string }) => `Create Jenkins job *${p.job}*? Its config.xml:`,
    pushHeadUpdate: (p: { job: string }) => `Update Jenkins job *${p.job}*? The change:`,
    apply: 'Apply',
    cancel: 'Cancel',
    applying: (p: { job: string }) => `:hourglass_flowing_sand: Writing job *${p.job}* to Jenkins…`,
    appliedUnchanged: (p: { job: string; who: string }) =>
      `Job *${p.job}* in Jenkins already matched the bot's config; nothing was written (asked by ${p.who}).`,
    created: (p: { job: string; who: string }) => `:white_check_mark: Jenkins job *${p.job}* created by ${p.who}.`,
    updated: (p: { job: string; who: string }) => `:white_check_mark: Jenkins job *${p.job}* updated by ${p.who}.`,
    removePrompt: (p: { job: string }) =>
      `Delete Jenkins job *${p.job}* with its build history? Services using \`executor: jenkins\` cannot scale out until it is pushed again.`,
    removeBusy: (p: { job: string; id: string }) => `A scale-out (${p.id}) is running on *${p.job}*; delete the job when it has finished. Nothing was changed.`,
    deleteButton: 'Delete job',
    removed: (p: { job: string; who: string }) => `:wastebasket: Jenkins job *${p.job}* deleted by ${p.who}.`,
    notThere: (p: { job: string }) => `Jenkins has no job *${p.job}*. Nothing was changed.`,
  },
};

export type JenkinsCatalog = typeof jenkins;
