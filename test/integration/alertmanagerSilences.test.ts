/** Silences against Debian's real Alertmanager: created, listed, suppressing an alert, expired. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertmanagerClient, AlertmanagerError } from '../../src/integrations/alertmanagerApi.js';
import { startAlertmanager } from '../helpers/alertmanager.js';
import { freePort, waitFor } from '../helpers/net.js';
import type { RunningServer } from '../helpers/prometheus.js';

let am: RunningServer;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'am-silences-'));
  const file = join(dir, 'alertmanager.yml');
  writeFileSync(file, 'route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n');
  am = await startAlertmanager(file);
}, 60_000);
afterAll(async () => {
  await am?.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function postAlert(labels: Record<string, string>): Promise<void> {
  const res = await fetch(`${am.url}/api/v2/alerts`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify([{ labels, startsAt: new Date().toISOString(), endsAt: new Date(Date.now() + 3_600_000).toISOString() }]),
  });
  expect(res.status).toBe(200);
}

async function alertState(alertname: string): Promise<{ state: string; silencedBy: string[] } | undefined> {
  const res = await fetch(`${am.url}/api/v2/alerts?filter=${encodeURIComponent(`alertname="${alertname}"`)}`);
  const list = (await res.json()) as Array<{ status: { state: string; silencedBy: string[] } }>;
  return list[0]?.status;
}

describe('Alertmanager silences (API v2, real server)', () => {
  it('creates a silence that is listed, suppresses a matching alert, and expires it again', async () => {
    const client = new AlertmanagerClient(am.url);
    const now = new Date();
    const id = await client.createSilence({
      matchers: [{ name: 'service', value: 'web', isRegex: false }, { name: 'autoscale', value: 'out', isRegex: false }],
      startsAt: now, endsAt: new Date(now.getTime() + 3_600_000), createdBy: 'slack:U0APPROVE1', comment: 'from the card https://x.slack.com/archives/C1/p1',
    });
    const listed = await client.listSilences(['service="web"']);
    expect(listed.map((s) => [s.id, s.status.state, s.createdBy])).toEqual([[id, 'active', 'slack:U0APPROVE1']]);
    expect(await client.listSilences(['service="other"'])).toEqual([]);

    await postAlert({ alertname: 'AutoscaleScaleOut', service: 'web', autoscale: 'out' });
    await postAlert({ alertname: 'AutoscaleScaleIn', service: 'web', autoscale: 'in' });
    const out = await waitFor(async () => {
      const s = await alertState('AutoscaleScaleOut');
      return s?.state === 'suppressed' ? s : undefined;
    }, 10_000, 'the alert to be suppressed');
    expect(out.silencedBy).toEqual([id]);
    expect((await alertState('AutoscaleScaleIn'))?.state).toBe('active');

    await client.expireSilence(id);
    expect((await client.listSilences(['service="web"'])).find((s) => s.id === id)?.status.state).toBe('expired');
    await waitFor(async () => (await alertState('AutoscaleScaleOut'))?.state === 'active', 10_000, 'the alert to be active again');
  });

  it('gives coded errors: an unknown silence, a bad matcher, nobody listening', async () => {
    const client = new AlertmanagerClient(am.url);
    await expect(client.expireSilence('00000000-0000-0000-0000-000000000000')).rejects.toMatchObject({ code: 'not_found' });
    const bad = await client.createSilence({ matchers: [], startsAt: new Date(), endsAt: new Date(Date.now() + 60_000), createdBy: 'x', comment: 'x' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(AlertmanagerError);
    expect(bad).toMatchObject({ code: 'rejected', status: 422 }); // the API's schema validation refuses an empty matcher list
    await expect(new AlertmanagerClient(`http://127.0.0.1:${await freePort()}`).listSilences()).rejects.toMatchObject({ code: 'unreachable' });
  });
});
