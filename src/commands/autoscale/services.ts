/** `/autoscale service …`: list, show, create / edit (modal), enable / disable, delete (confirm), import / export. */
import type { ModalView } from '@slack/types';
import type { Service } from '../../config.js';
import { argText, confirmPrompt, serviceText, type ServiceStatus } from '../../cards/commandMessages.js';
import { catalog, type Locale } from '../../i18n/index.js';
import { importModal } from '../../cards/importModal.js';
import { serviceModal } from '../../cards/serviceModal.js';
import { serviceFormFacts } from '../../serviceForm.js';
import { servicesToYaml } from '../../servicesFile.js';
import { leasesOf, poolSize } from '../../store/leases.js';
import { openRequestIn, requestsOf } from '../../store/requests.js';
import { getService, listServices, setServiceEnabled } from '../../store/services.js';
import type { Deps } from '../../workflows/deps.js';
import { removeService, withoutSecrets } from '../../workflows/serviceAdmin.js';
import { check, serviceNameArg } from './args.js';
import { confirmationsOf } from './confirmations.js';
import { within } from '../../within.js';
import { answerLater } from './later.js';
import { PAGE_SIZE, pageArg, pageOf } from './paging.js';
import type { CommandContext, Reply, Subcommand } from './types.js';

/** vCenter / F5 may be slow; a list must still answer within Slack's 3 s. */
const INVENTORY_BUDGET_MS = 2000;

/** The reply's language: the user's (dispatch sets it), else BOT_LOCALE; a service's channel reads its own `locale`. */
const lang = (ctx: CommandContext): Locale => ctx.locale ?? ctx.deps.config.BOT_LOCALE;
const channelLang = (ctx: CommandContext, service: Service): Locale => service.locale ?? ctx.deps.config.BOT_LOCALE;
const tctx = (ctx: CommandContext) => ({ tz: ctx.deps.config.BOT_TIMEZONE, now: ctx.deps.clock.now(), locale: lang(ctx) });

async function statusOf(deps: Deps, service: Service): Promise<ServiceStatus> {
  const leased = leasesOf(deps.store, service.name).length;
  const inventory = await within(INVENTORY_BUDGET_MS, deps.inventory.instances(service));
  return {
    service,
    instances: inventory?.count ?? null,
    leased,
    free: Math.max(0, poolSize(service.network.ipPool) - leased),
    last: requestsOf(deps.store, service.name).at(-1),
  };
}

/** The named service, or the refusal to show instead. */
function named(ctx: CommandContext): { service: Service } | { refusal: Reply } {
  const name = ctx.args[0] ?? '';
  const l = lang(ctx);
  const valid = check(serviceNameArg, name, l);
  if (!valid.ok) return { refusal: { text: argText.invalid(catalog(l).args.what.serviceName, name, valid.problem, l) } };
  const service = getService(ctx.deps.store, name);
  return service ? { service } : { refusal: { text: serviceText.unknown(name, l) } };
}

async function openView(ctx: CommandContext, view: ModalView): Promise<Reply> {
  try {
    await ctx.app.client.views.open({ trigger_id: ctx.triggerId, view });
    return undefined;
  } catch (e) {
    ctx.deps.logger.warn({ err: e }, 'views.open failed');
    return { text: serviceText.openModalFailed((e as Error).message, lang(ctx)) };
  }
}

const serviceList: Subcommand = {
  name: 'service list', usage: 'service list [page]', summary: (w) => w.serviceList({ pageSize: PAGE_SIZE }),
  group: 'Services', mutating: false, maxArgs: 1,
  async run(ctx) {
    const asked = pageArg(ctx.args[0], lang(ctx));
    if ('refusal' in asked) return asked.refusal;
    // Only the page's services are asked about: vCenter / F5 answer for 20 services, not for every one.
    const p = pageOf(listServices(ctx.deps.store), asked.page);
    const shown = await Promise.all(p.items.map((s) => statusOf(ctx.deps, s)));
    return { text: serviceText.list(shown, tctx(ctx), { ...p, command: 'service list' }) };
  },
};

const serviceShow: Subcommand = {
  name: 'service show', usage: 'service show <name>', summary: (w) => w.serviceShow,
  group: 'Services', mutating: false, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const found = named(ctx);
    if ('refusal' in found) return found.refusal;
    const yaml = servicesToYaml([withoutSecrets(found.service)]);
    return { text: serviceText.show(await statusOf(ctx.deps, found.service), yaml, tctx(ctx)) };
  },
};

