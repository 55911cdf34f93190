import type { App } from '@slack/bolt';
import type { HomeView } from '@slack/types';
import { renderHome } from '../cards/home.js';
import { leasesOf, poolSize, protectedLeasesIn } from '../store/leases.js';
import { openRequests } from '../store/requests.js';
import { warmLeasesIn } from '../store/warm.js';
import { listServices } from '../store/services.js';
import type { Deps } from '../workflows/deps.js';

/** App Home as `user` reads it: in their own Slack language when the bot can know it, else BOT_LOCALE. */
export async function homeView(deps: Deps, user?: string): Promise<HomeView> {
  const locale = (user ? await deps.userLocales?.of(user) : undefined) ?? deps.config.BOT_LOCALE;
  const services = await Promise.all(
    listServices(deps.store).map(async (service) => ({
      service,
      leased: leasesOf(deps.store, service.name).length,
      poolSize: poolSize(service.network.ipPool),
      instances: (await deps.inventory.instances(service).catch(() => ({ count: null }))).count,
      protectedVms: protectedLeasesIn(deps.store.data, service.name).map((l) => l.vmName!),
      ...(service.warmPool ? { warm: { ready: warmLeasesIn(deps.store.data, service.name).length, size: service.warmPool.size, state: service.warmPool.state } } : {}),
    })),
  );
  const recent = deps.store.data.requests.slice(-15).reverse();
  return renderHome(services, openRequests(deps.store), recent, { tz: deps.config.BOT_TIMEZONE, now: deps.clock.now() }, locale);
}

export function registerHome(app: App, deps: Deps): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await client.views.publish({ user_id: event.user, view: await homeView(deps, event.user) });
  });
}
