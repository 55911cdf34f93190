/** A monitoring-config push (src/cards/plgCards.ts, `/autoscale plg diff|push|remove`): the diff, the buttons, the step report. */
export const plgPush = {
  file: { prometheus: 'Prometheus config', rules: 'alert rules', alertmanager: 'Alertmanager config' },
  unchangedFile: (p: { file: string; path: string }) => `${p.file} \`${p.path}\`: unchanged`,
  newFile: ' (new file)',
  more: (p: { n: number }) => `… (${p.n} more characters)`,
  pushWhat: (p: { service: string }) => `Monitoring config for *${p.service}*`,
  removeWhat: (p: { service: string }) => `Removing *${p.service}* from the monitoring config`,
  noopText: (p: { what: string }) => `${p.what}: already up to date, nothing to do.`,
  noop: (p: { what: string }) => `:white_check_mark: ${p.what}: already up to date — nothing to change.`,
  change: (p: { what: string }) => `${p.what} — the change:`,
  changedFiles: (p: { what: string; n: number }) => `${p.what}: ${p.n} file(s) change`,
  apply: 'Apply',
  applyTitle: 'Apply?',
  applyText: 'Back up, validate (promtool / amtool), install, reload and verify. Any failure restores the backups.',
  cancel: 'Cancel',
  alreadyUpToDate: (p: { service: string }) => `:white_check_mark: Monitoring config for ${p.service} was already up to date.`,
  pushed: (p: { service: string; who: string; took: string }) => `:white_check_mark: Monitoring config pushed for *${p.service}* by ${p.who} in ${p.took}.`,
  removed: (p: { service: string; who: string; took: string }) => `:white_check_mark: Monitoring config removed for *${p.service}* by ${p.who} in ${p.took}.`,
  pushFailed: (p: { service: string; code: string; message: string }) => `:x: Monitoring config push for *${p.service}* failed (${p.code}): ${p.message}`,
  removeFailed: (p: { service: string; code: string; message: string }) => `:x: Monitoring config remove for *${p.service}* failed (${p.code}): ${p.message}`,
  restored: '\nThe original files were restored and the servers reloaded.',
  backups: (p: { list: string }) => `\nBackups: ${p.list}`,
  /** The push's steps by their code (English shows the code itself, as the operators' logs do). */
  step: {
    connect: 'connect', read: 'read', compare: 'compare', backup: 'backup', write_temp: 'write_temp', check: 'check', install: 'install',
    reload: 'reload', verify: 'verify', cleanup: 'cleanup', restore: 'restore', reload_after_restore: 'reload_after_restore',
  },
  role: { prometheus: 'prometheus', rules: 'rules', alertmanager: 'alertmanager' },
  /** What the push itself established about a step (PlgDetailFact, by its code); paths and roles as given. */
  detail: {
    unchanged_since_diff: 'files unchanged since the diff',
    changed_since_plan: (p: { paths: string }) => `refusing to apply: ${p.paths} changed on the server since the diff was made. Run the diff again.`,
    plan_stale: (p: { roles: string }) =>
      `refusing to apply: the generated ${p.roles} config differs from the diff shown (the service or the bot's settings changed). Run the diff again.`,
    missing_file: (p: { path: string; host: string; variable: string }) => `${p.path} does not exist on ${p.host} (check ${p.variable})`,
    removed: (p: { path: string }) => `removed ${p.path}`,
    new_file: (p: { path: string }) => `${p.path} is new: nothing to back up`,
    removed_new: (p: { path: string }) => `removed the new ${p.path}`,
    restored: (p: { path: string; backup: string }) => `${p.path} restored from ${p.backup}`,
    sd_not_configured: (p: { service: string; missing: string }) =>
      `${p.missing} not set: the scrape job of ${p.service} asks the bot for its targets (http_sd at BOT_PUBLIC_URL/sd/prometheus, authorized by PROMETHEUS_SD_TOKEN). Set them for the bot and run the push again`,
    ssh_failed: (p: { detail: string }) => `SSH to the monitoring server failed: ${p.detail}`,
    write_failed: (p: { path: string; detail: string }) => `writing beside ${p.path} failed, nothing was changed: ${p.detail}`,
    check_failed: (p: { path: string; detail: string }) => `the new ${p.path} failed validation, nothing was changed: ${p.detail}`,
    place_failed: (p: { path: string; detail: string }) => `placing the new ${p.path} failed, nothing was changed: ${p.detail}`,
    install_failed: (p: { path: string; detail: string }) => `installing ${p.path} failed: ${p.detail}.`,
    reload_failed: (p: { server: string; detail: string }) => `reloading ${p.server} failed: ${p.detail}.`,
    verify_failed: (p: { server: string; detail: string }) => `${p.server} did not show the change: ${p.detail}.`,
  },
  /** After a failed live change whose restore failed too. */
  restoreFailed: (p: { list: string }) => `\n:rotating_light: RESTORING THE PREVIOUS FILES FAILED — see the steps; backups: ${p.list}`,
  notConfigured: (p: { why: string }) => `:warning: The monitoring push is not configured: ${p.why}`,
  planFailed: (p: { service: string; code: string; message: string }) =>
    `:x: Could not prepare the monitoring config for ${p.service} (${p.code}): ${p.message}. Nothing was changed.`,
  applying: (p: { service: string }) => `:hourglass_flowing_sand: Applying the monitoring config for ${p.service}…`,
  reading: (p: { service: string }) => `Reading the monitoring config for ${p.service}…`,
};

export type PlgPushCatalog = typeof plgPush;
