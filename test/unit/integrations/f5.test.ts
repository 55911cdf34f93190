import { Writable } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { F5Client, F5Error, F5_RETRY_FAST, type F5ClientOptions } from '../../../src/integrations/f5.js';
import { createLogger } from '../../../src/logger.js';
import { freePort } from '../../helpers/net.js';
import { startFakeF5, type FakeF5, type FakeF5Options } from '../../fakes/f5.js';

const PASSWORD = 'S3cret-f5-Passw0rd';
const POOL = 'web-server-pool';
const IP = '127.0.0.21';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function fake(opts: FakeF5Options = {}): Promise<FakeF5> {
  const f = await startFakeF5({ password: PASSWORD, pools: [POOL], deviceGroups: ['dg-web'], ...opts });
  cleanups.push(() => f.stop());
  return f;
}

function client(servers: string[], opts: Partial<F5ClientOptions> = {}): F5Client {
  const c = new F5Client({ servers, username: 'admin', password: PASSWORD, retry: F5_RETRY_FAST, timeoutMs: 2_000, ...opts });
  cleanups.push(() => c.close());
  return c;
}

async function caught(p: Promise<unknown>): Promise<F5Error> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(F5Error);
    return e as F5Error;
  }
  throw new Error('expected the call to fail');
}

const count = (f: FakeF5, method: string, pathPart: string) =>
  f.requests.filter((r) => r.method === method && r.path.includes(pathPart)).length;

