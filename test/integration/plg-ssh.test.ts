/**
 * The SSH layer against a real sshd: pinned host key, SFTP file operations, argument quoting as the
 * remote shell sees it, and the sudo mode (through a stand-in `sudo` on the session's PATH, since
 * the machine has no sudo and a real one would need a password policy).
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectSsh, type RemoteHost } from '../../src/integrations/plg/ssh.js';
import { readUserKey, startSshd, type TestSshd } from '../helpers/sshd.js';

let sshd: TestSshd;
let bin: string;
let work: string;

beforeAll(async () => {
  bin = mkdtempSync(join(tmpdir(), 'plg-bin-'));
  work = mkdtempSync(join(tmpdir(), 'plg-work-'));
  // Stand-in sudo: records that it was used, then runs the command (as we already are).
  writeFileSync(join(bin, 'sudo'), `#!/bin/sh\nprintf "%s\\n" "$*" >> ${join(bin, 'sudo.log')}\n[ "$1" = -n ] && shift\n[ "$1" = -- ] && shift\nexec "$@"\n`);
  chmodSync(join(bin, 'sudo'), 0o755);
  sshd = await startSshd({ pathPrefix: bin });
});

afterAll(async () => {
  await sshd?.stop();
  rmSync(bin, { recursive: true, force: true });
  rmSync(work, { recursive: true, force: true });
});

const open = (opts: { sudo?: boolean; hostKey?: string; key?: string } = {}) =>
  connectSsh({
    host: '127.0.0.1',
    port: sshd.port,
    username: sshd.user,
    privateKey: opts.key ?? readUserKey(sshd),
    hostKeyFingerprint: opts.hostKey ?? sshd.hostKeyFingerprint,
    sudo: opts.sudo,
  });

describe.each([
  { mode: 'SFTP', sudo: false },
  { mode: 'sudo', sudo: true },
])('file operations over $mode', ({ sudo }) => {
  let remote: RemoteHost;
  beforeAll(async () => {
    remote = await open({ sudo });
  });
  afterAll(() => remote?.close());

  it('writes, reads, keeps the mode, replaces atomically and removes files with awkward names', async () => {
    const a = join(work, `${sudo ? 'sudo' : 'sftp'} it's a file.yml`);
    const b = `${a}.tmp`;
    await remote.writeFile(a, 'one\n', 0o640);
    expect(readFileSync(a, 'utf8')).toBe('one\n');
    expect(statSync(a).mode & 0o777).toBe(0o640);
    expect(await remote.fileMode(a)).toBe(0o640);
    expect(await remote.readFile(a)).toBe('one\n');
    await remote.writeFile(b, 'two\n', 0o640);
    await remote.rename(b, a);
    expect(readFileSync(a, 'utf8')).toBe('two\n');
    await remote.remove(a);
    expect(await remote.readFile(a)).toBeUndefined();
    expect(await remote.fileMode(a)).toBeUndefined();
  });

  it(`${sudo ? 'goes' : 'does not go'} through sudo -n`, async () => {
    const log = join(bin, 'sudo.log');
    const before = (() => { try { return readFileSync(log, 'utf8'); } catch { return ''; } })();
    await remote.exec(['true']);
    const after = (() => { try { return readFileSync(log, 'utf8'); } catch { return ''; } })();
    expect(after.slice(before.length)).toBe(sudo ? '-n -- true\n' : '');
  });
});

describe('commands over SSH', () => {
  it('hands every argument to the remote command exactly, whatever it contains', async () => {
    const remote = await open();
    try {
      const args = ['two words', "it's", '$(id)', '`id`', 'a;b', '*', ''];
      const r = await remote.exec(['printf', '%s\\n', ...args]);
      expect(r).toMatchObject({ code: 0, stderr: '' });
      expect(r.stdout).toBe(args.map((a) => `${a}\n`).join(''));
    } finally {
      remote.close();
    }
  });

  it('reports exit codes and stops a command at its timeout', async () => {
    const remote = await open();
    try {
      expect(await remote.exec(['sh', '-c', 'echo oops >&2; exit 3'])).toMatchObject({ code: 3, stderr: 'oops\n', timedOut: false });
      const slow = await remote.exec(['sleep', '10'], { timeoutMs: 300 });
      expect(slow).toMatchObject({ code: null, timedOut: true });
      expect(slow.durationMs).toBeLessThan(3000);
    } finally {
      remote.close();
    }
  });

  it('fails operations at once after the session closed', async () => {
    const remote = await open();
    remote.close();
    await expect(remote.exec(['true'])).rejects.toMatchObject({ code: 'ssh_failed' });
  });
});

describe('connecting', () => {
  it('refuses a host key other than the pinned one, naming both fingerprints', async () => {
    const err = await open({ hostKey: sshd.otherFingerprint }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'host_key_mismatch' });
    expect((err as Error).message).toContain(sshd.hostKeyFingerprint);
    expect((err as Error).message).toContain(sshd.otherFingerprint);
  });

  it('accepts the pinned fingerprint with or without base64 padding', async () => {
    (await open({ hostKey: `${sshd.hostKeyFingerprint}=` })).close();
  });

  it('says so when the key is not authorized', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'plg-key-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      await expect(open({ key: readFileSync(join(dir, 'k'), 'utf8') })).rejects.toMatchObject({ code: 'auth_failed' });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
