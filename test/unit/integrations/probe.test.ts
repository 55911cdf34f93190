import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { ProcessRunner, RunResult } from '../../../src/integrations/process.js';
import { ProbeError, probeAddress, probeMany } from '../../../src/integrations/probe.js';
import { freePort } from '../../helpers/net.js';

const HOST = '127.0.0.1';

/** Like `ping` for a host that never answers: exit 1 after `ms`. Records the calls and peak parallelism. */
function slowPing(ms: number) {
  const calls: Array<{ file: string; args: readonly string[] }> = [];
  let inFlight = 0;
  let peak = 0;
  const runner: ProcessRunner = async (file, args) => {
    calls.push({ file, args });
    peak = Math.max(peak, ++inFlight);
    await new Promise((r) => setTimeout(r, ms));
    inFlight--;
    return { code: 1, stdout: '', stderr: '', durationMs: ms } satisfies RunResult;
  };
  return { runner, calls, peak: () => peak };
}

const exits = (code: number, stderr = ''): ProcessRunner => async () => ({ code, stdout: '', stderr, durationMs: 1 });

/**
 * A port that stays silent on the given loopback addresses, like an unused address: listeners in a
 * child process whose event loop is blocked, so they never accept; once each accept queue is full
 * the kernel drops new SYNs and a connect just waits.
 */
async function silentPort(hosts: string[] = [HOST]): Promise<{ port: number; stop(): void }> {
  const script = `
    const net = require('net');
    const hosts = ${JSON.stringify(hosts)};
    const first = net.createServer();
    first.listen({ port: 0, host: hosts[0], backlog: 1 }, () => {
      const port = first.address().port;
      let pending = hosts.length - 1;
      const ready = () => { require('fs').writeSync(1, port + '\\n'); Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0); };
      if (pending === 0) ready();
      for (const host of hosts.slice(1)) net.createServer().listen({ port, host, backlog: 1 }, () => { if (--pending === 0) ready(); });
    });`;
  const child: ChildProcess = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve) => child.stdout!.once('data', (d) => resolve(Number(String(d).trim()))));
  const held: Socket[] = [];
  const fill = (host: string) =>
    new Promise<boolean>((resolve) => {
      const s = connect(port, host);
      const t = setTimeout(() => { s.destroy(); resolve(false); }, 300);
      s.once('connect', () => { clearTimeout(t); held.push(s); resolve(true); });
      s.once('error', () => { clearTimeout(t); resolve(false); });
    });
  await Promise.all(hosts.map(async (host) => { for (let i = 0; i < 10 && (await fill(host)); i++); }));
  return { port, stop: () => { child.kill('SIGKILL'); for (const s of held) s.destroy(); } };
}

