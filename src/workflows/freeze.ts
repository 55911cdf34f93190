/**
 * The change-freeze calendar: the services' freeze windows read in the bot's time zone
 * (BOT_TIMEZONE). Built once in the composition root (app.ts) and passed to whatever asks whether a
 * service is frozen (the run-start check, the decisions, the card) — no module-wide time zone.
 */
import type { Service } from '../config.js';
import { activeFreeze, type FreezeWindow } from '../freezeWindow.js';

export type { FreezeWindow } from '../freezeWindow.js';

export class FreezeCalendar {
  constructor(readonly timeZone: string) {}

  /** The window in force at `now`, if any, with when it ends. */
  active(windows: readonly FreezeWindow[], now: Date): { window: FreezeWindow; until: Date } | undefined {
    return activeFreeze(windows, now, this.timeZone);
  }

  /** Freeze is not a block (a human may still approve, with confirmation); it only stops auto-approval. */
  frozenUntil(service: Service, now: Date): Date | undefined {
    return this.active(service.scaling.freeze, now)?.until;
  }
}
