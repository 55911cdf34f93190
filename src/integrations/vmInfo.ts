/**
 * Parses `govc vm.info -json` output. govc ≤ 0.30 writes PascalCase keys (`VirtualMachines[].Runtime.PowerState`);
 * govc ≥ 0.31 writes camelCase (`runtime.powerState`), 0.31 itself still with a PascalCase `VirtualMachines` wrapper,
 * and omits empty values. Lower-casing the first letter of every key maps all of them onto one schema.
 */
import { z } from 'zod';

export interface VmInfo {
  name: string;
  path?: string;
  powerState: 'poweredOn' | 'poweredOff' | 'suspended' | (string & {});
  /** What vCenter shows as the VM's primary address (`guest.ipAddress`). */
  ipAddress?: string;
  /** Every address VMware Tools reports on any NIC, the primary one included. */
  guestIps: string[];
  template: boolean;
  annotation?: string;
  /** BIOS UUID (config.uuid). */
  uuid?: string;
  /** Instance UUID (config.instanceUuid). */
  instanceUuid?: string;
  /** Managed object reference value (`Self.Value`, e.g. vm-73). */
  moref?: string;
}

const optionalText = z.string().nullish();

const vmSchema = z.object({
  self: z.object({ value: optionalText }).nullish(),
  name: optionalText,
  runtime: z.object({ powerState: optionalText }).nullish(),
  guest: z
    .object({
      ipAddress: optionalText,
      net: z.array(z.object({ ipAddress: z.array(z.string()).nullish() })).nullish(),
    })
    .nullish(),
  config: z
    .object({ name: optionalText, template: z.boolean().nullish(), annotation: optionalText, uuid: optionalText, instanceUuid: optionalText })
    .nullish(),
  summary: z
    .object({ config: z.object({ name: optionalText, template: z.boolean().nullish(), uuid: optionalText, instanceUuid: optionalText }).nullish() })
    .nullish(),
});

const infoSchema = z.object({ virtualMachines: z.array(vmSchema).nullish() });

function lowerFirstKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerFirstKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value).map(([k, v]) => [k.charAt(0).toLowerCase() + k.slice(1), lowerFirstKeys(v)]),
  );
}

const nonEmpty = (s: string | null | undefined): string | undefined => (s ? s : undefined);

/** Normalizes `vm.info -json` output of any govc version; throws a ZodError when the shape is not recognisable. */
export function parseVmInfo(json: unknown): VmInfo[] {
  const parsed = infoSchema.parse(lowerFirstKeys(json));
  return (parsed.virtualMachines ?? []).map((vm) => {
    const ipAddress = nonEmpty(vm.guest?.ipAddress);
    const nicIps = (vm.guest?.net ?? []).flatMap((nic) => nic.ipAddress ?? []);
    return {
      name: vm.name ?? vm.config?.name ?? vm.summary?.config?.name ?? '',
      powerState: vm.runtime?.powerState ?? 'unknown',
      ipAddress,
      guestIps: [...new Set([...(ipAddress ? [ipAddress] : []), ...nicIps.filter(Boolean)])],
      template: vm.config?.template ?? vm.summary?.config?.template ?? false,
      annotation: nonEmpty(vm.config?.annotation),
      uuid: nonEmpty(vm.config?.uuid ?? vm.summary?.config?.uuid),
      instanceUuid: nonEmpty(vm.config?.instanceUuid ?? vm.summary?.config?.instanceUuid),
      moref: nonEmpty(vm.self?.value),
    };
  });
}
