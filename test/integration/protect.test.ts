/** Scale-in protection: `/autoscale protect|unprotect <vm>`, the victim choice, the run-start check, the card, status. */
import { afterEach, describe, expect, it } from 'vitest';
import { leasesOf } from '../../src/store/leases.js';
import { findRequest } from '../../src/store/requests.js';
import type { IpLease } from '../../src/store/types.js';
import { blockText } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';
import { freePort } from '../helpers/net.js';
import { healthTarget, startStack, type Stack } from '../helpers/stack.js';

let stack: Stack | undefined;
let tb: TestBot | undefined;
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of closers.splice(0)) await c();
  await stack?.stop();
  await tb?.stop();
  stack = undefined;
  tb = undefined;
});

const ADMIN = 'U0ADMIN01';
const OTHER = 'U0OTHER01';

/** Leases as the bot writes them once it has cloned a VM. */
function lease(service: string, ip: string, vmName: string, at: string, folder = '/DC0/vm'): IpLease {
  return { ip, service, requestId: `sr-${vmName}`, vmName, state: 'in-use', at, vm: { path: `${folder}/${vmName}`, moref: `vm-${ip.split('.').pop()}`, uuid: `uuid-${vmName}` } };
}

/** A bot without vCenter (StoreInventory: the instances are its in-use leases) holding two VMs of web-server and one of api. */
async function botWithVms(env: Record<string, string> = {}): Promise<TestBot> {
  const web = service({ scaling: { min: 0, max: 6, cooldown: '0s' } });
  const api = service({ name: 'api', channel: 'C0SERVICE2', network: { ipPool: { start: '127.0.31.10', end: '127.0.31.20' }, netmask: '255.255.255.0', gateway: '127.0.31.1', dns: [], conflictCheck: 'none' } });
  const bot = await startBot({ services: [web, api], env: { ADMIN_USERS: ADMIN, ...env } });
  await bot.store.mutate((d) => {
    for (const l of [
      lease('web-server', '127.0.10.10', 'web-server-1', '2026-11-26T10:00:00.000Z'),
      lease('web-server', '127.0.10.11', 'web-server-2', '2026-11-26T11:00:00.000Z'),
      // Another team's service happens to have a VM of the same name, in its own folder.
      lease('api', '127.0.31.10', 'web-server-2', '2026-11-26T12:00:00.000Z', '/DC0/vm/api'),
    ]) d.leases[l.ip] = l;
  });
  return bot;
}

const audits = (bot: TestBot, action: string) => bot.store.data.audit.filter((a) => a.action === action);

