/** The `service import` modal (YAML in the services-file format) and the view a modal turns into once saved. */
import type { ModalView } from '@slack/types';
import { catalog, type Locale } from '../i18n/index.js';
import { VIEW } from './ids.js';

export const IMPORT_BLOCK = 'yaml';
/** Slack's limit for a plain_text_input; longer files go through `node dist/cli.js services apply`. */
export const IMPORT_MAX_CHARS = 3000;

export function importModal(channel: string, locale: Locale = 'en'): ModalView {
  const w = catalog(locale).modal;
  return {
    type: 'modal',
    callback_id: VIEW.serviceImport,
    private_metadata: JSON.stringify({ channel }),
    title: { type: 'plain_text', text: w.importTitle },
    submit: { type: 'plain_text', text: w.importSubmit },
    close: { type: 'plain_text', text: w.cancel },
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: w.importIntro } },
      {
        type: 'input',
        block_id: IMPORT_BLOCK,
        label: { type: 'plain_text', text: 'services.yaml' },
        element: { type: 'plain_text_input', action_id: 'v', multiline: true, max_length: IMPORT_MAX_CHARS, placeholder: { type: 'plain_text', text: 'services:\n  - name: web-server\n    …' } },
        hint: { type: 'plain_text', text: w.importHint({ max: IMPORT_MAX_CHARS }) },
      },
    ],
  };
}

/** What a submitted modal shows afterwards (`response_action: update`). */
export function doneView(title: string, text: string, locale: Locale = 'en'): ModalView {
  return {
    type: 'modal',
    title: { type: 'plain_text', text: title.slice(0, 24) },
    close: { type: 'plain_text', text: catalog(locale).modal.close },
    blocks: [{ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } }],
  };
}
