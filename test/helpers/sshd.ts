/**
 * A real OpenSSH server for tests: /usr/sbin/sshd -D -e on 127.0.0.1:<free port>, with a host key
 * and a user key generated into a temp dir and its own sshd_config (public keys only, no PAM).
 * Works as root (as here and in CI) and as an ordinary user (sshd then only logs that user in).
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync, copyFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort, waitFor } from './net.js';

export interface TestSshd {
  port: number;
  /** `SHA256:…`, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** A fingerprint of another key: what a pinned-but-wrong PLG_SSH_HOST_KEY looks like. */
  otherFingerprint: string;
  userKeyFile: string;
  user: string;
  dir: string;
  /** sshd's log so far (it logs to stderr with -e). */
  log(): string;
  stop(): Promise<void>;
}

const SSHD = '/usr/sbin/sshd';

function keygen(file: string): string {
  execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'vm-autoscale-bot-test', '-f', file]);
  const out = execFileSync('ssh-keygen', ['-l', '-f', `${file}.pub`], { encoding: 'utf8' });
  const fp = out.split(/\s+/)[1];
  if (!fp?.startsWith('SHA256:')) throw new Error(`unexpected ssh-keygen -l output: ${out}`);
  return fp;
}

/** Resolves when something on the port speaks SSH (sends its banner). */
function sshBanner(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = connect(port, '127.0.0.1');
    sock.setTimeout(1000);
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('SSH-2.0'));
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
}

export interface SshdOptions {
  /** Directory put first on the PATH of SSH sessions (e.g. to provide a stand-in `sudo`). */
  pathPrefix?: string;
}

export async function startSshd(opts: SshdOptions = {}): Promise<TestSshd> {
  if (!existsSync(SSHD)) throw new Error(`${SSHD} is missing: run scripts/setup-test-deps.sh (installs openssh-server)`);
  const dir = mkdtempSync(join(tmpdir(), 'plg-sshd-'));
  const user = userInfo().username;
  const isRoot = process.getuid?.() === 0;
  // As root, sshd insists on its privilege separation directory (normally made by systemd).
  if (isRoot && !existsSync('/run/sshd')) mkdirSync('/run/sshd', { recursive: true, mode: 0o755 });

  const hostKeyFingerprint = keygen(join(dir, 'host_key'));
  keygen(join(dir, 'user_key'));
  const otherFingerprint = keygen(join(dir, 'other_key'));
  copyFileSync(join(dir, 'user_key.pub'), join(dir, 'authorized_keys'));

  const port = await freePort();
  const config = [
    `Port ${port}`,
    'ListenAddress 127.0.0.1',
    `HostKey ${join(dir, 'host_key')}`,
    `PidFile ${join(dir, 'sshd.pid')}`,
    `AuthorizedKeysFile ${join(dir, 'authorized_keys')}`,
    'PubkeyAuthentication yes',
    'PasswordAuthentication no',
    'KbdInteractiveAuthentication no',
    'UsePAM no',
    'StrictModes no',
    isRoot ? 'PermitRootLogin prohibit-password' : '',
    `AllowUsers ${user}`,
    'Subsystem sftp internal-sftp',
    'LogLevel VERBOSE',
    opts.pathPrefix ? `SetEnv PATH=${opts.pathPrefix}:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin` : '',
    '',
  ].join('\n');
  const configFile = join(dir, 'sshd_config');
  writeFileSync(configFile, config);

  let stderr = '';
  const child: ChildProcess = spawn(SSHD, ['-D', '-e', '-f', configFile], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  let exited = false;
  child.once('exit', () => (exited = true));
  try {
    await waitFor(async () => {
      if (exited) throw new Error(`sshd exited: ${stderr}`);
      return sshBanner(port);
    }, 10_000, `sshd on 127.0.0.1:${port}`);
  } catch (e) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw e;
  }

  return {
    port,
    hostKeyFingerprint,
    otherFingerprint,
    userKeyFile: join(dir, 'user_key'),
    user,
    dir,
    log: () => stderr,
    async stop() {
      if (!exited) {
        const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.kill('SIGTERM');
        await Promise.race([gone, new Promise((r) => setTimeout(r, 3000))]);
        if (!exited) child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The generated user key, as PLG_SSH_KEY_FILE would hold it. */
export const readUserKey = (sshd: TestSshd): string => readFileSync(sshd.userKeyFile, 'utf8');