describe('/autoscale protect and unprotect', () => {
  it('lets an admin protect and unprotect a VM (audited, idempotent), refuses a non-admin, an unknown and an ambiguous name, and status lists it', async () => {
    tb = await botWithVms();
    const protectedNow = () => tb!.store.data.leases['127.0.10.10']!.protected;

    const refused = await tb.command('protect web-server-1', OTHER);
    expect(refused.json.text).toContain('Only admins may run `/autoscale protect`');
    expect(protectedNow()).toBeUndefined();

    const done = await tb.command('protect web-server-1', ADMIN);
    expect(done.json.response_type).toBe('in_channel');
    expect(done.json.text).toContain('*web-server-1* (web-server) is protected from scale-in by <@U0ADMIN01>');
    expect(protectedNow()).toEqual({ by: ADMIN, at: tb.clock.now().toISOString() });
    expect(audits(tb, 'vm.protect')).toEqual([
      expect.objectContaining({ actor: ADMIN, target: 'web-server/web-server-1', detail: 'web-server-1 (vm-10 at /DC0/vm/web-server-1), 127.0.10.10' }),
    ]);

    // Again: nothing changes and nothing more is audited.
    const again = await tb.command('protect web-server-1', ADMIN);
    expect(again.json.text).toContain('*web-server-1* is already protected (by <@U0ADMIN01>');
    expect(audits(tb, 'vm.protect')).toHaveLength(1);

    expect((await tb.command('status')).json.text).toContain(':shield: *web-server* protected from scale-in: web-server-1');

    expect((await tb.command('protect web-server-9', ADMIN)).json.text).toContain('No VM named `web-server-9` is managed by the bot');
    const ambiguous = await tb.command('protect web-server-2', ADMIN);
    expect(ambiguous.json.text).toContain('`web-server-2` names more than one VM the bot manages');
    expect(ambiguous.json.text).toContain('`/DC0/vm/api/web-server-2` (api, 127.0.31.10)');
    expect(Object.values(tb.store.data.leases).filter((l) => l.protected).map((l) => l.ip)).toEqual(['127.0.10.10']);
    // The inventory path tells them apart.
    expect((await tb.command('protect /DC0/vm/api/web-server-2', ADMIN)).json.text).toContain('*web-server-2* (api) is protected');
    expect(tb.store.data.leases['127.0.31.10']!.protected?.by).toBe(ADMIN);
    expect(tb.store.data.leases['127.0.10.11']!.protected).toBeUndefined();

    expect((await tb.command('unprotect web-server-1', OTHER)).json.text).toContain('Only admins may run `/autoscale unprotect`');
    expect((await tb.command('unprotect web-server-1', ADMIN)).json.text).toContain('*web-server-1* (web-server) is no longer protected (by <@U0ADMIN01>)');
    expect(protectedNow()).toBeUndefined();
    expect((await tb.command('unprotect web-server-1', ADMIN)).json.text).toContain('*web-server-1* is not protected. Nothing was changed.');
    expect(audits(tb, 'vm.unprotect')).toEqual([expect.objectContaining({ actor: ADMIN, target: 'web-server/web-server-1' })]);
    expect((await tb.command('status')).json.text).not.toContain('web-server* protected from scale-in');
  });

  it('says on the scale-in card that nothing can be removed when every VM the bot created is protected, and App Home lists them', async () => {
    tb = await botWithVms();
    await tb.command('protect web-server-1', ADMIN);
    await tb.command('protect /DC0/vm/web-server-2', ADMIN);
    const r = await tb.webhook(alertPayload({ direction: 'in', alertname: 'LowCPU' }));
    await tb.settle();
    const req = findRequest(tb.store, r.json.alerts[0].requestId)!;
    expect(req.state).toBe('blocked');
    expect(req.blocked?.code).toBe('nothing_to_remove');
    const card = blockText(tb.slack.messages.find((m) => m.ts === req.card!.ts)!.blocks);
    expect(card).toContain('*Not now:* every VM the bot created for web-server is protected from scale-in (2), so nothing can be removed.');
    expect(card).toContain('*Protected from scale-in*\n:shield: web-server-1, web-server-2 (2)');

    await tb.event({ type: 'app_home_opened', user: ADMIN, channel: 'D0HOME', tab: 'home' });
    await tb.settle();
    const home = tb.slack.callsOf('views.publish').at(-1)!.args.view;
    expect(blockText(home.blocks)).toContain(':shield: protected: web-server-1, web-server-2');
  });

  it('speaks Korean with BOT_LOCALE=ko', async () => {
    tb = await botWithVms({ BOT_LOCALE: 'ko' });
    expect((await tb.command('protect web-server-1', ADMIN)).json.text).toContain('<@U0ADMIN01>님이 *web-server-1* (web-server)을(를) 스케일인에서 보호했습니다');
    expect((await tb.command('protect web-server-1', ADMIN)).json.text).toContain('이미 보호되어 있습니다');
    expect((await tb.command('status')).json.text).toContain(':shield: *web-server* 스케일인 보호: web-server-1');
    await tb.command('protect /DC0/vm/web-server-2', ADMIN);
    const r = await tb.webhook(alertPayload({ direction: 'in', alertname: 'LowCPU' }));
    await tb.settle();
    const req = findRequest(tb.store, r.json.alerts[0].requestId)!;
    const card = blockText(tb.slack.messages.find((m) => m.ts === req.card!.ts)!.blocks);
    expect(card).toContain('web-server에서 봇이 만든 VM이 모두 스케일인 보호 중이라 (2대) 줄일 VM이 없습니다');
    expect(card).toContain('*스케일인 보호*\n:shield: web-server-1, web-server-2 (2대)');
    expect((await tb.command('unprotect web-server-1', ADMIN)).json.text).toContain('보호를 해제했습니다');
    expect((await tb.command('protect web-server-7', ADMIN)).json.text).toContain('봇이 관리하는 VM 중 `web-server-7`이(가) 없습니다');
  });
});

