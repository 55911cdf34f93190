/**
 * The approval card: a pure function of the stored request (and its service), so a restart, a
 * retry or a throttled update always shows the truth. Button values carry the request id only.
 */
import type { Button, KnownBlock, MrkdwnElement, PlainTextElement, SectionBlock, StaticSelect } from '@slack/types';
import type { Service } from '../config.js';
import { catalog, formatTime, type Catalog, type Locale } from '../i18n/index.js';
import type { ScaleRequest, StepRecord } from '../store/types.js';
import { ACTION, SILENCE_LENGTHS, silenceValue, type SilenceLength } from './ids.js';
import { blockText, checkText, errorText, stepDetailText, undoneTexts, withdrawnText } from './facts.js';
import { grafanaExploreUrl, type ExploreExpressions } from './grafana.js';
import { stepLabel } from './messages.js';
import { escape as esc, link, mention, safeUrl, mrkdwnText, plainText, truncate, type Text } from './mrkdwn.js';
import { clock, formatDuration, relative, type TimeContext } from './time.js';

// Slack's own Block Kit types (@slack/types, the version @slack/bolt uses): what we build is checked by the compiler.
export type { Text };
export type Block = KnownBlock;

export interface CardContext extends TimeContext {
  alertmanagerUrl?: string;
  grafanaUrl?: string;
  /** What the service's rules read (the caller computes it): with grafanaUrl, the Grafana link opens Explore on it. */
  exploreExpressions?: ExploreExpressions;
  /** Freeze in force for the service, if any. */
  frozenUntil?: Date;
  /** BOT_LOCALE: the language of the parts of the card that come from the catalog, unless the service sets its own. */
  locale?: Locale;
}

export const LIMITS = { header: 150, section: 3000, field: 2000, context: 2000, buttonText: 75 } as const;

const mrkdwn = (text: string): MrkdwnElement => mrkdwnText(text, LIMITS.section);
const plain = (text: string, n: number = LIMITS.header): PlainTextElement => plainText(text, n);

function isDryRun(r: ScaleRequest): boolean {
  return r.executor === 'dry-run';
}

export function headline(r: ScaleRequest, locale: Locale = 'en'): string {
  const c = catalog(locale).card;
  const words = { dir: r.direction === 'out' ? c.out : c.in, service: r.service };
  const victim = r.direction === 'in' && r.state === 'pending' && r.preview.vmName ? c.remove({ vm: `${r.preview.vmName}${r.preview.ip ? ` (${r.preview.ip})` : ''}` }) : '';
  return `${isDryRun(r) ? c.dryRun : ''}${c[r.state](words)}${victim}`;
}

function alertBlock(r: ScaleRequest, service: Service | undefined, t: CardContext): Block[] {
  const a = r.alert;
  const locale = localeOf(service, t);
  const w = catalog(locale).approval;
  const at = (x: string) => clock(x, t, locale);
  if (r.source === 'min' && r.belowMin) {
    const b = catalog(localeOf(service, t)).belowMin;
    const m = r.belowMin;
    return [{ type: 'section', text: mrkdwn(`${b.card({ service: esc(r.service), count: m.count, min: m.min })}\n${b.detail({ source: m.countSource })}`) }];
  }
  if (!a) {
    return [{ type: 'section', text: mrkdwn(w.requestedBy({ who: mention(r.requestedBy ?? 'unknown'), at: at(r.createdAt), direction: r.direction })) }];
  }
  // Cut before escaping (an entity is never split) and short enough that the links below always fit.
  const lines = [`:rotating_light: *${esc(truncate(a.name, 200))}*${a.summary ? ` — ${esc(truncate(a.summary, 400))}` : ''}`];
  if (a.description) lines.push(esc(truncate(a.description, 1200)));
  const links: string[] = [];
  if (a.startsAt) links.push(w.started({ at: at(a.startsAt) }));
  // Alert-provided URLs: only http(s) becomes a link (link() escapes `|`, `>` and `&<>`); others are left out.
  // Grafana: Explore on the job the rules read when the caller gave its expressions, else GRAFANA_URL itself.
  const grafana = t.exploreExpressions ? grafanaExploreUrl(t.grafanaUrl, t.exploreExpressions) : t.grafanaUrl;
  for (const [url, label] of [[a.generatorURL, w.source], [a.externalURL ?? t.alertmanagerUrl, w.alertmanager], [grafana, w.grafana]] as const) {
    if (safeUrl(url)) links.push(link(url, label));
  }
  if (links.length) lines.push(links.join(' · '));
  if (r.fireCount > 1) lines.push(w.firedAgain({ times: r.fireCount - 1, at: at(r.lastFiredAt) }));
  if (r.alertResolvedAt) lines.push(w.resolved({ at: at(r.alertResolvedAt) }));
  return [{ type: 'section', text: mrkdwn(lines.join('\n')) }];
}

