/**
 * The monitoring server over SSH (ssh2): host key pinned to PLG_SSH_HOST_KEY, files over SFTP
 * (or `sudo -n cat/tee/mv` when sudo is configured), commands as argument arrays.
 */
import { createHash } from 'node:crypto';
import ssh2 from 'ssh2';
import type { ClientChannel, SFTPWrapper } from 'ssh2';

const { Client } = ssh2;

export type SshErrorCode = 'host_key_mismatch' | 'unreachable' | 'auth_failed' | 'timeout' | 'sftp_failed' | 'exec_failed' | 'ssh_failed';

export class PlgSshError extends Error {
  constructor(
    readonly code: SshErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PlgSshError';
  }
}

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  privateKey: string | Buffer;
  /** The pinned host key, `SHA256:…` as `ssh-keygen -lf` prints it (PLG_SSH_HOST_KEY). */
  hostKeyFingerprint: string;
  /** Run every file operation and command through `sudo -n` (PLG_SSH_SUDO). */
  sudo?: boolean;
  readyTimeoutMs?: number;
}

export interface ExecResult {
  /** Exit status; null when the command was killed by a signal or the timeout. */
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface ExecOptions {
  stdin?: string;
  timeoutMs?: number;
}

export interface RemoteHost {
  /** `user@host:port`, for messages. */
  readonly address: string;
  /** The file's text, or undefined when it does not exist. */
  readFile(path: string): Promise<string | undefined>;
  /** Permission bits of the file, or undefined when it does not exist. */
  fileMode(path: string): Promise<number | undefined>;
  writeFile(path: string, text: string, mode?: number): Promise<void>;
  /** Atomically replaces `to` with `from` (POSIX rename on the same filesystem). */
  rename(from: string, to: string): Promise<void>;
  remove(path: string): Promise<void>;
  exec(args: readonly string[], opts?: ExecOptions): Promise<ExecResult>;
  close(): void;
}

/** `SHA256:<base64 without padding>` of a raw public key blob, as `ssh-keygen -lf` prints it. */
export function fingerprintOf(key: Buffer): string {
  return `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

const normalizeFingerprint = (fp: string): string => `SHA256:${fp.trim().replace(/^SHA256:/i, '').replace(/=+$/, '')}`;

/**
 * Quotes an argument array for the remote shell.
 *
 * Why: the SSH "exec" request carries ONE command string, which sshd hands to the user's login
 * shell (`$SHELL -c "<string>"`); there is no argv in the protocol. Without quoting, a path with a
 * space would be split in two and `;`, `$( )`, `` ` `` or `*` in an argument would be interpreted —
 * a command injection. Single quotes are the one POSIX quoting in which nothing is special; a `'`
 * inside is written `'\''`. Plain words (letters, digits, `/._-=:,@%+`) are left bare for
 * readability. Assumes a POSIX shell (sh, bash, dash, zsh) on the server.
 */
export function shellQuote(args: readonly string[]): string {
  return args.map((a) => (/^[A-Za-z0-9_/.,:=@%+-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

function classifyConnectError(err: Error & { level?: string; code?: string }, target: SshTarget, presented: string | undefined): PlgSshError {
  const where = `${target.username}@${target.host}:${target.port}`;
  const expected = normalizeFingerprint(target.hostKeyFingerprint);
  if (presented !== undefined && presented !== expected) {
    return new PlgSshError(
      'host_key_mismatch',
      `refusing to connect to ${target.host}:${target.port}: its host key is ${presented}, but PLG_SSH_HOST_KEY pins ${expected}. ` +
        'If the server was reinstalled, check the new key out of band (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the server) and update PLG_SSH_HOST_KEY.',
      { cause: err },
    );
  }
  if (err.level === 'client-authentication') {
    return new PlgSshError('auth_failed', `SSH login as ${where} was refused: the key in PLG_SSH_KEY_FILE is not authorized for ${target.username}`, { cause: err });
  }
  if (/timed out/i.test(err.message)) return new PlgSshError('timeout', `SSH to ${where} timed out during the handshake`, { cause: err });
  if (err.code && ['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT'].includes(err.code)) {
    return new PlgSshError('unreachable', `cannot reach the monitoring server over SSH at ${target.host}:${target.port} (${err.code})`, { cause: err });
  }
  return new PlgSshError('ssh_failed', `SSH to ${where} failed: ${err.message}`, { cause: err });
}

/** Opens an SSH session; throws PlgSshError (host_key_mismatch, unreachable, auth_failed, timeout). */
export async function connectSsh(target: SshTarget): Promise<RemoteHost> {
  const expected = normalizeFingerprint(target.hostKeyFingerprint);
  let presented: string | undefined;
  const client = new Client();
  await new Promise<void>((resolve, reject) => {
    client.once('ready', () => resolve());
    client.once('error', (err) => reject(classifyConnectError(err, target, presented)));
    try {
      client.connect({
        host: target.host,
        port: target.port,
        username: target.username,
        privateKey: target.privateKey,
        readyTimeout: target.readyTimeoutMs ?? 10_000,
        // A server that vanishes without a TCP reset fails pending operations within ~15 s.
        keepaliveInterval: 5_000,
        keepaliveCountMax: 3,
        hostVerifier: (key: Buffer) => {
          presented = fingerprintOf(key);
          return presented === expected;
        },
      });
    } catch (e) {
      // ssh2 parses the key synchronously
      reject(new PlgSshError('auth_failed', `the SSH private key (PLG_SSH_KEY_FILE) cannot be used: ${(e as Error).message}`, { cause: e }));
    }
  });
  client.on('error', () => undefined); // later errors surface through the pending operation
  return new SshRemoteHost(client, `${target.username}@${target.host}:${target.port}`, target.sudo ?? false);
}

const SFTP_NO_SUCH_FILE = 2;

class SshRemoteHost implements RemoteHost {
  private sftpSession: Promise<SFTPWrapper> | undefined;
  private closed = false;

  constructor(
    private readonly client: InstanceType<typeof Client>,
    readonly address: string,
    private readonly sudo: boolean,
  ) {
    client.once('close', () => (this.closed = true));
  }

  /** ssh2 never calls back an operation started on a closed connection: fail it at once. */
  private ensureOpen(): void {
    if (this.closed) throw new PlgSshError('ssh_failed', `the SSH session to ${this.address} is closed`);
  }

  private sftp(): Promise<SFTPWrapper> {
    this.ensureOpen();
    this.sftpSession ??= new Promise((resolve, reject) =>
      this.client.sftp((err, sftp) => (err ? reject(new PlgSshError('sftp_failed', `SFTP on ${this.address} failed: ${err.message}`, { cause: err })) : resolve(sftp))),
    );
    return this.sftpSession;
  }

  private sftpError(op: string, path: string, err: Error): PlgSshError {
    return new PlgSshError('sftp_failed', `${op} ${path} on ${this.address} failed: ${err.message}`, { cause: err });
  }

  /** Runs a command that must succeed (sudo mode file operations). */
  private async must(args: string[], what: string, stdin?: string): Promise<ExecResult> {
    const r = await this.exec(args, { stdin, timeoutMs: 30_000 });
    if (r.code !== 0) throw new PlgSshError('exec_failed', `${what} on ${this.address} failed (exit ${r.code}): ${r.stderr.trim() || r.stdout.trim()}`);
    return r;
  }

  async readFile(path: string): Promise<string | undefined> {
    if (this.sudo) {
      const r = await this.exec(['cat', '--', path], { timeoutMs: 30_000 });
      if (r.code === 0) return r.stdout;
      if (/No such file/i.test(r.stderr)) return undefined;
      throw new PlgSshError('exec_failed', `reading ${path} on ${this.address} failed: ${r.stderr.trim()}`);
    }
    const sftp = await this.sftp();
    return new Promise((resolve, reject) =>
      sftp.readFile(path, { encoding: 'utf8' }, (err, data) => {
        if (!err) resolve(typeof data === 'string' ? data : data.toString('utf8'));
        else if ((err as Error & { code?: number }).code === SFTP_NO_SUCH_FILE) resolve(undefined);
        else reject(this.sftpError('reading', path, err));
      }),
    );
  }

  async fileMode(path: string): Promise<number | undefined> {
    if (this.sudo) {
      const r = await this.exec(['stat', '-c', '%a', '--', path], { timeoutMs: 30_000 });
      return r.code === 0 ? parseInt(r.stdout.trim(), 8) : undefined;
    }
    const sftp = await this.sftp();
    return new Promise((resolve, reject) =>
      sftp.stat(path, (err, stats) => {
        if (!err) resolve(stats.mode & 0o7777);
        else if ((err as Error & { code?: number }).code === SFTP_NO_SUCH_FILE) resolve(undefined);
        else reject(this.sftpError('stat of', path, err));
      }),
    );
  }

  async writeFile(path: string, text: string, mode = 0o644): Promise<void> {
    if (this.sudo) {
      await this.must(['tee', '--', path], `writing ${path}`, text);
      await this.must(['chmod', mode.toString(8), '--', path], `chmod of ${path}`);
      return;
    }
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.writeFile(path, text, { encoding: 'utf8', mode }, (err) => (err ? reject(this.sftpError('writing', path, err)) : resolve())),
    );
  }

  async rename(from: string, to: string): Promise<void> {
    if (this.sudo) {
      await this.must(['mv', '-f', '--', from, to], `renaming ${from} to ${to}`);
      return;
    }
    const sftp = await this.sftp();
    // Plain SFTP rename refuses to replace an existing file; OpenSSH's posix-rename extension is
    // rename(2), which replaces atomically.
    await new Promise<void>((resolve, reject) =>
      sftp.ext_openssh_rename(from, to, (err) => (err ? reject(this.sftpError(`renaming ${from} to`, to, err)) : resolve())),
    );
  }

  async remove(path: string): Promise<void> {
    if (this.sudo) {
      await this.must(['rm', '-f', '--', path], `removing ${path}`);
      return;
    }
    const sftp = await this.sftp();
    await new Promise<void>((resolve, reject) =>
      sftp.unlink(path, (err) => (err && (err as Error & { code?: number }).code !== SFTP_NO_SUCH_FILE ? reject(this.sftpError('removing', path, err)) : resolve())),
    );
  }

  async exec(args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
    this.ensureOpen();
    const command = shellQuote(this.sudo ? ['sudo', '-n', '--', ...args] : args);
    const started = performance.now();
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream: ClientChannel) => {
        if (err) return reject(new PlgSshError('exec_failed', `cannot run ${command} on ${this.address}: ${err.message}`, { cause: err }));
        let stdout = '';
        let stderr = '';
        let settled = false;
        const finish = (code: number | null, timedOut: boolean) => {
          if (settled) return;
          settled = true;
          if (timer) clearTimeout(timer);
          resolve({ code, stdout, stderr, timedOut, durationMs: performance.now() - started });
        };
        // On timeout: ask sshd to signal the command (OpenSSH ≥ 7.9 honours it), close the channel,
        // and answer at once rather than wait for a process that may ignore both.
        const timer = opts.timeoutMs
          ? setTimeout(() => {
              stream.signal('KILL');
              stream.close();
              finish(null, true);
            }, opts.timeoutMs)
          : undefined;
        stream.setEncoding('utf8').on('data', (d: string) => (stdout += d));
        stream.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
        stream.on('close', (code: number | null) => finish(code ?? null, false));
        stream.end(opts.stdin ?? '');
      });
    });
  }

  close(): void {
    this.closed = true;
    this.client.end();
  }
}
