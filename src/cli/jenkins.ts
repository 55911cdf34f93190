/**
 * Operator and pipeline commands for Jenkins:
 *   jenkins render <service> [--reveal-token]   the job's config.xml, as `/autoscale jenkins push` would write it
 *                                              (the webhook token masked unless asked for)
 *   run-step <step> --plan FILE                 one stage of the generated pipeline
 *
 * `run-step` runs the very functions the local executor runs (src/workflows/vmSteps.ts), with govc
 * and F5 built from the agent's environment (GOVC_*, F5_*). It validates the step, the plan and the
 * environment before touching anything. Its steps:
 *   plan      deletes whatever plan and record the workspace holds, then checks the build parameter
 *             PLAN (zod) and writes it to FILE; an empty or invalid PLAN fails the build here
 *   clone … f5-add   one VM step of the plan that this build's plan stage wrote
 *   rollback  undoes what this build's own steps recorded (see buildRecord.ts), nothing else
 *   cleanup   deletes the plan and this build's record (`post { cleanup }`)
 * It prints one JSON line on stdout (runStepProtocol.ts: facts and codes, never English to be read
 * back), which the bot's executor parses; exit 0
 * ok, 1 failed, 2 bad input (then also one line per problem on stderr, and nothing was run).
 */
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { envSchema, formatIssues } from '../config.js';
import { appendRecord, buildTag, planEntry, readRecord, recordFile, sha256, touchedByBuild, type BuildRecordEntry } from '../integrations/jenkins/buildRecord.js';
import { maskedToken, PENDING_WEBHOOK_TOKEN, renderJobConfig, webhookTokenFor } from '../integrations/jenkins/jobConfig.js';
import { formatRunStepLine, type RunStepLine } from '../integrations/jenkins/runStepProtocol.js';
import { buildF5, buildGovc } from '../integrations/wiring.js';
import { createLogger, redact, registerSecrets } from '../logger.js';
import { getService } from '../store/services.js';
import type { ErrorFact, StepFact } from '../store/types.js';
import { StepError } from '../workflows/ports.js';
import { rollbackVm, stepPlanSchema, VM_STEPS, vmSteps, type StepPlan, type VmStep } from '../workflows/vmSteps.js';
import { cliCommands, type CliCommand, type CliIo } from './registry.js';

export const RUN_STEPS = ['plan', ...VM_STEPS, 'rollback', 'cleanup'] as const;
export type RunStep = (typeof RUN_STEPS)[number];

const runStepEnvSchema = envSchema.pick({
  GOVC_URL: true, GOVC_USERNAME: true, GOVC_PASSWORD: true, GOVC_INSECURE: true, GOVC_DATACENTER: true, GOVC_BIN: true,
  F5_SERVERS: true, F5_USERNAME: true, F5_PASSWORD: true, F5_VERIFY_TLS: true, F5_CA_FILE: true, LOG_LEVEL: true,
});
type RunStepEnv = z.infer<typeof runStepEnvSchema>;

/** One line per message; registered secrets masked. */
const oneLine = (s: string) => redact(s).replace(/\s*\n\s*/g, ' ');

/** Secrets masked in every string parameter of a fact (other systems' text may carry one). */
function masked<F extends object>(f: F): F {
  return Object.fromEntries(Object.entries(f).map(([k, v]) => [k, typeof v === 'string' ? oneLine(v) : v])) as F;
}

type Outcome =
  | { ok: true; fact?: StepFact; plan?: RunStepLine['plan'] }
  | { ok: false; code: string; message: string; error?: ErrorFact };

function emit(io: CliIo, step: string, outcome: Outcome): number {
  io.out(formatRunStepLine(outcome.ok
    ? { step, ok: true, ...(outcome.fact ? { fact: masked(outcome.fact) } : {}), ...(outcome.plan ? { plan: outcome.plan } : {}) }
    : { step, ok: false, code: outcome.code, message: oneLine(outcome.message), ...(outcome.error ? { error: masked(outcome.error) } : {}) }));
  return outcome.ok ? 0 : 1;
}

