/**
 * The console protocol between `run-step` (on a Jenkins agent) and the bot's Jenkins executor:
 * each `run-step` prints exactly one JSON line saying what it did, with a machine code on failure.
 * The executor reads the build's console and parses these lines (validated with zod); it never
 * matches the English text of a detail or a message.
 *
 *   {"runStep":1,"step":"clone","ok":true,"detail":"web-server-1 from web-server-template"}
 *   {"runStep":1,"step":"clone","ok":false,"code":"duplicate_name","message":"a VM named …"}
 *   {"runStep":1,"step":"rollback","ok":true,"undone":[{"step":"f5-add","ok":true,"text":"removed F5 member …"}]}
 */
import { z } from 'zod';

export const RUN_STEP_PROTOCOL = 1;

const undoneSchema = z.object({ step: z.enum(['f5-add', 'clone']), ok: z.boolean(), text: z.string() });

export const runStepLineSchema = z.object({
  runStep: z.literal(RUN_STEP_PROTOCOL),
  step: z.string(),
  ok: z.boolean(),
  /** Why it failed: a StepError's code (`duplicate_name`, `no_plan`, `bad_input`, `rollback_failed`, …). */
  code: z.string().optional(),
  detail: z.string().optional(),
  message: z.string().optional(),
  /** rollback: what it undid (ok) or failed to undo, by step. */
  undone: z.array(undoneSchema).optional(),
});
export type RunStepLine = z.infer<typeof runStepLineSchema>;

/** The line `run-step` prints. */
export function formatRunStepLine(line: Omit<RunStepLine, 'runStep'>): string {
  return JSON.stringify({ runStep: RUN_STEP_PROTOCOL, ...line });
}

const MARK = `{"runStep":${RUN_STEP_PROTOCOL},`;

/** The protocol lines among console lines (a line may carry a prefix, e.g. the Timestamper plugin's). */
export function parseRunStepLines(lines: readonly string[]): RunStepLine[] {
  const out: RunStepLine[] = [];
  for (const l of lines) {
    const at = l.indexOf(MARK);
    if (at < 0) continue;
    let json: unknown;
    try {
      json = JSON.parse(l.slice(at));
    } catch {
      continue;
    }
    const r = runStepLineSchema.safeParse(json);
    if (r.success) out.push(r.data);
  }
  return out;
}
