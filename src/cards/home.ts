/** The App Home tab: services with instances and pool usage, pending approvals, recent history. */
import type { Service } from '../config.js';
import type { ScaleRequest } from '../store/types.js';
import { catalog, type Locale } from '../i18n/index.js';
import { messages } from './messages.js';
import { escape as esc, mention } from './mrkdwn.js';
import { clock, relative, type TimeContext } from './time.js';

export interface HomeService { service: Service; leased: number; poolSize: number; instances: number | null; protectedVms?: string[] }

export function renderHome(services: HomeService[], open: ScaleRequest[], recent: ScaleRequest[], t: TimeContext, locale: Locale = 'en'): Record<string, unknown> {
  const w = catalog(locale).protect;
  const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } });
  const blocks: Record<string, unknown>[] = [{ type: 'header', text: { type: 'plain_text', text: 'VM autoscaling' } }];
  blocks.push(section('*Services*'));
  if (!services.length) blocks.push(section('_No services yet: `/autoscale service create` or `cli services apply`._'));
  for (const s of services.slice(0, 30)) {
    const c = s.service;
    blocks.push(section(`${c.enabled ? ':large_green_circle:' : ':white_circle:'} *${c.name}* — instances ${s.instances ?? '?'} (min ${c.scaling.min}, max ${c.scaling.max}) · IPs ${s.leased}/${s.poolSize} leased · approval ${c.approval.mode} · <#${c.channel}>${s.protectedVms?.length ? w.homeSuffix({ vms: s.protectedVms.slice(0, 10).map(esc).join(', ') }) : ''}`));
  }
  blocks.push({ type: 'divider' }, section('*Open requests*'));
  blocks.push(section(open.length ? open.slice(0, 20).map((r) => `• *${r.service}* ${messages.verb(r.direction)} — ${messages.stateText(r)}${r.autoApproveAt && r.state === 'pending' ? `, auto-approves ${clock(r.autoApproveAt, t)} (${relative(r.autoApproveAt, t)})` : ''}`).join('\n') : '_None._'));
  blocks.push({ type: 'divider' }, section('*Recent history*'));
  blocks.push(section(recent.length ? recent.slice(0, 15).map((r) => `• ${clock(r.createdAt, t)} *${r.service}* ${r.direction} — ${messages.stateText(r)}${r.decision ? ` (${r.decision.by === 'auto' ? 'auto' : mention(r.decision.by)})` : ''}`).join('\n') : '_Nothing yet._'));
  return { type: 'home', blocks };
}