/** run-step refused before it ran anything: the problem as run-step words it (for the operator; the card shows it as such). */
const refused = (step: string, problem: string): ErrorFact => ({ code: 'run_step_refused', step, problem: oneLine(problem) });

function badInput(io: CliIo, step: string, problems: string[]): number {
  const message = oneLine(`bad input; nothing was run: ${problems.join('; ')}`);
  io.out(formatRunStepLine({ step, ok: false, code: 'bad_input', message, error: refused(step, problems.join('; ')) }));
  io.err('run-step: bad input; nothing was run:');
  for (const p of problems) io.err(`  ${p}`);
  return 2;
}

type Args = { ok: true; step: RunStep; planFile: string } | { ok: false; step: string; problems: string[] };

function parseRunStepArgs(argv: string[]): Args {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { plan: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (e) {
    return { ok: false, step: argv[0] ?? '', problems: [(e as Error).message] };
  }
  const [step, ...extra] = parsed.positionals;
  const problems: string[] = [];
  if (!step || !(RUN_STEPS as readonly string[]).includes(step)) problems.push(`step: expected one of ${RUN_STEPS.join(', ')}${step ? `, not "${step}"` : ''}`);
  if (extra.length) problems.push(`unexpected arguments: ${extra.join(' ')}`);
  const planFile = parsed.values.plan;
  if (!planFile) problems.push('--plan FILE is required');
  if (problems.length || !planFile) return { ok: false, step: step ?? '', problems };
  return { ok: true, step: step as RunStep, planFile };
}

/** The plan in `planFile`, validated, with its text (the record pins it by sha256). */
function readPlan(planFile: string, problems: string[]): { plan: StepPlan; text: string } | undefined {
  if (!existsSync(planFile)) {
    problems.push(`--plan ${planFile}: no such file`);
    return undefined;
  }
  const text = readFileSync(planFile, 'utf8');
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    problems.push(`--plan ${planFile}: not JSON (${(e as Error).message})`);
    return undefined;
  }
  const r = stepPlanSchema.safeParse(json);
  if (!r.success) {
    problems.push(...formatIssues(r.error, `--plan ${planFile}: `));
    return undefined;
  }
  return { plan: r.data, text };
}

function checkEnv(env: NodeJS.ProcessEnv, problems: string[]): RunStepEnv | undefined {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const e = runStepEnvSchema.safeParse(cleaned);
  if (!e.success) problems.push(...formatIssues(e.error));
  if (!cleaned.GOVC_URL) problems.push('GOVC_URL: required (vCenter, as govc reads it)');
  if (cleaned.F5_SERVERS && (!cleaned.F5_USERNAME || !cleaned.F5_PASSWORD)) problems.push('F5_USERNAME: F5_USERNAME and F5_PASSWORD are required when F5_SERVERS is set');
  return e.success ? e.data : undefined;
}

/** The plan this build's plan stage wrote (same content), and the record; problems otherwise. */
function planOfThisBuild(planFile: string, env: NodeJS.ProcessEnv, problems: string[]): { plan: StepPlan; entries: BuildRecordEntry[] } | undefined {
  const read = readPlan(planFile, problems);
  if (!read) return undefined;
  const entries = readRecord(recordFile(planFile, env));
  if (!planEntry(entries, buildTag(env), read.text)) {
    problems.push(`--plan ${planFile}: not the plan this build's plan stage wrote (a stale plan of another build is never used)`);
    return undefined;
  }
  return { plan: read.plan, entries };
}

/** The build parameters the bot sets next to PLAN must agree with it (when set). */
function parameterMismatches(plan: StepPlan, env: NodeJS.ProcessEnv): string[] {
  const expected: Array<[string, string]> = [['SERVICE', plan.service.name], ['REQUEST_ID', plan.requestId], ['VM_NAME', plan.vmName], ['VM_IP', plan.ip]];
  return expected.filter(([k, v]) => env[k] && env[k] !== v).map(([k, v]) => `${k}=${env[k]} but the plan says ${v}`);
}

