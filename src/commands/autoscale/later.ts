/** Slack wants an answer within 3 s: answer with a placeholder now, replace it with the result when the work is done. */
import type { CommandContext, Reply } from './types.js';

type Answer = Exclude<Reply, void>;

export function answerLater(ctx: CommandContext, placeholder: string, work: () => Promise<Answer>, failed: (e: Error) => string): Reply {
  void work()
    .catch((e: unknown): Answer => {
      ctx.deps.logger.warn({ err: e, args: ctx.args }, 'slash command work failed');
      return { text: failed(e as Error) };
    })
    .then((r) => ctx.respond({ response_type: 'ephemeral', replace_original: true, text: r.text, ...(r.blocks ? { blocks: r.blocks } : {}) }))
    .catch((e: unknown) => ctx.deps.logger.error({ err: e }, 'could not post a command result to response_url'));
  return { text: placeholder };
}
