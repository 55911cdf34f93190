/**
 * What one Jenkins build did, written by its own `run-step`s into a file of the workspace that
 * only this build uses (named after JOB_NAME and BUILD_NUMBER, next to the plan file). Each step
 * appends a JSON line before it acts; `run-step rollback` reads the file and undoes only what it
 * lists: a build that never started f5-add never removes a member, one that never cloned never
 * destroys a VM, and a build whose plan stage did not write the plan undoes nothing at all.
 */
import { createHash } from 'node:crypto';
import { appendFileSync, readFileSync } from 'node:fs';
import { z } from 'zod';

const entrySchema = z.object({
  build: z.string(),
  requestId: z.string(),
  vmName: z.string(),
  ip: z.string(),
  /** plan: the plan stage wrote PLAN_FILE (its sha256 in `planSha256`); clone / f5-add: the step started acting. */
  step: z.enum(['plan', 'clone', 'f5-add']),
  /** started: about to act; foreign: clone found someone else's VM by that name (never ours to destroy). */
  state: z.enum(['written', 'started', 'foreign']),
  planSha256: z.string().optional(),
  /** f5-add: the member was already in the pool before this build added it (never ours to remove). */
  memberExisted: z.boolean().optional(),
});
export type BuildRecordEntry = z.infer<typeof entrySchema>;

/** The build as Jenkins names it in every `sh` environment; `local` outside Jenkins. */
export function buildTag(env: NodeJS.ProcessEnv): string {
  if (!env.JOB_NAME || !env.BUILD_NUMBER) return 'local';
  // Job names in folders contain `/`: keep the file next to the plan.
  return `${env.JOB_NAME}-${env.BUILD_NUMBER}`.replace(/[^A-Za-z0-9_.-]/g, '_');
}

export function recordFile(planFile: string, env: NodeJS.ProcessEnv): string {
  return `${planFile}.${buildTag(env)}.record.jsonl`;
}

export const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

export function appendRecord(file: string, entry: BuildRecordEntry): void {
  appendFileSync(file, `${JSON.stringify(entrySchema.parse(entry))}\n`, { mode: 0o600 });
}

/** The entries of the file (unreadable lines are skipped: only what a step wrote counts). */
export function readRecord(file: string): BuildRecordEntry[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const out: BuildRecordEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const r = entrySchema.safeParse(JSON.parse(line));
      if (r.success) out.push(r.data);
    } catch {
      // a torn last line (the agent died mid-write) proves nothing
    }
  }
  return out;
}

export interface PlanIdentity { requestId: string; vmName: string; ip: string }

/** The plan stage's entry of this build, when it wrote the plan now in the file (same content). */
export function planEntry(entries: BuildRecordEntry[], build: string, planText?: string): BuildRecordEntry | undefined {
  return entries.find((e) => e.step === 'plan' && e.state === 'written' && e.build === build && (planText === undefined || e.planSha256 === sha256(planText)));
}

/** What this build's own steps touched, for this plan: what its rollback may undo. */
export function touchedByBuild(entries: BuildRecordEntry[], build: string, plan: PlanIdentity): { vmOwned: boolean; memberTouched: boolean } {
  const mine = entries.filter((e) => e.build === build && e.requestId === plan.requestId && e.vmName === plan.vmName && e.ip === plan.ip);
  const cloneStarted = mine.some((e) => e.step === 'clone' && e.state === 'started');
  const foreign = mine.some((e) => e.step === 'clone' && e.state === 'foreign');
  const memberTouched = mine.some((e) => e.step === 'f5-add' && e.state === 'started' && e.memberExisted === false);
  return { vmOwned: cloneStarted && !foreign, memberTouched };
}
