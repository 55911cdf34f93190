import { describe, expect, it } from 'vitest';
import { freezeWindowSchema } from '../../src/config.js';
import { activeFreeze, parseCron } from '../../src/freezeWindow.js';
import { FreezeCalendar } from '../../src/workflows/freeze.js';

describe('change-freeze windows', () => {
  it('are active from a cron start for their duration, in the bot time zone', () => {
    const calendar = new FreezeCalendar('Asia/Seoul');
    const friday18 = [{ cron: '0 18 * * 5', duration: '60h' }];
    // Friday 2026-11-27 18:00 KST = 09:00 UTC; the window lasts until Monday 06:00 KST.
    expect(calendar.active(friday18, new Date('2026-11-27T08:59:00Z'))).toBeUndefined();
    expect(calendar.active(friday18, new Date('2026-11-27T09:00:00Z'))?.until.toISOString()).toBe('2026-11-29T21:00:00.000Z');
    expect(calendar.active(friday18, new Date('2026-11-29T20:59:00Z'))).toBeDefined();
    expect(calendar.active(friday18, new Date('2026-11-29T21:00:00Z'))).toBeUndefined();
  });

  it('are read in the time zone each calendar was built with, not in one shared by the process', () => {
    const friday18 = [{ cron: '0 18 * * 5', duration: '1h' }];
    const at = new Date('2026-11-27T09:30:00Z'); // 18:30 in Seoul, 09:30 in UTC
    const seoul = new FreezeCalendar('Asia/Seoul');
    const utc = new FreezeCalendar('UTC');
    expect(seoul.active(friday18, at)?.until.toISOString()).toBe('2026-11-27T10:00:00.000Z');
    expect(utc.active(friday18, at)).toBeUndefined();
    expect(seoul.active(friday18, at)).toEqual(activeFreeze(friday18, at, 'Asia/Seoul'));
  });

  it('reads ranges, steps, lists and names', () => {
    const c = parseCron('*/15 9-17 1,15 jan-mar mon-fri');
    expect([...c.minute]).toEqual([0, 15, 30, 45]);
    expect([...c.hour]).toEqual([9, 10, 11, 12, 13, 14, 15, 16, 17]);
    expect([...c.month]).toEqual([1, 2, 3]);
    expect([...c.dow]).toEqual([1, 2, 3, 4, 5]);
  });

  it.each(['not-a-cron', '61 * * * *', '* * * * * * *', '0 25 * * *'])('refuses "%s" in a services file', (cron) => {
    expect(freezeWindowSchema.safeParse({ cron, duration: '1h' }).success).toBe(false);
  });
});
