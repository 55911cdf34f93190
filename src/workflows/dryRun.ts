/**
 * The dry-run executor: walks the steps of a scale-out or scale-in and records what it would run
 * (govc argument lists, F5 calls) on the request and in its thread, changing nothing.
 */
import type { Executor, RunContext } from './ports.js';
import { dryRunSteps, type DryRunContext } from './steps.js';

export type DryRunPlanner = DryRunContext['govc'];

export class DryRunExecutor implements Executor {
  readonly kind = 'dry-run' as const;
  constructor(private readonly govc: DryRunPlanner) {}

  async run({ request, service, journal }: RunContext): Promise<void> {
    const out = request.direction === 'out';
    const vm = request.preview.vmName ?? `${service.vmNamePrefix}-N`;
    const ip = request.preview.ip ?? (out ? service.network.ipPool.start : null);
    // The real run addresses the VM by its inventory path (and checks its moref and UUID first).
    const at = `${service.vcenter.folder ?? `/${service.vcenter.datacenter ?? '<datacenter>'}/vm`}/${vm}`;
    const ctx: DryRunContext = { service, vm, at, ip: ip ?? (out ? '' : 'IP'), govc: this.govc };
    // The steps and their lines come from the step registry (steps.ts), in the order a real run takes them.
    for (const step of dryRunSteps(request.direction)) {
      const line = step.name === 'release-ip' && !ip ? 'release its IP' : step.dryRun(ctx);
      await journal.step(step.name, async () => {
        await journal.plan(line);
        return { fact: { code: 'dry_run', line } };
      });
    }
    if (out) await journal.result({ vmName: vm, ip: ip ?? undefined, member: `${ip}:${service.f5.port}` });
    else await journal.result({ vmName: vm, ip: ip ?? undefined });
  }
}
