/** `plg render <service> --out DIR [--include-secrets]`: the service's monitoring config, for review in git. */
import { parseArgs } from 'node:util';
import { renderToDir } from '../integrations/plg/index.js';
import { hasScrapeJob } from '../integrations/plg/render.js';
import { getService } from '../store/services.js';
import { cliCommands } from './registry.js';

cliCommands.set('plg render', async (argv, io, openStore) => {
  const { values, positionals } = parseArgs({
    args: argv, allowPositionals: true, strict: true,
    options: { out: { type: 'string' }, 'include-secrets': { type: 'boolean', default: false } },
  });
  const name = positionals[0];
  if (!name || !values.out || positionals.length > 1) {
    io.err('usage: node dist/cli.js plg render <service> --out DIR [--include-secrets]');
    return 2;
  }
  const service = getService(await openStore(), name);
  if (!service) {
    io.err(`plg render: no service named "${name}" in the store (node dist/cli.js services list)`);
    return 2;
  }
  const botPublicUrl = process.env.BOT_PUBLIC_URL || 'http://vm-autoscale-bot.invalid:3000';
  const settings = { botPublicUrl, webhookToken: process.env.ALERT_WEBHOOK_TOKEN ?? '', sdToken: process.env.PROMETHEUS_SD_TOKEN || undefined };
  const paths = await renderToDir(service, settings, values.out, { includeSecrets: values['include-secrets'] });
  io.out(paths.join('\n'));
  if (!process.env.BOT_PUBLIC_URL) io.err('plg render: BOT_PUBLIC_URL is not set; the receiver and the scrape job\'s http_sd point at a placeholder URL');
  if (values['include-secrets'] && !settings.sdToken && hasScrapeJob(service)) io.err('plg render: PROMETHEUS_SD_TOKEN is not set; the scrape job carries a placeholder token');
  return 0;
});
