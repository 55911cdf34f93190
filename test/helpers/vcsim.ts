/**
 * A private vcsim (govmomi's vCenter simulator) per test, on 127.0.0.1 only.
 * Default inventory: datacenter DC0, cluster DC0_C0 (pool /DC0/host/DC0_C0/Resources), standalone host DC0_H0,
 * datastore LocalDS_0, networks "VM Network" and DC0_DVPG0, VMs DC0_H0_VM0/1 and DC0_C0_RP0_VM0/1 (powered on).
 * Needs `scripts/setup-test-deps.sh` to have built .tools/bin/{govc,vcsim}.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Govc, govcProcessEnv, identityOf, type GovcEnv } from '../../src/integrations/govc.js';
import { runProcess } from '../../src/integrations/process.js';
import { freePort, waitFor } from './net.js';

const TOOLS_BIN = fileURLToPath(new URL('../../.tools/bin/', import.meta.url));
export const GOVC_BIN = `${TOOLS_BIN}govc`;
export const VCSIM_BIN = `${TOOLS_BIN}vcsim`;

/** vcsim places VMs here unless told otherwise; a VM on the standalone host has no unique default pool. */
export const VCSIM_POOL = '/DC0/host/DC0_C0/Resources';

export interface Vcsim {
  url: string;
  /** For `new Govc({ env })`. */
  env: GovcEnv;
  /** The same settings as strings, for a child process's environment (e.g. the bot under test). */
  processEnv: Record<string, string>;
  govc: Govc;
  stop(): Promise<void>;
  /** Clones `fromVm` (default DC0_H0_VM0) powered off into DC0_C0 and marks the clone as a template. */
  makeTemplate(name: string, fromVm?: string): Promise<void>;
  /**
   * Puts a VM (or template) named `name` into `folder` (created if missing), as someone else would:
   * not by the bot. vcsim keeps every VM's files under `[LocalDS_0] <name>/`, so a second VM of an
   * existing name is cloned under another name and renamed (real vCenter would pick another directory).
   */
  placeVm(folder: string, name: string, opts?: { powerOn?: boolean; template?: boolean }): Promise<string>;
  /** Runs govc with these arguments against this vcsim; throws on a non-zero exit. */
  govcRun(args: string[]): Promise<string>;
}

export interface VcsimOptions {
  /** Milliseconds of delay per vSphere method, e.g. `{ PowerOnVM_Task: 3000 }` (vcsim's `-method-delay`). */
  methodDelay?: Record<string, number>;
  extraArgs?: string[];
  /** Makes vcsim accept only these credentials (by default it accepts any); `env` carries them. */
  credentials?: { username: string; password: string };
  /** Per-call timeout of the returned Govc. */
  govcTimeoutMs?: number;
}

const running = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Belt and braces with -stdinexit. 'exit' handlers must be synchronous: sending a signal is.
  process.on('exit', () => {
    for (const child of running) child.kill('SIGKILL');
  });
}

export async function startVcsim(opts: VcsimOptions = {}): Promise<Vcsim> {
  installExitHook();
  const port = await freePort();
  // -stdinexit: vcsim exits when its stdin closes, i.e. when this process dies, however it dies.
  const args = ['-l', `127.0.0.1:${port}`, '-stdinexit'];
  const delays = Object.entries(opts.methodDelay ?? {});
  if (delays.length > 0) args.push('-method-delay', delays.map(([m, ms]) => `${m}:${ms}`).join(','));
  if (opts.credentials) args.push('-username', opts.credentials.username, '-password', opts.credentials.password);
  args.push(...(opts.extraArgs ?? []));

  const child = spawn(VCSIM_BIN, args, { stdio: ['pipe', 'pipe', 'pipe'], env: { PATH: process.env.PATH ?? '' } });
  running.add(child);
  let output = '';
  child.stdout?.setEncoding('utf8').on('data', (d: string) => { output += d; });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => { output += d; });
  const exited = new Promise<void>((resolve) => child.once('exit', () => { running.delete(child); resolve(); }));
  child.once('error', (e) => { output += String(e); });

  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(killer);
  };

  const url = `https://127.0.0.1:${port}/sdk`;
  const { username, password } = opts.credentials ?? { username: 'user', password: 'pass' };
  const env: GovcEnv = { GOVC_URL: url, GOVC_USERNAME: username, GOVC_PASSWORD: password, GOVC_INSECURE: true };
  const processEnv = govcProcessEnv(env);
  const ready = waitFor(async () => {
    const r = await runProcess(GOVC_BIN, ['about'], { env: processEnv, timeoutMs: 5000 });
    return r.code === 0;
  }, 20_000, `vcsim on port ${port}`);
  const died = exited.then(() => { throw new Error(`vcsim exited before it was ready: ${output.trim()}`); });
  // Only the race's outcome matters; the loser must not surface later as an unhandled rejection.
  ready.catch(() => {});
  died.catch(() => {});
  try {
    await Promise.race([ready, died]);
  } catch (e) {
    await stop();
    throw e;
  }

  const govc = new Govc({ bin: GOVC_BIN, env, timeoutMs: opts.govcTimeoutMs ?? 60_000 });
  const govcRun = async (args: string[]): Promise<string> => {
    const r = await runProcess(GOVC_BIN, args, { env: processEnv, timeoutMs: 30_000 });
    if (r.code !== 0) throw new Error(`govc ${args.join(' ')}: ${r.stderr.trim()}`);
    return r.stdout;
  };
  return {
    url,
    env,
    processEnv,
    govc,
    stop,
    govcRun,
    async placeVm(folder, name, opts = {}) {
      await govcRun(['folder.create', folder]).catch(() => undefined); // already there
      const tmp = `${name}-tmp-${Math.random().toString(36).slice(2, 8)}`;
      await govcRun(['vm.clone', '-vm', '/DC0/vm/DC0_H0_VM0', '-on=false', '-pool', VCSIM_POOL, '-folder', folder, tmp]);
      await govcRun(['vm.change', '-vm.ipath', `${folder}/${tmp}`, '-name', name]);
      const path = `${folder}/${name}`;
      if (opts.template) await govcRun(['vm.markastemplate', '-vm.ipath', path]);
      else if (opts.powerOn) await govcRun(['vm.power', '-on', '-vm.ipath', path]);
      return path;
    },
    async makeTemplate(name, fromVm = 'DC0_H0_VM0') {
      await govc.clone({ template: fromVm, name, pool: VCSIM_POOL });
      const id = identityOf(await govc.vmAt(`/DC0/vm/${name}`));
      if (!id) throw new Error(`vcsim: no /DC0/vm/${name} after its clone`);
      await govc.markAsTemplate(id);
    },
  };
}