/** `a, b, c (3)`, or the first few and how many more. */
function protectedNames(names: readonly string[], w: Catalog['protect']): string {
  const shown = names.slice(0, 3).map(esc).join(', ');
  return names.length > 3 ? w.moreNames({ names: shown, more: names.length - 3 }) : w.names({ names: shown, count: names.length });
}

function planFields(r: ScaleRequest, service: Service | undefined, t: CardContext): SectionBlock {
  const p = r.preview;
  const w = catalog(localeOf(service, t)).approval;
  // A finished card shows the count after the run (the preview's count was taken before it); a dry run changed nothing.
  const after = r.state === 'succeeded' && !isDryRun(r) && p.instances !== null;
  const count = after ? p.instances! + (r.direction === 'out' ? 1 : -1) : p.instances;
  const n = count === null ? '?' : String(count);
  const runTime = w.atRunTime;
  const fields: Text[] = [
    mrkdwn(`${after ? w.instancesAfter : w.instances}\n${w.instancesValue({ n, max: p.max, min: p.min, source: p.instancesSource !== 'unknown' && !after ? p.instancesSource : '' })}`),
  ];
  if (r.direction === 'out') {
    fields.push(mrkdwn(`${w.template}\n${esc(p.template)}`));
    fields.push(mrkdwn(`${w.nextVm}\n${p.vmName ? esc(p.vmName) : runTime}`));
    fields.push(mrkdwn(`${w.ipPreview}\n${p.ip ?? runTime}`));
    // Where the VM comes from (a warm pool's ready VM, or a clone) and how long it should take, while that is ahead.
    if ((p.warm || p.expectedMs !== undefined) && ['pending', 'blocked', 'approved'].includes(r.state)) {
      const expected = p.expectedMs !== undefined ? formatDuration(localeOf(service, t), p.expectedMs) : '';
      fields.push(mrkdwn(`${w.vmSource}\n${p.warm
        ? w.fromWarm({ vm: esc(p.warm.vmName), state: w.warmState[p.warm.state], expected })
        : w.coldClone({ template: esc(p.template), expected })}`));
    }
  } else {
    fields.push(mrkdwn(`${w.vmToRemove}\n${p.vmName ? `${esc(p.vmName)}${p.ip ? ` (${p.ip})` : ''}` : runTime}`));
    if (p.protectedVms?.length) {
      const pw = catalog(localeOf(service, t)).protect;
      fields.push(mrkdwn(`*${pw.cardField}*\n:shield: ${protectedNames(p.protectedVms, pw)}`));
    }
  }
  fields.push(mrkdwn(`${w.f5Pool}\n${esc(p.f5Pool)}${service ? `:${service.f5.port}` : ''}`));
  fields.push(mrkdwn(`${w.executor}\n${r.executor}${isDryRun(r) ? w.changesNothing : ''}`));
  return { type: 'section', fields };
}

