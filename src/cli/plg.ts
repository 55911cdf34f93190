/** `plg render <service> --out DIR [--include-secrets]`: the service's monitoring config, for review in git. */
import { parseArgs } from 'node:util';
import { renderToDir } from '../integrations/plg/index.js';
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
  const paths = await renderToDir(service, { botPublicUrl, webhookToken: process.env.ALERT_WEBHOOK_TOKEN ?? '' }, values.out, { includeSecrets: values['include-secrets'] });
  io.out(paths.join('\n'));
  if (!process.env.BOT_PUBLIC_URL) io.err('plg render: BOT_PUBLIC_URL is not set; the receiver points at a placeholder URL');
  return 0;
});