/** `run-step plan`: no stale plan survives it; only a valid PLAN is written. */
function writePlan(planFile: string, env: NodeJS.ProcessEnv, io: CliIo): number {
  const record = recordFile(planFile, env);
  rmSync(planFile, { force: true });
  rmSync(record, { force: true });
  const text = env.PLAN ?? '';
  if (!text.trim()) {
    const message = 'the build parameter PLAN is empty: only the bot starts this job (with a plan); nothing was run';
    return emit(io, 'plan', { ok: false, code: 'no_plan', message, error: refused('plan', 'PLAN is empty') });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    const problem = `PLAN is not JSON (${(e as Error).message})`;
    return emit(io, 'plan', { ok: false, code: 'bad_plan', message: `${problem}; nothing was run`, error: refused('plan', problem) });
  }
  const r = stepPlanSchema.safeParse(json);
  if (!r.success) {
    const problem = `PLAN is not a valid plan: ${formatIssues(r.error).join('; ')}`;
    return emit(io, 'plan', { ok: false, code: 'bad_plan', message: `${problem}; nothing was run`, error: refused('plan', problem) });
  }
  const mismatches = parameterMismatches(r.data, env);
  if (mismatches.length) {
    const problem = `the build parameters disagree with PLAN: ${mismatches.join('; ')}`;
    return emit(io, 'plan', { ok: false, code: 'bad_plan', message: `${problem}; nothing was run`, error: refused('plan', problem) });
  }
  writeFileSync(planFile, text, { mode: 0o600, flag: 'wx' });
  const { requestId, vmName, ip } = r.data;
  appendRecord(record, { build: buildTag(env), requestId, vmName, ip, step: 'plan', state: 'written', planSha256: sha256(text) });
  return emit(io, 'plan', { ok: true, plan: { requestId, vmName, ip } });
}

/** `run-step rollback`: undoes what this build's record lists, for the plan its plan stage wrote. */
async function rollback(planFile: string, env: NodeJS.ProcessEnv, io: CliIo): Promise<number> {
  const build = buildTag(env);
  const entries = readRecord(recordFile(planFile, env));
  // No plan written by this build (its plan stage failed, or never ran): it did nothing to undo.
  if (!planEntry(entries, build)) return nothingToUndo(io);
  const problems: string[] = [];
  const mine = planOfThisBuild(planFile, env, problems);
  const checkedEnv = checkEnv(env, problems);
  if (problems.length || !mine || !checkedEnv) return badInput(io, 'rollback', problems);
  const what = touchedByBuild(mine.entries, build, mine.plan);
  if (!what.vmOwned && !what.memberTouched) return nothingToUndo(io);
  const logger = createLogger(checkedEnv.LOG_LEVEL === 'info' ? 'warn' : checkedEnv.LOG_LEVEL, process.stderr);
  const lb = buildF5(checkedEnv, logger);
  try {
    const undone = await rollbackVm(mine.plan, { vcenter: buildGovc(checkedEnv)!, lb }, what);
    const ok = undone.every((u) => u.ok);
    io.out(formatRunStepLine({
      step: 'rollback', ok, ...(ok ? {} : { code: 'rollback_failed', message: 'some of this build\'s changes could not be undone; fix by hand' }),
      undone: undone.map((u) => ({ ...u, fact: masked(u.fact) })),
    }));
    return ok ? 0 : 1;
  } finally {
    await lb?.close();
  }
}

/** A rollback with nothing of this build's to undo: an empty list. */
function nothingToUndo(io: CliIo): number {
  io.out(formatRunStepLine({ step: 'rollback', ok: true, undone: [] }));
  return 0;
}

/** `run-step cleanup`: the plan and this build's record go; the next build starts from nothing. */
function cleanup(planFile: string, env: NodeJS.ProcessEnv, io: CliIo): number {
  rmSync(planFile, { force: true });
  rmSync(recordFile(planFile, env), { force: true });
  return emit(io, 'cleanup', { ok: true });
}

