/**
 * The console protocol between `run-step` (on a Jenkins agent) and the bot's Jenkins executor:
 * each `run-step` prints exactly one JSON line saying what it did, as facts: a VM step's outcome
 * (`fact`, the step record's StepFact), a failure's machine code with its fact (`error`, when
 * run-step decided it; `message` is the operator's English, or another system's words), the plan
 * it wrote, or what its rollback undid (UndoneFact by step). The executor reads the build's console
 * and parses these lines (validated with zod); it decides by codes and stores the facts, and never
 * matches English text.
 *
 *   {"runStep":2,"step":"clone","ok":true,"fact":{"code":"vm_cloned","vm":"web-server-1",…}}
 *   {"runStep":2,"step":"clone","ok":false,"code":"duplicate_name","message":"a VM named …","error":{"code":"duplicate_name","vm":"web-server-1"}}
 *   {"runStep":2,"step":"rollback","ok":true,"undone":[{"step":"f5-add","ok":true,"fact":{"code":"remove_member","member":"10.0.0.5:80"}}]}
 *
 * Lines of protocol 1 (an agent with an older bot CLI: English `detail` and undone `text`) are read
 * as `legacy` facts, shown as they were written.
 */
import { z } from 'zod';
import type { ErrorFact, StepFact, UndoneFact } from '../../store/types.js';

export const RUN_STEP_PROTOCOL = 2;

/** A fact as the other side wrote it: a code and its parameters (the card words it; an unknown code is shown as data). */
const factSchema = z.object({ code: z.string().min(1) }).passthrough();
const undoneSchema = z.object({ step: z.enum(['f5-add', 'clone']), ok: z.boolean(), fact: factSchema });

export const runStepLineSchema = z.object({
  runStep: z.literal(RUN_STEP_PROTOCOL),
  step: z.string(),
  ok: z.boolean(),
  /** A VM step that worked: what it established. */
  fact: factSchema.optional(),
  /** `plan` that worked: the plan it wrote. */
  plan: z.object({ requestId: z.string(), vmName: z.string(), ip: z.string() }).optional(),
  /** Why it failed: a StepError's code (`duplicate_name`, `no_plan`, `bad_input`, `rollback_failed`, …). */
  code: z.string().optional(),
  /** The failure in the operator's English (or as another system worded it): shown only when there is no `error` fact. */
  message: z.string().optional(),
  /** The failure as a fact, when run-step decided it. */
  error: factSchema.optional(),
  /** rollback: what it undid (ok) or failed to undo, by step; empty: nothing to undo. */
  undone: z.array(undoneSchema).optional(),
});
type ParsedLine = z.infer<typeof runStepLineSchema>;

/** A protocol line, with its facts typed as the store keeps them. */
export type RunStepLine = Omit<ParsedLine, 'fact' | 'error' | 'undone'> & {
  fact?: StepFact;
  error?: ErrorFact;
  undone?: Array<{ step: 'f5-add' | 'clone'; ok: boolean; fact: UndoneFact }>;
};

const v1Schema = z.object({
  runStep: z.literal(1),
  step: z.string(),
  ok: z.boolean(),
  code: z.string().optional(),
  detail: z.string().optional(),
  message: z.string().optional(),
  undone: z.array(z.object({ step: z.enum(['f5-add', 'clone']), ok: z.boolean(), text: z.string() })).optional(),
});

/** The line `run-step` prints. */
export function formatRunStepLine(line: Omit<RunStepLine, 'runStep'>): string {
  return JSON.stringify({ runStep: RUN_STEP_PROTOCOL, ...line });
}

const MARK = /\{"runStep":[12],/;

const NOT_VM_STEPS: ReadonlySet<string> = new Set(['plan', 'rollback', 'cleanup']);

/** A protocol-1 line as protocol 2: its English becomes `legacy` facts (never parsed). */
function fromV1(l: z.infer<typeof v1Schema>): RunStepLine {
  return {
    runStep: RUN_STEP_PROTOCOL, step: l.step, ok: l.ok,
    ...(l.code ? { code: l.code } : {}),
    ...(l.message ? { message: l.message } : {}),
    // A VM step's detail was what it established; plan's, rollback's and cleanup's were notes for the console.
    ...(l.ok && l.detail && !NOT_VM_STEPS.has(l.step) ? { fact: { code: 'legacy', text: l.detail } } : {}),
    ...(l.undone ? { undone: l.undone.map((u) => ({ step: u.step, ok: u.ok, fact: { code: 'legacy' as const, text: u.text } })) } : {}),
  };
}

/** The protocol lines among console lines (a line may carry a prefix, e.g. the Timestamper plugin's). */
export function parseRunStepLines(lines: readonly string[]): RunStepLine[] {
  const out: RunStepLine[] = [];
  for (const l of lines) {
    const at = l.search(MARK);
    if (at < 0) continue;
    let json: unknown;
    try {
      json = JSON.parse(l.slice(at));
    } catch {
      continue;
    }
    const r = runStepLineSchema.safeParse(json);
    // The facts come from the bot's own CLI: their parameters are what its code wrote (an unknown code is rendered as data).
    if (r.success) out.push(r.data as RunStepLine);
    else {
      const old = v1Schema.safeParse(json);
      if (old.success) out.push(fromV1(old.data));
    }
  }
  return out;
}
