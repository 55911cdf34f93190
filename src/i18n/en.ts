/**
 * The English catalog: every word a Slack user sees, by key. It defines the shape (`Catalog`) that every other language
 * must match exactly: tsc refuses a missing key or a parameter of another type, and test/unit/i18n checks it at run time.
 * A message with parameters is a function of one typed object; plain text is a string.
 */
import { facts } from './en/facts.js';
import { approval } from './en/approval.js';
import { messages } from './en/messages.js';
import { commands } from './en/commands.js';
import { modal } from './en/modal.js';
import { steps } from './en/steps.js';
import { warm } from './en/warm.js';
import { serviceForm } from './en/serviceForm.js';
import { jenkins } from './en/jenkins.js';
import { duration } from './en/duration.js';
import { plgPush } from './en/plgPush.js';
import { templates } from './en/templates.js';
import { services } from './en/services.js';
import { args } from './en/args.js';
import { configIssues } from './en/configIssues.js';
// Sections in their own files (src/i18n/en/<section>.ts): one import line above, one key line below.

export const en = {
  facts,
  approval,
  messages,
  commands,
  modal,
  steps,
  warm,
  serviceForm,
  jenkins,
  duration,
  plgPush,
  templates,
  services,
  args,
  configIssues,
  card: {
    /** The approval card's header, per state; `dir` is `out` / `in` (English keeps the words of the old card). */
    pending: (p: { dir: string; service: string }) => `Scale ${p.dir} ${p.service}?`,
    blocked: (p: { dir: string; service: string }) => `Scale ${p.dir} ${p.service}: not now`,
    approved: (p: { dir: string; service: string }) => `Scaling ${p.dir} ${p.service}…`,
    running: (p: { dir: string; service: string }) => `Scaling ${p.dir} ${p.service}…`,
    succeeded: (p: { dir: string; service: string }) => `Scaled ${p.dir} ${p.service}`,
    failed: (p: { dir: string; service: string }) => `Scale-${p.dir} of ${p.service} failed`,
    rejected: (p: { dir: string; service: string }) => `Scale-${p.dir} of ${p.service} rejected`,
    withdrawn: (p: { dir: string; service: string }) => `Scale-${p.dir} of ${p.service} withdrawn`,
    out: 'out',
    in: 'in',
    dryRun: '[DRY RUN] ',
    remove: (p: { vm: string }) => ` Remove ${p.vm}`,
    approve: 'Approve',
    approveTitle: 'Approve?',
    approveText: (p: { what: string }) => `Start the ${p.what} now?`,
    reject: 'Reject',
    rejectTitle: 'Reject?',
    rejectText: (p: { what: string }) => `Reject the ${p.what}? You can give a reason next.`,
    retry: 'Retry',
    retryTitle: 'Retry?',
    retryText: (p: { what: string }) => `Start a new attempt of the ${p.what}?`,
    cancel: 'Cancel',
    what: (p: { verb: string; service: string; vm: string }) => `${p.verb} of *${p.service}*${p.vm ? ` (${p.vm})` : ''}`,
    scaleOut: 'scale-out',
    scaleIn: 'scale-in',
  },
  states: {
    pending: 'waiting for approval',
    blocked: 'blocked',
    approved: 'approved, about to run',
    running: 'running',
    succeeded: 'done',
    failed: 'failed',
    rejected: 'rejected',
    withdrawn: 'withdrawn',
  },
  silence: {
    menu: 'Silence…',
    oneHour: '1 hour',
    fourHours: '4 hours',
    untilTomorrow: 'Until tomorrow 09:00',
    confirmTitle: 'Silence the alerts?',
    confirmText: (p: { service: string; direction: string }) =>
      `Silence the ${p.direction} alerts of *${p.service}* in Alertmanager and withdraw this request?`,
    confirm: 'Silence',
    cancel: 'Cancel',
    scaleOut: 'scale-out',
    scaleIn: 'scale-in',
    silencedBy: (p: { who: string; until: string; service: string; direction: string }) =>
      `:no_bell: Silenced by ${p.who} until ${p.until}: Alertmanager holds back the ${p.direction} alerts of ${p.service}, and this request is withdrawn.`,
    unsilencedBy: (p: { who: string; at: string }) => `:bell: Unsilenced by ${p.who} at ${p.at}: the alerts reach the bot again.`,
    inAlertmanager: (p: { who: string; until: string }) => `:no_bell: Silenced in Alertmanager by ${p.who} until ${p.until}`,
    unsilence: 'Unsilence',
    unsilenceTitle: 'Unsilence?',
    unsilenceText: (p: { service: string; direction: string }) => `Expire the silence now? The ${p.direction} alerts of *${p.service}* reach the bot again.`,
    notApprover: (p: { service: string; approvers: string }) =>
      `You are not an approver for ${p.service} (approvers: ${p.approvers}). Nothing was changed.`,
    notFound: (p: { id: string }) => `Scale request ${p.id} was not found. Nothing was changed.`,
    badChoice: 'That is not one of the silence options. Nothing was changed.',
    notConfigured: 'Silencing from Slack is off: the bot has no ALERTMANAGER_URL. Nothing was changed.',
    notPending: (p: { id: string; state: string }) => `Request ${p.id} is no longer waiting for a decision (it is ${p.state}). Nothing was silenced.`,
    alreadySilenced: (p: { who: string; until: string }) => `Already silenced by ${p.who} until ${p.until}. Nothing was changed.`,
    notSilenced: (p: { id: string }) => `Request ${p.id} has no silence made from its card. Nothing was changed.`,
    alreadyUnsilenced: (p: { who: string; at: string }) => `The silence was already lifted by ${p.who} at ${p.at}. Nothing was changed.`,
    silenceFailed: (p: { detail: string }) => `Could not silence: ${p.detail}. Nothing was changed; the request is still open.`,
    unsilenceFailed: (p: { detail: string }) => `Could not lift the silence: ${p.detail}. Nothing was changed; the silence still holds.`,
    amUnreachable: (p: { url: string }) => `Alertmanager at ${p.url} could not be reached`,
    amTimeout: (p: { url: string }) => `Alertmanager at ${p.url} did not answer in time`,
    amRefused: (p: { url: string; reason: string }) => `Alertmanager at ${p.url} refused it (${p.reason})`,
    storeFailed: 'The bot could not write its store, so the silence was taken back. Nothing was changed; try again.',
  },
  chart: {
    title: (p: { service: string }) => `${p.service}: CPU and memory, last hour`,
    subtitle: (p: { job: string }) => `rules read job ${p.job}`,
    cpu: 'CPU busy %',
    memory: 'Memory used %',
    threshold: (p: { metric: string; value: number }) => `${p.metric} threshold ${p.value}%`,
    cpuShort: 'CPU',
    memoryShort: 'memory',
    alertStart: (p: { time: string }) => `alert since ${p.time}`,
    altText: (p: { service: string }) => `Chart of ${p.service}'s CPU and memory over the last hour`,
    unavailable: (p: { reason: string }) => `_No chart this time: ${p.reason}_`,
    reasonTimeout: 'Prometheus did not answer in time',
    reasonUnreachable: 'Prometheus could not be reached',
    reasonNoData: 'Prometheus has no samples for this service yet',
    reasonFailed: 'the query failed',
  },
  plg: {
    /** The line of `plg diff` / the push card saying which job the service's rules select. */
    rulesReadGenerated: (p: { job: string; service: string }) =>
      `The rules read job \`${p.job}\`, which the bot generates: its targets come from the bot's service discovery (\`/sd/prometheus?service=${p.service}\`), the configured targets and every VM the bot creates.`,
    rulesReadExisting: (p: { job: string }) =>
      `The rules read your own job \`${p.job}\` (monitoring.existingJob): the bot generates no scrape job, so that job must also scrape the VMs the bot creates.`,
  },
  sd: {
    /** Service modal, monitoring section: the fields issue 13 added (the section's older labels are still literals). */
    prometheusJobHint: 'The job the bot creates and its rules read (default autoscale-<name>).',
    existingJob: 'Existing job (instead: yours already scrapes it)',
    existingJobHint: 'No job is generated; the rules read this one. Leave targets and Prometheus job empty.',
    exporterPort: 'Node exporter port on new VMs',
    sdRefreshInterval: 'Service discovery refresh',
    sdRefreshIntervalHint: 'How often Prometheus asks the bot for the instances.',
  },
  protect: {
    /** `/autoscale protect|unprotect <vm>` answers. */
    usage: (p: { verb: string }) => `Usage: \`/autoscale ${p.verb} <vm>\` (a VM the bot created, by name or inventory path).`,
    unknownVm: (p: { vm: string }) =>
      `No VM named \`${p.vm}\` is managed by the bot (only VMs it created can be protected). Nothing was changed.`,
    ambiguous: (p: { vm: string; matches: string }) =>
      `\`${p.vm}\` names more than one VM the bot manages: ${p.matches}. Give the inventory path instead. Nothing was changed.`,
    protected: (p: { vm: string; service: string; who: string }) =>
      `:shield: *${p.vm}* (${p.service}) is protected from scale-in by ${p.who}: no scale-in will pick it until \`/autoscale unprotect ${p.vm}\`.`,
    unprotected: (p: { vm: string; service: string; who: string }) =>
      `*${p.vm}* (${p.service}) is no longer protected (by ${p.who}): scale-in may pick it again.`,
    alreadyProtected: (p: { vm: string; who: string; at: string }) => `*${p.vm}* is already protected (by ${p.who}, ${p.at}). Nothing was changed.`,
    notProtected: (p: { vm: string }) => `*${p.vm}* is not protected. Nothing was changed.`,
    gone: (p: { vm: string }) => `*${p.vm}* is no longer a VM the bot manages (it was removed meanwhile). Nothing was changed.`,
    /** The card, the status and App Home. */
    cardField: 'Protected from scale-in',
    names: (p: { names: string; count: number }) => `${p.names} (${p.count})`,
    moreNames: (p: { names: string; more: number }) => `${p.names} and ${p.more} more`,
    statusLine: (p: { service: string; vms: string }) => `:shield: *${p.service}* protected from scale-in: ${p.vms}`,
    statusNone: 'No VM is protected from scale-in.',
    homeSuffix: (p: { vms: string }) => ` · :shield: protected: ${p.vms}`,
    victimProtected: (p: { vm: string }) => `${p.vm} was protected after this card was posted, so it was not removed. The next scale-in alert picks another VM.`,
    inFlight: (p: { vm: string; id: string }) =>
      `\n:warning: A scale-in removing ${p.vm} is already under way (${p.id}); protection does not stop a run in flight.`,
    allProtected: (p: { service: string; count: number }) =>
      `every VM the bot created for ${p.service} is protected from scale-in (${p.count}), so nothing can be removed`,
  },
  belowMin: {
    /** The card of a scale-out the bot proposed because the live count fell below scaling.min. */
    card: (p: { service: string; count: number; min: number }) => `:arrow_down: *${p.service} has ${p.count} of its minimum ${p.min} instances*`,
    detail: (p: { source: string }) => `The bot counted the members (${p.source}) and proposes a scale-out back to the minimum.`,
    /** Why an undecided below-min card was withdrawn (shown as "Withdrawn: …"). */
    backAtMin: (p: { service: string; count: number; min: number }) => `${p.service} is back at its minimum (${p.count} of ${p.min}) without it`,
  },
  help: {
    /** `/autoscale help` and the dispatcher's answers. */
    title: '*`/autoscale` commands*',
    groups: { Operations: 'Operations', Services: 'Services', Templates: 'Templates', 'Monitoring (PLG)': 'Monitoring (PLG)', Jenkins: 'Jenkins', Help: 'Help' },
    admins: ' _(admins)_',
    unknown: (p: { text: string }) => `Unknown command \`${p.text}\`.`,
    usage: (p: { usage: string }) => `Usage: \`/autoscale ${p.usage}\``,
    adminOnly: (p: { name: string; admins: string }) => `Only admins may run \`/autoscale ${p.name}\` (ADMIN_USERS: ${p.admins}). Nothing was changed.`,
    failed: (p: { message: string }) => `:x: That failed: ${p.message}`,
    /** One line per subcommand, by its name. */
    summary: {
      status: (p: { pageSize: number }) => `open requests per service: pending with deadlines, in flight with the current step (${p.pageSize} a page)`,
      history: 'the last n requests (default 10) with outcome, who decided, duration, VM and IP',
      scaleOut: 'ask for a manual scale-out through the approval card',
      scaleIn: 'ask for a manual scale-in through the approval card',
      preflight: 'what a scale-out would do now and whether it can, changing nothing',
      protect: 'keep a VM the bot created from ever being picked by scale-in',
      unprotect: 'let scale-in pick the VM again',
      serviceList: (p: { pageSize: number }) => `every service: enabled, instances now/min/max, IP pool usage, last scale event (${p.pageSize} a page)`,
      serviceShow: "a service's state and its whole configuration",
      serviceCreate: 'a form with every setting of a new service',
      serviceEdit: "the same form, filled in with the service's settings",
      serviceEnable: 'let its alerts create scale requests again',
      serviceDisable: 'ignore its alerts (open requests are not touched)',
      serviceDelete: 'remove a service (not its VMs), after a confirm; refused while a request is open',
      serviceImport: 'paste a services file (YAML) to create or replace the services in it',
      serviceExport: 'the services file (YAML) of one or every service, as a file',
      templateList: (p: { pageSize: number }) => `vCenter's templates with who made them, from what, and which services use them (${p.pageSize} a page)`,
      templateCreate: 'clone a VM into a new template (the VM is left as it is), after a confirm',
      templateDelete: 'destroy a template no service uses, after a confirm',
      jenkinsDiff: "what `jenkins push` would change in the service's Jenkins job (changes nothing)",
      jenkinsPush: "create or update the service's Jenkins job: shows the diff, then Apply / Cancel",
      jenkinsRemove: "delete the service's Jenkins job, after a confirm (the service stays)",
      plgDiff: "show what a push would change in Prometheus' and Alertmanager's files (changes nothing)",
      plgPush: 'push the scrape job, alert rules and Alertmanager route, after showing the diff (Apply / Cancel)',
      plgRemove: 'remove the service from the monitoring config, after showing the diff (Apply / Cancel)',
    },
  },
  home: {
    /** The App Home tab. */
    title: 'VM autoscaling',
    services: '*Services*',
    noServices: '_No services yet: `/autoscale service create` or `cli services apply`._',
    service: (p: { name: string; instances: string; min: number; max: number; leased: number; poolSize: number; mode: string; channel: string }) =>
      `*${p.name}* — instances ${p.instances} (min ${p.min}, max ${p.max}) · IPs ${p.leased}/${p.poolSize} leased · approval ${p.mode} · ${p.channel}`,
    open: '*Open requests*',
    none: '_None._',
    openLine: (p: { service: string; verb: string; state: string }) => `• *${p.service}* ${p.verb} — ${p.state}`,
    autoApproves: (p: { at: string; relative: string }) => `, auto-approves ${p.at} (${p.relative})`,
    recent: '*Recent history*',
    nothingYet: '_Nothing yet._',
    recentLine: (p: { at: string; service: string; direction: string; state: string }) => `• ${p.at} *${p.service}* ${p.direction} — ${p.state}`,
    decidedBy: (p: { who: string }) => ` (${p.who})`,
    auto: 'auto',
    scaleOut: 'scale-out',
    scaleIn: 'scale-in',
    out: 'out',
    in: 'in',
    state: {
      pending: 'waiting for approval',
      blocked: 'blocked',
      approved: 'approved, about to run',
      running: 'running',
      succeeded: 'done',
      failed: 'failed',
      rejected: 'rejected',
      withdrawn: 'withdrawn',
    },
  },
};

export type Catalog = typeof en;