describe('F5Client against a fake BIG-IP', () => {
  describe('authentication', () => {
    it('logs in once and reuses the token for later calls', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      await c.listMembers(POOL, 'Common');
      await c.addMember(POOL, 'Common', IP, 80);
      await c.listMembers(POOL, 'Common');
      expect(f5.state.logins).toBe(1);
      expect(f5.requests.every((r) => r.path === '/mgmt/shared/authn/login' || r.authed)).toBe(true);
    });

    it('logs in again once when the token has expired, and the call succeeds', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      await c.addMember(POOL, 'Common', IP, 80);
      f5.expireAllTokens();
      const members = await c.listMembers(POOL, 'Common');
      expect(members.map((m) => m.name)).toEqual([`${IP}:80`]);
      expect(f5.state.logins).toBe(2);
    });

    it('gives up after one fresh login when the unit keeps answering 401', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      await c.listMembers(POOL, 'Common');
      const before = f5.requests.length;
      f5.failNext(2, 401, { code: 401, message: 'X-F5-Auth-Token does not exist.', referer: '127.0.0.1', restOperationId: 1, kind: ':resterrorresponse' });
      const err = await caught(c.listMembers(POOL, 'Common'));
      expect(err.code).toBe('auth');
      expect(err.status).toBe(401);
      expect(err.f5Message).toBe('X-F5-Auth-Token does not exist.');
      // GET (401), login, GET (401) — and no retry of an auth failure.
      expect(f5.requests.slice(before).map((r) => r.method + ' ' + r.path)).toEqual([
        `GET /mgmt/tm/ltm/pool/~Common~${POOL}/members`,
        'POST /mgmt/shared/authn/login',
        `GET /mgmt/tm/ltm/pool/~Common~${POOL}/members`,
      ]);
    });

    it('reports bad credentials as an auth error that never contains the password', async () => {
      const f5 = await fake();
      const c = new F5Client({ servers: [f5.url], username: 'admin', password: 'Wrong-Pa55word!', retry: F5_RETRY_FAST });
      cleanups.push(() => c.close());
      const err = await caught(c.listMembers(POOL, 'Common'));
      expect(err.code).toBe('auth');
      expect(err.f5Message).toBe('Authentication failed.');
      expect(err.unit).toBe(f5.url);
      expect(count(f5, 'POST', '/authn/login')).toBe(1);
      const everything = `${err.message} ${err.f5Message} ${JSON.stringify(err)} ${String(err.cause)} ${err.stack}`;
      expect(everything).not.toContain('Wrong-Pa55word!');
    });

    it('redacts the password when F5 echoes it back in an error message', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      f5.failNext(1, 400, { code: 400, message: `01070734:3: bad value "${PASSWORD}"`, errorStack: [], apiError: 3 });
      const err = await caught(c.listMembers(POOL, 'Common'));
      expect(err.code).toBe('bad_request');
      expect(err.f5Message).toContain('[REDACTED]');
      expect(`${err.message} ${err.f5Message}`).not.toContain(PASSWORD);
    });

    it('never writes the password or a token to the log', async () => {
      const f5 = await fake();
      let logged = '';
      const sink = new Writable({ write(chunk, _enc, done) { logged += String(chunk); done(); } });
      const c = client([f5.url], { logger: createLogger('debug', sink) });
      await c.addMember(POOL, 'Common', IP, 80);
      f5.expireAllTokens();
      await c.addMember(POOL, 'Common', IP, 80);
      f5.failNext(1, 500);
      await c.memberStats(POOL, 'Common', IP, 80);
      expect(logged).toContain('F5 call');
      expect(logged).not.toContain(PASSWORD);
      expect(f5.state.tokens.size).toBe(2);
      for (const token of f5.state.tokens.keys()) expect(logged).not.toContain(token);
    });
  });

  describe('pool members', () => {
    it('adds a member and reads it back as F5 shows it', async () => {
      const f5 = await fake();
      const member = await client([f5.url]).addMember(POOL, 'Common', IP, 8080);
      expect(member).toMatchObject({ name: `${IP}:8080`, address: IP, partition: 'Common', session: 'user-enabled', state: 'unchecked' });
      expect(count(f5, 'GET', `/members/~Common~${IP}:8080`)).toBe(1);
    });

    it('treats "already exists" as success, so adding twice leaves one member', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      await c.addMember(POOL, 'Common', IP, 80);
      const again = await c.addMember(POOL, 'Common', IP, 80);
      expect(again.name).toBe(`${IP}:80`);
      expect(f5.state.pools.get(`/Common/${POOL}`)!.members.size).toBe(1);
      expect(count(f5, 'POST', '/members')).toBe(2);
    });

    it('fails with not_found, without retrying, when the pool does not exist', async () => {
      const f5 = await fake();
      const err = await caught(client([f5.url]).addMember('no-such-pool', 'Common', IP, 80));
      expect(err.code).toBe('not_found');
      expect(err.status).toBe(404);
      expect(err.f5Message).toBe('01020036:3: The requested pool (/Common/no-such-pool) was not found.');
      expect(count(f5, 'POST', '/members')).toBe(1);
    });

    it('answers undefined for a missing member but throws for a missing pool', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      expect(await c.getMember(POOL, 'Common', IP, 80)).toBeUndefined();
      expect((await caught(c.getMember('no-such-pool', 'Common', IP, 80))).code).toBe('not_found');
    });

    it('lists an empty pool (F5 omits items) and a filled one', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      expect(await c.listMembers(POOL, 'Common')).toEqual([]);
      await c.addMember(POOL, 'Common', '127.0.0.21', 80);
      await c.addMember(POOL, 'Common', '127.0.0.22', 80);
      expect((await c.listMembers(POOL, 'Common')).map((m) => m.address)).toEqual(['127.0.0.21', '127.0.0.22']);
    });

    it('removes a member, and counts an already-removed one as done', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      await c.addMember(POOL, 'Common', IP, 80);
      expect(await c.removeMember(POOL, 'Common', IP, 80)).toBe(true);
      expect(await c.removeMember(POOL, 'Common', IP, 80)).toBe(false);
      expect(f5.state.pools.get(`/Common/${POOL}`)!.members.size).toBe(0);
    });

    it('drains and re-enables a member through its session', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      await c.addMember(POOL, 'Common', IP, 80);
      expect((await c.setMemberSession(POOL, 'Common', IP, 80, 'user-disabled')).session).toBe('user-disabled');
      expect((await c.getMember(POOL, 'Common', IP, 80))?.session).toBe('user-disabled');
      expect((await c.setMemberSession(POOL, 'Common', IP, 80, 'user-enabled')).session).toBe('user-enabled');
    });

    it('reads the current connection count from the nested stats', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      await c.addMember(POOL, 'Common', IP, 80);
      f5.setCurConns(POOL, 'Common', `${IP}:80`, 17);
      expect(await c.memberStats(POOL, 'Common', IP, 80)).toEqual({ curConns: 17 });
    });

    it('rejects names that would change the URL before sending anything', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      expect((await caught(c.addMember('../x', 'Common', IP, 80))).code).toBe('bad_request');
      expect((await caught(c.addMember(POOL, 'Common', '10.0.0.1/../', 80))).code).toBe('bad_request');
      expect(f5.requests).toEqual([]);
    });
  });

  describe('HA pair', () => {
    it('sends writes only to the ACTIVE unit, and follows a failover', async () => {
      const a = await fake({ failover: 'STANDBY' });
      const b = await fake({ failover: 'ACTIVE' });
      const c = client([a.url, b.url], { activeUnitTtlMs: 0 });
      expect(await c.activeUnit()).toBe(b.url);
      await c.addMember(POOL, 'Common', IP, 80);
      await c.setMemberSession(POOL, 'Common', IP, 80, 'user-disabled');
      expect(a.writes()).toEqual([]);
      expect(b.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);

      a.setFailover('ACTIVE');
      b.setFailover('STANDBY');
      await c.addMember(POOL, 'Common', '127.0.0.22', 80);
      expect(a.writes().map((r) => r.method)).toEqual(['POST']);
      expect(b.writes()).toHaveLength(2);
    });

    it('sends the first write after a failover to the new active unit, never to the one that just became standby', async () => {
      const a = await fake({ failover: 'ACTIVE' });
      const b = await fake({ failover: 'STANDBY' });
      const c = client([a.url, b.url]); // default reuse of the active-unit answer for reads
      await c.addMember(POOL, 'Common', IP, 80);
      a.setFailover('STANDBY');
      b.setFailover('ACTIVE');
      await c.addMember(POOL, 'Common', '127.0.0.22', 80);
      await c.setMemberSession(POOL, 'Common', '127.0.0.22', 80, 'user-disabled');
      expect(a.writesWhileStandby()).toEqual([]);
      expect(b.writes().map((r) => r.method)).toEqual(['POST', 'PATCH']);
      expect(b.state.pools.get(`/Common/${POOL}`)!.members.get('127.0.0.22:80')?.session).toBe('user-disabled');
    });

    it('repeats a write on the new active unit when the unit fails over in the middle of it', async () => {
      const a = await fake({ failover: 'ACTIVE' });
      const b = await fake({ failover: 'STANDBY' });
      let failedOver = false;
      a.afterRequest((r) => {
        if (!failedOver && r.method === 'POST' && r.path.endsWith('/members')) {
          failedOver = true;
          a.setFailover('STANDBY');
          b.setFailover('ACTIVE');
        }
      });
      const member = await client([a.url, b.url]).addMember(POOL, 'Common', IP, 80);
      expect(member.name).toBe(`${IP}:80`);
      expect([...b.state.pools.get(`/Common/${POOL}`)!.members.keys()]).toEqual([`${IP}:80`]);
      expect(b.writes().map((r) => `${r.method} ${r.failover}`)).toEqual(['POST ACTIVE']);
      expect([...a.writesWhileStandby(), ...b.writesWhileStandby()]).toEqual([]);
    });

    it('fails with no_active_unit when no unit is ACTIVE', async () => {
      const a = await fake({ failover: 'STANDBY' });
      const b = await fake({ failover: 'STANDBY' });
      const err = await caught(client([a.url, b.url]).addMember(POOL, 'Common', IP, 80));
      expect(err.code).toBe('no_active_unit');
      expect(err.message).toContain(`${a.url}=STANDBY`);
      expect(a.writes()).toEqual([]);
      expect(b.writes()).toEqual([]);
    });

    it('uses the ACTIVE unit when the other one is unreachable', async () => {
      const b = await fake({ failover: 'ACTIVE' });
      const down = `http://127.0.0.1:${await freePort()}`;
      const c = client([down, b.url]);
      expect(await c.activeUnit()).toBe(b.url);
    });

    it('runs config-sync on the ACTIVE unit and waits for In Sync; the peer gets the member', async () => {
      const a = await fake({ failover: 'ACTIVE', syncLagPolls: 2 });
      const b = await fake({ failover: 'STANDBY' });
      a.setPeer(b);
      const c = client([a.url, b.url]);
      await c.addMember(POOL, 'Common', IP, 80);
      expect(b.state.pools.get(`/Common/${POOL}`)!.members.size).toBe(0);
      expect(await c.configSync('dg-web', { polls: 5, intervalMs: 5 })).toEqual({ inSync: true, status: 'In Sync' });
      expect(a.state.syncs).toEqual(['dg-web']);
      expect(count(a, 'GET', '/cm/sync-status')).toBe(3);
      expect([...b.state.pools.get(`/Common/${POOL}`)!.members.keys()]).toEqual([`${IP}:80`]);
      expect(b.writes()).toEqual([]);
    });

    it('reports a group that has not settled after the polls as a value', async () => {
      const a = await fake({ syncLagPolls: 10 });
      expect(await client([a.url]).configSync('dg-web', { polls: 3, intervalMs: 1 })).toEqual({ inSync: false, status: 'Syncing' });
    });

    it('fails config-sync for an unknown device group with F5 400, not retried', async () => {
      const a = await fake();
      const err = await caught(client([a.url]).configSync('dg-nope'));
      expect(err.code).toBe('bad_request');
      expect(err.status).toBe(400);
      expect(err.f5Message).toContain('Device group (dg-nope) not found');
      expect(count(a, 'POST', '/mgmt/tm/cm')).toBe(1);
    });
  });

  describe('retries', () => {
    it('retries while mcpd restarts (500) and then succeeds', async () => {
      const f5 = await fake();
      const c = client([f5.url]);
      f5.failNext(2, 500);
      expect(await c.listMembers(POOL, 'Common')).toEqual([]);
      expect(count(f5, 'GET', '/members')).toBe(3);
    });

    it('retries "Public URI path not registered" (restjavad restarting)', async () => {
      const f5 = await fake();
      f5.failNext(1, 404);
      await client([f5.url]).addMember(POOL, 'Common', IP, 80);
      expect(count(f5, 'POST', '/members')).toBe(2);
    });

    it('gives up after the policy\'s retries with the last transient error', async () => {
      const f5 = await fake();
      f5.failNext(10, 500);
      const err = await caught(client([f5.url]).listMembers(POOL, 'Common'));
      expect(err).toMatchObject({ code: 'server', status: 500, transient: true });
      expect(err.f5Message).toBe('The connection to mcpd has been lost, try again.');
      expect(count(f5, 'GET', '/members')).toBe(F5_RETRY_FAST.retries + 1);
    });

    it('does not retry a 400', async () => {
      const f5 = await fake();
      f5.failNext(1, 400);
      const err = await caught(client([f5.url]).listMembers(POOL, 'Common'));
      expect(err.code).toBe('bad_request');
      expect(count(f5, 'GET', '/members')).toBe(1);
    });

    it('does not retry a 500 that is not an mcpd restart', async () => {
      const f5 = await fake();
      f5.failNext(1, 500, { code: 500, message: '01070711:3: Caught exception', errorStack: [], apiError: 3 });
      const err = await caught(client([f5.url]).listMembers(POOL, 'Common'));
      expect(err).toMatchObject({ code: 'server', transient: false });
      expect(count(f5, 'GET', '/members')).toBe(1);
    });

    it('times out a unit that answers too slowly, retrying the timeout', async () => {
      const f5 = await fake();
      const c = client([f5.url], { timeoutMs: 150 });
      await c.listMembers(POOL, 'Common');
      f5.state.latencyMs = 400;
      const err = await caught(c.listMembers(POOL, 'Common'));
      expect(err.code).toBe('timeout');
      expect(err.unit).toBe(f5.url);
      expect(count(f5, 'GET', '/members')).toBe(1 + F5_RETRY_FAST.retries + 1);
    });

    it('reports a refused connection as a network error', async () => {
      const url = `http://127.0.0.1:${await freePort()}`;
      const err = await caught(client([url]).listMembers(POOL, 'Common'));
      expect(err).toMatchObject({ code: 'network', transient: true, unit: url });
    });
  });

  describe('TLS', () => {
    it('refuses a self-signed certificate by default, and accepts it with the CA file or verification off', async () => {
      let f5: FakeF5;
      try {
        f5 = await fake({ https: true });
      } catch (e) {
        // openssl missing: nothing to test here.
        console.warn(`skipping TLS test: ${String(e)}`);
        return;
      }
      const strict = await caught(client([f5.url]).listMembers(POOL, 'Common'));
      expect(strict).toMatchObject({ code: 'network', transient: false });
      expect(strict.message).toContain('TLS verification failed');
      expect(f5.requests).toEqual([]);

      expect(await client([f5.url], { caFile: f5.caFile }).listMembers(POOL, 'Common')).toEqual([]);
      expect(await client([f5.url], { verifyTls: false }).listMembers(POOL, 'Common')).toEqual([]);
    });
  });
});
