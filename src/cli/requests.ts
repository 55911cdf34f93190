/**
 * `requests list | show ID | approve|reject|retry ID --as NAME --reason TEXT [--confirm-frozen]`:
 * the break-glass path while Slack is down. list/show only read (no lock, like `services list`);
 * the decisions go through the running bot (admin.sock), whose DecisionService applies every
 * policy, starts the run and updates the card once Slack answers again. Operator output: English.
 */
import { parseArgs } from 'node:util';
import type { AdminOutcome } from '../admin/commands.js';
import { formatDuration } from '../duration.js';
import { readArchivedRequest } from '../store/archive.js';
import { findRequest } from '../store/requests.js';
import type { StoreView as Store } from '../store/store.js';
import { OPEN_STATES, type ScaleRequest } from '../store/types.js';
import { blockText, eventText, stepDetailText, undoneTexts } from '../cards/facts.js';
import type { CliIo } from './registry.js';

/** Finished requests shown by `requests list` after the open ones. */
const RECENT = 20;

export type RunInBot = (command: string, input: unknown) => Promise<AdminOutcome>;

function pad(rows: string[][]): string {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/** Bot messages are Slack mrkdwn; a terminal wants the plain words. */
export function plain(text: string): string {
  return text.replace(/<@([A-Z0-9]+)>/g, '@$1').replace(/\*/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

function age(from: string, now: Date): string {
  return formatDuration(Math.max(0, now.getTime() - Date.parse(from)));
}

function who(by: string): string {
  return by === 'auto' ? 'auto' : by;
}

function listRows(requests: readonly ScaleRequest[], now: Date): string {
  const rows = [['ID', 'SERVICE', 'DIRECTION', 'STATE', 'AGE', 'DECIDED BY', 'CARD']];
  for (const r of requests) {
    rows.push([r.id, r.service, r.direction, r.state, age(r.createdAt, now), r.decision ? who(r.decision.by) : '-', r.card ? 'posted' : 'not posted']);
  }
  return pad(rows);
}

export function formatList(all: readonly ScaleRequest[], now: Date): string {
  const open = all.filter((r) => OPEN_STATES.includes(r.state));
  const recent = all.filter((r) => !OPEN_STATES.includes(r.state)).slice(-RECENT).reverse();
  const parts = [`open (${open.length}):`, open.length ? listRows(open, now) : '  none'];
  parts.push('', `recent (last ${RECENT} finished, newest first):`, recent.length ? listRows(recent, now) : '  none');
  return parts.join('\n');
}

export function formatShow(r: ScaleRequest, now: Date, archived: boolean): string {
  const lines = [
    `request    ${r.id}${archived ? '  (from the archive)' : ''}`,
    `service    ${r.service}`,
    `direction  ${r.direction}`,
    `state      ${r.state}`,
    `executor   ${r.executor}`,
    `source     ${r.source === 'manual' ? `manual (${r.requestedBy ?? 'unknown'})` : `alert ${r.alert?.name ?? ''}${r.fireCount > 1 ? ` (fired ${r.fireCount} times)` : ''}`}`,
    `created    ${r.createdAt} (${age(r.createdAt, now)} ago)`,
    `updated    ${r.updatedAt}`,
  ];
  if (r.alert?.summary) lines.push(`summary    ${r.alert.summary}`);
  if (r.autoApproveAt && r.state === 'pending') lines.push(`auto-approves at ${r.autoApproveAt}`);
  lines.push(`decision   ${r.decision ? `${r.decision.kind} by ${who(r.decision.by)} at ${r.decision.at}${r.decision.reason ? ` — ${r.decision.reason}` : ''}` : '-'}`);
  if (r.blocked) lines.push(`blocked    ${plain(blockText('en', r.blocked))}${r.blocked.until ? ` (until ${r.blocked.until})` : ''}`);
  lines.push(`card       ${r.card ? `${r.card.channel} ${r.card.ts}` : 'not posted (Slack unreachable, or not yet)'}`);
  if (r.finishedAt) lines.push(`finished   ${r.finishedAt}`);
  for (const a of r.attempts) {
    lines.push('', `attempt ${a.n}: ${a.outcome ?? 'in progress'} (started ${a.startedAt}${a.finishedAt ? `, finished ${a.finishedAt}` : ''})`);
    const rows = [['  STEP', 'STATE', 'DURATION', 'DETAIL']];
    for (const s of a.steps) rows.push([`  ${s.name}`, s.state, s.durationMs !== undefined ? formatDuration(s.durationMs) : '-', plain(stepDetailText('en', s) ?? '')]);
    if (a.steps.length) lines.push(pad(rows));
    if (a.error) lines.push(`  error at ${a.error.step}: ${a.error.code}: ${a.error.message}`);
    if (a.undone.length) lines.push(`  undone: ${plain(undoneTexts('en', a).join('; '))}`);
    if (a.result?.vmName || a.result?.ip) lines.push(`  result: ${[a.result.vmName, a.result.ip, a.result.member].filter(Boolean).join(' ')}`);
  }
  lines.push('', 'events:');
  const rows = [['  AT', 'EVENT', 'BY', 'DETAIL']];
  for (const e of r.events) rows.push([`  ${e.at}`, e.type, e.by ? who(e.by) : '', plain(eventText('en', e) ?? '')]);
  lines.push(pad(rows));
  return lines.join('\n');
}

const DECISIONS = { approve: 'requests.approve', reject: 'requests.reject', retry: 'requests.retry' } as const;

export async function runRequests(cmd: string | undefined, rest: string[], io: CliIo, open: () => Promise<Store>, runInBot: RunInBot, dataDir: string, now: () => Date): Promise<number> {
  if (cmd === 'list') {
    const store = await open();
    io.out(formatList(store.data.requests, now()));
    return 0;
  }
  if (cmd === 'show') {
    const id = rest[0];
    if (!id || rest.length > 1) {
      io.err('usage: requests show ID');
      return 2;
    }
    const store = await open();
    const live = findRequest(store, id);
    const r = live ?? (await readArchivedRequest(dataDir, id));
    if (!r) {
      io.err(`requests show: no request ${id} in the store or its archive`);
      return 2;
    }
    io.out(formatShow(r, now(), !live));
    return 0;
  }
  if (cmd === 'approve' || cmd === 'reject' || cmd === 'retry') {
    let parsed;
    try {
      parsed = parseArgs({
        args: rest, allowPositionals: true, strict: true,
        options: { as: { type: 'string' }, reason: { type: 'string' }, ...(cmd === 'reject' ? {} : { 'confirm-frozen': { type: 'boolean' } }) },
      });
    } catch (e) {
      io.err(`requests ${cmd}: ${(e as Error).message}`);
      return 2;
    }
    const { values, positionals } = parsed;
    const problems: string[] = [];
    if (positionals.length !== 1) problems.push('exactly one request id is required (see `requests list`)');
    if (!values.as) problems.push('--as NAME is required: who decides (recorded as cli:NAME)');
    if (!values.reason?.trim()) problems.push('--reason TEXT is required: why (recorded in the audit and on the card)');
    if (problems.length) {
      io.err(`usage: requests ${cmd} ID --as NAME --reason TEXT${cmd === 'reject' ? '' : ' [--confirm-frozen]'}`);
      for (const p of problems) io.err(`  ${p}`);
      return 2;
    }
    const input = { id: positionals[0], as: values.as, reason: values.reason, ...(values['confirm-frozen'] ? { confirmFrozen: true } : {}) };
    const outcome = await runInBot(DECISIONS[cmd], input);
    if (!outcome.ok) {
      io.err(`requests ${cmd}: ${plain(outcome.message)}`);
      for (const p of outcome.problems ?? []) io.err(`  ${p}`);
      if (outcome.code === 'refused' && outcome.reason === 'frozen') io.err(`  run it again with --confirm-frozen to ${cmd} during the freeze`);
      return outcome.code === 'failed' ? 1 : 2;
    }
    const r = outcome.result as { requestId: string; state: string; by: string };
    io.out(`${r.requestId}: ${cmd === 'reject' ? 'rejected' : cmd === 'retry' ? 'retried' : 'approved'} by ${r.by}; now ${r.state}. \`requests show ${r.requestId}\` follows the run; the card catches up when Slack answers.`);
    return 0;
  }
  io.err('usage: requests list | show ID | approve|reject|retry ID --as NAME --reason TEXT [--confirm-frozen]');
  return 2;
}
