/** The rules across services (VM names, IP pools) and the secret placeholder, as pure functions. */
import { describe, expect, it } from 'vitest';
import { conflictsBetween, formatServiceProblems, prefixesCollide, REDACTED, resolveSecrets, vmFolderOf, withoutSecrets } from '../../src/servicesFile.js';
import { nextFreeName } from '../../src/integrations/govc.js';
import { serviceVmPattern } from '../../src/workflows/vmPorts.js';
import { service } from '../helpers/bot.js';

const net = (start: string, end: string) => ({ ipPool: { start, end }, netmask: '255.255.255.0', gateway: '127.0.10.1', dns: [], conflictCheck: 'none' as const });

describe('VM names shared between services', () => {
  it('lets "web" and "web-server" live in one folder: no name is both web-<n> and web-server-<n>', () => {
    expect(prefixesCollide('web', 'web-server')).toBe(false);
    expect(prefixesCollide('web', 'web-1')).toBe(false);
    expect(prefixesCollide('web', 'web')).toBe(true);
    // What the bot would name and count: each service's VMs are only its own.
    const names = ['web-1', 'web-2', 'web-server-1', 'web-1-1', 'web-server-12'];
    expect(names.filter((n) => serviceVmPattern('web').test(n))).toEqual(['web-1', 'web-2']);
    expect(names.filter((n) => serviceVmPattern('web-server').test(n))).toEqual(['web-server-1', 'web-server-12']);
    expect(names.filter((n) => serviceVmPattern('web-1').test(n))).toEqual(['web-1-1']);
    expect(serviceVmPattern('web').test(nextFreeName('web-server', names))).toBe(false);

    const web = service({ name: 'web', vmNamePrefix: 'web', network: net('127.0.10.10', '127.0.10.20') });
    const webServer = service({ name: 'web-server', network: net('127.0.10.30', '127.0.10.40') });
    expect(conflictsBetween([web], [webServer])).toEqual([]);
  });

  it('refuses one prefix in one folder, however the folder is written, naming both services', () => {
    const stored = service({ name: 'web-server', network: net('127.0.10.10', '127.0.10.20') }); // folder /DC0/vm
    const same = (vcenter: Record<string, string>) => service({ name: 'web-canary', vmNamePrefix: 'web-server', vcenter, network: net('127.0.10.30', '127.0.10.40') });
    for (const vcenter of [{ datacenter: 'DC0', folder: '/DC0/vm/' }, { datacenter: 'DC0' }, { folder: '//DC0//vm' }, { datacenter: 'DC0', folder: 'vm' }, {}] as Array<Record<string, string>>) {
      expect(formatServiceProblems(conflictsBetween([same(vcenter)], [stored]))).toEqual([
        'services[0].vmNamePrefix: services "web-canary" and "web-server" would both name their VMs web-server-<n> in folder /DC0/vm; give one of them another vmNamePrefix or vcenter.folder',
      ]);
    }
    // Another folder, or another datacenter: identities tell the VMs apart.
    expect(conflictsBetween([same({ datacenter: 'DC0', folder: '/DC0/vm/canary' })], [stored])).toEqual([]);
    expect(conflictsBetween([same({ datacenter: 'DC1' })], [stored])).toEqual([]);
    expect(vmFolderOf(same({ datacenter: 'DC0', folder: 'canary/' }))).toEqual({ datacenter: 'DC0', path: 'canary' });
  });

  it('checks the whole resulting set: the file against itself and the stored services it does not replace', () => {
    const a = service({ name: 'a', vmNamePrefix: 'app', network: net('127.0.10.10', '127.0.10.20') });
    const b = service({ name: 'b', vmNamePrefix: 'app', network: net('127.0.10.30', '127.0.10.40') });
    expect(formatServiceProblems(conflictsBetween([a, b], []))).toEqual([expect.stringMatching(/^services\[1\]\.vmNamePrefix: services "b" and "a"/)]);
    // The stored "b" is replaced by the file's "b", which no longer shares anything with "a".
    const bMoved = service({ name: 'b', vmNamePrefix: 'app', vcenter: { datacenter: 'DC0', folder: '/DC0/vm/b' }, network: net('127.0.10.30', '127.0.10.40') });
    expect(conflictsBetween([bMoved], [a, b])).toEqual([]);
    // Editing a service is never a conflict with its own stored version.
    expect(conflictsBetween([a], [a])).toEqual([]);
  });
});

describe('IP pools shared between services', () => {
  it('refuses overlapping pools with both services and the shared addresses named, and allows adjacent ones', () => {
    const web = service({ name: 'web-server', network: net('127.0.10.10', '127.0.10.50') });
    const api = service({ name: 'api', network: net('127.0.10.40', '127.0.10.60') });
    expect(formatServiceProblems(conflictsBetween([api], [web]))).toEqual([
      'services[0].network.ipPool: the pool 127.0.10.40-127.0.10.60 of service "api" overlaps the pool 127.0.10.10-127.0.10.50 of service "web-server" (both hold 127.0.10.40-127.0.10.50); pools must not share addresses',
    ]);
    const one = service({ name: 'api', network: net('127.0.10.50', '127.0.10.50') });
    expect(conflictsBetween([one], [web])[0]!.message).toContain('(both hold 127.0.10.50)');
    expect(conflictsBetween([service({ name: 'api', network: net('127.0.10.51', '127.0.10.60') })], [web])).toEqual([]);
  });
});

describe('the secret placeholder', () => {
  const withToken = service({ jenkins: { job: 'autoscale-web', token: 'sekrit-token-123' } });

  it('masks every secret for Slack, and the mask written back keeps the stored value', () => {
    const shown = withoutSecrets(withToken);
    expect(shown.jenkins?.token).toBe(REDACTED);
    expect(withToken.jenkins?.token).toBe('sekrit-token-123');
    expect(resolveSecrets(shown, withToken)).toEqual({ ok: true, service: withToken });
    // Also when the job changed: the placeholder says "keep", in so many words.
    const moved = { ...shown, jenkins: { ...shown.jenkins!, job: 'autoscale-web-2' } };
    expect(resolveSecrets(moved, withToken)).toMatchObject({ ok: true, service: { jenkins: { job: 'autoscale-web-2', token: 'sekrit-token-123' } } });
    // A new secret replaces the stored one.
    const fresh = { ...shown, jenkins: { ...shown.jenkins!, token: 'new-token-4567' } };
    expect(resolveSecrets(fresh, withToken)).toMatchObject({ ok: true, service: { jenkins: { token: 'new-token-4567' } } });
  });

  it('refuses the placeholder where nothing is stored, so it is never stored or published', () => {
    const placeholder = { ...withToken, jenkins: { job: 'autoscale-web', token: REDACTED } };
    expect(resolveSecrets(placeholder, service())).toEqual({
      ok: false, path: ['jenkins', 'token'],
      message: '******** stands for the stored secret, but service "web-server" has none stored; write the secret itself or leave the field out',
      fact: { code: 'secretNoneStored', values: { placeholder: REDACTED, service: 'web-server' } },
    });
    expect(resolveSecrets(placeholder, undefined)).toMatchObject({ ok: false, message: expect.stringContaining('does not exist yet') });
  });
});
