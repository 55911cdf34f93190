/** Words for stored facts (src/cards/facts.ts). Times arrive already formatted for the locale and zone. */
type Dir = { direction: 'out' | 'in' };
type StepState = 'running' | 'done' | 'failed' | 'undone' | 'skipped';
const verb = (d: 'out' | 'in') => (d === 'out' ? 'scale-out' : 'scale-in');

export const facts = {
  withdrawn: 'withdrawn',
  block: {
    max_instances: (p: { service: string; count: number; max: number }) => `${p.service} already runs ${p.count} of at most ${p.max} instances`,
    min_instances: (p: { service: string; count: number; min: number }) => `${p.service} runs ${p.count} instances, its minimum is ${p.min}`,
    nothing_to_remove: (p: { service: string }) => `no VM created by the bot is left to remove from ${p.service}`,
    all_protected: (p: { service: string; count: number }) =>
      `every VM the bot created for ${p.service} is protected from scale-in (${p.count}), so nothing can be removed`,
    cooldown: (p: { service: string; lastAt: string } & Dir) => `${p.service} finished a ${verb(p.direction)} at ${p.lastAt}`,
    cooldownUntil: (p: { service: string; lastAt: string; until: string; relative: string } & Dir) =>
      `${p.service} finished a ${verb(p.direction)} at ${p.lastAt}; its cooldown ends at ${p.until} (${p.relative})`,
    rate_limit: (p: { service: string; count: number; limit: number }) =>
      `${p.service} already scaled out ${p.count} times in the last hour (limit ${p.limit})`,
    frozen: (p: { service: string }) => `${p.service} is in a change freeze`,
    frozenReason: (p: { service: string; reason: string }) => `${p.service} is in a change freeze (${p.reason})`,
    conflict: (p: { service: string; otherId: string } & { otherDirection: 'out' | 'in' }) =>
      `${p.service} already has a ${verb(p.otherDirection)} in flight (${p.otherId}); one run per service at a time`,
    unknown_instances: (p: { service: string }) =>
      `the instances of ${p.service} could not be counted (neither F5 nor vCenter answered), so nothing was started`,
    protected: (p: { vm: string }) => `${p.vm} was protected from scale-in after this card was posted, so it was not removed`,
  },
  check: {
    template_present: (p: { template: string }) => `template ${p.template} present`,
    template_missing: (p: { template: string }) => `template ${p.template} not found in vCenter`,
    vcenter_unreachable: (p: { error: string }) => `vCenter unreachable: ${p.error}`,
    ips_free: (p: { free: number; size: number }) => `${p.free} of ${p.size} pool IPs free`,
    f5_unconfigured: 'F5 not configured (F5_SERVERS)',
    f5_reachable: (p: { pool: string; members: number }) => `F5 pool ${p.pool} reachable (${p.members} members)`,
    f5_error: (p: { pool: string; error: string }) => `F5 pool ${p.pool}: ${p.error}`,
    not_consulted: 'vCenter and F5 not consulted (no GOVC_URL / F5_SERVERS)',
    timed_out: 'pre-flight checks timed out',
  },
  /** What a step established (the step's line on the card and its thread reply). */
  step: {
    ip_reserved: (p: { ip: string }) => `${p.ip} reserved`,
    vm_named: (p: { vm: string }) => p.vm,
    vm_cloned: (p: { vm: string; template: string }) => `${p.vm} from ${p.template}`,
    vm_adopted_while_down: (p: { path: string }) => `${p.path} already existed (its clone finished while the bot was down)`,
    vm_adopted_earlier: (p: { path: string }) => `${p.path} already existed (an earlier clone of this request finished)`,
    guest_customized: (p: { ip: string; netmask: string; gateway: string }) => `${p.ip}/${p.netmask} gw ${p.gateway}`,
    vm_powered_on: (p: { vm: string }) => p.vm,
    ip_seen: (p: { ip: string }) => p.ip,
    // What other systems answered (a health probe, F5's state words, a moref) is shown as code, as they wrote it.
    healthy: (p: { answer: string; checks: number }) => `\`${p.answer}\` after ${p.checks} check(s)`,
    member_added: (p: { member: string; pool: string; state: string; session: string }) => `${p.member} in ${p.pool} (\`${p.state}\`, \`${p.session}\`)`,
    member_added_synced: (p: { member: string; pool: string; state: string; session: string; group: string; status: string }) =>
      `${p.member} in ${p.pool} (\`${p.state}\`, \`${p.session}\`); config-sync to ${p.group}: \`${p.status}\``,
    member_disabled: (p: { member: string }) => `${p.member} takes no new connections`,
    drained: (p: { seconds: number }) => `drained in ${p.seconds}s`,
    drain_timed_out: (p: { connections: number; timeout: string }) => `${p.connections} connection(s) still open after ${p.timeout}; removing anyway`,
    member_removed: (p: { member: string; pool: string }) => `${p.member} removed from ${p.pool}`,
    guest_shut_down: 'guest shut down',
    vm_powered_off: 'guest did not shut down in time; powered off',
    warm_taken: (p: { vm: string; ip: string; state: string }) => `${p.vm} (${p.ip}, ${p.state}) from the warm pool`,
    warm_returned: (p: { vm: string; ip: string }) => `${p.vm} (${p.ip}) stopped, back in the warm pool`,
    vm_destroyed: (p: { vm: string; moref: string; path: string }) => `${p.vm} (\`${p.moref}\` at ${p.path})`,
    ip_released: (p: { ip: string }) => p.ip,
    dry_run: (p: { line: string }) => `DRY RUN: would ${p.line}`,
  },
  /** Why a step or a run failed, when the bot decided it (other systems' errors are shown as they worded them). */
  error: {
    vm_not_ours: (p: { path: string; mark: string }) => `the VM at ${p.path} does not carry this request's mark (${p.mark}): not the bot's, left alone`,
    vm_missing: (p: { path: string }) => `no VM at ${p.path}`,
    duplicate_name: (p: { vm: string }) => `a VM named ${p.vm} appeared in vCenter meanwhile; it is not ours and was left alone`,
    duplicate_path: (p: { path: string }) => `a VM ${p.path} exists but does not carry this request's mark: it is not ours and was left alone`,
    clone_wait_timeout: (p: { template: string; limit: string }) =>
      `the interrupted clone of ${p.template} is still running in vCenter after ${p.limit}; nothing was cloned again — check vCenter's tasks, then Retry`,
    ambiguous: (p: { count: number; path: string }) => `${p.count} VMs have the path ${p.path} after the clone: the bot cannot tell its own and leaves them alone — check by hand`,
    no_identity: (p: { vm: string; path: string }) => `cloned ${p.vm} but vCenter shows no VM with moref and UUID at ${p.path}`,
    ip_timeout: (p: { vm: string; timeout: string }) => `${p.vm} reported no IPv4 address within ${p.timeout}`,
    wrong_ip: (p: { vm: string; seen: string; expected: string }) => `${p.vm} reports ${p.seen}, expected ${p.expected} (customization did not apply?)`,
    unhealthy: (p: { target: string; elapsed: string; checks: number; answer: string }) => `${p.target} not healthy after ${p.elapsed} (${p.checks} checks): ${p.answer}`,
    no_f5_add: 'F5_SERVERS is not configured: cannot add the pool member',
    no_f5_drain: 'F5_SERVERS is not configured: cannot drain the pool member',
    member_missing: (p: { member: string; pool: string }) => `member ${p.member} was added but is not in ${p.pool} when read back`,
    not_leased: (p: { ip: string; vm: string; service: string }) => `${p.ip} is not leased to ${p.vm} of ${p.service} any more; nothing was removed`,
    no_victim: (p: { service: string }) => `no VM the bot created is known for ${p.service}; nothing to remove`,
    unproven_vm: (p: { vm: string; path: string; mark: string }) =>
      `the bot has no record of ${p.vm}'s identity and ${p.path} does not carry its mark "${p.mark}": nothing was removed. If ${p.path} is the bot's VM, write that line into its annotation and retry.`,
    unproven_vm_absent: (p: { vm: string; path: string }) => `the bot has no record of ${p.vm}'s identity and there is no VM at ${p.path}: nothing was removed`,
    min_instances: (p: { service: string; count: number; min: number }) => `${p.service} has ${p.count} pool member(s); its minimum is ${p.min}, so nothing was removed`,
    shutdown: 'the bot is shutting down; this step runs after the restart',
    run_step_refused: (p: { step: string; problem: string }) => `run-step ${p.step} refused, nothing was run: ${p.problem}`,
  },
  /** What a rollback undid (`done`), what it failed to undo (`todo`, then `failed`), and what it left alone. */
  undone: {
    done: {
      remove_member: (p: { member: string }) => `removed F5 member ${p.member}`,
      destroy_vm: (p: { vm: string }) => `powered off and destroyed ${p.vm}`,
      release_ip: (p: { ip: string }) => `released ${p.ip}`,
      power_on_vm: (p: { vm: string }) => `powered ${p.vm} on again`,
      readd_member: (p: { member: string }) => `re-added ${p.member}`,
      reenable_member: (p: { member: string }) => `re-enabled ${p.member}`,
    },
    todo: {
      remove_member: (p: { member: string }) => `remove F5 member ${p.member}`,
      destroy_vm: (p: { vm: string }) => `power off and destroy ${p.vm}`,
      release_ip: (p: { ip: string }) => `release ${p.ip}`,
      power_on_vm: (p: { vm: string }) => `power ${p.vm} on again`,
      readd_member: (p: { member: string }) => `re-add ${p.member}`,
      reenable_member: (p: { member: string }) => `re-enable ${p.member}`,
    },
    failed: (p: { todo: string; error: string }) => `FAILED to ${p.todo}: ${p.error} — fix by hand`,
    vm_not_proven: (p: { path: string }) => `left ${p.path} alone: it does not carry this request's mark, so it is not proven the bot's — check it by hand`,
    vm_lookup_failed: (p: { vm: string; error: string }) =>
      `FAILED to power off and destroy ${p.vm}: cannot look it up in vCenter (${p.error}); if it exists, check that it carries this request's mark — fix by hand`,
  },
  event: {
    refired: (p: { count: number; last: string }) => `fired again ×${p.count} (last: ${p.last})`,
    block_passed: 'the block has passed; a new request replaces this one',
    alert_resolved: (p: { alert: string }) => `${p.alert} resolved`,
    resolved_before_decision: (p: { alert: string }) => `${p.alert} resolved before anyone decided`,
    resolved_after_run: 'alert cleared after the run',
    still_firing: 'still firing after the run settled',
    confirmed_frozen: 'confirmed during a change freeze',
    silenced: (p: { until: string }) => `silenced in Alertmanager until ${p.until}`,
    conflicting_alert: (p: { alert: string } & Dir) => `a ${verb(p.direction)} alert (${p.alert}) fired while this request is open; it was not acted on`,
    attempt_started: (p: { n: number }) => `attempt ${p.n}`,
    step: (p: { step: string; state: string }) => `${p.step} ${p.state}`,
    stepState: { running: 'running', done: 'done', failed: 'failed', undone: 'undone', skipped: 'skipped' } satisfies Record<StepState, string>,
    resuming: 'resuming after a restart',
    run_succeeded: 'succeeded',
    run_failed: 'failed',
    run_failed_at: (p: { step: string }) => `failed at ${p.step}`,
  },
};
export type FactsCatalog = typeof facts;