const serviceCreate: Subcommand = {
  name: 'service create', usage: 'service create', summary: (w) => w.serviceCreate,
  group: 'Services', mutating: true, maxArgs: 0,
  run: (ctx) => openView(ctx, serviceModal({ mode: 'create', channel: ctx.channel }, serviceFormFacts(), undefined, lang(ctx))),
};

const serviceEdit: Subcommand = {
  name: 'service edit', usage: 'service edit <name>', summary: (w) => w.serviceEdit,
  group: 'Services', mutating: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const found = named(ctx);
    if ('refusal' in found) return found.refusal;
    return openView(ctx, serviceModal({ mode: 'edit', name: found.service.name, channel: ctx.channel }, serviceFormFacts(), found.service, lang(ctx)));
  },
};

function enableOrDisable(enabled: boolean): Subcommand {
  const verb = enabled ? 'enable' : 'disable';
  return {
    name: `service ${verb}`, usage: `service ${verb} <name>`,
    summary: (w) => (enabled ? w.serviceEnable : w.serviceDisable),
    group: 'Services', mutating: true, minArgs: 1, maxArgs: 1,
    async run(ctx) {
      const found = named(ctx);
      if ('refusal' in found) return found.refusal;
      const { name } = found.service;
      if (found.service.enabled === enabled) return { text: serviceText.enabled(name, enabled, true, lang(ctx)) };
      await setServiceEnabled(ctx.deps.store, name, enabled, ctx.user, ctx.deps.clock.now().toISOString());
      return { text: serviceText.enabled(name, enabled, false, channelLang(ctx, found.service)), inChannel: true };
    },
  };
}

const serviceDelete: Subcommand = {
  name: 'service delete', usage: 'service delete <name>', summary: (w) => w.serviceDelete,
  group: 'Services', mutating: true, minArgs: 1, maxArgs: 1,
  async run(ctx) {
    const { deps } = ctx;
    const found = named(ctx);
    if ('refusal' in found) return found.refusal;
    const { name } = found.service;
    const l = lang(ctx);
    const here = channelLang(ctx, found.service);
    const open = openRequestIn(deps.store.data, name);
    if (open) return { text: serviceText.openRequest(name, open.id, l) };
    const id = confirmationsOf(deps).ask(ctx.user, ctx.channel, async (io) => {
      const r = await removeService(deps.store, name, io.user, deps.clock.now().toISOString());
      const text = (m: Locale) => (r.ok ? serviceText.deleted(name, io.user, m) : r.code === 'open_request' ? serviceText.openRequest(name, r.requestId, m) : serviceText.unknown(name, m));
      await io.reply(text(l));
      if (r.ok) await io.progress(text(here));
    });
    const prompt = serviceText.deletePrompt(name, leasesOf(deps.store, name).length, l);
    return { text: prompt, blocks: confirmPrompt(prompt, serviceText.deleteButton(l), id, true, l) };
  },
};

const serviceImport: Subcommand = {
  name: 'service import', usage: 'service import', summary: (w) => w.serviceImport,
  group: 'Services', mutating: true, maxArgs: 0,
  run: (ctx) => openView(ctx, importModal(ctx.channel, ctx.locale)),
};

const serviceExport: Subcommand = {
  name: 'service export', usage: 'service export [name]', summary: (w) => w.serviceExport,
  group: 'Services', mutating: false, maxArgs: 1,
  async run(ctx) {
    let services = listServices(ctx.deps.store);
    if (ctx.args.length) {
      const found = named(ctx);
      if ('refusal' in found) return found.refusal;
      services = [found.service];
    }
    const yaml = servicesToYaml(services.map(withoutSecrets));
    const filename = ctx.args.length ? `${services[0]!.name}.yaml` : 'services.yaml';
    const l = lang(ctx);
    const note = services.some((s) => s.jenkins?.token) ? `\n${serviceText.secretsNote(l)}` : '';
    return answerLater(ctx, serviceText.exporting(l), async () => {
      try {
        await ctx.app.client.files.uploadV2({ channel_id: ctx.channel, content: yaml, filename, title: filename, snippet_type: 'yaml' });
        return { text: serviceText.exported(services.length, filename, l) + note };
      } catch (e) {
        ctx.deps.logger.info({ err: e }, 'files.uploadV2 failed; answering with a code block');
        return { text: serviceText.exportInline(yaml, (e as Error).message, l) + note };
      }
    }, (e) => serviceText.exportInline(yaml, e.message, l));
  },
};

export const services: Subcommand[] = [
  serviceList, serviceShow, serviceCreate, serviceEdit, enableOrDisable(true), enableOrDisable(false), serviceDelete, serviceImport, serviceExport,
];
