/** Refusals of a slash command's arguments (src/commands/autoscale/args.ts): what the argument is, and why it is refused. */
export const args = {
  /** The argument, as the refusal names it: "`x` is not a valid <what>: …". */
  what: {
    serviceName: 'service name',
    vmName: 'VM name',
    pageNumber: 'page number',
    sourceVm: 'source VM name',
    templateName: 'template name',
    description: 'description',
    resourcePool: 'resource pool',
    folder: 'folder',
  },
  expectedPage: 'expected a page number like 2',
  shellChars: (p: { chars: string }) => `shell characters are not allowed (${p.chars})`,
  atMost: (p: { n: number }) => `at most ${p.n} characters`,
  empty: 'must not be empty',
  vmNameChars: 'letters, digits, "_", "." and "-" only, starting with a letter or digit',
  noLeadingDash: 'must not start with "-" or a space',
  invalid: 'invalid',
  usage: (p: { usage: string }) => `Usage: \`/autoscale ${p.usage}\``,
};

export type ArgsCatalog = typeof args;
