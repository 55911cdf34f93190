/**
 * `npm run sandbox`: vcsim (built if missing), a fake BIG-IP and the bot wired to them, so someone
 * with a Slack workspace can watch the whole flow without a vCenter or an F5. Everything listens on
 * 127.0.0.1; the service's IP pool is 127.0.50.10-127.0.50.30 and a health target answers there.
 *
 * Slack: with SLACK_BOT_TOKEN / SLACK_SIGNING_SECRET (or SLACK_APP_TOKEN) and SANDBOX_CHANNEL in the
 * environment or .env, cards go to that channel of your workspace. Without them, a local fake Slack
 * prints each card's text here. Either way, each new card's request gets its break-glass line
 * (`node dist/cli.js requests approve <id> --as <you> --reason sandbox`): approve from this terminal.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { blockText, FakeSlack } from '../test/fakes/slack.js';
import { startFakeF5 } from '../test/fakes/f5.js';
import { healthTarget } from '../test/helpers/stack.js';
import { GOVC_BIN, startVcsim } from '../test/helpers/vcsim.js';
import { service } from '../test/helpers/bot.js';
import { readStore, spawnBot } from '../test/helpers/botProcess.js';
import { freePort } from '../test/helpers/net.js';

const ROOT = new URL('../', import.meta.url).pathname;
if (existsSync(join(ROOT, '.env'))) process.loadEnvFile(join(ROOT, '.env'));

async function main(): Promise<void> {
  if (!existsSync(GOVC_BIN)) execFileSync('bash', [join(ROOT, 'scripts/setup-test-deps.sh')], { stdio: 'inherit' });
  const vcsim = await startVcsim({ methodDelay: { CloneVM_Task: 3000, PowerOnVM_Task: 1000, CustomizeVM_Task: 500 } });
  await vcsim.makeTemplate('web-server-template');
  const f5 = await startFakeF5({ pools: ['web-server-pool'] });
  const port = await freePort();
  const targets = await Promise.all(Array.from({ length: 5 }, (_, i) => healthTarget(`127.0.50.${10 + i}`, port, 'http')));

  const realSlack = Boolean(process.env.SLACK_BOT_TOKEN && process.env.SANDBOX_CHANNEL);
  const fake = realSlack ? undefined : await new FakeSlack().start();
  const dataDir = mkdtempSync(join(tmpdir(), 'autoscale-sandbox-'));
  const svc = service({
    channel: process.env.SANDBOX_CHANNEL ?? 'C0SANDBOX1',
    network: { ipPool: { start: '127.0.50.10', end: '127.0.50.30' }, netmask: '255.255.255.0', gateway: '127.0.50.1', dns: ['127.0.50.2'], conflictCheck: 'none' },
    healthCheck: { type: 'http', port, path: '/', expectStatus: 200, timeout: '1m' },
    f5: { pool: 'web-server-pool', partition: 'Common', port },
    approval: { mode: 'timeout', autoApproveAfter: '5m', approvers: [] },
  });
  const file = join(dataDir, 'services.yml');
  writeFileSync(file, stringify({ services: [svc] }));
  execFileSync(process.execPath, [join(ROOT, 'dist/cli.js'), 'services', 'apply', '-f', file], { env: { ...process.env, DATA_DIR: dataDir }, stdio: 'inherit' });

  const bot = await spawnBot({
    DATA_DIR: dataDir, GOVC_BIN, ...vcsim.processEnv,
    F5_SERVERS: f5.url, F5_USERNAME: 'admin', F5_PASSWORD: 'f5-test-password',
    ...(fake ? { SLACK_API_URL: fake.url } : {
      SLACK_BOT_TOKEN: process.env.SLACK_BOT_TOKEN!, SLACK_SIGNING_SECRET: process.env.SLACK_SIGNING_SECRET ?? '', SLACK_APP_TOKEN: process.env.SLACK_APP_TOKEN ?? '',
    }),
    ALERT_WEBHOOK_TOKEN: process.env.ALERT_WEBHOOK_TOKEN ?? 'sandbox-webhook-token-0123',
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'info',
  });
  const token = process.env.ALERT_WEBHOOK_TOKEN ?? 'sandbox-webhook-token-0123';
  const alert = JSON.stringify({
    version: '4', status: 'firing', receiver: 'vm-autoscale-bot',
    alerts: [{ status: 'firing', labels: { alertname: 'HighCPU', service: 'web-server', autoscale: 'out', severity: 'warning' }, annotations: { summary: 'CPU above 80% for 5 minutes' }, startsAt: new Date().toISOString(), generatorURL: 'http://127.0.0.1:9090/graph' }],
  });
  console.log(`
vm-autoscale-bot sandbox is running (data in ${dataDir})
  bot        ${bot.url}   (Slack: ${fake ? `local fake at ${fake.url}; cards are printed below` : `your workspace, channel ${svc.channel}`})
  vcenter    ${vcsim.url} (vcsim, template web-server-template)
  F5         ${f5.url}    (fake BIG-IP, pool /Common/web-server-pool)
  service    web-server: IPs 127.0.50.10-30, health http://<ip>:${port}/

Fire a test alert:
  curl -sS -X POST ${bot.url}/alertmanager -H 'Authorization: Bearer ${token}' -H 'Content-Type: application/json' -d '${alert}'
Approve it${fake ? ' (no Slack to click here)' : ' on the card, or'} from this terminal with the \`requests approve\` line printed for each new card
(the card auto-approves after 5 minutes otherwise). \`DATA_DIR=${dataDir} node dist/cli.js requests list\` shows them all.
Ctrl-C stops everything.`);
  // The break-glass path, for a newcomer to follow end to end: every new pending request gets its approve line.
  const announced = new Set<string>();
  setInterval(() => {
    let requests: ReturnType<typeof readStore>['requests'];
    try {
      requests = readStore(dataDir).requests;
    } catch {
      return; // not written yet
    }
    for (const r of requests) {
      if (announced.has(r.id) || r.state !== 'pending') continue;
      announced.add(r.id);
      console.log(`\nNew card ${r.id} (${r.service}, scale-${r.direction}). Approve it without Slack:\n  DATA_DIR=${dataDir} node dist/cli.js requests approve ${r.id} --as ${process.env.USER ?? 'you'} --reason sandbox`);
    }
  }, 1000).unref();
  if (fake) {
    let seen = 0;
    setInterval(() => {
      for (const m of fake.messages.slice(seen)) console.log(`\n--- ${m.thread_ts ? 'thread' : 'card'} ${m.ts} ---\n${m.blocks ? blockText(m.blocks) : m.text}`);
      seen = fake.messages.length;
    }, 1000).unref();
  }
  const stop = async () => {
    bot.child.kill('SIGTERM');
    await bot.exited;
    await Promise.all(targets.map((t) => t.close()));
    await f5.stop();
    await vcsim.stop();
    await fake?.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
  await bot.exited;
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
