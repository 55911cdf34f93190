/**
 * The clone step after a crash (issue 11, item 9b), on real govc + vcsim: which VM a resumed clone
 * adopts. Only the VM at the exact inventory path that this request's clone made — by the bot's mark,
 * or, for a clone cut short before govc wrote the mark, by the record that the path was free when it
 * began — never a VM of the same name elsewhere, and never its own VM called someone else's.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ownerMark } from '../../src/integrations/govc.js';
import type { StepRecord } from '../../src/store/types.js';
import { vmSteps, type StepIo, type StepPlan } from '../../src/workflows/vmSteps.js';
import { service } from '../helpers/bot.js';
import { startVcsim, VCSIM_POOL, type Vcsim } from '../helpers/vcsim.js';

const TEMPLATE = 'web-server-template';
let sim: Vcsim | undefined;
afterEach(async () => {
  await sim?.stop();
  sim = undefined;
});

const plan = (): StepPlan => ({ requestId: 'sr-20261202-abc123', service: service(), vmName: 'web-server-1', ip: '127.0.40.10' });

/** A clone step's journal record held in memory, as RequestJournal keeps it across a restart. */
function record(initial: StepRecord['data'] = {}) {
  let data: StepRecord['data'] = { ...initial };
  return { read: () => data, write: async (d: NonNullable<StepRecord['data']>) => { data = { ...data, ...d }; } };
}

describe('a resumed clone', () => {
  it('does not adopt a VM of the same name in another folder: it clones its own at its exact path', async () => {
    sim = await startVcsim();
    await sim.makeTemplate(TEMPLATE);
    const foreign = await sim.placeVm('/DC0/vm/other-team', 'web-server-1', { powerOn: true });
    const io: StepIo = { vcenter: sim.govc, resuming: true, resumeCloneGraceMs: 0, cloneRecord: record() };
    const r = await vmSteps.clone(plan(), io);
    expect(r.data).toMatchObject({ vmPath: '/DC0/vm/web-server-1' });
    expect(await sim.govc.vmAt('/DC0/vm/web-server-1')).toMatchObject({ annotation: ownerMark('web-server', plan().requestId), moref: r.data!.vmMoref });
    expect(await sim.govc.vmAt(foreign)).toMatchObject({ powerState: 'poweredOn', annotation: undefined });
  });

  it('adopts the VM its interrupted clone made (no mark: govc was killed before writing it) once vCenter finishes it', async () => {
    sim = await startVcsim({ methodDelay: { CloneVM_Task: 3000 } });
    await sim.makeTemplate(TEMPLATE);
    const rec = record();
    // The clone as the crashed bot ran it: it recorded the free path, then govc was killed mid-clone.
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 300);
    await expect(vmSteps.clone(plan(), { vcenter: sim.govc, signal: ac.signal, cloneRecord: rec })).rejects.toMatchObject({ code: 'aborted' });
    expect(rec.read()).toEqual({ vmPathFree: '/DC0/vm/web-server-1' });

    const r = await vmSteps.clone(plan(), { vcenter: sim.govc, resuming: true, resumeCloneGraceMs: 20_000, resumeClonePollMs: 200, cloneRecord: rec });
    const vm = await sim.govc.vmAt('/DC0/vm/web-server-1');
    expect(r.fact).toEqual({ code: 'vm_adopted', path: '/DC0/vm/web-server-1', moref: vm!.moref, when: 'while_down' });
    expect(r.data).toMatchObject({ vmPath: '/DC0/vm/web-server-1', vmMoref: vm!.moref, vmUuid: vm!.uuid });
    expect(await sim.govc.findByName('web-server-1')).toEqual(['/DC0/vm/web-server-1']);
  });

  it('calls an unmarked VM at its path someone else\'s when the clone never recorded the path free', async () => {
    sim = await startVcsim();
    await sim.makeTemplate(TEMPLATE);
    await sim.placeVm('/DC0/vm', 'web-server-1', { powerOn: true });
    await expect(vmSteps.clone(plan(), { vcenter: sim.govc, resuming: true, resumeCloneGraceMs: 0, cloneRecord: record() }))
      .rejects.toMatchObject({ code: 'duplicate_name' });
    expect(await sim.govc.vmAt('/DC0/vm/web-server-1')).toMatchObject({ powerState: 'poweredOn' });
  });

  it('adopts its own VM when cloning again meets it (the interrupted clone finished after the wait), instead of calling it a duplicate', async () => {
    sim = await startVcsim();
    await sim.makeTemplate(TEMPLATE);
    // The first clone of this request finished in vCenter after the bot gave up waiting.
    await sim.govcRun(['vm.clone', '-vm', TEMPLATE, '-on=false', '-pool', VCSIM_POOL, '-folder', '/DC0/vm', '-annotation', ownerMark('web-server', plan().requestId), 'web-server-1']);
    const r = await vmSteps.clone(plan(), { vcenter: sim.govc, cloneRecord: record() });
    expect(r.fact).toMatchObject({ code: 'vm_adopted', path: '/DC0/vm/web-server-1', when: 'earlier' });
    expect(r.data).toMatchObject({ vmPath: '/DC0/vm/web-server-1' });
    expect(await sim.govc.findByName('web-server-1')).toEqual(['/DC0/vm/web-server-1']);
  });
});
