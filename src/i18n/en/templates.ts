/** `/autoscale template …` (src/cards/commandMessages.ts templateText): the listing, the prompts, the progress. */
export const templates = {
  /** At most n names, then how many more (lists of services and templates). */
  andMore: (p: { names: string; more: number }) => `${p.names} and ${p.more} more`,
  from: (p: { vm: string }) => `from ${p.vm}`,
  made: (p: { by: string; at: string }) => `made${p.by}${p.at}`,
  madeBy: (p: { who: string }) => ` by ${p.who}`,
  madeAt: (p: { at: string }) => ` ${p.at}`,
  usedBy: (p: { services: string }) => `used by ${p.services}`,
  unused: 'unused',
  working: 'Asking vCenter for its templates…',
  listFailed: (p: { message: string }) => `:x: Could not list templates: ${p.message}`,
  listTitle: (p: { total: number }) => `*Templates in vCenter (${p.total})*`,
  none: 'vCenter has no templates. `/autoscale template create <source-vm> <name>` makes one.',
  stale: (p: { names: string }) => `_Metadata kept for templates vCenter no longer has: ${p.names}._`,
  createPrompt: (p: { name: string; source: string }) => `Create template *${p.name}* from VM *${p.source}*?`,
  createClone: (p: { source: string }) => `The VM is cloned powered off and the clone is marked as a template; *${p.source}* itself is not changed.`,
  createPool: (p: { pool: string }) => `Resource pool: ${p.pool}`,
  defaultPool: "vCenter's default",
  createDescription: (p: { description: string }) => `Description: ${p.description}`,
  createButton: 'Create template',
  deleteButton: 'Delete template',
  deletePrompt: (p: { name: string }) => `Delete template *${p.name}* from vCenter? This destroys it with its disks and cannot be undone. No service uses it.`,
  inUseOne: (p: { name: string; services: string; first: string }) =>
    `Template *${p.name}* is used by ${p.services}; point it at another template first (\`/autoscale service edit ${p.first}\`). Nothing was changed.`,
  inUseMany: (p: { name: string; services: string; first: string }) =>
    `Template *${p.name}* is used by ${p.services}; point them at another template first (\`/autoscale service edit ${p.first}\`). Nothing was changed.`,
  creating: (p: { name: string; source: string; who: string }) => `:hourglass_flowing_sand: Creating template *${p.name}* from *${p.source}* (asked by ${p.who})…`,
  created: (p: { name: string; source: string; who: string; took: string }) =>
    `:white_check_mark: Template *${p.name}* created from *${p.source}* in ${p.took} (asked by ${p.who}). \`/autoscale template list\` shows it.`,
  checking: (p: { name: string; who: string }) => `:hourglass_flowing_sand: Deleting template *${p.name}* (asked by ${p.who}): checking vCenter…`,
  destroying: (p: { name: string; who: string }) => `:hourglass_flowing_sand: Deleting template *${p.name}* (asked by ${p.who}): destroying it…`,
  deleted: (p: { name: string; who: string }) => `:wastebasket: Template *${p.name}* deleted from vCenter (asked by ${p.who}).`,
  createFailed: (p: { name: string; why: string }) => `:x: Could not create template *${p.name}*: ${p.why} Nothing was changed.`,
  deleteFailed: (p: { name: string; why: string }) => `:x: Could not delete template *${p.name}*: ${p.why} Nothing was changed.`,
  /** Why, by the failure's code. */
  why: {
    no_vcenter: 'vCenter is not configured on this bot (GOVC_URL).',
    source_missing: (p: { source: string }) => `vCenter has no VM named *${p.source}*.`,
    exists: (p: { name: string }) => `vCenter already has a VM or template named *${p.name}*.`,
    not_found: (p: { name: string }) => `vCenter has no template named *${p.name}*.`,
    not_template: (p: { name: string }) => `*${p.name}* is a VM, not a template; this command deletes only templates.`,
    in_use: (p: { services: string }) => `it is used by ${p.services}.`,
    ambiguous: (p: { name: string; n: number; paths: string }) =>
      `the name *${p.name}* matches ${p.n} objects in vCenter (${p.paths}), so the bot will not guess which one is meant. Rename the one to delete to a unique name.`,
    multiplePools: (p: { message: string }) => `${p.message} — add \`pool=&lt;resource pool path&gt;\` to the command.`,
  },
  noVcenter: 'vCenter is not configured on this bot (GOVC_URL), so there are no templates to manage.',
};

export type TemplatesCatalog = typeof templates;
