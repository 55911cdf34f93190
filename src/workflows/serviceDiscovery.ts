/**
 * The bot as Prometheus' service discovery (`http_sd_configs`): every instance of each service — the configured
 * `monitoring.targets` and each VM the bot created and still owns — as `<ip>:<exporterPort>` target groups.
 *
 * A VM joins when its scale-out reaches the health step (it is booted and has its address: from then on its metrics
 * matter) and leaves when its scale-in has taken it out of F5 (from then on it is going away and must not drag the
 * average the rules read). Answered from memory on every scrape: no store write, no call to vCenter.
 *
 * Warm-pool VMs (issue 14) are listed too, labelled `warm="true"` and `warm_state="running|stopped"`, so that a rule
 * can leave them out of the service's average (`{warm!="true"}`) while their own health is still seen; once a
 * scale-out takes one it is an instance like any other (no warm label).
 */
import type { Service } from '../config.js';
import type { IpLease, ScaleRequest } from '../store/types.js';

export const MANAGED_BY = 'vm-autoscale-bot';
export const DEFAULT_EXPORTER_PORT = 9100;

/** One element of the http_sd JSON array: https://prometheus.io/docs/prometheus/latest/http_sd/ */
export interface TargetGroup {
  targets: string[];
  labels: Record<string, string>;
}

export interface SdInput {
  services: readonly Service[];
  leases: readonly IpLease[];
  requests: readonly ScaleRequest[];
}

/** The schema defaults it; a service stored before the field existed has none (the store keeps configs as parsed). */
const exporterPort = (s: Service): number => s.monitoring?.exporterPort ?? DEFAULT_EXPORTER_PORT;

const stepDone = (r: ScaleRequest, name: string): boolean =>
  r.attempts[r.attempts.length - 1]?.steps.some((s) => s.name === name && s.state === 'done') ?? false;
const stepStarted = (r: ScaleRequest, name: string): boolean =>
  r.attempts[r.attempts.length - 1]?.steps.some((s) => s.name === name) ?? false;

function stepData(r: ScaleRequest, name: string, key: string): string | undefined {
  const v = r.attempts[r.attempts.length - 1]?.steps.find((s) => s.name === name)?.data?.[key];
  return typeof v === 'string' ? v : undefined;
}

/** The VMs of a service that Prometheus should scrape now: ip → vm name. */
function managedVms(service: Service, input: SdInput): Map<string, string> {
  const vms = new Map<string, string>();
  for (const l of input.leases) if (l.service === service.name && l.state === 'in-use' && l.vmName) vms.set(l.ip, l.vmName);
  for (const r of input.requests) {
    if (r.service !== service.name || r.state !== 'running') continue;
    if (r.direction === 'out' && stepStarted(r, 'health')) {
      const ip = stepData(r, 'reserve-ip', 'ip') ?? stepData(r, 'take-warm', 'ip');
      const vm = stepData(r, 'name', 'vm') ?? stepData(r, 'take-warm', 'vm');
      if (ip && vm) vms.set(ip, vm);
    }
    // The scale-in's victim is on its card (preview); once out of F5 it is going away.
    if (r.direction === 'in' && stepDone(r, 'f5-remove') && r.preview.ip) vms.delete(r.preview.ip);
  }
  return vms;
}

/** Target groups for every service (or one), in a stable order. */
export function targetGroups(input: SdInput, only?: string): TargetGroup[] {
  const groups: TargetGroup[] = [];
  for (const s of [...input.services].sort((a, b) => a.name.localeCompare(b.name))) {
    if (only !== undefined && s.name !== only) continue;
    const configured = s.monitoring?.targets ?? [];
    if (configured.length) groups.push({ targets: [...configured], labels: { service: s.name, managed_by: MANAGED_BY, origin: 'configured' } });
    const port = exporterPort(s);
    for (const [ip, vm] of [...managedVms(s, input)].sort((a, b) => a[1].localeCompare(b[1]))) {
      groups.push({ targets: [`${ip}:${port}`], labels: { service: s.name, vm, managed_by: MANAGED_BY } });
    }
    const warm = input.leases.filter((l) => l.service === s.name && l.state === 'warm' && l.vmName).sort((a, b) => a.vmName!.localeCompare(b.vmName!));
    for (const l of warm) {
      groups.push({ targets: [`${l.ip}:${port}`], labels: { service: s.name, vm: l.vmName!, managed_by: MANAGED_BY, warm: 'true', warm_state: l.warm?.state ?? 'stopped' } });
    }
  }
  return groups;
}
