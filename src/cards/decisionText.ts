/**
 * A refused decision in words: the DecisionService answers with facts (workflows/deps.ts DecisionFact), and whoever
 * shows the answer renders it here in the reader's language — the clicking user's on Slack, English in the CLI.
 */
import { catalog } from '../i18n/index.js';
import type { Direction } from '../store/types.js';
import type { DecisionFact } from '../workflows/deps.js';
import { blockText } from './facts.js';
import { messages, type Lang } from './messages.js';
import { mention } from './mrkdwn.js';
import { clock } from './time.js';

export function decisionText(f: DecisionFact, l: Lang): string {
  const w = catalog(l.locale).messages;
  const verb = (d: Direction) => messages.verb(d, l);
  const when = (at: string) => clock(at, { tz: l.tz, now: l.now ?? new Date() }, l.locale);
  switch (f.kind) {
    case 'not_found':
      return messages.requestNotFound(f.requestId, l);
    case 'not_approver':
      return messages.notApprover(f.service, f.approvers, l);
    case 'current_state': {
      const by = f.by ? w.by({ who: f.by === 'auto' ? w.autoApproval : mention(f.by) }) : '';
      return w.currentState({ verb: verb(f.direction), service: f.service, id: f.requestId, state: catalog(l.locale).states[f.state], by });
    }
    case 'frozen_confirm':
      return (f.retry ? w.frozenRetryConfirm : w.frozenConfirm)({ service: f.service, until: when(f.until) });
    case 'frozen_wait':
      return blockText(l.locale, f.block);
    case 'start_refused':
    case 'retry_refused': {
      const until = f.block.until ? w.possibleAt({ at: when(f.block.until) }) : '';
      const p = { verb: verb(f.direction), service: f.service, why: blockText(l.locale, f.block), until };
      return f.kind === 'start_refused' ? w.startRefused(p) : w.retryRefused(p);
    }
  }
}
