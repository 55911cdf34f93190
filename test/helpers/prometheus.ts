/**
 * A real Prometheus (Debian's package) on a loopback port, with --web.enable-lifecycle so that
 * tests reload it with POST /-/reload. Also the guard every test config passes through first: a
 * running server scrapes and notifies whatever its config names, so nothing but 127.0.0.0/8 may
 * appear in it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './net.js';

export interface RunningServer {
  port: number;
  url: string;
  running(): boolean;
  log(): string;
  stop(): Promise<void>;
}

const URL_HOST = /([a-z][a-z0-9+.-]*:\/\/)(?:[^@/\s'"]*@)?([^/:\s'"\]]+)/gi;
const HOST_PORT = /(?<![\w.\/@-])([A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})(?![\w.])/g;
const IPV4 = /(?<![\w.])(\d{1,3}(?:\.\d{1,3}){3})(?![\w.])/g;
const isLoopback = (host: string): boolean => /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);

/**
 * Rewrites every address in a config (URL hosts, host:port pairs, bare IPv4s — hostnames too, since
 * resolving them asks a DNS server) to a distinct 127.0.0.x, keeping ports and everything else.
 */
export function rewriteToLoopback(text: string): string {
  const mapped = new Map<string, string>();
  const loopbackFor = (host: string): string => {
    if (isLoopback(host)) return host;
    let to = mapped.get(host);
    if (!to) {
      to = `127.0.0.${mapped.size + 2}`;
      mapped.set(host, to);
    }
    return to;
  };
  const out = text
    .replace(URL_HOST, (_, scheme: string, host: string) => `${scheme}${loopbackFor(host)}`)
    .replace(HOST_PORT, (_, host: string, port: string) => `${loopbackFor(host)}:${port}`)
    .replace(IPV4, (ip: string) => loopbackFor(ip));
  assertLoopbackOnly(out, 'rewritten config');
  return out;
}

/** Throws when the text names any address outside 127.0.0.0/8. Comments count too: better safe. */
export function assertLoopbackOnly(text: string, what: string): void {
  const bad = new Set<string>();
  for (const m of text.matchAll(URL_HOST)) if (!isLoopback(m[2]!)) bad.add(m[0]);
  for (const m of text.matchAll(HOST_PORT)) if (!isLoopback(m[1]!)) bad.add(m[0]);
  for (const m of text.matchAll(IPV4)) if (!isLoopback(m[1]!)) bad.add(m[0]);
  if (bad.size > 0) throw new Error(`${what} names non-loopback addresses, refusing to load it into a running server: ${[...bad].join(', ')}`);
}

/**
 * Starts a server binary and waits for GET /-/ready. Shared by prometheus.ts and alertmanager.ts. `fixedPort`: one the
 * caller picked beforehand (freePort), for a client that must know the address before the server starts.
 */
export async function startServer(name: string, bin: string, args: (port: number, dataDir: string) => string[], configFile: string, fixedPort?: number): Promise<RunningServer> {
  assertLoopbackOnly(readFileSync(configFile, 'utf8'), configFile);
  const port = fixedPort ?? (await freePort());
  const dataDir = mkdtempSync(join(tmpdir(), `plg-${name}-data-`));
  let output = '';
  const child: ChildProcess = spawn(bin, args(port, dataDir), { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.setEncoding('utf8').on('data', (d: string) => (output += d));
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (output += d));
  let exited = false;
  child.once('exit', () => (exited = true));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`${name} exited: ${output.slice(-2000)}`);
      const res = await fetch(`${url}/-/ready`);
      return res.ok;
    }, 30_000, `${name} on ${url}`);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    throw e;
  }
  return {
    port,
    url,
    running: () => !exited,
    log: () => output,
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** `opts.port`: a port picked beforehand (e.g. so the bot's PROMETHEUS_URL can name it before Prometheus starts). */
export function startPrometheus(configFile: string, opts: { port?: number } = {}): Promise<RunningServer> {
  return startServer(
    'prometheus',
    'prometheus',
    (port, dataDir) => [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--web.enable-lifecycle',
      `--storage.tsdb.path=${dataDir}`,
    ],
    configFile,
    opts.port,
  );
}
