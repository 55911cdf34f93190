/**
 * Modal submissions: the service form and the YAML import (buttons of commands that ask first: confirmButtons.ts).
 * Invalid input is answered with `response_action: errors` and nothing is stored.
 */
import type { App, ViewSubmitAction } from '@slack/bolt';
import { argText, serviceText } from '../cards/commandMessages.js';
import { VIEW } from '../cards/ids.js';
import { doneView, IMPORT_BLOCK } from '../cards/importModal.js';
import { problemText } from '../cards/configIssues.js';
import { catalog, type Locale } from '../i18n/index.js';
import type { ConfigIssueFact } from '../i18n/configIssues.js';
import { zodMessages } from '../i18n/zodMessages.js';
import { modalError, parseModalMeta, serviceProblemErrors, type ViewValues } from '../cards/serviceModal.js';
import { parseServiceForm } from '../serviceForm.js';
import { formatFileProblems, formatServiceProblems, parseServicesYaml } from '../servicesFile.js';
import { getService } from '../store/services.js';
import type { Deps } from '../workflows/deps.js';
import { saveServices } from '../workflows/serviceAdmin.js';

function isAdmin(deps: Deps, user: string): boolean {
  const admins = deps.config.ADMIN_USERS;
  return admins.length === 0 || admins.includes(user);
}

export function registerViews(app: App, deps: Deps): void {
  const now = () => deps.clock.now().toISOString();
  // A modal, its inline errors and the view it turns into are the submitting user's: their Slack locale, else BOT_LOCALE.
  const lang = async (user: string): Promise<Locale> => (await deps.userLocales?.of(user)) ?? deps.config.BOT_LOCALE;

  app.view<ViewSubmitAction>(VIEW.serviceEdit, async ({ ack, body, view }) => {
    const meta = parseModalMeta(view.private_metadata);
    if (!meta) return ack();
    const l = await lang(body.user.id);
    if (!isAdmin(deps, body.user.id)) return ack({ response_action: 'errors', errors: modalError(meta, argText.onlyAdmins(deps.config.ADMIN_USERS, l)) });
    const parsed = parseServiceForm(view.state.values as ViewValues, meta, l);
    if (!parsed.ok) return ack({ response_action: 'errors', errors: parsed.errors });
    const { name } = parsed.service;
    const existing = getService(deps.store, name);
    if (meta.mode === 'create' && existing) return ack({ response_action: 'errors', errors: modalError(meta, serviceText.nameTaken(name, l)) });
    if (meta.mode === 'edit' && !existing) return ack({ response_action: 'errors', errors: modalError(meta, serviceText.gone(name, l)) });
    const r = await saveServices(deps.store, [parsed.service], body.user.id, now());
    if (!r.ok) return ack({ response_action: 'errors', errors: serviceProblemErrors(r.problems, l) });
    const outcome = r.created.length ? 'created' : r.updated.length ? 'updated' : 'unchanged';
    await ack({ response_action: 'update', view: doneView(name, serviceText.saved(name, outcome, l), l) });
  });

  app.view<ViewSubmitAction>(VIEW.serviceImport, async ({ ack, body, view }) => {
    const l = await lang(body.user.id);
    if (!isAdmin(deps, body.user.id)) return ack({ response_action: 'errors', errors: { [IMPORT_BLOCK]: argText.onlyAdmins(deps.config.ADMIN_USERS, l) } });
    // The problems in the user's language: zod's own messages (its locale) and the bot's rules (by their code).
    const parsed = parseServicesYaml(view.state.values[IMPORT_BLOCK]?.v?.value ?? '', { error: zodMessages(l) });
    const words = (p: { message: string; fact?: ConfigIssueFact }) => problemText(p, l);
    if (!parsed.ok) return ack({ response_action: 'errors', errors: { [IMPORT_BLOCK]: serviceText.importProblems(formatFileProblems(parsed.issues, words), l) } });
    const r = await saveServices(deps.store, parsed.services, body.user.id, now());
    if (!r.ok) return ack({ response_action: 'errors', errors: { [IMPORT_BLOCK]: serviceText.importProblems(formatServiceProblems(r.problems, words), l) } });
    await ack({ response_action: 'update', view: doneView(catalog(l).modal.imported, serviceText.imported(r, l), l) });
  });
}
