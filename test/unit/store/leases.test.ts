import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { freeAddresses, leasesOf, releaseAddress } from '../../../src/store/leases.js';
import { Store } from '../../../src/store/store.js';
import { SCHEMA_VERSION } from '../../../src/store/types.js';
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

describe('leases across services', () => {
  it('never gives two services with overlapping pools the same address', async () => {
    const st = await store();
    const net = (start: string, end: string) => ({ ipPool: { start, end }, netmask: '255.255.255.0', gateway: '127.0.23.254', dns: [], conflictCheck: 'none' as const });
    const a = service({ name: 'alpha', network: net('127.0.23.1', '127.0.23.6') });
    const b = service({ name: 'beta', network: net('127.0.23.3', '127.0.23.8') });
    const o = { store: st, at: 'now', guestIps: new Set<string>(), probe: noProbe };
    // Interleaved and concurrent, as two services scaling out at once would.
    const leases = await Promise.all(Array.from({ length: 6 }, (_, i) => reserveAddress(o, i % 2 ? b : a, `req-${i}`)));
    const ips = leases.map((l) => l.ip);
    expect(new Set(ips).size).toBe(6);
    // With leases per service, alpha (.1, .2, .3) and beta (.3, .4, .5) both took .3.
    expect(Object.keys(st.data.leases).sort()).toEqual(ips.sort());
    expect(leasesOf(st, 'alpha').every((l) => Number(l.ip.split('.')[3]) <= 6)).toBe(true);
    expect(leasesOf(st, 'beta').every((l) => Number(l.ip.split('.')[3]) >= 3)).toBe(true);
    // One service cannot release the other's address.
    const betaIp = leasesOf(st, 'beta')[0]!.ip;
    expect(await releaseAddress(st, 'alpha', betaIp, 'now')).toBe(false);
    expect(st.data.leases[betaIp]?.service).toBe('beta');
  });

  it('never hands out the network, broadcast, gateway or DNS addresses of a /24 pool that spans them', async () => {
    const st = await store();
    const s = service({ network: { ipPool: { start: '127.0.24.0', end: '127.0.24.255' }, netmask: '255.255.255.0', gateway: '127.0.24.1', dns: ['127.0.24.53', '127.0.24.54'], conflictCheck: 'none' } });
    const o = { store: st, at: 'now', guestIps: new Set<string>(), probe: noProbe };
    const got: string[] = [];
    for (let i = 0; i < 251; i++) got.push((await reserveAddress(o, s, `req-${i}`)).ip);
    for (const special of ['127.0.24.0', '127.0.24.255', '127.0.24.1', '127.0.24.53', '127.0.24.54']) expect(got).not.toContain(special);
    expect(new Set(got).size).toBe(251);
    await expect(reserveAddress(o, s, 'one-too-many')).rejects.toMatchObject({ code: 'pool_exhausted', message: expect.stringContaining('251 usable addresses') });
    expect(freeAddresses(st, s.network, new Set())).toEqual([]);
  });
});

describe('migrating a db.json of schema 1 (leases per service)', () => {
  it('keys leases by address, keeps every lease, and keeps both sides of a collision visible', async () => {
    const d = mkdtempSync(join(tmpdir(), 'migrate-'));
    dirs.push(d);
    const { writeFileSync } = await import('node:fs');
    const lease = (service: string, ip: string, state: string, requestId: string, at: string, vmName?: string) => ({ ip, service, requestId, state, at, ...(vmName ? { vmName } : {}) });
    writeFileSync(join(d, 'db.json'), JSON.stringify({
      schemaVersion: 1, services: {}, requests: [], templates: {}, audit: [], notices: {},
      leases: {
        alpha: { '127.0.25.10': lease('alpha', '127.0.25.10', 'in-use', 'sr-a1', '2026-11-01T00:00:00Z', 'alpha-1'), '127.0.25.11': lease('alpha', '127.0.25.11', 'reserved', 'sr-a2', '2026-11-02T00:00:00Z') },
        // beta's pool overlapped alpha's: it holds .11 too (in use), and .12 alone.
        beta: { '127.0.25.11': lease('beta', '127.0.25.11', 'in-use', 'sr-b1', '2026-11-03T00:00:00Z', 'beta-1'), '127.0.25.12': lease('beta', '127.0.25.12', 'reserved', 'sr-b2', '2026-11-04T00:00:00Z') },
      },
    }));
    const st = await Store.open(d);
    expect(st.data.schemaVersion).toBe(SCHEMA_VERSION);
    expect(Object.keys(st.data.leases).sort()).toEqual(['127.0.25.10', '127.0.25.11', '127.0.25.12']);
    expect(st.data.leases['127.0.25.10']).toMatchObject({ service: 'alpha', state: 'in-use', vmName: 'alpha-1' });
    // The in-use lease wins the address; the reserved one is recorded in the audit trail with all its fields.
    expect(st.data.leases['127.0.25.11']).toMatchObject({ service: 'beta', state: 'in-use', vmName: 'beta-1' });
    const conflict = st.data.audit.find((e) => e.action === 'lease.conflict');
    expect(conflict).toMatchObject({ target: 'alpha/127.0.25.11' });
    expect(conflict!.detail).toContain('"requestId":"sr-a2"');
    expect(conflict!.detail).toContain('beta (in-use, beta-1, kept)');
    expect(leasesOf(st, 'beta').map((l) => l.ip).sort()).toEqual(['127.0.25.11', '127.0.25.12']);
    // Reopening a migrated file changes nothing.
    const again = await Store.open(d);
    expect(again.data.leases).toEqual(st.data.leases);
    // The conflict is in the audit trail (audit.jsonl) once, not again after the reopen.
    await again.flush();
    const trail = readFileSync(join(d, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string });
    expect(trail.filter((e) => e.action === 'lease.conflict')).toHaveLength(1);
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