describe('scale-in with protected VMs (vcsim + fake F5)', () => {
  it('refuses at run start a card whose victim was protected after it was posted, and the next card removes the next-newest VM', { timeout: 30_000 }, async () => {
    const port = await freePort();
    const s = service({
      network: { ipPool: { start: '127.0.32.10', end: '127.0.32.20' }, netmask: '255.255.255.0', gateway: '127.0.32.1', dns: [], conflictCheck: 'none' },
      healthCheck: { type: 'tcp', port, timeout: '20s' },
      f5: { pool: 'web-server-pool', partition: 'Common', port },
      scaling: { min: 0, max: 6, cooldown: '0s', drainTimeout: '5s' },
    });
    const st = (stack = await startStack({ services: [s], executor: { drainPollMs: 50, shutdownTimeoutMs: 3000 }, bot: { env: { ADMIN_USERS: ADMIN } } }));
    const bot = st.tb;
    for (const ip of ['127.0.32.10', '127.0.32.11']) closers.push((await healthTarget(ip, port)).close);
    // Two scale-outs: web-server-1 (older), web-server-2 (newest).
    for (let i = 0; i < 2; i++) {
      const out = await bot.webhook(alertPayload({ fingerprint: `f${i}` }));
      await bot.click('approve_scale', out.json.alerts[0].requestId);
      await bot.settle();
      expect(findRequest(bot.store, out.json.alerts[0].requestId)!.state).toBe('succeeded');
      await bot.webhook(alertPayload({ status: 'resolved', fingerprint: `f${i}` }));
    }
    const cardOf = (id: string) => blockText(bot.slack.messages.find((m) => m.ts === findRequest(bot.store, id)!.card!.ts)!.blocks);

    const first = (await bot.webhook(alertPayload({ direction: 'in', alertname: 'LowCPU' }))).json.alerts[0].requestId as string;
    await bot.settle();
    expect(cardOf(first)).toContain('Remove web-server-2 (127.0.32.11)');

    // Someone protects the newest VM while the card waits; approving it is then refused, and nothing is touched.
    await bot.command('protect web-server-2', ADMIN);
    await bot.click('approve_scale', first);
    await bot.settle();
    const refused = findRequest(bot.store, first)!;
    expect(refused.state).toBe('blocked');
    expect(refused.blocked?.code).toBe('protected');
    expect(refused.attempts).toEqual([]);
    expect(cardOf(first)).toContain('*Not now:* web-server-2 was protected after this card was posted, so it was not removed');
    expect(await st.vcsim.govc.exists('web-server-2')).toBe(true);

    // The alert fires again: a fresh card picks the next-newest VM and says which one is protected.
    const next = await bot.webhook(alertPayload({ direction: 'in', alertname: 'LowCPU' }));
    expect(next.json.alerts[0].outcome).toBe('created');
    const second = next.json.alerts[0].requestId as string;
    await bot.settle();
    expect(cardOf(second)).toContain('Remove web-server-1 (127.0.32.10)');
    expect(cardOf(second)).toContain('*Protected from scale-in*\n:shield: web-server-2 (1)');
    // Connections keep the member draining; protecting the victim meanwhile says the run goes on.
    const member = `127.0.32.10:${port}`;
    st.f5.setCurConns('web-server-pool', 'Common', member, 3);
    await bot.click('approve_scale', second);
    const late = await bot.command('protect web-server-1', ADMIN);
    expect(late.json.text).toContain(`A scale-in removing web-server-1 is already under way (${second}); protection does not stop a run in flight.`);
    st.f5.setCurConns('web-server-pool', 'Common', member, 0);
    await bot.settle();
    expect(findRequest(bot.store, second)!.state).toBe('succeeded');
    expect(await st.vcsim.govc.exists('web-server-1')).toBe(false);
    expect(await st.vcsim.govc.exists('web-server-2')).toBe(true);
    expect(leasesOf(bot.store, 'web-server').map((l) => [l.vmName, Boolean(l.protected)])).toEqual([['web-server-2', true]]);
  });
});
