import { afterEach, describe, expect, it } from 'vitest';
import { findRequest } from '../../src/store/requests.js';
import { blockText, buttons } from '../fakes/slack.js';
import { alertPayload, service, startBot, type TestBot } from '../helpers/bot.js';

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

function card(t: TestBot) {
  const cards = t.slack.topLevel('C0SERVICE1');
  expect(cards).toHaveLength(1);
  return cards[0]!;
}

describe('an alert for a known service', () => {
  it('posts one approval card with what fired, what will happen and the buttons', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'timeout', autoApproveAfter: '10m', approvers: ['U0APPROVE1'] } })] });
    const res = await tb.webhook(alertPayload());
    expect(res.status).toBe(200);
    expect(res.json.alerts[0]).toMatchObject({ service: 'web-server', outcome: 'created' });
    await tb.settle();
    const c = card(tb);
    const text = blockText(c.blocks);
    expect(text).toContain('Scale out web-server?');
    expect(text).toContain('HighCPU');
    expect(text).toContain('CPU above 80% for 5 minutes');
    expect(text).toContain('avg CPU busy 91% over 3 instances');
    expect(text).toContain('<http://prometheus.local:9090/graph?g0.expr=cpu|source>');
    expect(text).toContain('|Alertmanager>');
    expect(text).toContain('web-server-template');
    expect(text).toContain('web-server-1');
    expect(text).toContain('127.0.10.10');
    expect(text).toContain('/Common/web-server-pool');
    expect(text).toContain('<@U0APPROVE1>');
    expect(text).toContain('Auto-approves at 14:32 UTC (in 10 minutes)');
    const b = buttons(c.blocks);
    expect(b.map((x) => [x.action_id, x.style])).toEqual([['approve_scale', 'primary'], ['reject_scale', 'danger']]);
    const id = res.json.alerts[0].requestId;
    for (const x of b) {
      expect(x.value).toBe(id);
      expect(x.confirm?.title?.text).toBeTruthy();
    }
  });
});

