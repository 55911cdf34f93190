/** What the executors need of vCenter and of the load balancer (Govc and F5Client satisfy these). */
import type { CloneParams, CustomizeParams } from '../integrations/govc.js';
import type { VmInfo } from '../integrations/vmInfo.js';

export interface VCenter {
  clone(p: CloneParams, signal?: AbortSignal): Promise<void>;
  customize(p: CustomizeParams, signal?: AbortSignal): Promise<void>;
  powerOn(vm: string, signal?: AbortSignal): Promise<void>;
  powerOff(vm: string, signal?: AbortSignal): Promise<void>;
  shutdownGuest(vm: string, signal?: AbortSignal): Promise<void>;
  destroy(vm: string, signal?: AbortSignal): Promise<void>;
  waitForIp(vm: string, timeoutMs: number, signal?: AbortSignal): Promise<string | undefined>;
  vmInfo(vm: string, signal?: AbortSignal): Promise<VmInfo | undefined>;
  exists(vm: string, signal?: AbortSignal): Promise<boolean>;
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
