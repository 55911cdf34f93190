/**
 * A fake BIG-IP unit speaking iControl REST closely enough for the client's tests: token login and
 * expiry, pools and members at the real URL shapes with the real `kind`s and error texts, member
 * stats, failover status, config-sync and sync status. Two of them form an HA pair (`setPeer`).
 *
 * Bodies and messages follow /work/shared/reference/integration-facts.md; `Authentication failed.`
 * with `originalRequestBody` (password left out) is from memory of real units, unverified.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export type FailoverStatus = 'ACTIVE' | 'STANDBY';

export interface FakeMember {
  name: string; // ip:port
  partition: string;
  address: string;
  port: number;
  session: 'user-enabled' | 'user-disabled' | 'monitor-enabled';
  state: 'up' | 'down' | 'unchecked' | 'user-down';
  curConns: number;
  generation: number;
}

export interface FakePool {
  name: string;
  partition: string;
  monitor?: string;
  members: Map<string, FakeMember>;
}

export interface FakeF5State {
  failover: FailoverStatus;
  /** Keyed by full path, `/Common/web-pool`. */
  pools: Map<string, FakePool>;
  tokens: Map<string, { user: string; expiresAt: number }>;
  deviceGroups: Set<string>;
  syncStatus: string;
  /** Device groups config-sync was run for, in order. */
  syncs: string[];
  latencyMs: number;
  logins: number;
}

export interface FakeRequest {
  method: string;
  path: string;
  /** Whether the request carried a token the fake accepted. */
  authed: boolean;
  /** This unit's failover status when the request arrived. */
  failover: FailoverStatus;
}

export interface FakeF5Options {
  username?: string;
  password?: string;
  failover?: FailoverStatus;
  /** Pools to create, as `name` (partition Common) or `{ name, partition, monitor }`. */
  pools?: Array<string | { name: string; partition?: string; monitor?: string }>;
  deviceGroups?: string[];
  tokenTtlMs?: number;
  latencyMs?: number;
  /** Serve HTTPS with a fresh self-signed certificate for 127.0.0.1 (needs `openssl`). */
  https?: boolean;
  /** sync-status reads answering `Syncing` after a config-sync, before `In Sync`. */
  syncLagPolls?: number;
}

export interface FakeF5 {
  url: string;
  state: FakeF5State;
  requests: FakeRequest[];
  /** PEM of the self-signed certificate when `https` is on. */
  caFile?: string;
  stop(): Promise<void>;
  /**
   * The next `n` requests other than login answer `status` with `body` (default: F5's transient text
   * for it); with `only.method`, the next `n` requests of that method (reads pass untouched by a `POST` failure).
   */
  failNext(n: number, status: number, body?: unknown, only?: { method?: string }): void;
  expireAllTokens(): void;
  setFailover(status: FailoverStatus): void;
  setCurConns(pool: string, partition: string, member: string, curConns: number): void;
  /** config-sync on this unit copies its pools to `peer`, as a device group would. */
  setPeer(peer: FakeF5): void;
  /** Writes (POST, PATCH, PUT, DELETE) other than login, in order. */
  writes(): FakeRequest[];
  /**
   * Writes that arrived while this unit was STANDBY. A real standby unit accepts them (iControl REST
   * does not refuse config changes on a standby) and the next config-sync from the active unit
   * overwrites them, so such a write is silently lost: the client must never send one.
   */
  writesWhileStandby(): FakeRequest[];
  /** Calls `hook` after each request other than login has been answered (e.g. to fail over between two writes). */
  afterRequest(hook: (req: FakeRequest) => void): void;
}

const VERSION = '15.1.10';