export async function runStep(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const args = parseRunStepArgs(argv);
  if (!args.ok) return badInput(io, args.step, args.problems);
  const { step, planFile } = args;
  if (step === 'plan') return writePlan(planFile, env, io);
  if (step === 'cleanup') return cleanup(planFile, env, io);
  if (step === 'rollback') return rollback(planFile, env, io);

  const problems: string[] = [];
  const mine = planOfThisBuild(planFile, env, problems);
  const checkedEnv = checkEnv(env, problems);
  if (problems.length || !mine || !checkedEnv) return badInput(io, step, problems);
  const { plan } = mine;
  const logger = createLogger(checkedEnv.LOG_LEVEL === 'info' ? 'warn' : checkedEnv.LOG_LEVEL, process.stderr);
  const vcenter = buildGovc(checkedEnv)!;
  const lb = buildF5(checkedEnv, logger);
  const file = recordFile(planFile, env);
  const record = (entry: Pick<BuildRecordEntry, 'step' | 'state' | 'memberExisted'>) =>
    appendRecord(file, { build: buildTag(env), requestId: plan.requestId, vmName: plan.vmName, ip: plan.ip, ...entry });
  try {
    // Written before acting: a step killed halfway is still undone by this build's rollback.
    if (step === 'clone') record({ step: 'clone', state: 'started' });
    if (step === 'f5-add' && lb) {
      const { pool, partition, port } = plan.service.f5;
      // A member already in the pool is not this build's: its rollback must leave it.
      const existed = (await lb.getMember(pool, partition, plan.ip, port)) !== undefined;
      record({ step: 'f5-add', state: 'started', memberExisted: existed });
    }
    const r = await vmSteps[step as VmStep](plan, { vcenter, lb });
    return emit(io, step, { ok: true, ...(r.fact ? { fact: r.fact } : {}) });
  } catch (e) {
    if (step === 'clone' && e instanceof StepError && e.code === 'duplicate_name') record({ step: 'clone', state: 'foreign' }); // never destroy it
    return emit(io, step, { ok: false, code: (e as { code?: string }).code ?? 'failed', message: (e as Error).message, ...(e instanceof StepError && e.fact ? { error: e.fact } : {}) });
  } finally {
    await lb?.close();
  }
}

const render: CliCommand = async (argv, io, openStore) => {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { 'reveal-token': { type: 'boolean', default: false } }, allowPositionals: true, strict: true });
  } catch {
    parsed = undefined;
  }
  const [name, ...extra] = parsed?.positionals ?? [];
  if (!parsed || !name || extra.length) {
    io.err('usage: jenkins render <service> [--reveal-token]');
    return 2;
  }
  const store = await openStore();
  const service = getService(store, name);
  if (!service) {
    io.err(`jenkins render: no service named "${name}" in the store (DATA_DIR=${process.env.DATA_DIR || './data'})`);
    return 2;
  }
  const env = envSchema.pick({ JENKINS_BOT_CLI: true, JENKINS_NODE_BIN: true }).safeParse(
    Object.fromEntries(Object.entries(process.env).filter(([k, v]) => k.startsWith('JENKINS_') && v)),
  );
  if (!env.success) {
    for (const p of formatIssues(env.error)) io.err(`jenkins render: ${p}`);
    return 2;
  }
  // The webhook token is a secret: masked unless the operator asks for it (to configure the caller).
  const token = webhookTokenFor(service);
  registerSecrets([token === 'needed' ? undefined : token]);
  const webhookToken = token === undefined ? undefined : token === 'needed' ? PENDING_WEBHOOK_TOKEN : parsed.values['reveal-token'] ? token : maskedToken(token);
  io.out(renderJobConfig(service, { botCliPath: env.data.JENKINS_BOT_CLI, nodeBin: env.data.JENKINS_NODE_BIN, webhookToken }).trimEnd());
  return 0;
};

cliCommands.set('jenkins render', render);
cliCommands.set('run-step', (argv, io) => runStep(argv, io));
