/**
 * The English catalog: every word a Slack user sees, by key. It defines the shape (`Catalog`) that every other language
 * must match exactly: tsc refuses a missing key or a parameter of another type, and test/unit/i18n checks it at run time.
 * A message with parameters is a function of one typed object; plain text is a string.
 */
export const en = {
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
};

export type Catalog = typeof en;
