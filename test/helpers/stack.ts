/**
 * A bot wired to real govc + vcsim and one or two fake BIG-IP units, with health targets bound to
 * the test's own 127.0.x.y addresses. Nothing leaves the machine.
 */
import { createServer, type Server } from 'node:net';
import { createServer as createHttpServer } from 'node:http';
import { F5Client, F5_RETRY_FAST } from '../../src/integrations/f5.js';
import { LiveInventory } from '../../src/integrations/inventory.js';
import { LocalExecutor, type LocalExecutorDeps } from '../../src/workflows/scaleOut.js';
import type { VCenter } from '../../src/workflows/vmPorts.js';
import type { Service } from '../../src/config.js';
import { startFakeF5, type FakeF5 } from '../fakes/f5.js';
import { startBot, type StartOptions, type TestBot } from './bot.js';
import { startVcsim, type Vcsim } from './vcsim.js';

export interface Stack {
  tb: TestBot;
  vcsim: Vcsim;
  f5: FakeF5;
  f5b?: FakeF5;
  lb: F5Client;
  executor: LocalExecutor;
  stop(): Promise<void>;
}

export async function startStack(o: {
  services: Service[];
  templates?: string[];
  vcenter?: (real: VCenter) => VCenter;
  haPair?: boolean;
  vcsimDelay?: Record<string, number>;
  executor?: Partial<LocalExecutorDeps>;
  bot?: Partial<StartOptions>;
  /** The F5 client's per-request timeout (default 5 s). */
  lbTimeoutMs?: number;
}): Promise<Stack> {
  const vcsim = await startVcsim({ methodDelay: o.vcsimDelay });
  for (const t of o.templates ?? [...new Set(o.services.map((s) => s.template))]) await vcsim.makeTemplate(t);
  const pools = o.services.map((s) => ({ name: s.f5.pool, partition: s.f5.partition }));
  const f5 = await startFakeF5({ pools, deviceGroups: ['dg-web'] });
  let f5b: FakeF5 | undefined;
  if (o.haPair) {
    f5b = await startFakeF5({ pools, failover: 'STANDBY', deviceGroups: ['dg-web'] });
    f5.setPeer(f5b);
  }
  const lb = new F5Client({ servers: f5b ? [f5b.url, f5.url] : [f5.url], username: 'admin', password: 'f5-test-password', retry: F5_RETRY_FAST, timeoutMs: o.lbTimeoutMs ?? 5000 });
  const vcenter = o.vcenter ? o.vcenter(vcsim.govc) : vcsim.govc;
  let executor!: LocalExecutor;
  const tb = await startBot({
    services: o.services,
    ...o.bot,
    env: { GOVC_URL: vcsim.url, ...o.bot?.env },
    build: (store) => {
      executor = new LocalExecutor({
        store, clock: { now: () => new Date() }, vcenter, lb, health: { initialDelayMs: 50, maxDelayMs: 200 }, resumeCloneLimitMs: 5000, resumeClonePollMs: 200, ...o.executor,
      });
      return { executors: { local: executor }, inventory: new LiveInventory(store, vcenter, lb) };
    },
  });
  return {
    tb, vcsim, f5, f5b, lb, executor,
    async stop() {
      await tb.stop();
      await lb.close();
      await f5.stop();
      await f5b?.stop();
      await vcsim.stop();
    },
  };
}

/** A TCP (or HTTP) listener on a test address, standing in for the new VM's service. */
export async function healthTarget(host: string, port: number, kind: 'tcp' | 'http' = 'tcp', status = 200): Promise<{ close(): Promise<void> }> {
  const srv: Server | ReturnType<typeof createHttpServer> =
    kind === 'tcp' ? createServer((s) => s.end()) : createHttpServer((_req, res) => { res.statusCode = status; res.end('ok'); });
  await new Promise<void>((r, j) => { srv.once('error', j); srv.listen(port, host, () => r()); });
  return { close: () => new Promise<void>((r) => srv.close(() => r())) };
}
