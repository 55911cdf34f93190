#!/usr/bin/env node
/**
 * Operator commands. Exit codes: 0 ok, 1 failure, 2 bad input or usage (with one line per problem).
 *   services apply -f FILE | services list | services export
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { registerSecrets } from './logger.js';
import { formatServiceProblems, parseServicesYaml, servicesToYaml } from './servicesFile.js';
import { leasesOf, poolSize } from './store/leases.js';
import { applyServices, listServices } from './store/services.js';
import { Store, StoreError } from './store/store.js';

import { cliCommands, type CliIo } from './cli/registry.js';
import './cli/jenkins.js';
import './cli/plg.js';

type Out = CliIo;

const USAGE = `usage: node dist/cli.js <command>
  services apply -f FILE     validate a services file and upsert every service in it
  services list              table of the stored services
  services export            YAML of the stored services (the services-file format)
  plg render <service> --out DIR   write prometheus.yml, rules.yml, alertmanager.yml for review
  jenkins render <service>   print the service's Jenkins job config.xml
  run-step <step> --plan FILE      run one executor step (used by Jenkins pipelines)`;

function dataDir(): string {
  return process.env.DATA_DIR || './data';
}

async function openStore(io: Out, readOnly = false): Promise<Store> {
  try {
    return await Store.open(dataDir(), { readOnly });
  } catch (e) {
    if (e instanceof StoreError) io.err(e.message);
    throw e;
  }
}

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

export async function runCli(argv: string[], io: Out): Promise<number> {
  const [group, cmd, ...rest] = argv;
  if (group === 'services') {
    if (cmd === 'apply') {
      const { values } = parseArgs({ args: rest, options: { file: { type: 'string', short: 'f' } }, strict: true });
      if (!values.file) {
        io.err('services apply: -f FILE is required');
        return 2;
      }
      if (!existsSync(values.file)) {
        io.err(`services apply: ${values.file}: no such file`);
        return 2;
      }
      const parsed = parseServicesYaml(readFileSync(values.file, 'utf8'));
      if (!parsed.ok) {
        io.err(`services apply: ${values.file} is invalid; nothing was written:`);
        for (const p of parsed.problems) io.err(`  ${p}`);
        return 2;
      }
      const store = await openStore(io);
      const r = await applyServices(store, parsed.services, `cli:${process.env.USER ?? 'operator'}`, new Date().toISOString());
      if (!r.ok) {
        io.err(`services apply: ${values.file} conflicts with itself or the stored services; nothing was written:`);
        for (const p of formatServiceProblems(r.problems)) io.err(`  ${p}`);
        return 2;
      }
      io.out(`created: ${r.created.join(', ') || '-'}\nupdated: ${r.updated.join(', ') || '-'}\nunchanged: ${r.unchanged.join(', ') || '-'}`);
      return 0;
    }
    if (cmd === 'list') {
      const store = await openStore(io, true);
      const rows = [['NAME', 'ENABLED', 'MIN', 'MAX', 'APPROVAL', 'EXECUTOR', 'IPS LEASED', 'CHANNEL', 'TEMPLATE']];
      for (const s of listServices(store)) {
        rows.push([s.name, String(s.enabled), String(s.scaling.min), String(s.scaling.max), s.approval.mode, s.executor ?? 'default',
          `${leasesOf(store, s.name).length}/${poolSize(s.network.ipPool)}`, s.channel, s.template]);
      }
      io.out(pad(rows));
      return 0;
    }
    if (cmd === 'export') {
      const store = await openStore(io, true);
      io.out(servicesToYaml(listServices(store)).trimEnd());
      return 0;
    }
  }
  // Other groups register themselves in src/cli/*: `plg render`, `jenkins render`, `run-step`.
  const two = cliCommands.get(`${group} ${cmd}`);
  // These only read the store (run-step does not use it at all).
  if (two) return two(rest, io, () => openStore(io, true));
  const one = group ? cliCommands.get(group) : undefined;
  if (one) return one(argv.slice(1), io, () => openStore(io, true));
  io.err(USAGE);
  return 2;
}

const isMain = process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href;
if (isMain) {
  registerSecrets([process.env.GOVC_PASSWORD, process.env.F5_PASSWORD, process.env.JENKINS_TOKEN]);
  runCli(process.argv.slice(2), { out: (s) => process.stdout.write(`${s}\n`), err: (s) => process.stderr.write(`${s}\n`) })
    .then((code) => process.exit(code))
    .catch((e: unknown) => {
      if (!(e instanceof StoreError)) process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    });
}
