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
};

export type Catalog = typeof en;
