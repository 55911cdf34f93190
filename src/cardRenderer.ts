/**
 * The card-rendering adapter, part of the composition root: a stored request → its Block Kit card,
 * with what the card shows of now (a freeze in force, links, the language). SlackSurface is given
 * this function, so integrations/ know neither the cards nor the policies.
 */
import { renderCard } from './cards/approvalCard.js';
import type { Clock } from './clock.js';
import type { Locale } from './i18n/index.js';
import { serviceExpressions } from './integrations/plg/render.js';
import type { CardRenderer } from './integrations/slackSurface.js';
import { getService } from './store/services.js';
import type { StoreView as Store } from './store/store.js';
import type { FreezeCalendar } from './workflows/freeze.js';

export interface CardRendererOptions {
  store: Store;
  clock: Clock;
  freezes: FreezeCalendar;
  /** BOT_TIMEZONE: every time on a card. */
  tz: string;
  alertmanagerUrl?: string;
  grafanaUrl?: string;
  /** BOT_LOCALE (a service's own `locale` wins on its cards). */
  locale?: Locale;
}

export function cardRenderer(o: CardRendererOptions): CardRenderer {
  return (r) => {
    const now = o.clock.now();
    const service = getService(o.store, r.service);
    return renderCard(r, service, {
      tz: o.tz, now, alertmanagerUrl: o.alertmanagerUrl, grafanaUrl: o.grafanaUrl, locale: o.locale,
      // The Grafana link opens Explore on what the service's rules read.
      exploreExpressions: service && o.grafanaUrl ? serviceExpressions(service) : undefined,
      frozenUntil: service ? o.freezes.frozenUntil(service, now) : undefined,
    });
  };
}
