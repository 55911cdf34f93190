/**
 * The request's named transitions (store/requests.ts, decisions.ts, runs.ts, silences.ts, watches.ts): each checks it
 * is legal at the instant it writes, and a refused one changes nothing, in memory or on disk.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { STALE, type Admission } from '../../../src/store/admission.js';
import { decideRequest, retryRequest, type Decision } from '../../../src/store/decisions.js';
import { createRequest, findRequest, IllegalTransition, resolveAlert, type RequestDraft } from '../../../src/store/requests.js';
import { beginStep, finishRun, finishStep, markRollbackStarted, startAttempt } from '../../../src/store/runs.js';
import { silenceRequest } from '../../../src/store/silences.js';
import { Store } from '../../../src/store/store.js';
import type { BlockInfo, ScaleRequest } from '../../../src/store/types.js';
import { markWhole } from '../../../src/store/watches.js';

const dirs: string[] = [];
const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function open(): Promise<Store> {
  const d = mkdtempSync(join(tmpdir(), 'transitions-'));
  dirs.push(d);
  const s = await Store.open(d);
  stores.push(s);
  return s;
}

const AT = '2026-12-03T10:00:00.000Z';
const LATER = '2026-12-03T10:05:00.000Z';

function draft(id: string, o: Partial<RequestDraft> = {}): RequestDraft {
  return {
    id, service: 'web', direction: 'out', executor: 'dry-run', source: 'alert',
    preview: { instances: 2, instancesSource: 'store', min: 1, max: 4, template: 't', vmName: null, ip: null, f5Pool: 'p', checks: [] },
    events: [{ at: AT, type: 'created' }],
    ...o,
  };
}

const noBlock = { blockFor: () => undefined, blockPassed: () => false };

async function opened(st: Store, id = 'sr-1', o: Partial<RequestDraft> = {}): Promise<ScaleRequest> {
  const { request } = await createRequest(st, { draft: draft(id, o), at: AT, auditActor: 'alertmanager', refire: 'alert', ...noBlock });
  return request;
}

const approve = (by = 'U1'): Decision => ({ kind: 'approved', by, at: LATER, confirmFrozen: false, confirmedFrozen: false });

/** What the store holds, in memory and on disk, to compare before and after a refused transition. */
async function snapshot(st: Store): Promise<{ memory: string; disk: string }> {
  await st.flush();
  return { memory: JSON.stringify(st.data), disk: readFileSync(st.file, 'utf8') };
}

describe('opening a request', () => {
  it('creates a pending request, or a blocked one when the policy refuses it, audited either way', async () => {
    const st = await open();
    const r = await opened(st, 'sr-1', {});
    expect(r.state).toBe('pending');
    const block: BlockInfo = { code: 'max_instances', service: 'web', count: 4, max: 4 };
    const { request: b } = await createRequest(st, { draft: draft('sr-2', { direction: 'in' }), at: AT, auditActor: 'bot', refire: 'alert', blockFor: () => block, blockPassed: () => false });
    expect(b.state).toBe('blocked');
    expect(b.blocked).toEqual(block);
    expect(st.data.audit.map((a) => a.detail)).toEqual(['web scale out', 'web scale in (blocked: max_instances)']);
  });

  it('folds a second opening into the open request of the same direction instead of creating one', async () => {
    const st = await open();
    await opened(st, 'sr-1');
    const again = await createRequest(st, { draft: draft('sr-2'), at: LATER, auditActor: 'U2', refire: 'a manual request by U2', ...noBlock });
    expect(again.fresh).toBe(false);
    expect(again.request.id).toBe('sr-1');
    expect(st.data.requests).toHaveLength(1);
    expect(findRequest(st, 'sr-1')!.fireCount).toBe(2);
  });

  it('withdraws a blocked request whose block has passed, and opens the new one in its place', async () => {
    const st = await open();
    const block: BlockInfo = { code: 'cooldown', service: 'web', direction: 'out', lastAt: AT, until: AT };
    await createRequest(st, { draft: draft('sr-1'), at: AT, auditActor: 'bot', refire: 'alert', blockFor: () => block, blockPassed: () => false });
    const next = await createRequest(st, { draft: draft('sr-2'), at: LATER, auditActor: 'bot', refire: 'alert', blockFor: () => undefined, blockPassed: () => true });
    expect(next).toMatchObject({ fresh: true, superseded: 'sr-1', request: { id: 'sr-2', state: 'pending' } });
    expect(findRequest(st, 'sr-1')!.state).toBe('withdrawn');
  });
});

