/**
 * What the local executor is built with (vCenter, F5, the store, its timings): shared by the scale-out
 * (scaleOut.ts, where LocalExecutor lives) and the scale-in (scaleIn.ts), so neither imports the other for it.
 */
import type { Clock } from '../clock.js';
import type { Logger } from '../logger.js';
import type { StoreView as Store } from '../store/store.js';
import type { Prober } from './reserveIp.js';
import type { LoadBalancer, VCenter } from './vmPorts.js';
import type { WarmPoolDeps } from './warmPool.js';

export interface LocalExecutorDeps {
  store: Store;
  clock: Clock;
  vcenter: VCenter;
  lb?: LoadBalancer;
  probe?: Prober;
  /** Health-check backoff; tests shorten it. */
  health?: { initialDelayMs?: number; maxDelayMs?: number };
  /**
   * Limit of a resumed clone's wait for a clone task vCenter still runs (default
   * RESUME_CLONE_LIMIT_MS, 30 min); and how often it looks meanwhile.
   */
  resumeCloneLimitMs?: number;
  /** How long it waits when vCenter shows no clone task (default RESUME_CLONE_GRACE_MS, 60 s). */
  resumeCloneGraceMs?: number;
  resumeClonePollMs?: number;
  /** Scale-in: how often to read the member's connection count while draining. */
  drainPollMs?: number;
  /** Scale-in: how long a guest shutdown may take before the VM is powered off. */
  shutdownTimeoutMs?: number;
  logger?: Logger;
  /** The warm pools' timings (WarmPoolDeps); tests shorten them. */
  warm?: Pick<WarmPoolDeps, 'retryAfterMs' | 'checkEveryMs' | 'recheckAfterMs' | 'shutdownTimeoutMs' | 'frozen' | 'cleanupGraceMs'>;
  /** The bot's freeze calendar: no warm-pool refill during a freeze window. */
  freezes?: WarmPoolDeps['freezes'];
}
