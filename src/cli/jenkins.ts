/**
 * Operator and pipeline commands for Jenkins:
 *   jenkins render <service>        the job's config.xml, as `/autoscale jenkins push` would write it
 *   run-step <step> --plan FILE     one VM step of a scale-out (or `rollback`), as a pipeline stage runs it
 *
 * `run-step` runs the very functions the local executor runs (src/workflows/vmSteps.ts), with govc
 * and F5 built from the agent's environment (GOVC_*, F5_*). It validates the step, the plan and the
 * environment before touching anything: bad input exits 2 with one line per problem, nothing run.
 * It prints one line: `ok <step>: <detail>` (exit 0) or `FAILED <step> [<code>]: <message>` (exit 1).
 *
 * Which VM a rollback may destroy is decided as the local executor decides it: ours from the clone
 * on, unless vCenter said the name was taken. The clone stage writes that down next to the plan
 * (`<plan>.owner.json`, tagged with the request, the VM and the build), and rollback trusts only
 * a note of the same request, VM and build.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { envSchema, formatIssues } from '../config.js';
import { renderJobConfig } from '../integrations/jenkins/jobConfig.js';
import { buildF5, buildGovc } from '../integrations/wiring.js';
import { createLogger, redact } from '../logger.js';
import { getService } from '../store/services.js';
import { StepError } from '../workflows/ports.js';
import { rollbackVm, stepPlanSchema, VM_STEPS, vmSteps, type StepPlan, type VmStep } from '../workflows/vmSteps.js';
import { cliCommands, type CliCommand, type CliIo } from './registry.js';

export const RUN_STEPS = [...VM_STEPS, 'rollback'] as const;
export type RunStep = (typeof RUN_STEPS)[number];

const runStepEnvSchema = envSchema.pick({
  GOVC_URL: true, GOVC_USERNAME: true, GOVC_PASSWORD: true, GOVC_INSECURE: true, GOVC_DATACENTER: true, GOVC_BIN: true,
  F5_SERVERS: true, F5_USERNAME: true, F5_PASSWORD: true, F5_VERIFY_TLS: true, F5_CA_FILE: true, LOG_LEVEL: true,
});

const ownerNoteSchema = z.object({ requestId: z.string(), vmName: z.string(), build: z.string(), vmOwned: z.boolean() });
type OwnerNote = z.infer<typeof ownerNoteSchema>;

/** Jenkins names the build in every `sh` environment; outside Jenkins both are empty. */
const buildOf = (env: NodeJS.ProcessEnv) => `${env.JOB_NAME ?? ''}#${env.BUILD_NUMBER ?? ''}`;
const ownerFile = (planFile: string) => `${planFile}.owner.json`;

function readOwnerNote(planFile: string): OwnerNote | undefined {
  try {
    const r = ownerNoteSchema.safeParse(JSON.parse(readFileSync(ownerFile(planFile), 'utf8')));
    return r.success ? r.data : undefined;
  } catch {
    return undefined;
  }
}

type Checked = { ok: true; step: RunStep; planFile: string; plan: StepPlan; env: z.infer<typeof runStepEnvSchema> } | { ok: false; problems: string[] };

/** Everything run-step needs, validated; nothing is run before this succeeds. */
export function checkRunStep(argv: string[], env: NodeJS.ProcessEnv): Checked {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: { plan: { type: 'string' } }, allowPositionals: true, strict: true });
  } catch (e) {
    return { ok: false, problems: [(e as Error).message] };
  }
  const [step, ...extra] = parsed.positionals;
  const problems: string[] = [];
  if (!step || !(RUN_STEPS as readonly string[]).includes(step)) problems.push(`step: expected one of ${RUN_STEPS.join(', ')}${step ? `, not "${step}"` : ''}`);
  if (extra.length) problems.push(`unexpected arguments: ${extra.join(' ')}`);
  const planFile = parsed.values.plan;
  let plan: StepPlan | undefined;
  if (!planFile) problems.push('--plan FILE is required');
  else if (!existsSync(planFile)) problems.push(`--plan ${planFile}: no such file`);
  else {
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(planFile, 'utf8'));
    } catch (e) {
      problems.push(`--plan ${planFile}: not JSON (${(e as Error).message})`);
    }
    if (json !== undefined) {
      const r = stepPlanSchema.safeParse(json);
      if (r.success) plan = r.data;
      else problems.push(...formatIssues(r.error, `--plan ${planFile}: `));
    }
  }
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const e = runStepEnvSchema.safeParse(cleaned);
  if (!e.success) problems.push(...formatIssues(e.error));
  if (!cleaned.GOVC_URL) problems.push('GOVC_URL: required (vCenter, as govc reads it)');
  if (cleaned.F5_SERVERS && (!cleaned.F5_USERNAME || !cleaned.F5_PASSWORD)) problems.push('F5_USERNAME: F5_USERNAME and F5_PASSWORD are required when F5_SERVERS is set');
  if (problems.length || !plan || !planFile || !e.success) return { ok: false, problems };
  return { ok: true, step: step as RunStep, planFile, plan, env: e.data };
}

export async function runStep(argv: string[], io: CliIo, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const checked = checkRunStep(argv, env);
  if (!checked.ok) {
    io.err('run-step: bad input; nothing was run:');
    for (const p of checked.problems) io.err(`  ${p}`);
    return 2;
  }
  const { step, planFile, plan } = checked;
  const logger = createLogger(checked.env.LOG_LEVEL === 'info' ? 'warn' : checked.env.LOG_LEVEL, process.stderr);
  const vcenter = buildGovc(checked.env)!;
  const lb = buildF5(checked.env, logger);
  const build = buildOf(env);
  try {
    if (step === 'rollback') {
      const note = readOwnerNote(planFile);
      const vmOwned = Boolean(note && note.vmOwned && note.requestId === plan.requestId && note.vmName === plan.vmName && note.build === build);
      const undone = await rollbackVm(plan, { vcenter, lb }, { memberTouched: true, vmOwned });
      const failed = undone.filter((u) => !u.ok);
      const text = undone.map((u) => u.text).join('; ') || 'nothing to undo';
      if (failed.length) io.err(`FAILED rollback [rollback_failed]: ${redact(text)}`);
      else io.out(`ok rollback: ${redact(text)}`);
      return failed.length ? 1 : 0;
    }
    const note = (vmOwned: boolean) => writeFileSync(ownerFile(planFile), JSON.stringify({ requestId: plan.requestId, vmName: plan.vmName, build, vmOwned } satisfies OwnerNote));
    if (step === 'clone') note(true);
    try {
      const r = await vmSteps[step as VmStep](plan, { vcenter, lb });
      io.out(`ok ${step}: ${redact(r.detail ?? 'done')}`);
      return 0;
    } catch (e) {
      if (step === 'clone' && e instanceof StepError && e.code === 'duplicate_name') note(false); // someone else's VM: never destroy it
      const code = (e as { code?: string }).code ?? 'failed';
      io.err(`FAILED ${step} [${code}]: ${redact((e as Error).message).replace(/\s*\n\s*/g, ' ')}`);
      return 1;
    }
  } finally {
    await lb?.close();
  }
}

const render: CliCommand = async (argv, io, openStore) => {
  const [name, ...extra] = argv;
  if (!name || extra.length) {
    io.err('usage: jenkins render <service>');
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
  io.out(renderJobConfig(service, { botCliPath: env.data.JENKINS_BOT_CLI, nodeBin: env.data.JENKINS_NODE_BIN }).trimEnd());
  return 0;
};

cliCommands.set('jenkins render', render);
cliCommands.set('run-step', (argv, io) => runStep(argv, io));
