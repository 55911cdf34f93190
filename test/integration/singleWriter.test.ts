/**
 * One writer of db.json, for real: the built bot runs as its own process against vcsim, the fake
 * F5 and the fake Slack, and `node dist/cli.js services apply` runs in a loop while the bot takes
 * a webhook burst and scales out. Everything the bot and the CLI did must be on disk, and the file
 * must parse every time anyone reads it.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { afterEach, describe, expect, it } from 'vitest';
import type { Service, ServiceInput } from '../../src/config.js';
import type { StoreData } from '../../src/store/types.js';
import { startFakeF5 } from '../fakes/f5.js';
import { FakeSlack } from '../fakes/slack.js';
import { alertPayload, service } from '../helpers/bot.js';
import { applyServices, spawnBot } from '../helpers/botProcess.js';
import { freePort, waitFor } from '../helpers/net.js';
import { healthTarget } from '../helpers/stack.js';
import { GOVC_BIN, startVcsim } from '../helpers/vcsim.js';

const run = promisify(execFile);
const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
const APPLIES = 12;
const BURST = 200;
const IN_FLIGHT = 25;
const BURST_SERVICES = 8;

const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

/** Every lease's address, whichever shape the store keeps them in (by service, or flat by address). */
function leasedIps(d: StoreData): string[] {
  const out: string[] = [];
  const walk = (v: unknown, depth: number) => {
    if (!v || typeof v !== 'object' || depth > 2) return;
    if (typeof (v as { ip?: unknown }).ip === 'string') out.push((v as { ip: string }).ip);
    else for (const x of Object.values(v)) walk(x, depth + 1);
  };
  walk(d.leases, 0);
  return out.sort();
}

/** A service with its own address range and name prefix (no two services overlap). */
function svc(name: string, octet: number, extra: Partial<ServiceInput> = {}): Service {
  return service({
    name,
    template: 'web-server-template',
    network: { ipPool: { start: `127.0.${octet}.10`, end: `127.0.${octet}.20` }, netmask: '255.255.255.0', gateway: `127.0.${octet}.1`, dns: [], conflictCheck: 'none' },
    ...extra,
  });
}

