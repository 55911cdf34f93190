/** What users read about a monitoring-config push: the diff, the buttons, the step report. */
import type { KnownBlock } from '@slack/types';
import type { ApplyResult, PlgDetailFact, PlgPlan, RulesRead } from '../integrations/plg/index.js';
import { catalog, type Locale } from '../i18n/index.js';
import { ACTION } from './ids.js';
import { escape, mention, truncate } from './mrkdwn.js';
import { formatDuration } from './time.js';

/**
 * Text from the monitoring server (promtool / amtool output, SSH errors): masked where the PLG integration reports it
 * (integrations/plg/push.ts, as the diff is), escaped here for mrkdwn.
 */
const outside = (text: string) => escape(text);

const MAX_DIFF = 2800;
const pw = (l: Locale | undefined) => catalog(l ?? 'en').plgPush;

/** What the push itself established, in the reader's language; paths escaped for mrkdwn. */
function factText(f: PlgDetailFact, l?: Locale): string {
  const w = pw(l);
  const d = w.detail;
  switch (f.code) {
    case 'unchanged_since_diff': return d.unchanged_since_diff;
    case 'changed_since_plan': return d.changed_since_plan({ paths: f.paths.map(escape).join(', ') });
    case 'plan_stale': return d.plan_stale({ roles: f.roles.map((r) => w.role[r]).join(', ') });
    case 'missing_file': return d.missing_file({ path: escape(f.path), host: escape(f.host), variable: f.variable });
    case 'removed': return d.removed({ path: escape(f.path) });
    case 'new_file': return d.new_file({ path: escape(f.path) });
    case 'removed_new': return d.removed_new({ path: escape(f.path) });
    case 'restored': return d.restored({ path: escape(f.path), backup: escape(f.backup) });
    case 'sd_not_configured': return d.sd_not_configured({ service: escape(f.service), missing: f.missing.join(', ') });
    case 'ssh_failed': return d.ssh_failed({ detail: outside(f.detail) });
    case 'write_failed':
    case 'check_failed':
    case 'place_failed':
    case 'install_failed':
      return d[f.code]({ path: escape(f.path), detail: outside(f.detail) });
    case 'reload_failed':
    case 'verify_failed':
      return d[f.code]({ server: f.server, detail: outside(f.detail) });
  }
}

/** A step's detail or a failure's message: the push's own fact in words, else what the servers said. */
const said = (text: string, fact: PlgDetailFact | undefined, l?: Locale) => (fact ? factText(fact, l) : outside(text));

function diffBlocks(plan: PlgPlan, l?: Locale): KnownBlock[] {
  const w = pw(l);
  const blocks: KnownBlock[] = [];
  for (const f of plan.files) {
    if (!f.changed) {
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: w.unchangedFile({ file: w.file[f.role], path: escape(f.path) }) }] });
      continue;
    }
    // f.diff is masked already (maskedDiff). Escaped before it is cut, so the section stays within Slack's 3000
    // characters; a cut entity is dropped.
    const escaped = escape(f.diff);
    const diff = escaped.length > MAX_DIFF ? `${truncate(escaped, MAX_DIFF).replace(/&[a-z]*…$/, '…')}\n${w.more({ n: escaped.length - MAX_DIFF })}` : escaped;
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*${w.file[f.role]}* \`${escape(f.path)}\`${f.existed ? '' : w.newFile}\n\`\`\`${diff}\`\`\`` } });
  }
  return blocks;
}

/** Which job the service's rules select, and where its targets come from (a push only: a removal takes the rules away). */
export function rulesJobLine(rules: RulesRead, service: string, locale: Locale = 'en'): string {
  const t = catalog(locale).plg;
  const job = escape(rules.job);
  return rules.generated ? t.rulesReadGenerated({ job, service: escape(service) }) : t.rulesReadExisting({ job });
}

export function plgPlanMessage(plan: PlgPlan, opts: { buttonsFor?: string; locale?: Locale } = {}): { text: string; blocks: KnownBlock[] } {
  const w = pw(opts.locale);
  const what = plan.kind === 'push' ? w.pushWhat({ service: plan.service.name }) : w.removeWhat({ service: plan.service.name });
  const jobLine: KnownBlock[] = plan.kind === 'push' && plan.rules
    ? [{ type: 'context', elements: [{ type: 'mrkdwn', text: rulesJobLine(plan.rules, plan.service.name, opts.locale) }] }]
    : [];
  if (plan.noop) {
    return { text: w.noopText({ what }), blocks: [{ type: 'section', text: { type: 'mrkdwn', text: w.noop({ what }) } }, ...jobLine] };
  }
  const blocks: KnownBlock[] = [{ type: 'section', text: { type: 'mrkdwn', text: w.change({ what }) } }, ...jobLine, ...diffBlocks(plan, opts.locale)];
  if (opts.buttonsFor) {
    blocks.push({
      type: 'actions',
      elements: [
        {
          type: 'button', style: 'primary', action_id: ACTION.plgApply, value: opts.buttonsFor, text: { type: 'plain_text', text: w.apply },
          confirm: {
            title: { type: 'plain_text', text: w.applyTitle },
            text: { type: 'mrkdwn', text: w.applyText },
            confirm: { type: 'plain_text', text: w.apply }, deny: { type: 'plain_text', text: w.cancel },
          },
        },
        { type: 'button', action_id: ACTION.plgCancel, value: opts.buttonsFor, text: { type: 'plain_text', text: w.cancel } },
      ],
    });
  }
  return { text: w.changedFiles({ what, n: plan.files.filter((f) => f.changed).length }), blocks };
}

export function plgApplyReport(service: string, kind: PlgPlan['kind'], by: string, r: ApplyResult, l?: Locale): string {
  const w = pw(l);
  const took = formatDuration(l ?? 'en', r.durationMs);
  const head = r.ok
    ? r.noop ? w.alreadyUpToDate({ service }) : (kind === 'push' ? w.pushed : w.removed)({ service, who: mention(by), took })
    : `${(kind === 'push' ? w.pushFailed : w.removeFailed)({ service, code: r.code, message: r.fact ? factText(r.fact, l) : outside(r.message) })}${
      r.fact && r.restoreFailed ? w.restoreFailed({ list: r.backups.map((b) => `\`${escape(b)}\``).join(', ') }) : ''}${r.rolledBack ? w.restored : ''}`;
  const steps = r.steps.map((s) => `${s.ok ? ':white_check_mark:' : ':x:'} ${w.step[s.step]}${s.role ? ` (${w.role[s.role]})` : ''}: ${said(s.detail, s.fact, l)}`);
  const backups = r.backups.length ? w.backups({ list: r.backups.map((b) => `\`${escape(b)}\``).join(', ') }) : '';
  return truncate(`${head}\n${steps.join('\n')}${backups}`, 3900);
}

export const plgMessages = {
  notConfigured: (why: string, l?: Locale) => pw(l).notConfigured({ why: escape(why) }),
  planFailed: (service: string, code: string, message: string, l?: Locale, fact?: PlgDetailFact) => pw(l).planFailed({ service, code, message: said(message, fact, l) }),
  applying: (service: string, l?: Locale) => pw(l).applying({ service }),
  reading: (service: string, l?: Locale) => pw(l).reading({ service }),
};
