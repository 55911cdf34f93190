/**
 * Commands that change vCenter or delete things ask first: the command stores what to do under a random id and
 * shows Confirm / Cancel buttons whose value is that id (never the arguments). Pending confirmations live in
 * memory for 15 minutes; after a restart the buttons answer that the confirmation expired. One instance per bot,
 * built by the composition root (app.ts) and given to the commands and to the buttons (handlers/confirmButtons.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../../clock.js';

export interface ConfirmIO {
  user: string;
  /** Replaces the prompt the user clicked. */
  reply(text: string): Promise<void>;
  /** A message in the command's channel: the first call posts it, later calls update it. */
  progress(text: string): Promise<void>;
}

export interface PendingConfirmation {
  user: string;
  channel: string;
  expiresAt: number;
  run(io: ConfirmIO): Promise<void>;
}

export const CONFIRM_TTL_MS = 15 * 60_000;

export type Taken = { ok: true; pending: PendingConfirmation } | { ok: false; code: 'expired' } | { ok: false; code: 'not_yours'; owner: string };

export class Confirmations {
  private readonly pending = new Map<string, PendingConfirmation>();

  constructor(private readonly clock: Clock) {}

  private now(): number {
    return this.clock.now().getTime();
  }

  ask(user: string, channel: string, run: PendingConfirmation['run']): string {
    for (const [id, p] of this.pending) if (p.expiresAt <= this.now()) this.pending.delete(id);
    const id = `cf-${randomBytes(8).toString('hex')}`;
    this.pending.set(id, { user, channel, expiresAt: this.now() + CONFIRM_TTL_MS, run });
    return id;
  }

  /** Removes and returns the confirmation: a second click (or a second clicker) finds nothing to run. */
  take(id: string, user: string): Taken {
    const p = this.pending.get(id);
    if (!p || p.expiresAt <= this.now()) {
      this.pending.delete(id);
      return { ok: false, code: 'expired' };
    }
    if (p.user !== user) return { ok: false, code: 'not_yours', owner: p.user };
    this.pending.delete(id);
    return { ok: true, pending: p };
  }
}

/** The bot's own confirmations, from what its listeners are given (one instance, built in app.ts; no registry). */
export function confirmationsOf(deps: { confirmations: Confirmations }): Confirmations {
  return deps.confirmations;
}