export async function startFakeF5(opts: FakeF5Options = {}): Promise<FakeF5> {
  const username = opts.username ?? 'admin';
  const password = opts.password ?? 'f5-test-password';
  const tokenTtlMs = opts.tokenTtlMs ?? 1_200_000;
  const state: FakeF5State = {
    failover: opts.failover ?? 'ACTIVE',
    pools: new Map(),
    tokens: new Map(),
    deviceGroups: new Set(opts.deviceGroups ?? []),
    syncStatus: 'In Sync',
    syncs: [],
    latencyMs: opts.latencyMs ?? 0,
    logins: 0,
  };
  for (const p of opts.pools ?? []) {
    const pool = typeof p === 'string' ? { name: p } : p;
    const partition = pool.partition ?? 'Common';
    state.pools.set(`/${partition}/${pool.name}`, { name: pool.name, partition, monitor: pool.monitor, members: new Map() });
  }
  const requests: FakeRequest[] = [];
  const failures: Array<{ status: number; body?: unknown; method?: string }> = [];
  let peer: FakeF5 | undefined;
  let syncLag = 0;
  let operationId = 1000;
  const hooks: Array<(req: FakeRequest) => void> = [];

  const errorBody = (code: number, message: string) => ({
    code,
    message,
    referer: '127.0.0.1',
    restOperationId: ++operationId,
    kind: ':resterrorresponse',
  });
  const configError = (code: number, message: string, apiError = 3) => ({ code, message, errorStack: [], apiError });

  function defaultFailureBody(status: number, path: string): unknown {
    if (status === 500) return configError(500, 'The connection to mcpd has been lost, try again.', 32768001);
    if (status === 404) return errorBody(404, `Public URI path not registered: ${path.replace(/^\/mgmt/, '')}`);
    if (status === 400) return configError(400, '01070734:3: Configuration error: invalid request', 3);
    return errorBody(status, `fake failure ${status}`);
  }

  function memberJson(pool: FakePool, m: FakeMember) {
    const poolRef = `~${pool.partition}~${pool.name}`;
    return {
      kind: 'tm:ltm:pool:members:membersstate',
      name: m.name,
      partition: m.partition,
      fullPath: `/${m.partition}/${m.name}`,
      generation: m.generation,
      selfLink: `https://localhost/mgmt/tm/ltm/pool/${poolRef}/members/~${m.partition}~${m.name}?ver=${VERSION}`,
      address: m.address,
      connectionLimit: 0,
      dynamicRatio: 1,
      ephemeral: 'false',
      fqdn: { autopopulate: 'disabled' },
      inheritProfile: 'enabled',
      logging: 'disabled',
      monitor: 'default',
      priorityGroup: 0,
      rateLimit: 'disabled',
      ratio: 1,
      session: m.session,
      state: m.state,
    };
  }

  function memberStatsJson(pool: FakePool, m: FakeMember) {
    const link = `https://localhost/mgmt/tm/ltm/pool/~${pool.partition}~${pool.name}/members/~${m.partition}~${m.name}/stats`;
    const enabled = m.session !== 'user-disabled';
    return {
      kind: 'tm:ltm:pool:members:membersstats',
      generation: m.generation,
      selfLink: `${link}?ver=${VERSION}`,
      entries: {
        [link]: {
          nestedStats: {
            kind: 'tm:ltm:pool:members:membersstats',
            selfLink: `${link}?ver=${VERSION}`,
            entries: {
              addr: { description: m.address },
              curSessions: { value: m.curConns },
              monitorRule: { description: pool.monitor ?? 'none' },
              monitorStatus: { description: pool.monitor ? 'up' : 'unchecked' },
              nodeName: { description: `/${m.partition}/${m.address}` },
              poolName: { description: `/${pool.partition}/${pool.name}` },
              port: { value: m.port },
              'serverside.bitsIn': { value: 0 },
              'serverside.bitsOut': { value: 0 },
              'serverside.curConns': { value: m.curConns },
              'serverside.maxConns': { value: m.curConns },
              'serverside.totConns': { value: m.curConns },
              sessionStatus: { description: enabled ? 'enabled' : 'user-disabled' },
              'status.availabilityState': { description: pool.monitor ? 'available' : 'unknown' },
              'status.enabledState': { description: enabled ? 'enabled' : 'disabled' },
              'status.statusReason': { description: enabled ? ' ' : 'Pool member has been disabled by user' },
              totRequests: { value: 0 },
            },
          },
        },
      },
    };
  }

  function nestedStatus(kind: string, link: string, entries: Record<string, { description: string }>) {
    return {
      kind,
      selfLink: `https://localhost${link}?ver=${VERSION}`,
      entries: { [`https://localhost${link}/0`]: { nestedStats: { entries } } },
    };
  }

  function enabledSession(pool: FakePool): FakeMember['session'] {
    return pool.monitor ? 'monitor-enabled' : 'user-enabled';
  }

  function markChanged(): void {
    if (state.deviceGroups.size > 0) state.syncStatus = 'Changes Pending';
  }

  /** Answers one authenticated request; returns [status, body]. */
  function route(method: string, path: string, body: unknown): [number, unknown] {
    if (path === '/mgmt/tm/cm/failover-status' && method === 'GET') {
      return [200, nestedStatus('tm:cm:failover-status:failover-statusstats', '/mgmt/tm/cm/failover-status', {
        color: { description: state.failover === 'ACTIVE' ? 'green' : 'gray' },
        status: { description: state.failover },
        summary: { description: `1/1 ${state.failover.toLowerCase()}` },
      })];
    }
    if (path === '/mgmt/tm/cm/sync-status' && method === 'GET') {
      let status = state.syncStatus;
      if (syncLag > 0) {
        syncLag--;
        status = 'Syncing';
      }
      const color = status === 'In Sync' ? 'green' : status === 'Disconnected' ? 'red' : 'yellow';
      return [200, nestedStatus('tm:cm:sync-status:sync-statusstats', '/mgmt/tm/cm/sync-status', {
        color: { description: color },
        mode: { description: 'high-availability' },
        status: { description: status },
        summary: { description: status === 'In Sync' ? 'All devices in the device group are in sync' : status },
      })];
    }
    if (path === '/mgmt/tm/cm' && method === 'POST') return configSync(body);

    const m = /^\/mgmt\/tm\/ltm\/pool\/~([^~/]+)~([^~/]+)\/members(?:\/~([^~/]+)~([^/]+?))?(\/stats)?$/.exec(path);
    if (!m) return [404, errorBody(404, `Public URI path not registered: ${path.replace(/^\/mgmt/, '')}`)];
    const [, partition, poolName, , memberName, stats] = m as unknown as [string, string, string, string?, string?, string?];
    const pool = state.pools.get(`/${partition}/${poolName}`);
    if (!pool) {
      // POSTing to a missing pool's members says "pool" in lower case.
      const word = method === 'POST' && !memberName ? 'pool' : 'Pool';
      return [404, configError(404, `01020036:3: The requested ${word} (/${partition}/${poolName}) was not found.`)];
    }
    if (!memberName) {
      if (method === 'GET') {
        const items = [...pool.members.values()].map((x) => memberJson(pool, x));
        const collection = {
          kind: 'tm:ltm:pool:members:memberscollectionstate',
          selfLink: `https://localhost/mgmt/tm/ltm/pool/~${partition}~${poolName}/members?ver=${VERSION}`,
        };
        // BIG-IP leaves `items` out of an empty collection.
        return [200, items.length ? { ...collection, items } : collection];
      }
      if (method === 'POST') return addMember(pool, body);
      return [405, errorBody(405, `Method ${method} not allowed`)];
    }
    const member = pool.members.get(memberName);
    if (!member) {
      const [ip, port] = memberName.split(':');
      return [404, configError(404, `01020036:3: The requested Pool Member (/${pool.partition}/${pool.name} /${partition}/${ip} ${port}) was not found.`)];
    }
    if (stats) return method === 'GET' ? [200, memberStatsJson(pool, member)] : [405, errorBody(405, 'not allowed')];
    if (method === 'GET') return [200, memberJson(pool, member)];
    if (method === 'DELETE') {
      pool.members.delete(memberName);
      markChanged();
      return [200, undefined];
    }
    if (method === 'PATCH' || method === 'PUT') {
      const patch = (body ?? {}) as { session?: string; state?: string };
      if (patch.session === 'user-disabled') member.session = 'user-disabled';
      else if (patch.session === 'user-enabled') member.session = enabledSession(pool);
      else if (patch.session !== undefined) return [400, configError(400, `01070734:3: invalid session ${patch.session}`)];
      if (patch.state === 'user-down') member.state = 'user-down';
      else if (patch.state === 'user-up') member.state = pool.monitor ? 'up' : 'unchecked';
      else if (patch.state !== undefined) return [400, configError(400, `01070734:3: invalid state ${patch.state}`)];
      member.generation++;
      markChanged();
      return [200, memberJson(pool, member)];
    }
    return [405, errorBody(405, `Method ${method} not allowed`)];
  }

  function addMember(pool: FakePool, body: unknown): [number, unknown] {
    const b = (body ?? {}) as { name?: unknown; address?: unknown; partition?: unknown };
    const name = typeof b.name === 'string' ? b.name : '';
    const nm = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(name);
    if (!nm) return [400, configError(400, `01070587:3: The requested pool member name (${name}) is invalid.`)];
    const [, ip, portText] = nm as unknown as [string, string, string];
    const partition = typeof b.partition === 'string' ? b.partition : 'Common';
    if (pool.members.has(name)) {
      return [409, configError(409, `01020066:3: The requested Pool Member (/${pool.partition}/${pool.name} /${partition}/${ip} ${portText}) already exists in partition ${partition}.`)];
    }
    const member: FakeMember = {
      name,
      partition,
      address: typeof b.address === 'string' ? b.address : ip,
      port: Number(portText),
      session: enabledSession(pool),
      state: pool.monitor ? 'up' : 'unchecked',
      curConns: 0,
      generation: 1,
    };
    pool.members.set(name, member);
    markChanged();
    return [200, memberJson(pool, member)];
  }

  function configSync(body: unknown): [number, unknown] {
    const b = (body ?? {}) as { command?: unknown; utilCmdArgs?: unknown };
    const args = typeof b.utilCmdArgs === 'string' ? b.utilCmdArgs : '';
    const cm = /^config-sync to-group (\S+)$/.exec(args);
    if (b.command !== 'run' || !cm) return [400, configError(400, `01070734:3: Configuration error: invalid command "${args}"`)];
    const group = cm[1]!;
    if (!state.deviceGroups.has(group)) {
      return [400, configError(400, `01070734:3: Configuration error: Device group (${group}) not found`)];
    }
    state.syncs.push(group);
    if (peer) {
      peer.state.pools.clear();
      for (const [key, p] of state.pools) {
        peer.state.pools.set(key, { ...p, members: new Map([...p.members].map(([k, v]) => [k, { ...v }])) });
      }
      peer.state.syncStatus = 'In Sync';
    }
    state.syncStatus = 'In Sync';
    syncLag = opts.syncLagPolls ?? 0;
    return [200, { kind: 'tm:cm:runstate', command: 'run', utilCmdArgs: args }];
  }

  function login(body: unknown): [number, unknown] {
    const b = (body ?? {}) as { username?: unknown; password?: unknown; loginProviderName?: unknown };
    if (b.username !== username || b.password !== password) {
      const echoed = JSON.stringify({ username: b.username, loginProviderName: b.loginProviderName, generation: 0, lastUpdateMicros: 0 });
      return [401, { ...errorBody(401, 'Authentication failed.'), originalRequestBody: echoed }];
    }
    state.logins++;
    const token = randomBytes(13).toString('base64url').toUpperCase().slice(0, 26);
    const now = Date.now();
    state.tokens.set(token, { user: username, expiresAt: now + tokenTtlMs });
    return [200, {
      username,
      loginReference: { link: 'https://localhost/mgmt/cm/system/authn/providers/tmos/1f44a60e-11a7-3c51-a49f-82983026b41b/login' },
      loginProviderName: 'tmos',
      token: {
        token,
        name: token,
        userName: username,
        authProviderName: 'tmos',
        user: { link: `https://localhost/mgmt/shared/authz/users/${username}` },
        groupReferences: [],
        timeout: Math.max(1, Math.round(tokenTtlMs / 1000)),
        startTime: new Date(now).toISOString(),
        address: '127.0.0.1',
        partition: '[All]',
        generation: 1,
        lastUpdateMicros: now * 1000,
        expirationMicros: (now + tokenTtlMs) * 1000,
        kind: 'shared:authz:tokens:authtokenitemstate',
        selfLink: `https://localhost/mgmt/shared/authz/tokens/${token}`,
      },
      generation: 0,
      lastUpdateMicros: 0,
    }];
  }

  /** Checks X-F5-Auth-Token; returns the 401 body when it is missing, unknown or expired. */
  function authFailure(req: IncomingMessage, path: string): unknown | undefined {
    const header = req.headers['x-f5-auth-token'];
    const token = Array.isArray(header) ? header[0] : header;
    if (!token) {
      return errorBody(401, `Authorization failed: no user authentication header or token detected. Uri:http://localhost:8100${path} Referrer:127.0.0.1 Sender:127.0.0.1`);
    }
    const known = state.tokens.get(token);
    if (!known) return errorBody(401, 'X-F5-Auth-Token does not exist.');
    if (Date.now() >= known.expiresAt) return errorBody(401, 'X-F5-Auth-Token has expired.');
    return undefined;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    const path = (req.url ?? '/').split('?')[0]!;
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const isLogin = path === '/mgmt/shared/authn/login' && method === 'POST';
    const denied = isLogin ? undefined : authFailure(req, path);
    // Logged on arrival, so a request the client gave up on (timeout) still counts.
    const logged: FakeRequest = { method, path, authed: !isLogin && !denied, failover: state.failover };
    requests.push(logged);
    if (state.latencyMs > 0) await new Promise((r) => setTimeout(r, state.latencyMs));

    const send = (status: number, body: unknown) => {
      if (res.destroyed) return;
      const text = body === undefined ? '' : JSON.stringify(body);
      res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8', 'content-length': Buffer.byteLength(text) });
      res.end(text);
    };
    let body: unknown;
    if (raw) {
      try {
        body = JSON.parse(raw);
      } catch {
        return send(400, configError(400, 'Found invalid JSON body in the request.', 1));
      }
    }
    if (isLogin) {
      const [status, out] = login(body);
      return send(status, out);
    }
    const at = failures.findIndex((f) => !f.method || f.method === method);
    const failure = at >= 0 ? failures.splice(at, 1)[0] : undefined;
    if (failure) return send(failure.status, failure.body ?? defaultFailureBody(failure.status, path));
    if (denied) return send(401, denied);
    const [status, out] = route(method, path, body);
    send(status, out);
    for (const hook of hooks) hook(logged);
  }

  let server: Server;
  let caFile: string | undefined;
  let certDir: string | undefined;
  if (opts.https) {
    certDir = mkdtempSync(join(tmpdir(), 'fake-f5-'));
    const key = join(certDir, 'key.pem');
    caFile = join(certDir, 'cert.pem');
    execFileSync('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', key, '-out', caFile,
    ], { stdio: 'ignore' });
    server = createHttpsServer({ key: readFileSync(key), cert: readFileSync(caFile) }, (req, res) => void handle(req, res));
  } else {
    server = createHttpServer((req, res) => void handle(req, res));
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;

  const fake: FakeF5 = {
    url: `${opts.https ? 'https' : 'http'}://127.0.0.1:${port}`,
    state,
    requests,
    caFile,
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      if (certDir) rmSync(certDir, { recursive: true, force: true });
    },
    failNext(n, status, body, only) {
      for (let i = 0; i < n; i++) failures.push({ status, body, method: only?.method });
    },
    expireAllTokens() {
      for (const t of state.tokens.values()) t.expiresAt = 0;
    },
    setFailover(status) {
      state.failover = status;
    },
    setCurConns(poolName, partition, memberName, curConns) {
      const member = state.pools.get(`/${partition}/${poolName}`)?.members.get(memberName);
      if (!member) throw new Error(`fake F5: no member ${memberName} in /${partition}/${poolName}`);
      member.curConns = curConns;
    },
    setPeer(p) {
      peer = p;
    },
    writes() {
      return requests.filter((r) => r.method !== 'GET' && r.path !== '/mgmt/shared/authn/login');
    },
    writesWhileStandby() {
      return fake.writes().filter((r) => r.failover === 'STANDBY');
    },
    afterRequest(hook) {
      hooks.push(hook);
    },
  };
  return fake;
}
