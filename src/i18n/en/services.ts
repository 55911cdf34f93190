/** `/autoscale service …` (src/cards/commandMessages.ts serviceText): listings, prompts, outcomes. */
export const services = {
  line: (p: { name: string; disabled: string; instances: string; min: number; max: number; leased: number; free: number; last: string }) =>
    `*${p.name}*${p.disabled} — instances ${p.instances} now (min ${p.min}, max ${p.max}) · IPs ${p.leased} leased / ${p.free} free · last scale event: ${p.last}`,
  disabled: ' _(disabled)_',
  last: (p: { verb: string; state: string; at: string }) => `${p.verb} ${p.state} ${p.at}`,
  noneYet: 'none yet',
  unknown: (p: { name: string }) => `No service named \`${p.name}\`. \`/autoscale service list\` shows them.`,
  listTitle: (p: { total: number }) => `*Services (${p.total})*`,
  none: 'No services yet. `/autoscale service create` or `/autoscale service import` adds some.',
  show: (p: { channel: string; template: string; mode: string }) => `Cards in <#${p.channel}> · template ${p.template} · approval ${p.mode}`,
  alreadyEnabled: (p: { name: string }) => `${p.name} is already enabled. Nothing was changed.`,
  alreadyDisabled: (p: { name: string }) => `${p.name} is already disabled. Nothing was changed.`,
  enabled: (p: { name: string }) => `:large_green_circle: ${p.name} is enabled: its alerts create scale requests again.`,
  disabledNow: (p: { name: string }) => `:white_circle: ${p.name} is disabled: its alerts are ignored until \`/autoscale service enable ${p.name}\`.`,
  openRequest: (p: { name: string; id: string }) =>
    `${p.name} has an open scale request (${p.id}); delete it when the request is finished or rejected. Nothing was changed.`,
  deletePrompt: (p: { name: string; leases: string }) =>
    `Delete service *${p.name}*? Its alerts will be ignored and its cards stop.${p.leases} VMs are not touched.`,
  leasesKept: (p: { n: number }) => ` Its ${p.n} IP lease(s) are kept, so those addresses are not reused.`,
  deleteButton: 'Delete service',
  deleted: (p: { name: string; who: string }) => `:wastebasket: Service *${p.name}* deleted by ${p.who}.`,
  openModalFailed: (p: { error: string }) => `:x: Could not open the form: ${p.error}`,
  exporting: 'Exporting…',
  exportedOne: (p: { filename: string }) => `Uploaded *${p.filename}* (1 service) to this channel.`,
  exported: (p: { filename: string; n: number }) => `Uploaded *${p.filename}* (${p.n} services) to this channel.`,
  exportCut: '# … cut here: use `node dist/cli.js services export` for the whole file',
  exportInline: (p: { reason: string; yaml: string }) => `Could not upload a file (${p.reason}); here is the YAML:\n\`\`\`\n${p.yaml}\n\`\`\``,
  secretsNote: 'Jenkins tokens are shown as ******** and kept when the YAML is imported back.',
  created: (p: { name: string }) => `Service *${p.name}* created. \`/autoscale service show ${p.name}\` shows it.`,
  saved: (p: { name: string }) => `Service *${p.name}* saved.`,
  unchanged: (p: { name: string }) => `Nothing changed in *${p.name}*.`,
  imported: (p: { created: string; updated: string; unchanged: string }) => `Created: ${p.created}\nUpdated: ${p.updated}\nUnchanged: ${p.unchanged}`,
  nameTaken: (p: { name: string }) => `A service named ${p.name} already exists; use \`/autoscale service edit ${p.name}\`.`,
  gone: (p: { name: string }) => `Service ${p.name} no longer exists; nothing was saved.`,
  moreProblems: (p: { n: number }) => `… and ${p.n} more`,
};

export type ServicesCatalog = typeof services;
