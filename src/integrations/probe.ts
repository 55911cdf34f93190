/**
 * Conflict probe before handing out an address: does anything already answer on it?
 *
 * `icmp` runs the system `ping` (argument array, no shell); `tcp` tries a connection, and counts a
 * refusal as an answer too — an RST means a host owns the address. Only silence means free.
 */
import { connect } from 'node:net';
import { isIPv4 } from '../ipv4.js';
import { runProcess, type ProcessRunner } from './process.js';

export type ProbeMode = 'icmp' | 'tcp' | 'none';

export interface ProbeOptions {
  /** TCP only; default 22 (every VM we clone runs sshd). */
  port?: number;
  /** How long to wait for an answer. Default 1 s; ping rounds it up to whole seconds. */
  timeoutMs?: number;
  runner?: ProcessRunner;
  /** `ping` executable; default `ping` on PATH. */
  pingBin?: string;
}

/** The probe could not run (ping missing or not permitted), so we cannot say the address is free. */
export class ProbeError extends Error {
  override readonly name = 'ProbeError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** True if something answers on `ip`. Mode `none` never probes and says false. */
export async function probeAddress(ip: string, mode: ProbeMode, opts: ProbeOptions = {}): Promise<boolean> {
  if (!isIPv4(ip)) throw new ProbeError(`not an IPv4 address: ${JSON.stringify(ip)}`);
  const timeoutMs = opts.timeoutMs ?? 1_000;
  if (mode === 'none') return false;
  if (mode === 'tcp') return tcpAnswers(ip, opts.port ?? 22, timeoutMs);
  return pingAnswers(ip, timeoutMs, opts.runner ?? runProcess, opts.pingBin ?? 'ping');
}

/** Probes every address, at most `concurrency` (default 16) at a time; returns those that answered. */
export async function probeMany(
  ips: readonly string[],
  mode: ProbeMode,
  opts: ProbeOptions & { concurrency?: number } = {},
): Promise<Set<string>> {
  const answered = new Set<string>();
  const queue = [...ips];
  const worker = async () => {
    for (let ip = queue.shift(); ip !== undefined; ip = queue.shift()) {
      if (await probeAddress(ip, mode, opts)) answered.add(ip);
    }
  };
  const workers = Math.max(1, Math.min(opts.concurrency ?? 16, queue.length));
  await Promise.all(Array.from({ length: workers }, worker));
  return answered;
}

function tcpAnswers(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: ip, port });
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    socket.once('connect', () => done(true));
    // ECONNREFUSED: the host sent an RST, so it exists. Unreachable or timed out: nobody there.
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code === 'ECONNREFUSED'));
  });
}

async function pingAnswers(ip: string, timeoutMs: number, runner: ProcessRunner, pingBin: string): Promise<boolean> {
  const waitSeconds = Math.max(1, Math.ceil(timeoutMs / 1000));
  let result;
  try {
    result = await runner(pingBin, ['-c', '1', '-W', String(waitSeconds), ip], {
      env: { PATH: process.env.PATH, LC_ALL: 'C' },
      timeoutMs: waitSeconds * 1000 + 2_000,
    });
  } catch (e) {
    throw new ProbeError(`cannot run ${pingBin}: ${(e as Error).message}`, { cause: e });
  }
  // ping: 0 = a reply, 1 = no reply, anything else = it could not probe (permissions, bad address).
  if (result.code === 0) return true;
  if (result.code === 1 || result.killed === 'timeout') return false;
  throw new ProbeError(`${pingBin} ${ip} failed (exit ${result.code}): ${result.stderr.trim().slice(0, 200)}`);
}
