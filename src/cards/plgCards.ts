/** What users read about a monitoring-config push: the diff, the buttons, the step report. */
import type { KnownBlock } from '@slack/types';
import type { ApplyResult, PlgPlan } from '../integrations/plg/index.js';
import { maskSecretLines } from '../integrations/plg/diff.js';
import type { Service } from '../config.js';
import { catalog, type Locale } from '../i18n/index.js';
import { hasScrapeJob, ruleJob } from '../integrations/plg/render.js';
import { ACTION } from './ids.js';
import { escape, mention, truncate } from './mrkdwn.js';

/**
 * Text from the monitoring server (promtool / amtool output, SSH errors) may quote a config line:
 * mask secrets in it as the diff does, and escape it for mrkdwn.
 */
const outside = (text: string) => escape(maskSecretLines(text));

const FILE_LABEL = { prometheus: 'Prometheus config', rules: 'alert rules', alertmanager: 'Alertmanager config' } as const;
const MAX_DIFF = 2800;

function diffBlocks(plan: PlgPlan): KnownBlock[] {
  const blocks: KnownBlock[] = [];
  for (const f of plan.files) {
    if (!f.changed) {
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `${FILE_LABEL[f.role]} \`${escape(f.path)}\`: unchanged` }] });
      continue;
    }
    // f.diff is masked already (maskedDiff); the line pass again is cheap insurance for what reaches Slack.
    // Escaped before it is cut, so the section stays within Slack's 3000 characters; a cut entity is dropped.
    const escaped = escape(maskSecretLines(f.diff));
    const diff = escaped.length > MAX_DIFF ? `${truncate(escaped, MAX_DIFF).replace(/&[a-z]*…$/, '…')}\n… (${escaped.length - MAX_DIFF} more characters)` : escaped;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${FILE_LABEL[f.role]}* \`${escape(f.path)}\`${f.existed ? '' : ' (new file)'}\n\`\`\`${diff}\`\`\`` } });
  }
  return blocks;
}

/** Which job the service's rules select, and where its targets come from (a push only: a removal takes the rules away). */
export function rulesJobLine(service: Service, locale: Locale = 'en'): string {
  const t = catalog(locale).plg;
  const job = escape(ruleJob(service));
  return hasScrapeJob(service) ? t.rulesReadGenerated({ job, service: escape(service.name) }) : t.rulesReadExisting({ job });
}

export function plgPlanMessage(plan: PlgPlan, opts: { buttonsFor?: string; locale?: Locale } = {}): { text: string; blocks: KnownBlock[] } {
  const what = plan.kind === 'push' ? `Monitoring config for *${plan.service.name}*` : `Removing *${plan.service.name}* from the monitoring config`;
  const jobLine: KnownBlock[] = plan.kind === 'push' ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: rulesJobLine(plan.service, opts.locale) }] }] : [];
  if (plan.noop) {
    return { text: `${what}: already up to date, nothing to do.`, blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `:white_check_mark: ${what}: already up to date — nothing to change.` } }, ...jobLine] };
  }
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: `${what} — the change:` } }, ...jobLine, ...diffBlocks(plan)];
  if (opts.buttonsFor) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button', style: 'primary', action_id: ACTION.plgApply, value: opts.buttonsFor, text: { type: 'plain_text', text: 'Apply' },
          confirm: {
            title: { type: 'plain_text', text: 'Apply?' },
            text: { type: 'mrkdwn', text: 'Back up, validate (promtool / amtool), install, reload and verify. Any failure restores the backups.' },
            confirm: { type: 'plain_text', text: 'Apply' }, deny: { type: 'plain_text', text: 'Cancel' },
          },
        },
        { type: 'button', action_id: ACTION.plgCancel, value: opts.buttonsFor, text: { type: 'plain_text', text: 'Cancel' } },
      ],
    });
  }
  return { text: `${what}: ${plan.files.filter((f) => f.changed).length} file(s) change`, blocks };
}

export function plgApplyReport(service: string, kind: PlgPlan['kind'], by: string, r: ApplyResult): string {
  const head = r.ok
    ? r.noop ? `:white_check_mark: Monitoring config for ${service} was already up to date.` : `:white_check_mark: Monitoring config ${kind === 'push' ? 'pushed for' : 'removed for'} *${service}* by ${mention(by)} in ${(r.durationMs / 1000).toFixed(1)} s.`
    : `:x: Monitoring config ${kind} for *${service}* failed (${r.code}): ${outside(r.message)}${r.rolledBack ? '\nThe original files were restored and the servers reloaded.' : ''}`;
  const steps = r.steps.map((s) => `${s.ok ? ':white_check_mark:' : ':x:'} ${s.step}${s.role ? ` (${s.role})` : ''}: ${outside(s.detail)}`);
  const backups = r.backups.length ? `\nBackups: ${r.backups.map((b) => `\`${escape(b)}\``).join(', ')}` : '';
  return truncate(`${head}\n${steps.join('\n')}${backups}`, 3900);
}

export const plgMessages = {
  notConfigured: (why: string) => `:warning: The monitoring push is not configured: ${escape(why)}`,
  planFailed: (service: string, code: string, message: string) => `:x: Could not prepare the monitoring config for ${service} (${code}): ${outside(message)}. Nothing was changed.`,
  applying: (service: string) => `:hourglass_flowing_sand: Applying the monitoring config for ${service}…`,
};
