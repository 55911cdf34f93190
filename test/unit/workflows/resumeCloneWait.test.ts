/**
 * How long a resumed clone waits (issue 11, item 9b): while vCenter lists a clone task of the
 * template, up to the limit; vcsim never lists a running task (its -method-delay holds the call before
 * the task exists), so this part runs against a stand-in vCenter that reports one.
 */
import { describe, expect, it } from 'vitest';
import type { VmInfo } from '../../../src/integrations/vmInfo.js';
import { vmSteps, type StepPlan } from '../../../src/workflows/vmSteps.js';
import type { VCenter } from '../../../src/workflows/vmPorts.js';
import { service } from '../../helpers/bot.js';

const PATH = '/DC0/vm/web-server-1';
const plan: StepPlan = { requestId: 'sr-1', service: service(), vmName: 'web-server-1', ip: '127.0.41.10' };
const made: VmInfo = { name: 'web-server-1', path: PATH, powerState: 'poweredOff', guestIps: [], template: false, moref: 'vm-90', uuid: 'u-90' };

/** vCenter with a clone task of the template that runs for `taskPolls` looks, then leaves the VM at PATH. */
function vcenterWithTask(taskPolls: number) {
  let looks = 0;
  const clones: string[] = [];
  const vc = {
    vmPathIn: async () => PATH,
    vmAt: async () => (looks >= taskPolls ? made : undefined),
    cloneTaskRunning: async () => ++looks <= taskPolls,
    findByName: async () => (looks >= taskPolls ? [PATH] : []),
    clone: async (p: { name: string }) => { clones.push(p.name); },
  } as unknown as VCenter;
  return { vc, clones };
}

const recorded = { read: () => ({ vmPathFree: PATH }), write: async () => undefined };

describe('a resumed clone waiting for vCenter', () => {
  it('waits as long as the clone task runs, past the grace, and adopts the VM it made without cloning again', async () => {
    const { vc, clones } = vcenterWithTask(5);
    const r = await vmSteps.clone(plan, { vcenter: vc, resuming: true, resumeCloneGraceMs: 0, resumeCloneLimitMs: 60_000, resumeClonePollMs: 1, cloneRecord: recorded });
    expect(r.data).toMatchObject({ vmPath: PATH, vmMoref: 'vm-90' });
    expect(clones).toEqual([]);
  });

  it('stops at the limit while the task still runs, says so, and clones nothing', async () => {
    const { vc, clones } = vcenterWithTask(Number.MAX_SAFE_INTEGER);
    await expect(vmSteps.clone(plan, { vcenter: vc, resuming: true, resumeCloneGraceMs: 0, resumeCloneLimitMs: 50, resumeClonePollMs: 5, cloneRecord: recorded }))
      .rejects.toMatchObject({ code: 'clone_wait_timeout', message: expect.stringContaining('still running in vCenter') });
    expect(clones).toEqual([]);
  });
});
