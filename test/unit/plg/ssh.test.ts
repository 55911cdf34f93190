import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { fingerprintOf, shellQuote } from '../../../src/integrations/plg/ssh.js';

describe('shellQuote', () => {
  const nasty = ['plain', 'two words', "it's", '$(touch /tmp/pwned)', '`id`', 'a;b|c&d', '*', '"dq"', '', 'line\nbreak', "'", '\\'];

  it('gives each argument back to a POSIX shell exactly as it was', () => {
    // What sshd does with the exec request's string: hand it to `sh -c`.
    const out = execFileSync('/bin/sh', ['-c', shellQuote(['printf', '%s\\0', ...nasty])]);
    expect(out.toString('utf8').split('\0').slice(0, -1)).toEqual(nasty);
  });

  it('leaves plain words bare so commands stay readable', () => {
    expect(shellQuote(['promtool', 'check', 'config', '/etc/prometheus/prometheus.yml'])).toBe('promtool check config /etc/prometheus/prometheus.yml');
  });
});

describe('fingerprintOf', () => {
  it('prints a host key as ssh-keygen -lf does', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plg-fp-'));
    try {
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-f', join(dir, 'k')]);
      const blob = Buffer.from(readFileSync(join(dir, 'k.pub'), 'utf8').split(' ')[1]!, 'base64');
      const expected = execFileSync('ssh-keygen', ['-lf', join(dir, 'k.pub')], { encoding: 'utf8' }).split(' ')[1];
      expect(fingerprintOf(blob)).toBe(expected);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
