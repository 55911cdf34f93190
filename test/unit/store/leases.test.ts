import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { leasesOf, releaseAddress } from '../../../src/store/leases.js';
import { Store } from '../../../src/store/store.js';
import { reserveAddress } from '../../../src/workflows/reserveIp.js';
import { service } from '../../helpers/bot.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

async function store(): Promise<Store> {
  const d = mkdtempSync(join(tmpdir(), 'leases-'));
  dirs.push(d);
  return Store.open(d);
}

const noProbe = async () => new Set<string>();

describe('reserving addresses', () => {
  it('never hands out the same address to 20 concurrent reservations', async () => {
    const st = await store();
    const s = service({ network: { ipPool: { start: '127.0.20.1', end: '127.0.20.40' }, netmask: '255.255.255.0', gateway: '127.0.20.254', dns: [], conflictCheck: 'none' } });
    const leases = await Promise.all(Array.from({ length: 20 }, (_, i) => reserveAddress({ store: st, at: 'now', guestIps: new Set(), probe: noProbe }, s, `req-${i}`)));
    const ips = leases.map((l) => l.ip);
    expect(new Set(ips).size).toBe(20);
    expect(leasesOf(st, s.name)).toHaveLength(20);
    // Each lease is bound to its request, and survives a reopen of the store.
    const reopened = await Store.open(dirs[0]!);
    expect(leasesOf(reopened, s.name).map((l) => l.requestId).sort()).toEqual(Array.from({ length: 20 }, (_, i) => `req-${i}`).sort());
  });

  it('gives a request its existing lease back (idempotent retries)', async () => {
    const st = await store();
    const s = service();
    const a = await reserveAddress({ store: st, at: 'now', guestIps: new Set(), probe: noProbe }, s, 'req-1');
    const b = await reserveAddress({ store: st, at: 'now', guestIps: new Set(), probe: noProbe }, s, 'req-1');
    expect(b.ip).toBe(a.ip);
    expect(leasesOf(st, s.name)).toHaveLength(1);
  });

  it('skips addresses vCenter reports and addresses that answer the probe, probing candidates in one parallel batch', async () => {
    const st = await store();
    const s = service({
      network: { ipPool: { start: '127.0.21.1', end: '127.0.21.5' }, netmask: '255.255.255.0', gateway: '127.0.21.254', dns: [], conflictCheck: 'tcp' },
    });
    const batches: string[][] = [];
    // On 127.0.0.0/8 every address answers a real probe (the kernel resets the connection), so the
    // probe itself is tested in probe.test.ts; here we check what reservation does with its answer.
    const probe = async (ips: readonly string[]) => {
      batches.push([...ips]);
      return new Set(['127.0.21.2']);
    };
    const lease = await reserveAddress({ store: st, at: 'now', guestIps: new Set(['127.0.21.1']), probe }, s, 'req-1');
    expect(lease.ip).toBe('127.0.21.3');
    expect(batches).toEqual([['127.0.21.2', '127.0.21.3', '127.0.21.4', '127.0.21.5']]);
  });

  it('fails clearly when the pool is exhausted and releases make room again', async () => {
    const st = await store();
    const s = service({ network: { ipPool: { start: '127.0.22.1', end: '127.0.22.2' }, netmask: '255.255.255.0', gateway: '127.0.22.254', dns: [], conflictCheck: 'none' } });
    const o = { store: st, at: 'now', guestIps: new Set<string>(), probe: noProbe };
    await reserveAddress(o, s, 'a');
    await reserveAddress(o, s, 'b');
    await expect(reserveAddress(o, s, 'c')).rejects.toMatchObject({ code: 'pool_exhausted', message: expect.stringContaining('2 leased') });
    await releaseAddress(st, s.name, '127.0.22.1', 'now', 'a');
    expect((await reserveAddress(o, s, 'c')).ip).toBe('127.0.22.1');
  });
});

describe('the store', () => {
  it('keeps a corrupt file aside, never overwrites it, and says what to do', async () => {
    const d = mkdtempSync(join(tmpdir(), 'corrupt-'));
    dirs.push(d);
    const { writeFileSync, readFileSync, readdirSync } = await import('node:fs');
    writeFileSync(join(d, 'db.json'), '{"schemaVersion":1, "requests": [');
    await expect(Store.open(d)).rejects.toMatchObject({ code: 'corrupt', message: expect.stringMatching(/not valid JSON.*copy is kept at .*db\.json\.corrupt-/) });
    expect(readFileSync(join(d, 'db.json'), 'utf8')).toBe('{"schemaVersion":1, "requests": [');
    expect(readdirSync(d).some((f) => f.startsWith('db.json.corrupt-'))).toBe(true);
  });

  it('refuses a file written by a newer schema', async () => {
    const d = mkdtempSync(join(tmpdir(), 'newer-'));
    dirs.push(d);
    const { writeFileSync } = await import('node:fs');
    writeFileSync(join(d, 'db.json'), JSON.stringify({ schemaVersion: 99 }));
    await expect(Store.open(d)).rejects.toMatchObject({ code: 'version' });
  });

  it('writes concurrent mutations in one group and resolves each after its write', async () => {
    const st = await store();
    const results = await Promise.all(Array.from({ length: 50 }, (_, i) => st.mutate((d) => { d.notices[`s${i}`] = 'x'; return i; })));
    expect(results).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const reopened = await Store.open(dirs[0]!);
    expect(Object.keys(reopened.data.notices)).toHaveLength(50);
  });
});

describe('the audit trail', () => {
  it('appends every entry to audit.jsonl once; memory keeps the recent ones and db.json none', async () => {
    const { appendAudit, RECENT_AUDIT } = await import('../../../src/store/audit.js');
    const { readFileSync } = await import('node:fs');
    const st = await store();
    for (let i = 0; i < RECENT_AUDIT + 50; i += 10) {
      await st.mutate((d) => { for (let j = i; j < i + 10; j++) appendAudit(d, { at: 'now', actor: 'test', action: 'x', target: String(j) }); });
    }
    const lines = readFileSync(st.auditFile, 'utf8').trim().split('\n').map((l) => JSON.parse(l).target);
    expect(lines).toEqual(Array.from({ length: RECENT_AUDIT + 50 }, (_, i) => String(i)));
    expect(st.data.audit).toHaveLength(RECENT_AUDIT);
    expect(JSON.parse(readFileSync(st.file, 'utf8')).audit).toEqual([]);
  });
});
