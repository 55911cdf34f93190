/** The `service import` modal (YAML in the services-file format) and the view a modal turns into once saved. */
import { VIEW } from './ids.js';

export const IMPORT_BLOCK = 'yaml';
/** Slack's limit for a plain_text_input; longer files go through `node dist/cli.js services apply`. */
export const IMPORT_MAX_CHARS = 3000;

export function importModal(channel: string): Record<string, unknown> {
  return {
    type: 'modal',
    callback_id: VIEW.serviceImport,
    private_metadata: JSON.stringify({ channel }),
    title: { type: 'plain_text', text: 'Import services' },
    submit: { type: 'plain_text', text: 'Import' },
    close: { type: 'plain_text', text: 'Cancel' },
    blocks: [
      {
        type: 'section',
        text: { type: 'mrkdwn', text: 'Paste a services file (`services:` and a list, as `/autoscale service export` writes it). Every service in it is created or replaced; others are left alone.' },
      },
      {
        type: 'input',
        block_id: IMPORT_BLOCK,
        label: { type: 'plain_text', text: 'services.yaml' },
        element: { type: 'plain_text_input', action_id: 'v', multiline: true, max_length: IMPORT_MAX_CHARS, placeholder: { type: 'plain_text', text: 'services:\n  - name: web-server\n    …' } },
        hint: { type: 'plain_text', text: `Up to ${IMPORT_MAX_CHARS} characters; larger files: node dist/cli.js services apply -f FILE` },
      },
    ],
  };
}

/** What a submitted modal shows afterwards (`response_action: update`). */
export function doneView(title: string, text: string): Record<string, unknown> {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title.slice(0, 24) },
    close: { type: 'plain_text', text: 'Close' },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }],
  };
}