describe('alert intake rules', () => {
  it('posts at most one notice per unknown service name per hour and still answers 200', async () => {
    tb = await startBot({ services: [service()] });
    for (let i = 0; i < 3; i++) {
      const r = await tb.webhook(alertPayload({ service: 'mystery-app' }));
      expect(r.status).toBe(200);
      expect(r.json.alerts[0].outcome).toBe('unknown_service');
    }
    await tb.webhook(alertPayload({ service: 'other-app' }));
    await tb.settle();
    const notices = tb.slack.topLevel('C0DEFAULT1');
    expect(notices.map((n) => n.text?.includes('mystery-app'))).toEqual([true, false]);
    expect(notices[1]!.text).toContain('other-app');
    tb.clock.advance(61 * 60_000);
    await tb.webhook(alertPayload({ service: 'mystery-app' }));
    await tb.settle();
    expect(tb.slack.topLevel('C0DEFAULT1')).toHaveLength(3);
    expect(tb.slack.topLevel('C0SERVICE1')).toHaveLength(0);
  });

  it('maps the older autoscaleConfigId label to the service', async () => {
    tb = await startBot({ services: [service()] });
    const p = alertPayload();
    const labels: Record<string, string> = { ...p.alerts[0]!.labels, autoscaleConfigId: 'web-server' };
    delete labels.service;
    p.alerts[0]!.labels = labels as typeof p.alerts[0]['labels'];
    const r = await tb.webhook(p);
    expect(r.json.alerts[0]).toMatchObject({ service: 'web-server', outcome: 'created' });
  });

  it('logs and counts an alert for a disabled service without a card', async () => {
    tb = await startBot({ services: [service({ enabled: false })] });
    const r = await tb.webhook(alertPayload());
    expect(r.status).toBe(200);
    expect(r.json.alerts[0].outcome).toBe('disabled');
    await tb.settle();
    expect(tb.slack.topLevel()).toHaveLength(0);
    const metrics = await (await fetch(`${tb.url}/metrics`)).text();
    expect(metrics).toMatch(/autoscale_alerts_received_total\{outcome="disabled"\} 1/);
  });

  it('folds re-sends and concurrent deliveries into one card that counts them', async () => {
    tb = await startBot({ services: [service()] });
    const results = await Promise.all(Array.from({ length: 30 }, () => tb!.webhook(alertPayload())));
    expect(results.every((r) => r.status === 200)).toBe(true);
    const outcomes = results.map((r) => r.json.alerts[0].outcome);
    expect(outcomes.filter((o) => o === 'created')).toHaveLength(1);
    expect(outcomes.filter((o) => o === 'refired')).toHaveLength(29);
    tb.clock.advance(5 * 60_000);
    await tb.webhook(alertPayload());
    await tb.settle();
    const c = card(tb);
    expect(blockText(c.blocks)).toContain('fired again ×30, last at 14:27 UTC');
    expect(tb.store.data.requests).toHaveLength(1);
  });

  it('keeps scale-out and scale-in apart, and notes an opposite alert on the open card', async () => {
    tb = await startBot({ services: [service()] });
    await tb.webhook(alertPayload());
    const r = await tb.webhook(alertPayload({ direction: 'in', alertname: 'LowCPU' }));
    expect(r.json.alerts[0].outcome).toBe('conflict');
    await tb.settle();
    expect(tb.store.data.requests).toHaveLength(1);
    expect(tb.store.data.requests[0]!.events.find((e) => e.type === 'note')?.fact).toEqual({ code: 'conflicting_alert', direction: 'in', alert: 'LowCPU' });
  });

  it('withdraws the request when the alert resolves before anyone decides', async () => {
    tb = await startBot({ services: [service()] });
    const created = await tb.webhook(alertPayload());
    const r = await tb.webhook(alertPayload({ status: 'resolved' }));
    expect(r.json.alerts[0]).toMatchObject({ outcome: 'withdrawn', requestId: created.json.alerts[0].requestId });
    await tb.settle();
    const c = card(tb);
    expect(blockText(c.blocks)).toContain('withdrawn');
    expect(blockText(c.blocks)).toContain('resolved before anyone decided');
    expect(buttons(c.blocks)).toHaveLength(0);
    // A click on the withdrawn card changes nothing and says why.
    await tb.click('approve_scale', created.json.alerts[0].requestId);
    await tb.settle();
    expect(tb.slack.ephemerals('U0ADMIN01').at(-1)?.text).toContain('already withdrawn');
    expect(findRequest(tb.store, created.json.alerts[0].requestId)!.state).toBe('withdrawn');
  });

  it('shows no buttons at max instances and says why', async () => {
    const inventory = { instances: async () => ({ count: 6, source: 'f5' as const }), nextVmName: async () => 'web-server-7', previewIp: async () => '127.0.10.17', preflight: async () => [] };
    tb = await startBot({ services: [service()], inventory });
    const r = await tb.webhook(alertPayload());
    expect(r.json.alerts[0].outcome).toBe('created');
    await tb.settle();
    const c = card(tb);
    expect(buttons(c.blocks)).toHaveLength(0);
    expect(blockText(c.blocks)).toContain('already runs 6 of at most 6 instances');
    expect(findRequest(tb.store, r.json.alerts[0].requestId)!.state).toBe('blocked');
  });

  it('shows no buttons in cooldown and says when scaling becomes possible; a later alert gets a fresh card', async () => {
    tb = await startBot({ services: [service({ approval: { mode: 'auto' } })] });
    await tb.webhook(alertPayload());
    await tb.settle();
    expect(tb.store.data.requests[0]!.state).toBe('succeeded');
    await tb.webhook(alertPayload({ status: 'resolved' }));
    tb.clock.advance(2 * 60_000);
    const r = await tb.webhook(alertPayload());
    await tb.settle();
    const blocked = findRequest(tb.store, r.json.alerts[0].requestId)!;
    expect(blocked.state).toBe('blocked');
    const c = tb.slack.topLevel('C0SERVICE1').find((m) => m.ts === blocked.card!.ts)!;
    expect(buttons(c.blocks)).toHaveLength(0);
    expect(blockText(c.blocks)).toMatch(/Scaling becomes possible at 14:32 UTC \(in 8 minutes\)/);
    tb.clock.advance(9 * 60_000);
    const again = await tb.webhook(alertPayload());
    expect(again.json.alerts[0].outcome).toBe('created');
    expect(findRequest(tb.store, again.json.alerts[0].requestId)!.blocked).toBeUndefined();
    expect(findRequest(tb.store, blocked.id)!.state).toBe('withdrawn');
  });
});

