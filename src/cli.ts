#!/usr/bin/env node
/**
 * Operator commands. Exit codes: 0 ok, 1 failure, 2 bad input or usage (with one line per problem).
 *   services apply -f FILE | services list | services export
 *   requests list | requests show ID | requests approve|reject|retry ID --as NAME --reason TEXT
 */
import { existsSync, readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { registerSecrets } from './logger.js';
import { parseServicesYaml, servicesToYaml } from './servicesFile.js';
import { leasesOf, poolSize } from './store/leases.js';
import { adminReachable, adminSocketPath, callAdmin } from './admin/socket.js';
import { BOT_ONLY, NO_BOT, runAdminCommand, type AdminOutcome } from './admin/commands.js';
import { runRequests } from './cli/requests.js';
import { systemClock } from './clock.js';
import { retentionFromEnv } from './store/archive.js';
import { listServices } from './store/services.js';
import { Store, StoreError } from './store/store.js';

import { cliCommands, type CliIo } from './cli/registry.js';
import './cli/jenkins.js';
import './cli/plg.js';

type Out = CliIo;

const USAGE = `usage: node dist/cli.js <command>
  services apply -f FILE     validate a services file and upsert every service in it
                             (through the running bot when one serves DATA_DIR, else under DATA_DIR/db.lock)
  services list              table of the stored services
  services export            YAML of the stored services (the services-file format)
  requests list              open and recent scale requests (id, service, direction, state, age)
  requests show ID           one request with its journal (also an archived one)
  requests approve|reject|retry ID --as NAME --reason TEXT [--confirm-frozen]
                             decide without Slack, through the running bot (recorded as cli:NAME)
  plg render <service> --out DIR   write prometheus.yml, rules.yml, alertmanager.yml for review
  jenkins render <service>   print the service's Jenkins job config.xml
  run-step <step> --plan FILE      run one executor step (used by Jenkins pipelines)`;

function dataDir(): string {
  return process.env.DATA_DIR || './data';
}

async function openStore(io: Out, readOnly = false): Promise<Store> {
  try {
    return await Store.open(dataDir(), { readOnly, retentionMs: retentionMs() });
  } catch (e) {
    if (e instanceof StoreError) io.err(e.message);
    throw e;
  }
}

/** How long a mutating command waits for DATA_DIR: another CLI command's change, or a starting bot's socket. */
const MUTATE_WAIT_MS = 15_000;

/**
 * One writer of DATA_DIR: while the bot runs, the change goes through its admin socket and the bot
 * applies it to its own data; otherwise this process takes the DATA_DIR lock, reads the current
 * file, applies the change and writes it before letting go.
 */
async function runMutating(io: Out, command: string, input: unknown): Promise<AdminOutcome> {
  const dir = dataDir();
  const actor = `cli:${process.env.USER ?? 'operator'}`;
  const deadline = Date.now() + MUTATE_WAIT_MS;
  for (;;) {
    const call = await callAdmin(dir, command, input, actor);
    if (call.reached) return call.outcome;
    let store: Store;
    try {
      store = await Store.open(dir, {
        role: 'cli',
        retentionMs: retentionMs(),
        lockWaitMs: Math.max(0, deadline - Date.now()),
        // A bot holds the lock: talk to it as soon as its socket is up.
        stopWaiting: async (h) => h.role === 'bot' && (await adminReachable(dir)),
      });
    } catch (e) {
      if (e instanceof StoreError && e.code === 'locked' && e.holder?.role === 'bot' && Date.now() < deadline) continue;
      if (e instanceof StoreError) io.err(e.message);
      if (e instanceof StoreError && e.code === 'locked' && e.holder?.role === 'bot') {
        io.err(`the bot does not answer on ${adminSocketPath(dir)}: see its log, or stop it and run the command again`);
      }
      throw e;
    }
    try {
      // We hold the lock, so no bot runs: a decision would start no run and move no card.
      if (BOT_ONLY.has(command)) return { ok: false, code: 'no_bot', message: NO_BOT };
      return await runAdminCommand(command, input, { store, clock: systemClock, actor });
    } finally {
      await store.close();
    }
  }
}

function retentionMs(): number | undefined {
  const r = retentionFromEnv(process.env);
  return r.ok ? r.ms : undefined;
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
      const yaml = readFileSync(values.file, 'utf8');
      // Validated here for a quick answer, and again by the writer, which applies exactly this text.
      const parsed = parseServicesYaml(yaml);
      if (!parsed.ok) {
        io.err(`services apply: ${values.file} is invalid; nothing was written:`);
        for (const p of parsed.problems) io.err(`  ${p}`);
        return 2;
      }
      const outcome = await runMutating(io, 'services.apply', { yaml, file: values.file });
      if (!outcome.ok) {
        io.err(`services apply: ${outcome.message}`);
        for (const p of outcome.problems ?? []) io.err(`  ${p}`);
        return outcome.code === 'invalid' ? 2 : 1;
      }
      const r = outcome.result as { created: string[]; updated: string[]; unchanged: string[] };
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
  if (group === 'requests') {
    return runRequests(cmd, rest, io, () => openStore(io, true), (command, input) => runMutating(io, command, input), dataDir(), () => systemClock.now());
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
