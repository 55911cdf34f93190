/** Below the minimum: a service whose F5 pool lost members gets one scale-out card through the normal approval. */
import { afterEach, describe, expect, it } from 'vitest';
import { findRequest } from '../../src/store/requests.js';
import type { ScaleRequest } from '../../src/store/types.js';
import { CHECK_EVERY_MS, REPROPOSE_AFTER_MS } from '../../src/workflows/belowMin.js';
import { blockText } from '../fakes/slack.js';
import { LiveInventory } from '../../src/integrations/inventory.js';
import { service, startBot, type TestBot } from '../helpers/bot.js';
import { freePort } from '../helpers/net.js';
import { healthTarget, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
let restarted: TestBot | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await restarted?.stop();
  restarted = undefined;
  await stack?.stop();
  stack = undefined;
});

const POOL = 'web-server-pool';

async function setup(subnet: number, env: Record<string, string> = {}) {
  const port = await freePort();
  const s = service({
    network: { ipPool: { start: `127.0.${subnet}.10`, end: `127.0.${subnet}.20` }, netmask: '255.255.255.0', gateway: `127.0.${subnet}.1`, dns: [], conflictCheck: 'none' },
    healthCheck: { type: 'tcp', port, timeout: '20s' },
    f5: { pool: POOL, partition: 'Common', port },
    scaling: { min: 2, max: 6, cooldown: '0s' },
  });
  const st = (stack = await startStack({ services: [s], bot: { env } }));
  // Two instances someone else built serve the pool (outside the bot's IP pool).
  await st.lb.addMember(POOL, 'Common', `127.0.${subnet}.100`, port);
  await st.lb.addMember(POOL, 'Common', `127.0.${subnet}.101`, port);
  const tick = async () => {
    st.tb.clock.advance(CHECK_EVERY_MS + 1000);
    await st.tb.bot.tick();
    await st.tb.settle();
  };
  await tick(); // the bot sees the service at its minimum
  const outs = () => st.tb.store.data.requests.filter((r) => r.service === 'web-server' && r.direction === 'out');
  const cards = () => st.tb.slack.topLevel('C0SERVICE1');
  const cardOf = (r: ScaleRequest) => blockText(st.tb.slack.messages.find((m) => m.ts === findRequest(st.tb.store, r.id)!.card!.ts)!.blocks);
  /** Reject, with a reason given in the modal, as an approver does. */
  const reject = async (id: string) => {
    await st.tb.click('reject_scale', id);
    const view = st.tb.slack.callsOf('views.open').at(-1)!.args.view;
    await st.tb.submitView({ callback_id: view.callback_id, private_metadata: id, state: { values: { reason: { reason: { type: 'plain_text_input', value: 'the team is on it' } } } } });
    await st.tb.settle();
    expect(findRequest(st.tb.store, id)!.state).toBe('rejected');
  };
  return { st, s, port, tick, outs, cards, cardOf, reject };
}

