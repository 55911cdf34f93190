/**
 * End to end with real software: a real Prometheus scrapes an endpoint this test controls (node-
 * exporter-style counters that look hot), with the scrape job, rule and route the bot's own PLG
 * generator produced; a real Alertmanager delivers to the bot; the card appears on the fake Slack;
 * a signed Approve; govc on vcsim; the fake F5. Then the endpoint cools down, the alert resolves,
 * and the thread says so. No hand-written alert JSON here.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mergeAlertmanager, mergePrometheus, mergeRules } from '../../src/integrations/plg/merge.js';
import { findRequest } from '../../src/store/requests.js';
import { blockText, buttons } from '../fakes/slack.js';
import { service, WEBHOOK_TOKEN } from '../helpers/bot.js';
import { startAlertmanager } from '../helpers/alertmanager.js';
import { freePort, waitFor } from '../helpers/net.js';
import { fakeNodeExporter } from '../helpers/nodeExporter.js';
import { startPrometheus, type RunningServer } from '../helpers/prometheus.js';
import { healthTarget, startStack, type Stack } from '../helpers/stack.js';

const SD_TOKEN = 'test-sd-token-0123456789abcdef';
const cleanup: Array<() => Promise<unknown> | unknown> = [];
afterAll(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});

describe('end to end: Prometheus → Alertmanager → bot → Slack → vcsim + F5', () => {
  it('scales out on a real alert and reports when it clears', { timeout: 300_000 }, async () => {
    const exporterPort = await freePort();
    const exporter = fakeNodeExporter();
    await exporter.listen(exporterPort);
    cleanup.push(() => new Promise((r) => exporter.server.close(r)));
    const appPort = await freePort();
    const svc = service({
      network: { ipPool: { start: '127.0.28.10', end: '127.0.28.20' }, netmask: '255.255.255.0', gateway: '127.0.28.1', dns: [], conflictCheck: 'none' },
      healthCheck: { type: 'tcp', port: appPort, timeout: '20s' },
      f5: { pool: 'web-server-pool', partition: 'Common', port: appPort },
      monitoring: {
        targets: [`127.0.0.1:${exporterPort}`], cpuThreshold: 80, memoryThreshold: 85, for: '2s', scaleInFor: '1h',
        scrapeInterval: '1s', evaluationInterval: '1s', groupWait: '1s', groupInterval: '1s', repeatInterval: '1h',
      },
    });
    const stack: Stack = await startStack({ services: [svc], bot: { env: { PROMETHEUS_SD_TOKEN: SD_TOKEN } } });
    cleanup.push(() => stack.stop());
    cleanup.push((await healthTarget('127.0.28.10', appPort)).close);

    // The monitoring config: minimal base files merged with what the bot generates for the service.
    const dir = mkdtempSync(join(tmpdir(), 'e2e-plg-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    // The scrape job asks the bot for its targets (GET /sd/prometheus): the configured exporter, then web-server-1.
    const settings = { botPublicUrl: stack.tb.url, webhookToken: WEBHOOK_TOKEN, sdToken: SD_TOKEN };
    const amFile = join(dir, 'alertmanager.yml');
    writeFileSync(amFile, mergeAlertmanager('route:\n  receiver: blackhole\nreceivers:\n  - name: blackhole\n', svc, settings));
    const alertmanager: RunningServer = await startAlertmanager(amFile);
    cleanup.push(() => alertmanager.stop());
    const rulesFile = join(dir, 'rules.yml');
    writeFileSync(rulesFile, mergeRules('groups: []\n', svc));
    const promFile = join(dir, 'prometheus.yml');
    const base = [
      'global:', '  scrape_interval: 1s', '  evaluation_interval: 1s',
      'alerting:', '  alertmanagers:', '    - static_configs:', `        - targets: ['127.0.0.1:${alertmanager.port}']`,
      'rule_files:', `  - ${rulesFile}`, 'scrape_configs: []', '',
    ].join('\n');
    writeFileSync(promFile, mergePrometheus(base, svc, { ...settings, rulesFileRef: rulesFile }));
    const prometheus: RunningServer = await startPrometheus(promFile);
    cleanup.push(() => prometheus.stop());

    // Hot: the card appears in the service's channel, from the real alert.
    const card = await waitFor(() => stack.tb.slack.topLevel('C0SERVICE1')[0], 90_000, 'the approval card');
    const text = blockText(card.blocks);
    expect(text).toContain('Scale out web-server?');
    expect(text).toContain('AutoscaleScaleOut');
    expect(text).toContain('web-server-1');
    const approve = buttons(card.blocks).find((b) => b.action_id === 'approve_scale')!;
    const id = approve.value;
    expect(findRequest(stack.tb.store, id)!.alert?.generatorURL).toContain(`:${prometheus.port}/graph`);

    await stack.tb.click('approve_scale', id, 'U0APPROVE1');
    await stack.tb.settle();
    const r = findRequest(stack.tb.store, id)!;
    expect(r.state).toBe('succeeded');
    expect((await stack.vcsim.govc.vmInfo('web-server-1'))?.ipAddress).toBe('127.0.28.10');
    expect(stack.f5.state.pools.get('/Common/web-server-pool')!.members.has(`127.0.28.10:${appPort}`)).toBe(true);

    // Cool down: Prometheus resolves the alert, Alertmanager sends the resolve, the thread says so.
    exporter.setHot(false);
    const cooled = Date.now();
    await waitFor(() => stack.tb.slack.thread(card.ts).some((m) => m.text?.includes('alert cleared')), 120_000, 'the "alert cleared" reply');
    console.log(`alert cleared ${Math.round((Date.now() - cooled) / 1000)} s after the endpoint cooled down`);
    const cleared = stack.tb.slack.thread(card.ts).find((m) => m.text?.includes('alert cleared'))!;
    expect(cleared.text).toMatch(/alert cleared \d+ min after web-server-1 joined/);
    expect(stack.tb.slack.topLevel('C0SERVICE1')).toHaveLength(1);
  });
});
