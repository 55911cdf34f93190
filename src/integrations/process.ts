/**
 * Runs external programs the way Pulumi's automation API runs `pulumi`: an argument array (never a
 * shell), a clean environment we choose, a timeout, an AbortSignal, and a structured result.
 */
import { spawn } from 'node:child_process';

export interface RunOptions {
  env?: Record<string, string | undefined>;
  timeoutMs?: number;
  signal?: AbortSignal;
  input?: string;
  cwd?: string;
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  /** Set when the process was killed because of the timeout or the abort signal. */
  killed?: 'timeout' | 'aborted';
  durationMs: number;
}

export type ProcessRunner = (file: string, args: readonly string[], opts?: RunOptions) => Promise<RunResult>;

const MAX_OUTPUT = 8 * 1024 * 1024;

export const runProcess: ProcessRunner = (file, args, opts = {}) =>
  new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(file, [...args], {
      env: opts.env as NodeJS.ProcessEnv | undefined,
      cwd: opts.cwd,
      shell: false,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let killed: RunResult['killed'];
    child.stdout.setEncoding('utf8').on('data', (d: string) => { if (stdout.length < MAX_OUTPUT) stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { if (stderr.length < MAX_OUTPUT) stderr += d; });
    const kill = (why: 'timeout' | 'aborted') => {
      killed = why;
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 2000).unref();
    };
    const timer = opts.timeoutMs ? setTimeout(() => kill('timeout'), opts.timeoutMs) : undefined;
    const onAbort = () => kill('aborted');
    if (opts.signal?.aborted) onAbort();
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    child.on('error', (err) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      reject(err);
    });
    child.on('close', (code) => {
      if (timer) clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      resolve({ code, stdout, stderr, killed, durationMs: performance.now() - started });
    });
    if (opts.input !== undefined) child.stdin.end(opts.input);
    else child.stdin.end();
  });