describe('below the minimum', () => {
  it('posts exactly one scale-out card saying why when a member disappears, no more on later ticks, and approving it runs the scale-out', async () => {
    const { st, port, tick, outs, cards, cardOf } = await setup(33);
    expect(outs()).toEqual([]);

    await st.lb.removeMember(POOL, 'Common', '127.0.33.101', port);
    await tick();
    expect(outs()).toHaveLength(1);
    const r = outs()[0]!;
    expect(r).toMatchObject({ source: 'min', state: 'pending', belowMin: { count: 1, min: 2, countSource: 'f5' } });
    expect(cards()).toHaveLength(1);
    expect(cardOf(r)).toContain('*web-server has 1 of its minimum 2 instances*');
    expect(cardOf(r)).toContain('Scale out web-server?');

    // Later ticks: still one card, and its fire count does not move.
    for (let i = 0; i < 3; i++) await tick();
    expect(outs()).toHaveLength(1);
    expect(cards()).toHaveLength(1);
    expect(findRequest(st.tb.store, r.id)!.fireCount).toBe(1);

    closers.push((await healthTarget('127.0.33.10', port)).close);
    await st.tb.click('approve_scale', r.id);
    await st.tb.settle();
    expect(findRequest(st.tb.store, r.id)!.state).toBe('succeeded');
    expect([...st.f5.state.pools.get(`/Common/${POOL}`)!.members.keys()].sort()).toEqual([`127.0.33.100:${port}`, `127.0.33.10:${port}`].sort());
    await tick();
    expect(outs()).toHaveLength(1);
  });

  it('after a rejection asks again only when the count changes (or hours later), and not for a count it cannot read', async () => {
    const { st, port, tick, outs, reject } = await setup(34);
    await st.lb.removeMember(POOL, 'Common', '127.0.34.101', port);
    await tick();
    const first = outs()[0]!;
    await reject(first.id);

    for (let i = 0; i < 3; i++) await tick();
    expect(outs()).toHaveLength(1);

    // F5 and vCenter both unreadable: nothing happens.
    await st.lb.removeMember(POOL, 'Common', '127.0.34.100', port);
    st.f5.state.pools.delete(`/Common/${POOL}`);
    await st.vcsim.stop();
    await tick();
    expect(outs()).toHaveLength(1);
  });

  it('proposes again for a further drop after a rejection, and repeats the same count only after REPROPOSE_AFTER_MS', async () => {
    const { st, port, tick, outs, cardOf, reject } = await setup(35);
    await st.lb.removeMember(POOL, 'Common', '127.0.35.101', port);
    await tick();
    await reject(outs()[0]!.id);
    await tick();
    expect(outs()).toHaveLength(1);

    await st.lb.removeMember(POOL, 'Common', '127.0.35.100', port);
    await tick();
    expect(outs()).toHaveLength(2);
    expect(cardOf(outs()[1]!)).toContain('*web-server has 0 of its minimum 2 instances*');
    await reject(outs()[1]!.id);
    await tick();
    expect(outs()).toHaveLength(2);

    st.tb.clock.advance(REPROPOSE_AFTER_MS);
    await tick();
    expect(outs()).toHaveLength(3);
  });

  it('writes the card in Korean with BOT_LOCALE=ko, and skips a disabled service', async () => {
    const { st, port, tick, outs, cardOf } = await setup(36, { BOT_LOCALE: 'ko' });
    await st.tb.command('service disable web-server');
    await st.lb.removeMember(POOL, 'Common', '127.0.36.101', port);
    await tick();
    expect(outs()).toEqual([]);
    await st.tb.command('service enable web-server');
    await tick();
    expect(outs()).toHaveLength(1);
    expect(cardOf(outs()[0]!)).toContain('*web-server의 인스턴스가 최소 2대 중 1대입니다*');
  });

  it('checks at start: a service that lost a member while the bot was down gets its card when the bot starts', async () => {
    const { st, s, port } = await setup(37);
    await st.tb.stop({ keepData: true });
    await st.lb.removeMember(POOL, 'Common', '127.0.37.101', port);
    restarted = await startBot({ dataDir: st.tb.dataDir, build: (store) => ({ inventory: new LiveInventory(store, st.vcsim.govc, st.lb) }) });
    await restarted.settle();
    const outs = restarted.store.data.requests.filter((r) => r.service === s.name && r.direction === 'out');
    expect(outs).toHaveLength(1);
    expect(outs[0]).toMatchObject({ source: 'min', belowMin: { count: 1, min: 2 } });
    expect(blockText(restarted.slack.topLevel('C0SERVICE1')[0]!.blocks)).toContain('*web-server has 1 of its minimum 2 instances*');
  });

  it('withdraws an undecided card when the count is back at its minimum without it', async () => {
    const { st, port, tick, outs, cardOf } = await setup(38);
    await st.lb.removeMember(POOL, 'Common', '127.0.38.101', port);
    await tick();
    const r = outs()[0]!;
    await st.lb.addMember(POOL, 'Common', '127.0.38.101', port);
    await tick();
    expect(findRequest(st.tb.store, r.id)!.state).toBe('withdrawn');
    expect(cardOf(r)).toContain('Withdrawn: web-server is back at its minimum (2 of 2) without it.');
    // The next drop is proposed at once.
    await st.lb.removeMember(POOL, 'Common', '127.0.38.100', port);
    await tick();
    expect(outs().filter((x) => x.state === 'pending')).toHaveLength(1);
  });
});
