/** The `warmPool` field of a service (issue 14, ../shared/CONTRACT.md): validated, with clear messages. */
import { describe, expect, it } from 'vitest';
import { serviceSchema } from '../../../src/config.js';
import { parseServicesYaml } from '../../../src/servicesFile.js';
import { service } from '../../helpers/bot.js';

const base = () => {
  const { warmPool: _w, ...s } = service() as ReturnType<typeof service> & { warmPool?: unknown };
  return s;
};
const issues = (input: unknown) => {
  const r = serviceSchema.safeParse(input);
  return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('warmPool', () => {
  it('is optional, and running by default', () => {
    expect(serviceSchema.parse(base()).warmPool).toBeUndefined();
    expect(serviceSchema.parse({ ...base(), warmPool: { size: 2 } }).warmPool).toEqual({ size: 2, state: 'running' });
    expect(serviceSchema.parse({ ...base(), warmPool: { size: 1, state: 'stopped' } }).warmPool).toEqual({ size: 1, state: 'stopped' });
  });

  it('refuses a size out of bounds, an unknown state or key, and a Jenkins executor, naming the field', () => {
    expect(issues({ ...base(), warmPool: { size: 0 } })).toEqual(['warmPool.size: from 1 to 10 warm VMs per service (leave warmPool out for none)']);
    expect(issues({ ...base(), warmPool: { size: 11 } })).toEqual(['warmPool.size: from 1 to 10 warm VMs per service (leave warmPool out for none)']);
    expect(issues({ ...base(), warmPool: { size: 1, state: 'suspended' } })).toEqual(['warmPool.state: expected stopped or running']);
    expect(issues({ ...base(), warmPool: { size: 1, sise: 2 } })[0]).toMatch(/^warmPool: .*sise/);
    expect(issues({ ...base(), executor: 'jenkins', warmPool: { size: 1 } })).toEqual([
      'warmPool: a warm pool needs the local executor: a Jenkins pipeline clones its own VMs (drop warmPool, or the executor)',
    ]);
  });

  it('reads from the services file as the contract writes it', () => {
    const yaml = `services:\n  - name: web-server\n    channel: C0SERVICE1\n    template: web-server-template\n    vmNamePrefix: web-server\n    vcenter: {}\n` +
      `    network: { ipPool: { start: 127.0.10.10, end: 127.0.10.50 }, netmask: 255.255.255.0, gateway: 127.0.10.1, dns: [] }\n` +
      `    f5: { pool: web-server-pool, port: 80 }\n    healthCheck: { type: tcp, port: 80 }\n    scaling: { min: 1, max: 4 }\n` +
      `    warmPool: { size: 1, state: running }\n`;
    const r = parseServicesYaml(yaml);
    expect(r.ok && r.services[0]!.warmPool).toEqual({ size: 1, state: 'running' });
  });
});
