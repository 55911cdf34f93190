/** The service form's monitoring jobs: the job the bot creates, or the operator's own (existingJob), never both. */
import { afterEach, describe, expect, it } from 'vitest';
import { startBot, type TestBot } from '../helpers/bot.js';
import { openedView, submitted, type Fill } from '../helpers/slackViews.js';

let tb: TestBot | undefined;
afterEach(async () => {
  await tb?.stop();
  tb = undefined;
});

const block = (view: any, id: string): any => view.blocks.find((b: any) => b.type === 'input' && b.block_id === id);

const NEW_SERVICE: Record<string, Fill> = {
  name: 'api-gateway', template: 'api-template', vmNamePrefix: 'api',
  'network.ipPool.start': '127.0.40.10', 'network.ipPool.end': '127.0.40.20', 'network.netmask': '255.255.255.0', 'network.gateway': '127.0.40.1',
  'f5.pool': 'api-pool', 'f5.port': '8080', 'healthCheck.port': '8080', 'scaling.min': '1', 'scaling.max': '5',
};

describe('the service form\'s monitoring fields', () => {
  it('offers existingJob, the exporter port and the SD refresh, and says what prometheusJob means now', async () => {
    tb = await startBot();
    await tb.command('service create');
    const view = openedView(tb);
    expect(block(view, 'monitoring.prometheusJob').hint.text).toBe('The job the bot creates and its rules read (default autoscale-<name>).');
    expect(block(view, 'monitoring.existingJob').label.text).toBe('Existing job (instead: yours already scrapes it)');
    expect(block(view, 'monitoring.exporterPort').element.placeholder.text).toBe('default: 9100');
    expect(block(view, 'monitoring.sdRefreshInterval').element.placeholder.text).toBe('default: 30s');
  });

  it('refuses existingJob with targets inline, on the targets, and stores nothing', async () => {
    tb = await startBot();
    await tb.command('service create');
    const res = await tb.submitView(submitted(openedView(tb), { ...NEW_SERVICE, 'monitoring.existingJob': 'node', 'monitoring.targets': '127.0.0.5:9100' }));
    expect(res.json.response_action).toBe('errors');
    expect(res.json.errors['monitoring.targets']).toMatch(/^targets are scraped by a job the bot generates, and existingJob node says none is generated/);
    expect(tb.store.data.services['api-gateway']).toBeUndefined();
  });

  it('saves existingJob and the exporter port typed', async () => {
    tb = await startBot();
    await tb.command('service create');
    const res = await tb.submitView(submitted(openedView(tb), { ...NEW_SERVICE, 'monitoring.existingJob': 'node', 'monitoring.exporterPort': '9101' }));
    expect(res.json.response_action).toBe('update');
    expect(tb.store.data.services['api-gateway']!.config.monitoring).toMatchObject({ existingJob: 'node', exporterPort: 9101, sdRefreshInterval: '30s', targets: [] });
  });
});

describe('the service form\'s warm pool fields', () => {
  it('saves a warm pool, keeps it through an edit, and refuses a bad size inline', async () => {
    tb = await startBot();
    await tb.command('service create');
    const bad = await tb.submitView(submitted(openedView(tb), { ...NEW_SERVICE, 'warmPool.size': '11', 'warmPool.state': 'stopped' }));
    expect(bad.json).toEqual({ response_action: 'errors', errors: { 'warmPool.size': 'from 1 to 10 warm VMs per service (leave warmPool out for none)' } });
    expect(tb.store.data.services['api-gateway']).toBeUndefined();
    const res = await tb.submitView(submitted(openedView(tb), { ...NEW_SERVICE, 'warmPool.size': '2', 'warmPool.state': 'stopped' }));
    expect(res.json.response_action).toBe('update');
    expect(tb.store.data.services['api-gateway']!.config.warmPool).toEqual({ size: 2, state: 'stopped' });
    // An edit that changes something else keeps the pool as it was.
    await tb.command('service edit api-gateway');
    const edit = openedView(tb);
    expect(block(edit, 'warmPool.size').element.initial_value).toBe('2');
    await tb.submitView(submitted(edit, { 'scaling.max': '6' }));
    expect(tb.store.data.services['api-gateway']!.config).toMatchObject({ warmPool: { size: 2, state: 'stopped' }, scaling: { max: 6 } });
  });
});

describe('the warm pool fields in Korean', () => {
  it('words the size rule in Korean for a Korean workspace', async () => {
    tb = await startBot({ env: { BOT_LOCALE: 'ko' } });
    await tb.command('service create');
    const bad = await tb.submitView(submitted(openedView(tb), { ...NEW_SERVICE, 'warmPool.size': '0' }));
    expect(bad.json).toEqual({ response_action: 'errors', errors: { 'warmPool.size': '서비스마다 웜 VM은 1~10대입니다 (쓰지 않으려면 warmPool을 빼세요)' } });
    expect(tb.store.data.services['api-gateway']).toBeUndefined();
  });
});
