/**
 * The step registry: every step of a run is defined here once — its name, direction, where it runs,
 * and the line a dry run shows. Everything else derives from this list: StepName (store/types.ts), the
 * local executor's VM steps and their order (vmSteps.ts, scaleOut.ts), the Jenkins pipeline stages
 * (integrations/jenkins/jobConfig.ts), `run-step` (cli/jenkins.ts), the dry run (dryRun.ts) and the
 * card labels (catalog section `steps`, src/i18n/<lang>/steps.ts, keyed by the step's name).
 *
 * To add a step: add an entry here at its place in the order; tsc then asks for its label in every
 * language and, for a `vm` step, its implementation in vmSteps.ts (it becomes a pipeline stage too).
 * No imports besides types (and ipv4 arithmetic): every layer may read this list without a cycle — which is why it
 * sits at the top of src/, below store/, integrations/ and i18n/ in the arrows, not in workflows/.
 */
import type { Service } from './config.js';
import { prefixLength } from './ipv4.js';

/** What a dry-run line may use: the service and what the run would have chosen. */
export interface DryRunContext {
  service: Service;
  /** The VM's name (or a placeholder). */
  vm: string;
  /** Its inventory path `<folder>/<name>`: the real run addresses the VM by it (and checks moref and UUID first). */
  at: string;
  /** Its address (or a placeholder). */
  ip: string;
  /** The govc argument lists a dry run prints (the real ones, from integrations/govc.ts). */
  govc: {
    cloneArgs(p: { template: string; name: string; folder?: string; pool?: string; datastore?: string; network?: string }): string[];
    customizeArgs(p: { vm: string; ip: string; netmask: string; gateway: string; dns: string[]; hostname: string }): string[];
  };
}

export interface StepDefinition {
  readonly name: string;
  readonly direction: 'out' | 'in';
  /**
   * `vm`: a VM step run the same way by the local executor and by a Jenkins pipeline stage (`run-step`);
   * `local`: run by the bot itself around the VM steps; `executor`: the Jenkins build as a whole.
   */
  readonly runs: 'vm' | 'local' | 'executor';
  /** What a dry run says it would do; none for a step a dry run does not walk. */
  readonly dryRun?: (c: DryRunContext) => string;
}

const quote = (args: string[]) => args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : JSON.stringify(a))).join(' ');
const poolPath = (s: Service) => `~${s.f5.partition}~${s.f5.pool}`;
const memberPath = (c: DryRunContext) => `/mgmt/tm/ltm/pool/${poolPath(c.service)}/members/~${c.service.f5.partition}~${c.ip}:${c.service.f5.port}`;

/** Every step, in the order a run takes them (scale-out, then scale-in, then the executor's own). */
export const STEPS = [
  // A scale-out from the warm pool: the ready VM takes the place of reserve-ip … wait-ip (stopped: power-on, wait-ip run).
  { name: 'take-warm', direction: 'out', runs: 'local' },
  { name: 'reserve-ip', direction: 'out', runs: 'local',
    dryRun: ({ service: s, ip }) => `reserve ${ip} from ${s.network.ipPool.start}-${s.network.ipPool.end} (conflict check: ${s.network.conflictCheck})` },
  { name: 'name', direction: 'out', runs: 'local', dryRun: ({ vm }) => `name the VM ${vm}` },
  { name: 'clone', direction: 'out', runs: 'vm',
    dryRun: ({ service: s, vm, govc }) => `govc ${quote(govc.cloneArgs({ template: s.template, name: vm, ...s.vcenter }))}` },
  { name: 'customize', direction: 'out', runs: 'vm',
    dryRun: ({ service: s, vm, at, ip, govc }) => `govc ${quote(govc.customizeArgs({ vm: at, ip, netmask: s.network.netmask, gateway: s.network.gateway, dns: s.network.dns, hostname: vm }))}` },
  { name: 'power-on', direction: 'out', runs: 'vm', dryRun: ({ at }) => `govc vm.power -on -vm.ipath ${at}` },
  { name: 'wait-ip', direction: 'out', runs: 'vm',
    dryRun: ({ service: s, at, ip }) => `govc vm.ip -v4 -wait ${s.healthCheck.timeout} -vm.ipath ${at} (expect ${ip}/${prefixLength(s.network.netmask)})` },
  { name: 'health', direction: 'out', runs: 'vm',
    dryRun: ({ service: { healthCheck: h }, ip }) => `${h.type} check ${ip}:${h.port}${h.type === 'http' ? `${h.path} expecting ${h.expectStatus}` : ''} for up to ${h.timeout}` },
  { name: 'f5-add', direction: 'out', runs: 'vm',
    dryRun: ({ service: s, ip }) => `POST /mgmt/tm/ltm/pool/${poolPath(s)}/members {"name":"${ip}:${s.f5.port}","address":"${ip}","partition":"${s.f5.partition}"}${s.f5.deviceGroup ? `; config-sync to-group ${s.f5.deviceGroup}` : ''}` },
  { name: 'f5-disable', direction: 'in', runs: 'local', dryRun: (c) => `PATCH ${memberPath(c)} {"session":"user-disabled"}` },
  { name: 'drain', direction: 'in', runs: 'local',
    dryRun: (c) => `wait until ${memberPath(c)}/stats serverside.curConns = 0 (at most ${c.service.scaling.drainTimeout})` },
  { name: 'f5-remove', direction: 'in', runs: 'local', dryRun: (c) => `DELETE ${memberPath(c)}` },
  { name: 'shutdown', direction: 'in', runs: 'local', dryRun: ({ at }) => `govc vm.power -s -vm.ipath ${at} (after checking its moref and UUID)` },
  // Instead of destroy and release-ip, when the service's warm pool is short: the stopped VM keeps its address.
  { name: 'warm-return', direction: 'in', runs: 'local' },
  { name: 'destroy', direction: 'in', runs: 'local', dryRun: ({ at }) => `govc vm.destroy -vm.ipath ${at}` },
  { name: 'release-ip', direction: 'in', runs: 'local', dryRun: ({ ip }) => `release ${ip}` },
  { name: 'jenkins-build', direction: 'out', runs: 'executor' },
] as const satisfies readonly StepDefinition[];

export type StepName = (typeof STEPS)[number]['name'];
type VmDef = Extract<(typeof STEPS)[number], { runs: 'vm' }>;
export type VmStep = VmDef['name'];

export const STEP_NAMES: readonly StepName[] = STEPS.map((s) => s.name);
/** The VM steps in order: the local executor's loop, the pipeline's stages and `run-step`'s steps. */
export const VM_STEPS: readonly VmStep[] = STEPS.filter((s): s is VmDef => s.runs === 'vm').map((s) => s.name);
/** The steps a dry run of a direction walks, in order. */
export const dryRunSteps = (direction: 'out' | 'in'): ReadonlyArray<StepDefinition & { name: StepName; dryRun: NonNullable<StepDefinition['dryRun']> }> =>
  STEPS.filter((s): s is Extract<(typeof STEPS)[number], { dryRun: unknown }> => s.direction === direction && 'dryRun' in s);

export const isStepName = (s: string): s is StepName => (STEP_NAMES as readonly string[]).includes(s);
export const isVmStep = (s: string): s is VmStep => (VM_STEPS as readonly string[]).includes(s);