describe('the webhook route', () => {
  it('refuses a missing or wrong bearer token with 401 and stores nothing', async () => {
    tb = await startBot({ services: [service()] });
    expect((await tb.webhook(alertPayload(), 'wrong-token-wrong-token')).status).toBe(401);
    const res = await fetch(`${tb.url}/alertmanager`, { method: 'POST', body: JSON.stringify(alertPayload()) });
    expect(res.status).toBe(401);
    expect(tb.store.data.requests).toHaveLength(0);
  });

  it('answers 400 naming the problem for malformed JSON or a bad schema, storing nothing', async () => {
    tb = await startBot({ services: [service()] });
    const bad = await tb.webhook('{"version":"4",');
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/malformed JSON/);
    const wrong = await tb.webhook({ ...alertPayload(), version: '3' });
    expect(wrong.status).toBe(400);
    expect(wrong.json.problems.join()).toMatch(/version/);
    const noAlerts = await tb.webhook({ version: '4', status: 'firing' });
    expect(noAlerts.status).toBe(400);
    expect(noAlerts.json.problems.join()).toMatch(/alerts/);
    expect(tb.store.data.requests).toHaveLength(0);
  });

  it('ignores unknown fields that newer Alertmanagers add', async () => {
    tb = await startBot({ services: [service()] });
    const p: any = alertPayload();
    p.newTopLevelThing = { x: 1 };
    p.alerts[0].newAlertField = 'y';
    expect((await tb.webhook(p)).status).toBe(200);
  });

  it('refuses a body over the size limit with 413', async () => {
    tb = await startBot({ services: [service()] });
    const p: any = alertPayload();
    p.alerts[0].annotations.description = 'x'.repeat(2 * 1024 * 1024);
    expect((await tb.webhook(p)).status).toBe(413);
    expect(tb.store.data.requests).toHaveLength(0);
  });

  it('answers 503 when the store cannot write, so Alertmanager retries, and keeps nothing half-done', async () => {
    tb = await startBot({ services: [service()] });
    const { mkdirSync, rmdirSync, rmSync } = await import('node:fs');
    const blocker = `${tb.dataDir}/db.json`;
    rmSync(blocker);
    mkdirSync(blocker); // the atomic write cannot rename its temp file onto db.json
    const r = await tb.webhook(alertPayload());
    expect(r.status).toBe(503);
    expect(tb.store.data.requests).toHaveLength(0);
    expect((await fetch(`${tb.url}/healthz`)).status).toBe(503);
    rmdirSync(blocker);
    const again = await tb.webhook(alertPayload());
    expect(again.status).toBe(200);
    expect(again.json.alerts[0].outcome).toBe('created');
    expect((await fetch(`${tb.url}/healthz`)).status).toBe(200);
  });
});

describe('the CLI and the running bot share the store', () => {
  it('sends `services apply` through the running bot, which applies it at once and loses nothing of its own', async () => {
    const { ensureBuilt } = await import('../helpers/botProcess.js');
    const { execFile } = await import('node:child_process');
    const { promisify } = await import('node:util');
    const { writeFileSync, readFileSync } = await import('node:fs');
    const { stringify } = await import('yaml');
    ensureBuilt();
    tb = await startBot({ services: [service()] });
    const first = await tb.webhook(alertPayload());
    await tb.settle();
    const file = `${tb.dataDir}/services.yml`;
    // Its own pool: `services apply` refuses pools that overlap the stored web-server's.
    writeFileSync(file, stringify({ services: [service({ name: 'api', channel: 'C0SERVICE2', network: { ipPool: { start: '127.0.11.10', end: '127.0.11.50' }, netmask: '255.255.255.0', gateway: '127.0.11.1', dns: [], conflictCheck: 'none' } })] }));
    // Asynchronously: the bot runs in this process and must answer the CLI.
    const { stdout: out } = await promisify(execFile)(process.execPath, [new URL('../../dist/cli.js', import.meta.url).pathname, 'services', 'apply', '-f', file], { env: { PATH: process.env.PATH, DATA_DIR: tb.dataDir, USER: 'ops' }, encoding: 'utf8' });
    expect(out).toContain('created: api');
    // The bot applied it itself: no file watching, no merge, the service is there when the CLI returns.
    expect(tb.store.data.services.api).toBeDefined();
    expect(tb.store.data.audit.at(-1)).toMatchObject({ action: 'service.create', target: 'api', actor: 'cli:ops' });
    expect(findRequest(tb.store, first.json.alerts[0].requestId)).toBeDefined();
    const r = await tb.webhook(alertPayload({ service: 'api' }));
    expect(r.json.alerts[0].outcome).toBe('created');
    await tb.settle();
    const disk = JSON.parse(readFileSync(`${tb.dataDir}/db.json`, 'utf8'));
    expect(Object.keys(disk.services).sort()).toEqual(['api', 'web-server']);
    expect(disk.requests).toHaveLength(2);
  });
});
