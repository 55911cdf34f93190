/** Words for stored facts (src/cards/facts.ts). Times arrive already formatted for the locale and zone. */
type Dir = { direction: 'out' | 'in' };
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
  },
};
export type FactsCatalog = typeof facts;
