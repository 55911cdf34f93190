/**
 * The ports the domain (workflows/) talks through, defined here below it so the arrows run one way:
 * workflows → integrations. Slack (slackSurface.ts), vCenter (govc.ts), F5 (f5.ts) and the inventories
 * implement them; tests implement them with fakes. No Bolt, no WebClient in the types.
 */
import type { Service } from '../config.js';
import type { Check, Direction, VmIdentity } from '../store/types.js';
import type { CloneParams, CustomizeParams } from './govc.js';
import type { VmInfo } from './vmInfo.js';

/** Where requests are shown. The card is always re-rendered from the stored request. */
export interface ChatSurface {
  /** Posts the request's card if it has none yet, else updates it (coalesced, ≤ 1 update/s per card). */
  sync(requestId: string): void;
  /** A reply in the card's thread (queued behind the card's post). */
  thread(requestId: string, text: string): void;
  /** A picture in the card's thread (queued behind the card's post like `thread`). */
  image?(requestId: string, image: ThreadImage): void;
  /** Resolves when every queued post and update has been sent (or has failed for good). */
  idle(): Promise<void>;
  notice(channel: string, text: string): Promise<void>;
}

export interface ThreadImage {
  png: Buffer;
  filename: string;
  title: string;
  /** Read by screen readers. */
  altText: string;
}

/** What vCenter / F5 say about a service right now. Implementations never throw: unknown is null. */
export interface Inventory {
  instances(service: Service): Promise<{ count: number | null; source: 'f5' | 'vcenter' | 'store' | 'unknown'; detail?: string }>;
  nextVmName(service: Service): Promise<string | null>;
  previewIp(service: Service): Promise<string | null>;
  /** Extra pre-flight lines (template present, pool reachable …). */
  preflight(service: Service, direction: Direction): Promise<Check[]>;
}

/** What the executors need of vCenter and of the load balancer (Govc and F5Client satisfy these). */
/**
 * Everything that changes a VM names it by identity (VmIdentity: its path, checked against the
 * recorded moref and UUID before each call). Names are only for listing and naming new VMs.
 */
export interface VCenter {
  clone(p: CloneParams, signal?: AbortSignal): Promise<void>;
  /** The full inventory path a VM of that name gets in that folder. */
  vmPathIn(placement: { folder?: string; datacenter?: string }, name: string, signal?: AbortSignal): Promise<string>;
  /** The VM at exactly this path, or undefined. */
  vmAt(path: string, signal?: AbortSignal): Promise<VmInfo | undefined>;
  /** The VM with this identity; undefined when gone; throws `identity_mismatch` when another VM has its path. */
  lookup(id: VmIdentity, signal?: AbortSignal): Promise<VmInfo | undefined>;
  customize(p: CustomizeParams, signal?: AbortSignal): Promise<void>;
  powerOn(vm: VmIdentity, signal?: AbortSignal): Promise<void>;
  powerOff(vm: VmIdentity, signal?: AbortSignal): Promise<void>;
  shutdownGuest(vm: VmIdentity, signal?: AbortSignal): Promise<void>;
  destroy(vm: VmIdentity, signal?: AbortSignal): Promise<void>;
  waitForIp(vm: VmIdentity, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined>;
  /** By identity, full path, or a bare name that must match exactly one VM (else `ambiguous`). */
  vmInfo(vm: VmIdentity | string, signal?: AbortSignal): Promise<VmInfo | undefined>;
  exists(vm: VmIdentity | string, signal?: AbortSignal): Promise<boolean>;
  /** Full paths of every VM and template named exactly `name`. */
  findByName(name: string, signal?: AbortSignal): Promise<string[]>;
  /** Whether vCenter still runs a clone task of this template. */
  cloneTaskRunning(template: string, signal?: AbortSignal): Promise<boolean>;
  listVms(opts?: { folder?: string; prefix?: string }, signal?: AbortSignal): Promise<string[]>;
  listTemplates(signal?: AbortSignal): Promise<string[]>;
  guestIps(names: string[], signal?: AbortSignal): Promise<Set<string>>;
}


export interface PoolMemberInfo { name: string; address: string; session: string; state: string }

export interface LoadBalancer {
  addMember(pool: string, partition: string, ip: string, port: number): Promise<PoolMemberInfo>;
  getMember(pool: string, partition: string, ip: string, port: number): Promise<PoolMemberInfo | undefined>;
  listMembers(pool: string, partition: string): Promise<PoolMemberInfo[]>;
  removeMember(pool: string, partition: string, ip: string, port: number): Promise<boolean>;
  setMemberSession(pool: string, partition: string, ip: string, port: number, session: 'user-disabled' | 'user-enabled'): Promise<PoolMemberInfo>;
  memberStats(pool: string, partition: string, ip: string, port: number): Promise<{ curConns: number }>;
  configSync(deviceGroup: string): Promise<{ inSync: boolean; status: string }>;
}

/** VMs of a service: `<prefix>-<n>` exactly. */
export function serviceVmPattern(prefix: string): RegExp {
  return new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-(\\d+)$`);
}
