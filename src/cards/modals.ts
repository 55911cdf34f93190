/** Modals and small interactive prompts. */
import type { ScaleRequest } from '../store/types.js';
import { ACTION, VIEW } from './ids.js';
import { messages } from './messages.js';

export function rejectReasonModal(r: ScaleRequest): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: VIEW.rejectReason,
    private_metadata: r.id,
    title: { type: 'plain_text', text: 'Reject request' },
    submit: { type: 'plain_text', text: 'Reject' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: messages.rejectPrompt(r.service, r.direction) } },
      {
        type: 'input',
        block_id: 'reason',
        optional: true,
        label: { type: 'plain_text', text: 'Reason (optional)' },
        element: { type: 'plain_text_input', action_id: 'reason', max_length: 500, multiline: true },
      },
    ],
  };
}

/** The explicit confirmation a start during a change freeze needs: approve (default) or retry. */
export function frozenApprovePrompt(requestId: string, text: string, kind: 'approve' | 'retry' = 'approve'): unknown[] {
  const button = kind === 'approve'
    ? { text: 'Approve during freeze', action_id: ACTION.approveFrozen }
    : { text: 'Retry during freeze', action_id: ACTION.retryFrozen };
  return [
    { type: 'section', text: { type: 'mrkdwn', text: `:snowflake: ${text}` } },
    {
      type: 'actions',
      elements: [{ type: 'button', style: 'danger', text: { type: 'plain_text', text: button.text }, action_id: button.action_id, value: requestId }],
    },
  ];
}
