/** Warm pools (issue 14): `/autoscale status` and App Home. */
export const warm = {
  /** One line per service with a warm pool: how many are ready of its size, and which. */
  statusLine: (p: { service: string; ready: number; size: number; state: string; vms: string }) =>
    `:fire: *${p.service}* warm pool: ${p.ready} of ${p.size} ready (${p.state})${p.vms ? `: ${p.vms}` : ''}`,
  refilling: ' — refilling',
  homeSuffix: (p: { ready: number; size: number; state: string }) => ` · warm pool ${p.ready}/${p.size} (${p.state})`,
  state: { running: 'running', stopped: 'stopped' } as Record<'running' | 'stopped', string>,
};
export type WarmCatalog = typeof warm;