function approvalLine(r: ScaleRequest, service: Service | undefined, t: CardContext): string[] {
  const lines: string[] = [];
  const locale = localeOf(service, t);
  const w = catalog(locale).approval;
  const at = (x: string | Date) => clock(x, t, locale);
  const rel = (x: string | Date) => relative(x, t, locale);
  const approvers = service?.approval.approvers ?? [];
  if (r.state === 'pending') {
    lines.push(approvers.length ? w.approvers({ who: approvers.map(mention).join(', ') }) : w.anyone);
    if (t.frozenUntil) lines.push(w.frozen({ until: at(t.frozenUntil), relative: rel(t.frozenUntil) }));
    if (r.autoApproveAt && t.frozenUntil) lines.push(w.waitsForFreeze({ due: at(r.autoApproveAt) }));
    else if (r.autoApproveAt) lines.push(w.autoApproves({ at: at(r.autoApproveAt), relative: rel(r.autoApproveAt) }));
    else if (service?.approval.mode === 'manual') lines.push(w.waitsForHuman);
  }
  if (r.blocked) {
    const until = r.blocked.until ? w.possibleAt({ at: at(r.blocked.until), relative: rel(r.blocked.until) }) : '';
    lines.push(`${w.notNow({ why: blockedText(r, service, t) })}${until}`);
  }
  const d = r.decision;
  if (d) {
    const head = d.by === 'auto' ? w.autoApproved({ at: at(d.at) })
      : d.kind === 'approved' ? w.approvedBy({ who: mention(d.by), at: at(d.at) }) : w.rejectedBy({ who: mention(d.by), at: at(d.at) });
    lines.push(`${head}${d.reason ? w.reason({ reason: esc(d.reason) }) : ''}`);
  }
  if (r.state === 'withdrawn' && !r.silence) {
    const why = withdrawnText(locale, r.events.findLast((e) => e.type === 'withdrawn' || e.type === 'superseded'), t);
    lines.push(w.withdrawn({ why: esc(why) }));
  }
  lines.push(...silenceLines(r, service, t));
  return lines;
}

/** The refusal as the card says it: the catalog's words for the reasons that have them, else the stored message. */
function blockedText(r: ScaleRequest, service: Service | undefined, t: CardContext): string {
  const b = r.blocked!;
  const w = catalog(localeOf(service, t)).protect;
  if (b.code === 'protected' && r.preview.vmName) return w.victimProtected({ vm: esc(r.preview.vmName) }).replace(/\.$/, '');
  if (b.code === 'nothing_to_remove' && r.preview.protectedVms?.length) return w.allProtected({ service: esc(r.service), count: r.preview.protectedVms.length });
  return esc(blockText(localeOf(service, t), b, t, { until: false }));
}

function localeOf(service: Service | undefined, t: CardContext): Locale {
  return service?.locale ?? t.locale ?? 'en';
}

function silenceWords(service: Service | undefined, t: CardContext): { s: Catalog['silence']; when: (at: string) => string } {
  const locale = localeOf(service, t);
  return { s: catalog(locale).silence, when: (at) => formatTime(new Date(at), { locale, timeZone: t.tz, now: t.now }) };
}

/** Who made a silence in Alertmanager: a Slack user when the bot made it (`slack:U…`), else the name as they typed it. */
function silenceAuthor(createdBy: string): string {
  const m = /^slack:([UW][A-Z0-9]+)\b/.exec(createdBy);
  return m ? mention(m[1]!) : esc(truncate(createdBy, 100));
}

