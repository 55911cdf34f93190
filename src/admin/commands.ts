/**
 * The store-changing operator commands, defined once. The CLI runs them through the running bot
 * (admin socket, src/admin/server.ts) or, when no bot runs, itself under the DATA_DIR lock; either
 * way the same `run` applies the change to the writer's current data. Issue 14's
 * `requests approve|reject|retry` become more entries here.
 */
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { formatServiceProblems, parseServicesYaml } from '../servicesFile.js';
import { applyServices } from '../store/services.js';
import type { Store } from '../store/store.js';

export interface AdminContext {
  store: Store;
  clock: Clock;
  /** Who asked: `cli:<user>`; written to the audit trail. */
  actor: string;
}

export type AdminOutcome =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; code: 'invalid' | 'unknown_command' | 'failed'; message: string; problems?: string[] };

export interface AdminCommand<I> {
  input: z.ZodType<I>;
  run(input: I, ctx: AdminContext): Promise<AdminOutcome>;
}

/** `services apply -f FILE`: the file's text travels, so the writer validates exactly what it applies. */
const servicesApply: AdminCommand<{ yaml: string; file: string }> = {
  input: z.object({ yaml: z.string(), file: z.string().max(4096) }),
  async run({ yaml, file }, { store, clock, actor }) {
    const parsed = parseServicesYaml(yaml);
    if (!parsed.ok) return { ok: false, code: 'invalid', message: `${file} is invalid; nothing was written:`, problems: parsed.problems };
    // Checked against the whole resulting set (shared VM names or IP pools refuse it all) in the same write.
    const r = await applyServices(store, parsed.services, actor, clock.now().toISOString());
    if (!r.ok) return { ok: false, code: 'invalid', message: `${file} conflicts with itself or the stored services; nothing was written:`, problems: formatServiceProblems(r.problems) };
    return { ok: true, result: { created: r.created, updated: r.updated, unchanged: r.unchanged } };
  },
};

export const adminCommands: Record<string, AdminCommand<never>> = {
  'services.apply': servicesApply as AdminCommand<never>,
};

export const adminRequestSchema = z.object({
  command: z.string().max(100),
  actor: z.string().min(1).max(200),
  input: z.unknown(),
});

/** Validates and runs one command; never throws for bad input. */
export async function runAdminCommand(command: string, input: unknown, ctx: AdminContext): Promise<AdminOutcome> {
  const c = Object.hasOwn(adminCommands, command) ? adminCommands[command] : undefined;
  if (!c) return { ok: false, code: 'unknown_command', message: `unknown admin command "${command}"` };
  const parsed = (c.input as z.ZodType<unknown>).safeParse(input);
  if (!parsed.success) return { ok: false, code: 'invalid', message: `bad input for ${command}`, problems: parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`) };
  try {
    return await (c as unknown as AdminCommand<unknown>).run(parsed.data, ctx);
  } catch (e) {
    return { ok: false, code: 'failed', message: (e as Error).message };
  }
}