describe('deciding', () => {
  it('approves a pending request once: the second decision gets the request as it is now, and changes nothing', async () => {
    const st = await open();
    await opened(st);
    const first = await decideRequest(st, 'sr-1', approve('U1'));
    expect(first).toMatchObject({ ok: true, request: { state: 'approved', decision: { by: 'U1' } } });
    const before = await snapshot(st);
    const second = await decideRequest(st, 'sr-1', { ...approve('U2'), kind: 'rejected' });
    expect(second).toMatchObject({ ok: false, code: 'not_in_state', request: { state: 'approved' } });
    expect(await snapshot(st)).toEqual(before);
  });

  it('refuses to retry a request that has not failed, writing nothing', async () => {
    const st = await open();
    await opened(st);
    const before = await snapshot(st);
    expect(await retryRequest(st, 'sr-1', { by: 'U1', at: LATER, confirmFrozen: false })).toMatchObject({ ok: false, code: 'not_in_state' });
    expect(await snapshot(st)).toEqual(before);
  });

  it('blocks an approval the run-start check refuses, noting the refusal and the reading on the card', async () => {
    const st = await open();
    await opened(st);
    const block: BlockInfo = { code: 'max_instances', service: 'web', count: 4, max: 4 };
    const admission: Admission = { service: 'web', before: [], reading: { count: 4, source: 'f5' }, lastTry: false, policy: (_r, f) => (f.instances === 4 ? block : undefined) };
    expect(await decideRequest(st, 'sr-1', approve(), admission)).toMatchObject({ ok: false, code: 'refused', block });
    expect(findRequest(st, 'sr-1')).toMatchObject({ state: 'blocked', blocked: block, preview: { instances: 4, instancesSource: 'f5' } });
  });

  it('answers STALE, changing nothing, when a run of the service finished while the count was read', async () => {
    const st = await open();
    await opened(st, 'sr-0');
    await decideRequest(st, 'sr-0', approve());
    await opened(st, 'sr-1', { direction: 'in' });
    // sr-0 was in flight when the count was read, and finished (failed) before the transition.
    await startAttempt(st, 'sr-0', { at: LATER, resuming: false });
    await finishRun(st, 'sr-0', { at: LATER, outcome: 'failed', error: { step: 'clone', code: 'failed', message: 'x' } });
    const before = await snapshot(st);
    const admission: Admission = { service: 'web', before: ['sr-0'], reading: { count: 2, source: 'f5' }, lastTry: false, policy: () => undefined };
    expect(await decideRequest(st, 'sr-1', approve(), admission)).toBe(STALE);
    expect(await snapshot(st)).toEqual(before);
    // On the last try the reading counts as unknown instead.
    const last = await decideRequest(st, 'sr-1', approve(), { ...admission, lastTry: true });
    expect(last).toMatchObject({ ok: true, request: { preview: { instances: null, instancesSource: 'unknown' } } });
  });
});

describe('a run', () => {
  it('starts an attempt only from approved, journals its steps, and finishes it', async () => {
    const st = await open();
    await opened(st);
    expect(await startAttempt(st, 'sr-1', { at: LATER, resuming: false })).toBeUndefined(); // still pending
    await decideRequest(st, 'sr-1', approve());
    const r = await startAttempt(st, 'sr-1', { at: LATER, resuming: false });
    expect(r).toMatchObject({ state: 'running', attempts: [{ n: 1 }] });
    await beginStep(st, 'sr-1', 'clone', LATER);
    const rec = await finishStep(st, 'sr-1', 'clone', { at: LATER, state: 'done', durationMs: 1234.4, outcome: {}, data: { vm: 'web-1' } });
    expect(rec).toMatchObject({ name: 'clone', state: 'done', durationMs: 1234, data: { vm: 'web-1' } });
    const first = await markRollbackStarted(st, 'sr-1', LATER, { error: { step: 'health', code: 'failed', message: 'down' }, ownsVm: true });
    const again = await markRollbackStarted(st, 'sr-1', '2026-12-03T11:00:00.000Z', { error: { step: 'f5-add', code: 'x', message: 'y' }, ownsVm: false });
    expect(again).toEqual(first); // the first record wins
    const done = await finishRun(st, 'sr-1', { at: LATER, outcome: 'succeeded' });
    expect(done.state).toBe('succeeded');
  });

  it('refuses to finish a run that never started (pending → succeeded is no move of the machine), writing nothing', async () => {
    const st = await open();
    await opened(st);
    const before = await snapshot(st);
    await expect(async () => finishRun(st, 'sr-1', { at: LATER, outcome: 'succeeded' })).rejects.toThrow(IllegalTransition);
    expect(await snapshot(st)).toEqual(before);
  });
});

describe('withdrawing', () => {
  it('silences only a pending request: a decided one is left as it is and its state comes back', async () => {
    const st = await open();
    await opened(st);
    await decideRequest(st, 'sr-1', approve());
    const before = await snapshot(st);
    expect(await silenceRequest(st, 'sr-1', { id: 's-1', by: 'U1', until: LATER, at: LATER, length: '1h' })).toBe('approved');
    expect(await silenceRequest(st, 'sr-9', { id: 's-1', by: 'U1', until: LATER, at: LATER, length: '1h' })).toBe('gone');
    expect(await snapshot(st)).toEqual(before);
  });

  it('withdraws an undecided request whose alert resolved, and only notes it on a decided one', async () => {
    const st = await open();
    await opened(st, 'sr-1');
    expect(await resolveAlert(st, { service: 'web', direction: 'out', at: LATER, alert: 'HighCpu' })).toEqual({ outcome: 'withdrawn', id: 'sr-1' });
    expect(findRequest(st, 'sr-1')!.state).toBe('withdrawn');
    await opened(st, 'sr-2');
    await decideRequest(st, 'sr-2', approve());
    expect(await resolveAlert(st, { service: 'web', direction: 'out', at: LATER, alert: 'HighCpu' })).toEqual({ outcome: 'resolved', id: 'sr-2' });
    expect(findRequest(st, 'sr-2')!.state).toBe('approved');
  });

  it('withdraws an undecided below-min card once the service is whole again, but not one opened by an alert', async () => {
    const st = await open();
    await opened(st, 'sr-1');
    expect(await markWhole(st, 'web', { at: LATER, count: 2, min: 2 })).toBeUndefined();
    expect(st.data.belowMin?.web).toEqual({ seenWhole: true });
    await resolveAlert(st, { service: 'web', direction: 'out', at: LATER, alert: 'x' });
    await opened(st, 'sr-2', { source: 'min' });
    expect(await markWhole(st, 'web', { at: LATER, count: 2, min: 2 })).toBe('sr-2');
    expect(findRequest(st, 'sr-2')).toMatchObject({ state: 'withdrawn', events: expect.arrayContaining([expect.objectContaining({ fact: { code: 'back_at_min', service: 'web', count: 2, min: 2 } })]) });
  });
});
