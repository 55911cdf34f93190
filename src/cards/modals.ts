/** Modals and small interactive prompts, in the language of the user who opens them. */
import type { ActionsBlock, KnownBlock, ModalView, SectionBlock } from '@slack/types';
import { catalog, type Locale } from '../i18n/index.js';
import type { ScaleRequest } from '../store/types.js';
import { ACTION, VIEW } from './ids.js';
import { EN, messages, type Lang } from './messages.js';

export function rejectReasonModal(r: ScaleRequest, l: Lang = EN): ModalView {
  const w = catalog(l.locale).messages;
  return {
    type: 'modal',
    callback_id: VIEW.rejectReason,
    private_metadata: r.id,
    title: { type: 'plain_text', text: w.rejectTitle },
    submit: { type: 'plain_text', text: w.rejectSubmit },
    close: { type: 'plain_text', text: w.cancel },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: messages.rejectPrompt(r.service, r.direction, l) } },
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text', text: w.reasonLabel },
        element: { type: 'plain_text_input', action_id: 'reason', max_length: 500, multiline: true },
      },
    ],
  };
}

/** The explicit confirmation a start during a change freeze needs: approve (default) or retry. */
export function frozenApprovePrompt(requestId: string, text: string, kind: 'approve' | 'retry' = 'approve', locale: Locale = 'en'): KnownBlock[] {
  const w = catalog(locale).messages;
  const button = kind === 'approve'
    ? { text: w.approveDuringFreeze, action_id: ACTION.approveFrozen }
    : { text: w.retryDuringFreeze, action_id: ACTION.retryFrozen };
  const section: SectionBlock = { type: 'section', text: { type: 'mrkdwn', text: `:snowflake: ${text}` } };
  const actions: ActionsBlock = {
    type: 'actions',
    elements: [{ type: 'button', style: 'danger', text: { type: 'plain_text', text: button.text }, action_id: button.action_id, value: requestId }],
  };
  return [section, actions];
}
