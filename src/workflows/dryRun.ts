/**
 * The dry-run executor: walks the steps of a scale-out or scale-in and records what it would run
 * (govc argument lists, F5 calls) on the request and in its thread, changing nothing.
 */
import type { Service } from '../config.js';
import { prefixLength } from '../ipv4.js';
import type { Executor, RunContext } from './ports.js';

export interface DryRunPlanner {
  cloneArgs(p: { template: string; name: string; folder?: string; pool?: string; datastore?: string; network?: string }): string[];
  customizeArgs(p: { vm: string; ip: string; netmask: string; gateway: string; dns: string[]; hostname: string }): string[];
}

const quote = (args: string[]) => args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');

export class DryRunExecutor implements Executor {
  readonly kind = 'dry-run' as const;
  constructor(private readonly govc: DryRunPlanner) {}

  async run({ request, service, journal }: RunContext): Promise<void> {
    if (request.direction === 'in') return this.scaleIn(request.preview.vmName, request.preview.ip, service, journal);
    const vm = request.preview.vmName ?? `${service.vmNamePrefix}-N`;
    const ip = request.preview.ip ?? service.network.ipPool.start;
    const member = `${ip}:${service.f5.port}`;
    const poolPath = `~${service.f5.partition}~${service.f5.pool}`;
    // The real run addresses the VM by its inventory path (and checks its moref and UUID first).
    const at = `${service.vcenter.folder ?? `/${service.vcenter.datacenter ?? '<datacenter>'}/vm`}/${vm}`;
    const lines: Array<[Parameters<typeof journal.step>[0], string]> = [
      ['reserve-ip', `reserve ${ip} from ${service.network.ipPool.start}-${service.network.ipPool.end} (conflict check: ${service.network.conflictCheck})`],
      ['name', `name the VM ${vm}`],
      ['clone', `govc ${quote(this.govc.cloneArgs({ template: service.template, name: vm, ...service.vcenter }))}`],
      ['customize', `govc ${quote(this.govc.customizeArgs({ vm: at, ip, netmask: service.network.netmask, gateway: service.network.gateway, dns: service.network.dns, hostname: vm }))}`],
      ['power-on', `govc vm.power -on -vm.ipath ${at}`],
      ['wait-ip', `govc vm.ip -v4 -wait ${service.healthCheck.timeout} -vm.ipath ${at} (expect ${ip}/${prefixLength(service.network.netmask)})`],
      ['health', `${service.healthCheck.type} check ${ip}:${service.healthCheck.port}${service.healthCheck.type === 'http' ? `${service.healthCheck.path} expecting ${service.healthCheck.expectStatus}` : ''} for up to ${service.healthCheck.timeout}`],
      ['f5-add', `POST /mgmt/tm/ltm/pool/${poolPath}/members {"name":"${member}","address":"${ip}","partition":"${service.f5.partition}"}${service.f5.deviceGroup ? `; config-sync to-group ${service.f5.deviceGroup}` : ''}`],
    ];
    for (const [step, line] of lines) {
      await journal.step(step, async () => {
        await journal.plan(line);
        return { detail: `DRY RUN: would ${line}` };
      });
    }
    await journal.result({ vmName: vm, ip, member });
  }

  private async scaleIn(vm: string | null, ip: string | null, service: Service, journal: RunContext['journal']): Promise<void> {
    const name = vm ?? `${service.vmNamePrefix}-N`;
    const at = `${service.vcenter.folder ?? `/${service.vcenter.datacenter ?? '<datacenter>'}/vm`}/${name}`;
    const member = `~${service.f5.partition}~${ip ?? 'IP'}:${service.f5.port}`;
    const poolPath = `/mgmt/tm/ltm/pool/~${service.f5.partition}~${service.f5.pool}/members/${member}`;
    const lines: Array<[Parameters<typeof journal.step>[0], string]> = [
      ['f5-disable', `PATCH ${poolPath} {"session":"user-disabled"}`],
      ['drain', `wait until ${poolPath}/stats serverside.curConns = 0 (at most ${service.scaling.drainTimeout})`],
      ['f5-remove', `DELETE ${poolPath}`],
      ['shutdown', `govc vm.power -s -vm.ipath ${at} (after checking its moref and UUID)`],
      ['destroy', `govc vm.destroy -vm.ipath ${at}`],
      ['release-ip', `release ${ip ?? 'its IP'}`],
    ];
    for (const [step, line] of lines) {
      await journal.step(step, async () => {
        await journal.plan(line);
        return { detail: `DRY RUN: would ${line}` };
      });
    }
    await journal.result({ vmName: name, ip: ip ?? undefined });
  }
}
