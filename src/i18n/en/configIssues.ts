/**
 * The services schema's own rules (src/config.ts), by code: the message of a custom issue, which `services apply`
 * prints in English and the service form / `/autoscale service import` show in the reader's language. A rule of
 * config.ts takes its English from here and carries its code and parameters in the issue's `params`.
 */
export const configIssues = {
  duration: 'expected a duration like 30s, 10m, 1h',
  durationTooLong: (p: { value: string; max: string }) => `${p.value} is longer than the maximum of ${p.max}`,
  ipv4: 'expected an IPv4 address like 10.0.0.1',
  hostPort: 'expected host:port',
  jobNameChars: 'letters, digits, "_" and "-" only',
  slackId: 'expected a Slack id like C0123ABCD / U0123ABCD',
  pathChars: 'must not contain control or shell characters',
  dnsName: 'lower-case letters, digits and "-" only',
  nameChars: 'letters, digits, "_", "." and "-" only',
  portMax: 'port must be at most 65535',
  cron: 'expected a cron expression like "0 22 * * 5" (minute hour day month weekday)',
  netmask: 'expected a netmask like 255.255.255.0',
  freezeTextTooLong: (p: { max: number }) =>
    `the windows take more than ${p.max} characters as the form shows them (one "cron | duration | reason" per line); shorten the reasons`,
  targetsTextTooLong: (p: { max: number }) => `the targets take more than ${p.max} characters as "a, b, c"; use fewer or shorter names`,
  poolEndBeforeStart: (p: { start: string; end: string }) => `pool end ${p.end} is before start ${p.start}`,
  poolTooLarge: 'pool is larger than a /16; split it',
  poolOutsideSubnet: (p: { start: string; end: string; gateway: string; netmask: string }) =>
    `pool ${p.start}-${p.end} is not in the gateway's subnet (${p.gateway}/${p.netmask})`,
  targetsWithExistingJob: (p: { job: string }) =>
    `targets are scraped by a job the bot generates, and existingJob ${p.job} says none is generated: list these targets in your own job ${p.job}, or drop existingJob to let the bot create the job`,
  bothJobs: 'give either prometheusJob (the job the bot creates) or existingJob (your own job, nothing generated), not both',
  minAboveMax: (p: { min: number; max: number }) => `min ${p.min} is greater than max ${p.max}`,
  warmPoolSize: 'from 1 to 10 warm VMs per service (leave warmPool out for none)',
  warmPoolState: 'expected stopped or running',
  warmPoolNeedsLocal: 'a warm pool needs the local executor: a Jenkins pipeline clones its own VMs (drop warmPool, or the executor)',
  tooLong: (p: { max: number; length: number }) => `at most ${p.max} characters (this one has ${p.length})`,
  duplicateName: (p: { name: string; prev: number }) => `duplicate service name "${p.name}" (also services[${p.prev}])`,
  /** Problems found when services are saved (src/servicesFile.ts, ServiceProblem): secrets and rules across services. */
  secretNoneStored: (p: { placeholder: string; service: string }) =>
    `${p.placeholder} stands for the stored secret, but service "${p.service}" has none stored; write the secret itself or leave the field out`,
  secretServiceNew: (p: { placeholder: string; service: string }) =>
    `${p.placeholder} stands for the stored secret, but service "${p.service}" does not exist yet; write the secret itself or leave the field out`,
  /** `datacenter` undefined: govc's default one. */
  vmNamesCollide: (p: { service: string; other: string; prefix: string; datacenter?: string; path: string }) =>
    `services "${p.service}" and "${p.other}" would both name their VMs ${p.prefix}-<n> in folder /${p.datacenter ?? "<govc's default datacenter>"}/${p.path}; give one of them another vmNamePrefix or vcenter.folder`,
  poolsOverlap: (p: { pool: string; service: string; otherPool: string; other: string; shared: string }) =>
    `the pool ${p.pool} of service "${p.service}" overlaps the pool ${p.otherPool} of service "${p.other}" (both hold ${p.shared}); pools must not share addresses`,
  fileTooLarge: (p: { max: number }) => `larger than ${p.max} bytes`,
};

export type ConfigIssuesCatalog = typeof configIssues;