describe('probeAddress over TCP', () => {
  let server: Server;
  let listening: number;
  beforeAll(async () => {
    server = createServer((s) => s.end());
    await new Promise<void>((r) => server.listen(0, HOST, r));
    listening = (server.address() as { port: number }).port;
  });
  afterAll(() => new Promise((r) => server.close(r)));

  let silent: { port: number; stop(): void } | undefined;
  afterEach(() => { silent?.stop(); silent = undefined; });

  it('says an address with a listening port answers', async () => {
    expect(await probeAddress(HOST, 'tcp', { port: listening })).toBe(true);
  });

  it('says an address that refuses the port answers too (the RST comes from a live host)', async () => {
    expect(await probeAddress(HOST, 'tcp', { port: await freePort() })).toBe(true);
  });

  it('says a silent address does not answer, after the timeout', async () => {
    silent = await silentPort();
    const started = Date.now();
    expect(await probeAddress(HOST, 'tcp', { port: silent.port, timeoutMs: 300 })).toBe(false);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('probes many silent addresses in parallel: about one timeout, not one per address', async () => {
    const ips = Array.from({ length: 8 }, (_, i) => `127.0.0.${i + 1}`);
    silent = await silentPort(ips);
    const started = Date.now();
    expect(await probeMany(ips, 'tcp', { port: silent.port, timeoutMs: 400 })).toEqual(new Set());
    const elapsed = Date.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(390);
    expect(elapsed).toBeLessThan(1_200); // one at a time would take 3.2 s
  });
});

describe('probeAddress over ICMP', () => {
  const ping = spawnSync('ping', ['-c', '1', '-W', '1', HOST], { encoding: 'utf8' });
  const pingWorks = ping.status === 0;
  const why = ping.error ? `ping not found (${ping.error.message})` : `ping 127.0.0.1 exited ${ping.status}: ${ping.stderr.trim()}`;

  it.skipIf(!pingWorks)(`gets an answer from 127.0.0.1 with the system ping${pingWorks ? '' : ` — skipped: ${why}`}`, async () => {
    expect(await probeAddress(HOST, 'icmp')).toBe(true);
  });

  it('runs ping with an argument array and reads exit 1 as silence', async () => {
    const slow = slowPing(1);
    expect(await probeAddress('127.0.0.9', 'icmp', { runner: slow.runner })).toBe(false);
    expect(slow.calls).toEqual([{ file: 'ping', args: ['-c', '1', '-W', '1', '127.0.0.9'] }]);
  });

  it('refuses to guess when ping cannot probe (exit 2)', async () => {
    await expect(probeAddress(HOST, 'icmp', { runner: exits(2, 'ping: socket: Operation not permitted') })).rejects.toThrow(ProbeError);
  });

  it('refuses to guess when ping is missing', async () => {
    const missing: ProcessRunner = async () => { throw Object.assign(new Error('spawn ping ENOENT'), { code: 'ENOENT' }); };
    await expect(probeAddress(HOST, 'icmp', { runner: missing })).rejects.toThrow(/cannot run ping/);
  });

  it('rejects anything but an IPv4 address before running ping', async () => {
    const slow = slowPing(1);
    await expect(probeAddress('-f', 'icmp', { runner: slow.runner })).rejects.toThrow(ProbeError);
    await expect(probeAddress('127.0.0.1; reboot', 'icmp', { runner: slow.runner })).rejects.toThrow(ProbeError);
    expect(slow.calls).toEqual([]);
  });

  it('never probes in mode none', async () => {
    const slow = slowPing(1);
    expect(await probeAddress(HOST, 'none', { runner: slow.runner })).toBe(false);
    expect(slow.calls).toEqual([]);
  });
});

describe('probeMany', () => {
  it('takes about one timeout for 16 slow probes, not 16', async () => {
    const slow = slowPing(300);
    const ips = Array.from({ length: 16 }, (_, i) => `127.0.1.${i + 1}`);
    const started = Date.now();
    expect(await probeMany(ips, 'icmp', { runner: slow.runner })).toEqual(new Set());
    expect(Date.now() - started).toBeLessThan(900);
    expect(slow.calls).toHaveLength(16);
  });

  it('keeps at most `concurrency` probes in flight', async () => {
    const slow = slowPing(50);
    const ips = Array.from({ length: 40 }, (_, i) => `127.0.2.${i + 1}`);
    await probeMany(ips, 'icmp', { runner: slow.runner, concurrency: 16 });
    expect(slow.peak()).toBe(16);
    expect(new Set(slow.calls.map((c) => c.args.at(-1))).size).toBe(40);
  });

  it('returns exactly the addresses that answered', async () => {
    const answering = new Set(['127.0.3.2', '127.0.3.5']);
    const runner: ProcessRunner = async (_file, args) => ({ code: answering.has(String(args.at(-1))) ? 0 : 1, stdout: '', stderr: '', durationMs: 1 });
    const ips = Array.from({ length: 6 }, (_, i) => `127.0.3.${i + 1}`);
    expect(await probeMany(ips, 'icmp', { runner })).toEqual(answering);
  });
});
