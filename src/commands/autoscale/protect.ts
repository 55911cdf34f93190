/**
 * `/autoscale protect <vm>` / `/autoscale unprotect <vm>`: scale-in never picks a protected VM (as
 * ASG's instance protection). Admins only; audited. The VM is one the bot manages (an in-use lease),
 * named by its VM name or, when two services have VMs of one name, its inventory path; the protection
 * is recorded on that lease, so it follows the VM's identity and ends with it.
 */
import { catalog, formatTime } from '../../i18n/index.js';
import { escape as esc, mention } from '../../cards/mrkdwn.js';
import { findBotVm, setProtection } from '../../store/leases.js';
import { getService } from '../../store/services.js';
import { check, existingVmName } from './args.js';
import { argText } from '../../cards/commandMessages.js';
import type { CommandContext, Reply, Subcommand } from './types.js';

function protectCommand(on: boolean): Subcommand {
  const verb = on ? 'protect' : 'unprotect';
  return {
    name: verb, usage: `${verb} <vm>`,
    summary: (w) => (on ? w.protect : w.unprotect),
    group: 'Operations', mutating: true, adminOnly: true, minArgs: 1, maxArgs: 1,
    async run(ctx: CommandContext): Promise<Reply> {
      const { deps } = ctx;
      // Refusals are the user's (their locale); the outcome is posted in the channel (the service's locale).
      const locale = ctx.locale ?? deps.config.BOT_LOCALE;
      const w = catalog(locale).protect;
      const name = ctx.args[0] ?? '';
      const valid = check(existingVmName, name, locale);
      if (!valid.ok) return { text: argText.invalid(catalog(locale).args.what.vmName, name, valid.problem, locale) };
      const found = findBotVm(deps.store.data, name);
      if (!found.ok && found.code === 'unknown') return { text: w.unknownVm({ vm: esc(name) }) };
      if (!found.ok) {
        const matches = found.matches.map((l) => `\`${esc(l.vm?.path ?? l.vmName!)}\` (${esc(l.service)}, ${l.ip})`).join(', ');
        return { text: w.ambiguous({ vm: esc(name), matches }) };
      }
      const lease = found.lease;
      const vm = lease.vmName!;
      const at = deps.clock.now().toISOString();
      const r = await setProtection(deps.store, lease.ip, { vmName: vm, moref: lease.vm?.moref }, on, ctx.user, at);
      if (!r.ok) return { text: w.gone({ vm: esc(vm) }) };
      if (!r.changed) {
        const p = r.lease.protected;
        return {
          text: on && p
            ? w.alreadyProtected({ vm: esc(vm), who: mention(p.by), at: formatTime(new Date(p.at), { locale, timeZone: deps.config.BOT_TIMEZONE, now: deps.clock.now() }) })
            : w.notProtected({ vm: esc(vm) }),
        };
      }
      // An open scale-in card that named this VM keeps its picture; the run-start check refuses it (code protected).
      const said = { vm: esc(vm), service: esc(lease.service), who: mention(ctx.user) };
      // Protection steers the choice of the next victim; a run already removing this VM goes on.
      const running = on ? deps.store.data.requests.find((x) =>
        x.service === lease.service && x.direction === 'in' && (x.state === 'running' || x.state === 'approved') && x.preview.vmName === vm) : undefined;
      const here = catalog(getService(deps.store, lease.service)?.locale ?? deps.config.BOT_LOCALE).protect;
      const warning = running ? here.inFlight({ vm: esc(vm), id: running.id }) : '';
      return { text: (on ? here.protected(said) : here.unprotected(said)) + warning, inChannel: true };
    },
  };
}

export const protection: Subcommand[] = [protectCommand(true), protectCommand(false)];