function silenceLines(r: ScaleRequest, service: Service | undefined, t: CardContext): string[] {
  const { s, when } = silenceWords(service, t);
  const lines: string[] = [];
  if (r.silence) {
    const direction = r.direction === 'out' ? s.scaleOut : s.scaleIn;
    lines.push(s.silencedBy({ who: mention(r.silence.by), until: when(r.silence.until), service: esc(r.service), direction }));
    if (r.silence.expiredAt) lines.push(s.unsilencedBy({ who: mention(r.silence.expiredBy ?? 'unknown'), at: when(r.silence.expiredAt) }));
  }
  const base = safeUrl(t.alertmanagerUrl)?.replace(/\/+$/, '');
  for (const x of r.alertmanagerSilences ?? []) {
    if (x.id === r.silence?.id) continue;
    const text = s.inAlertmanager({ who: silenceAuthor(x.createdBy), until: when(x.endsAt) });
    lines.push(base ? `${text} · ${link(`${base}/#/silences/${encodeURIComponent(x.id)}`, 'Alertmanager')}` : text);
  }
  return lines;
}

const STEP_ICON: Record<StepRecord['state'], string> = {
  running: ':hourglass_flowing_sand:', done: ':white_check_mark:', failed: ':x:', undone: ':leftwards_arrow_with_hook:',
};

function stepsBlock(r: ScaleRequest, locale: Locale): Block[] {
  const a = r.attempts[r.attempts.length - 1];
  if (!a) return [];
  const lines = a.steps.map((s) => {
    const dur = s.durationMs !== undefined ? ` (${formatDuration(locale, s.durationMs)})` : '';
    const d = stepDetailText(locale, s);
    const detail = d ? ` — ${esc(truncate(d, 300))}` : '';
    return `${STEP_ICON[s.state]} ${stepLabel(locale, s.name)}${dur}${detail}`;
  });
  const w = catalog(locale).approval;
  const head = r.attempts.length > 1 ? w.attemptOf({ n: a.n, of: r.attempts.length }) : w.attempt({ n: a.n });
  const blocks: Block[] = [{ type: 'section', text: mrkdwn([head, ...lines].join('\n')) }];
  if (r.state === 'succeeded' && a.result) {
    const total = a.finishedAt ? formatDuration(locale, Date.parse(a.finishedAt) - Date.parse(a.startedAt)) : '';
    const res = a.result;
    const what = r.direction === 'out'
      ? w.joined({ vm: esc(res.vmName ?? '?'), ip: res.ip ?? '?', pool: esc(r.preview.f5Pool), member: res.member ?? '' })
      : w.removed({ vm: esc(res.vmName ?? '?'), ip: res.ip ?? '?' });
    blocks.push({ type: 'section', text: mrkdwn(w.finishedIn({ what, total })) });
  }
  if (r.state === 'failed' && a.error) {
    const undone = a.undone.length ? w.undone({ what: undoneTexts(locale, a).map(esc).join('; ') }) : w.nothingUndone;
    const step = stepLabel(locale, a.error.step);
    blocks.push({ type: 'section', text: mrkdwn(`${w.failedAt({ step, error: esc(truncate(errorText(locale, a.error), 1500)) })}${undone}`) });
  }
  return blocks;
}

function preflightBlock(r: ScaleRequest, locale: Locale): Block[] {
  if (!r.preview.checks.length || !['pending', 'blocked'].includes(r.state)) return [];
  const text = r.preview.checks.map((c) => `${c.ok ? ':white_check_mark:' : ':warning:'} ${esc(checkText(locale, c))}`).join('   ');
  return [{ type: 'context', elements: [mrkdwn(truncate(catalog(locale).approval.preflight({ checks: text }), LIMITS.context))] }];
}

function button(text: string, actionId: string, value: string, style: 'primary' | 'danger' | undefined, confirm: { title: string; text: string; confirm: string; deny: string }): Button {
  return {
    type: 'button',
    text: plain(text, LIMITS.buttonText),
    action_id: actionId,
    value,
    ...(style ? { style } : {}),
    confirm: {
      title: plain(confirm.title, 100),
      text: mrkdwn(confirm.text),
      confirm: plain(confirm.confirm, 30),
      deny: plain(confirm.deny, 30),
      ...(style === 'danger' ? { style: 'danger' as const } : {}),
    },
  };
}

/** The silence menu: one option per length, each value `<requestId>:<length>`; shown only when ALERTMANAGER_URL is set. */
function silenceMenu(r: ScaleRequest, service: Service | undefined, t: CardContext): StaticSelect {
  const { s } = silenceWords(service, t);
  const label: Record<SilenceLength, string> = { '1h': s.oneHour, '4h': s.fourHours, tomorrow: s.untilTomorrow };
  return {
    type: 'static_select',
    action_id: ACTION.silence,
    placeholder: plain(s.menu, LIMITS.buttonText),
    options: SILENCE_LENGTHS.map((len) => ({ text: plain(label[len], LIMITS.buttonText), value: silenceValue(r.id, len) })),
    confirm: {
      title: plain(s.confirmTitle, 100),
      text: mrkdwn(s.confirmText({ service: esc(r.service), direction: r.direction === 'out' ? s.scaleOut : s.scaleIn })),
      confirm: plain(s.confirm, 30),
      deny: plain(s.cancel, 30),
    },
  };
}

function unsilenceButton(r: ScaleRequest, service: Service | undefined, t: CardContext): Button {
  const { s } = silenceWords(service, t);
  const direction = r.direction === 'out' ? s.scaleOut : s.scaleIn;
  return button(s.unsilence, ACTION.unsilence, r.id, undefined, {
    title: s.unsilenceTitle, text: s.unsilenceText({ service: esc(r.service), direction }), confirm: s.unsilence, deny: s.cancel,
  });
}

function actions(r: ScaleRequest, service: Service | undefined, t: CardContext): Block[] {
  const c = catalog(localeOf(service, t)).card;
  const what = c.what({ verb: r.direction === 'out' ? c.scaleOut : c.scaleIn, service: r.service, vm: r.preview.vmName ?? '' });
  if (r.state === 'pending') {
    return [{
      type: 'actions',
      block_id: 'decision',
      elements: [
        button(c.approve, ACTION.approve, r.id, 'primary', { title: c.approveTitle, text: c.approveText({ what }), confirm: c.approve, deny: c.cancel }),
        button(c.reject, ACTION.reject, r.id, 'danger', { title: c.rejectTitle, text: c.rejectText({ what }), confirm: c.reject, deny: c.cancel }),
        ...(t.alertmanagerUrl ? [silenceMenu(r, service, t)] : []),
      ],
    }];
  }
  // Unsilence while the silence made from this card still runs (a later click on an expired one is harmless: done).
  if (r.silence && !r.silence.expiredAt && Date.parse(r.silence.until) > t.now.getTime()) {
    return [{ type: 'actions', block_id: 'silence', elements: [unsilenceButton(r, service, t)] }];
  }
  if (r.state === 'failed') {
    return [{
      type: 'actions',
      block_id: 'retry',
      elements: [button(c.retry, ACTION.retry, r.id, 'primary', { title: c.retryTitle, text: c.retryText({ what }), confirm: c.retry, deny: c.cancel })],
    }];
  }
  return [];
}

export function renderCard(r: ScaleRequest, service: Service | undefined, t: CardContext): { text: string; blocks: Block[] } {
  const approval = approvalLine(r, service, t);
  const locale = localeOf(service, t);
  const state = catalog(locale).states[r.state];
  const blocks: Block[] = [
    { type: 'header', text: plain(headline(r, locale)) },
    ...alertBlock(r, service, t),
    planFields(r, service, t),
    ...preflightBlock(r, localeOf(service, t)),
    ...(approval.length ? [{ type: 'section' as const, text: mrkdwn(approval.join('\n')) }] : []),
    ...stepsBlock(r, localeOf(service, t)),
    ...actions(r, service, t),
    {
      type: 'context',
      elements: [mrkdwn(`${r.id} · ${state}${isDryRun(r) ? catalog(locale).approval.dryRunContext : ''}`)],
    },
  ];
  // `text` is the notification / accessibility fallback.
  return { text: `${headline(r, locale)} (${state})`, blocks };
}
