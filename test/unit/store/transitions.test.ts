import { describe, expect, it } from 'vitest';
import { canMove, IllegalTransition, moveTo, TRANSITIONS } from '../../../src/store/requests.js';
import { OPEN_STATES, type RequestState, type ScaleRequest } from '../../../src/store/types.js';

const ALL = Object.keys(TRANSITIONS) as RequestState[];

function request(state: RequestState): ScaleRequest {
  return { id: 'sr-1', service: 'web', direction: 'out', state } as ScaleRequest;
}

describe('the request state machine', () => {
  it('lets a pending request be approved, rejected, withdrawn or blocked, and a failed one only be retried', () => {
    expect(TRANSITIONS.pending).toEqual(expect.arrayContaining(['approved', 'rejected', 'withdrawn', 'blocked']));
    expect(TRANSITIONS.failed).toEqual(['approved']);
  });

  it('never moves a succeeded, rejected or withdrawn request anywhere', () => {
    for (const from of ['succeeded', 'rejected', 'withdrawn'] as const) {
      for (const to of ALL) expect(canMove(from, to), `${from} → ${to}`).toBe(false);
    }
  });

  it('refuses to approve a rejected request, naming the request and both states, and leaves it rejected', () => {
    const r = request('rejected');
    expect(() => moveTo(r, 'approved')).toThrow(IllegalTransition);
    expect(() => moveTo(r, 'approved')).toThrow('request sr-1 cannot move from rejected to approved');
    expect(r.state).toBe('rejected');
  });

  it('moves along a legal path: pending → approved → running → failed → approved → running → succeeded', () => {
    const r = request('pending');
    for (const to of ['approved', 'running', 'failed', 'approved', 'running', 'succeeded'] as const) moveTo(r, to);
    expect(r.state).toBe('succeeded');
  });

  it('reaches every state from pending, and every open state can end', () => {
    const seen = new Set<RequestState>(['pending']);
    for (let changed = true; changed;) {
      changed = false;
      for (const from of [...seen]) for (const to of TRANSITIONS[from]) if (!seen.has(to)) { seen.add(to); changed = true; }
    }
    expect([...seen].sort()).toEqual([...ALL].sort());
    for (const s of OPEN_STATES) expect(TRANSITIONS[s].length, s).toBeGreaterThan(0);
  });
});
