/**
 * The store-changing operator commands, defined once. The CLI runs them through the running bot
 * (admin socket, src/admin/server.ts) or, when no bot runs, itself under the DATA_DIR lock; either
 * way the same `run` applies the change to the writer's current data. `requests.approve|reject|retry`
 * (the break-glass decisions) run only in the bot: they need its DecisionService, which starts the run.
 */
import { z } from 'zod';
import type { Clock } from '../clock.js';
import { formatServiceProblems, parseServicesYaml } from '../servicesFile.js';
import { findRequest } from '../store/requests.js';
import { applyServices } from '../store/services.js';
import type { StoreView as Store } from '../store/store.js';
import { blockText } from '../cards/facts.js';
import { decisionText } from '../cards/decisionText.js';
import type { DecisionResult, Decisions } from '../workflows/deps.js';

export interface AdminContext {
  store: Store;
  clock: Clock;
  /** Who asked: `cli:<user>`; written to the audit trail. */
  actor: string;
  /** The bot's decisions; absent when the CLI runs a command itself under the DATA_DIR lock. */
  decisions?: Decisions;
}

export type AdminOutcome =
  | { ok: true; result: Record<string, unknown> }
  | { ok: false; code: 'invalid' | 'unknown_command' | 'failed' | 'no_bot'; message: string; problems?: string[] }
  /** A decision the bot's policies refused (`reason`: DecisionResult's code, e.g. blocked, frozen, already_decided). */
  | { ok: false; code: 'refused'; reason: Exclude<DecisionResult, { ok: true }>['code']; message: string; problems?: string[] };

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

/**
 * `requests approve|reject|retry ID --as NAME --reason TEXT`: whoever can reach admin.sock can read
 * the bot's secrets, so the CLI decides as an admin (approver lists do not apply), but the name and
 * the reason are required and recorded (actor `cli:NAME`); every run-start policy applies.
 */
const decisionInput = z.object({
  id: z.string().min(1).max(100).regex(/^[A-Za-z0-9._-]+$/, 'not a request id'),
  as: z.string().min(1).max(64).regex(/^[A-Za-z0-9._@-]+$/, 'letters, digits and . _ @ - only'),
  reason: z.string().trim().min(1, 'must not be empty').max(500),
  confirmFrozen: z.boolean().optional(),
});
type DecisionInput = z.infer<typeof decisionInput>;

function decision(kind: 'approve' | 'reject' | 'retry'): AdminCommand<DecisionInput> {
  return {
    input: decisionInput,
    async run({ id, as, reason, confirmFrozen }, { store, clock, decisions }) {
      if (!decisions) return { ok: false, code: 'no_bot', message: NO_BOT };
      const by = `cli:${as}`;
      const res = kind === 'approve' ? await decisions.approve(id, by, { reason, confirmFrozen, admin: true })
        : kind === 'reject' ? await decisions.reject(id, by, reason, { admin: true })
        : await decisions.retry(id, by, { reason, confirmFrozen, admin: true });
      if (!res.ok) {
        // A request that is already blocked: say why (the card would), not only that it is.
        const b = res.code === 'blocked' ? findRequest(store, id)?.blocked : undefined;
        const problems = b ? [`not now: ${blockText('en', b)}${b.until ? `; scaling becomes possible at ${b.until}` : ''}`] : undefined;
        // The CLI is for operators: English, times in UTC as the rest of its output.
        return { ok: false, code: 'refused', reason: res.code, message: decisionText(res.fact, { locale: 'en', tz: 'UTC', now: clock.now() }), ...(problems ? { problems } : {}) };
      }
      return { ok: true, result: { requestId: res.requestId, state: findRequest(store, res.requestId)?.state ?? 'unknown', by } };
    },
  };
}

/** Why a decision is not taken under the lock: the run must start in the bot, and its card must follow. */
export const NO_BOT = 'no bot is running on this DATA_DIR: a decision needs the running bot, which checks the policies, runs the scale and updates the card. Start the bot and run the command again.';

export const adminCommands: Record<string, AdminCommand<never>> = {
  'services.apply': servicesApply as AdminCommand<never>,
  'requests.approve': decision('approve') as AdminCommand<never>,
  'requests.reject': decision('reject') as AdminCommand<never>,
  'requests.retry': decision('retry') as AdminCommand<never>,
};

/** Commands that only the running bot may run (never applied by the CLI under the lock). */
export const BOT_ONLY = new Set(['requests.approve', 'requests.reject', 'requests.retry']);

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
