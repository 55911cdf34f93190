/** The subcommands are one explicit list, and the per-bot state of the commands lives in objects the bot owns. */
import { describe, expect, it } from 'vitest';
import { Confirmations, CONFIRM_TTL_MS } from '../../../src/commands/autoscale/confirmations.js';
import { findSubcommand, helpText, SUBCOMMANDS, tokenize } from '../../../src/commands/autoscale/index.js';
import { IntakeLock } from '../../../src/workflows/intake.js';
import { TestClock } from '../../helpers/bot.js';

describe('the subcommand list', () => {
  it('names every subcommand once, and help shows each usage in both languages', () => {
    const names = SUBCOMMANDS.map((s) => s.name);
    expect(new Set(names).size).toBe(names.length);
    for (const locale of ['en', 'ko'] as const) {
      const help = helpText(locale);
      for (const s of SUBCOMMANDS) expect(help, `${locale}: ${s.usage}`).toContain(`\`/autoscale ${s.usage}\``);
    }
  });

  it('dispatches by the longest name that matches', () => {
    expect(findSubcommand(tokenize('scale out web-server'))?.sub.name).toBe('scale out');
    expect(findSubcommand(tokenize('service list 2'))?.args).toEqual(['2']);
    expect(findSubcommand(tokenize('nothing like this'))).toBeUndefined();
  });
});

describe('confirmations', () => {
  it('belong to the bot that asked: another bot in the same process knows nothing of them', () => {
    const clock = new TestClock();
    const one = new Confirmations(clock);
    const other = new Confirmations(clock);
    const id = one.ask('U1', 'C1', async () => undefined);
    expect(other.take(id, 'U1')).toEqual({ ok: false, code: 'expired' });
    expect(one.take(id, 'U2')).toEqual({ ok: false, code: 'not_yours', owner: 'U1' });
    expect(one.take(id, 'U1').ok).toBe(true);
    expect(one.take(id, 'U1')).toEqual({ ok: false, code: 'expired' }); // once only
  });

  it('expire on the clock they were given', () => {
    const clock = new TestClock();
    const c = new Confirmations(clock);
    const id = c.ask('U1', 'C1', async () => undefined);
    clock.advance(CONFIRM_TTL_MS);
    expect(c.take(id, 'U1')).toEqual({ ok: false, code: 'expired' });
  });
});

describe('the intake lock', () => {
  it('holds a key while its creation runs and frees it after, even when the creation fails', async () => {
    const lock = new IntakeLock();
    let finish!: (v: string) => void;
    const held = lock.hold('web/out', new Promise<string>((r) => { finish = r; }));
    expect(lock.pending('web/out')).toBeDefined();
    expect(lock.pending('web/in')).toBeUndefined();
    expect(new IntakeLock().pending('web/out')).toBeUndefined(); // per intake service, not per process
    finish('created');
    await expect(held).resolves.toBe('created');
    expect(lock.pending('web/out')).toBeUndefined();
    await expect(lock.hold('web/out', Promise.reject(new Error('store down')))).rejects.toThrow('store down');
    expect(lock.pending('web/out')).toBeUndefined();
  });
});