describe('the CLI and the bot process share one DATA_DIR', () => {
  it('loses no lease, no request and no service change, never answers 503, and db.json always parses while `services apply` runs in a loop', async () => {
    const vcsim = await startVcsim({ methodDelay: { CloneVM_Task: 1500 } });
    cleanup.push(() => vcsim.stop());
    await vcsim.makeTemplate('web-server-template');
    const burstNames = Array.from({ length: BURST_SERVICES }, (_, i) => `burst-${String.fromCharCode(97 + i)}`);
    const f5 = await startFakeF5({ pools: ['web-server-pool', ...burstNames.map((n) => `${n}-pool`)] });
    cleanup.push(() => f5.stop());
    const slack = await new FakeSlack().start();
    cleanup.push(() => slack.stop());
    const port = await freePort();
    const target = await healthTarget('127.0.40.10', port);
    cleanup.push(() => target.close());
    const dataDir = mkdtempSync(join(tmpdir(), 'autoscale-writer-'));
    cleanup.push(() => rmSync(dataDir, { recursive: true, force: true }));

    // Before the bot runs, the CLI writes under the lock itself.
    applyServices(dataDir, [
      svc('web-server', 40, { healthCheck: { type: 'tcp', port, timeout: '30s' }, f5: { pool: 'web-server-pool', partition: 'Common', port }, approval: { mode: 'auto', autoApproveAfter: '10m', approvers: [] } }),
      ...burstNames.map((n, i) => svc(n, 41 + i)),
    ]);
    const bot = await spawnBot({
      DATA_DIR: dataDir, SLACK_API_URL: slack.url, GOVC_BIN, ...vcsim.processEnv,
      F5_SERVERS: f5.url, F5_USERNAME: 'admin', F5_PASSWORD: 'f5-test-password',
    });
    cleanup.push(() => { if (bot.child.exitCode === null) bot.child.kill('SIGKILL'); return bot.exited; });
    expect((statSync(join(dataDir, 'admin.sock')).mode & 0o777).toString(8)).toBe('600');

    // A reader that parses db.json as often as it can, and remembers every lease it ever saw.
    let reading = true;
    let reads = 0;
    const unparsable: string[] = [];
    const seenLeases = new Set<string>();
    const vanished: string[] = [];
    const reader = (async () => {
      while (reading) {
        const text = readFileSync(join(dataDir, 'db.json'), 'utf8');
        reads++;
        try {
          const ips = new Set(leasedIps(JSON.parse(text) as StoreData));
          for (const ip of seenLeases) if (!ips.has(ip)) vanished.push(ip);
          for (const ip of ips) seenLeases.add(ip);
        } catch {
          unparsable.push(text.slice(0, 60));
        }
        await new Promise((r) => setTimeout(r, 5));
      }
    })();

    // The scale-out (auto-approved) starts; then the burst and the apply loop run at the same time.
    expect((await bot.webhook(alertPayload())).status).toBe(200);
    const statuses: number[] = [];
    const burst = (async () => {
      let next = 0;
      await Promise.all(Array.from({ length: IN_FLIGHT }, async () => {
        while (next < BURST) {
          const i = next++;
          const r = await bot.webhook(alertPayload({ service: burstNames[i % BURST_SERVICES], alertname: `Burst${i % 3}`, fingerprint: `f${i}` }));
          statuses.push(r.status);
          await r.arrayBuffer();
        }
      }));
    })();
    const applied: string[] = [];
    const applies = (async () => {
      for (let k = 0; k < APPLIES; k++) {
        const name = `cli-${String.fromCharCode(97 + k)}`;
        const file = join(dataDir, `services-${k}.yml`);
        writeFileSync(file, stringify({ services: [svc(name, 60 + k)] }));
        const { stdout } = await run(process.execPath, [CLI, 'services', 'apply', '-f', file], { env: { PATH: process.env.PATH, DATA_DIR: dataDir }, timeout: 30_000 });
        expect(stdout).toContain(`created: ${name}`);
        applied.push(name);
      }
    })();
    await Promise.all([burst, applies]);
    await waitFor(() => {
      const r = (JSON.parse(readFileSync(join(dataDir, 'db.json'), 'utf8')) as StoreData).requests.find((x) => x.service === 'web-server');
      return r && ['succeeded', 'failed'].includes(r.state) ? r : undefined;
    }, 60_000, 'the scale-out to end');
    reading = false;
    await reader;

    const disk = JSON.parse(readFileSync(join(dataDir, 'db.json'), 'utf8')) as StoreData;
    const scaleOut = disk.requests.find((r) => r.service === 'web-server')!;
    expect(scaleOut.state, bot.output()).toBe('succeeded');
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    expect(statuses).toHaveLength(BURST);
    expect(unparsable).toEqual([]);
    expect(reads).toBeGreaterThan(50);
    expect(vanished).toEqual([]);
    expect(leasedIps(disk)).toEqual(['127.0.40.10']);
    // Every service change the CLI made is there, next to the services written before the bot started.
    expect(Object.keys(disk.services).sort()).toEqual(['web-server', ...burstNames, ...applied].sort());
    // One open card per burst service: the burst folded into them and nothing was lost.
    expect(disk.requests.filter((r) => r.service.startsWith('burst-')).map((r) => r.service).sort()).toEqual([...burstNames].sort());
    expect(disk.requests.filter((r) => r.service.startsWith('burst-')).reduce((n, r) => n + r.fireCount, 0)).toBe(BURST);
    // The audit trail names the CLI for each of its changes.
    const audit = readFileSync(join(dataDir, 'audit.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { action: string; target?: string; actor: string });
    expect(audit.filter((a) => a.action === 'service.create' && a.target?.startsWith('cli-')).map((a) => a.target)).toEqual(applied);

    // After SIGTERM the bot has let go: the CLI writes under the lock itself again.
    bot.child.kill('SIGTERM');
    expect(await bot.exited).toBe(0);
    const file = join(dataDir, 'services-last.yml');
    writeFileSync(file, stringify({ services: [svc('cli-last', 90)] }));
    await run(process.execPath, [CLI, 'services', 'apply', '-f', file], { env: { PATH: process.env.PATH, DATA_DIR: dataDir }, timeout: 30_000 });
    const after = JSON.parse(readFileSync(join(dataDir, 'db.json'), 'utf8')) as StoreData;
    expect(after.services['cli-last']).toBeDefined();
    expect(leasedIps(after)).toEqual(['127.0.40.10']);
  });
});
