/** The App Home tab: services with instances and pool usage, pending approvals, recent history. */
import { formatDistanceStrict } from 'date-fns';
import { ko as koDates } from 'date-fns/locale';
import type { HomeView, KnownBlock, SectionBlock } from '@slack/types';
import type { Service } from '../config.js';
import type { ScaleRequest } from '../store/types.js';
import { catalog, formatTime, type Locale } from '../i18n/index.js';
import { escape as esc, mention } from './mrkdwn.js';
import { clock, relative, type TimeContext } from './time.js';

export interface HomeService {
  service: Service; leased: number; poolSize: number; instances: number | null; protectedVms?: string[];
  /** The service's warm pool: ready VMs of its size. */
  warm?: { ready: number; size: number; state: 'running' | 'stopped' };
}

/**
 * English keeps the cards' own clock ("14:32 UTC", "in 10 minutes") that existing users and tests read; Korean uses the
 * catalog's locale formatting (`12월 3일 15:30`, `10분 후`) since cards/time.ts speaks English only.
 */
function times(locale: Locale, t: TimeContext): { at: (d: string | Date) => string; rel: (d: string | Date) => string } {
  if (locale === 'en') return { at: (d) => clock(d, t), rel: (d) => relative(d, t) };
  return {
    at: (d) => formatTime(new Date(d), { locale, timeZone: t.tz, now: t.now }),
    rel: (d) => formatDistanceStrict(new Date(d), t.now, { addSuffix: true, roundingMethod: 'ceil', locale: koDates }),
  };
}

export function renderHome(services: HomeService[], open: ScaleRequest[], recent: ScaleRequest[], t: TimeContext, locale: Locale = 'en'): HomeView {
  const c = catalog(locale);
  const w = c.home;
  const { at, rel } = times(locale, t);
  const section = (text: string): SectionBlock => ({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } });
  const blocks: KnownBlock[] = [{ type: 'header', text: { type: 'plain_text', text: w.title.slice(0, 150) } }];
  blocks.push(section(w.services));
  if (!services.length) blocks.push(section(w.noServices));
  for (const s of services.slice(0, 30)) {
    const svc = s.service;
    const line = w.service({
      name: svc.name, instances: s.instances === null ? '?' : String(s.instances), min: svc.scaling.min, max: svc.scaling.max,
      leased: s.leased, poolSize: s.poolSize, mode: svc.approval.mode, channel: `<#${svc.channel}>`,
    });
    const protectedVms = s.protectedVms?.length ? c.protect.homeSuffix({ vms: s.protectedVms.slice(0, 10).map(esc).join(', ') }) : '';
    const warm = s.warm ? c.warm.homeSuffix({ ready: s.warm.ready, size: s.warm.size, state: c.warm.state[s.warm.state] }) : '';
    blocks.push(section(`${svc.enabled ? ':large_green_circle:' : ':white_circle:'} ${line}${warm}${protectedVms}`));
  }
  const verb = (r: ScaleRequest) => (r.direction === 'out' ? w.scaleOut : w.scaleIn);
  blocks.push({ type: 'divider' }, section(w.open));
  blocks.push(section(open.length ? open.slice(0, 20).map((r) =>
    w.openLine({ service: r.service, verb: verb(r), state: w.state[r.state] }) +
    (r.autoApproveAt && r.state === 'pending' ? w.autoApproves({ at: at(r.autoApproveAt), relative: rel(r.autoApproveAt) }) : '')).join('\n') : w.none));
  blocks.push({ type: 'divider' }, section(w.recent));
  blocks.push(section(recent.length ? recent.slice(0, 15).map((r) =>
    w.recentLine({ at: at(r.createdAt), service: r.service, direction: r.direction === 'out' ? w.out : w.in, state: w.state[r.state] }) +
    (r.decision ? w.decidedBy({ who: r.decision.by === 'auto' ? w.auto : mention(r.decision.by) }) : '')).join('\n') : w.nothingYet));
  return { type: 'home', blocks };
}
