/**
 * The card's Grafana link: Explore on the service's job, so the operator lands on the numbers the rules read instead
 * of Grafana's home page. The `orgId=1&left=<JSON>` form (datasource, queries, range) is the Explore URL state Grafana
 * 9 reads and Grafana 10–11 still accept (they migrate it to `panes` on load). No datasource uid is named: the bot does
 * not know it, and Explore falls back to the default datasource.
 */

/** The PromQL the service's rules read (integrations/plg/render.ts `serviceExpressions`), given by the caller. */
export interface ExploreExpressions {
  cpuBusy: string;
  memoryUsed: string;
}

/** GRAFANA_URL/explore for the service's CPU and memory expressions (the rules' job), last hour; undefined without a base. */
export function grafanaExploreUrl(base: string | undefined, expressions: ExploreExpressions): string | undefined {
  if (!base) return undefined;
  const state = {
    datasource: null,
    queries: [{ refId: 'A', expr: expressions.cpuBusy }, { refId: 'B', expr: expressions.memoryUsed }],
    range: { from: 'now-1h', to: 'now' },
  };
  return `${base.replace(/\/+$/, '')}/explore?orgId=1&left=${encodeURIComponent(JSON.stringify(state))}`;
}
