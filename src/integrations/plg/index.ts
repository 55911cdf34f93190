/** PLG (Prometheus, Loki, Grafana) stack integration: what the Slack layer and the CLI use. */
export { renderStandalone, renderToDir, renderScrapeJob, renderRuleGroup, renderReceiver, renderRoute, BOT_RECEIVER, type RenderSettings, type StandaloneFiles } from './render.js';
export { mergePrometheus, mergeRules, mergeAlertmanager, removePrometheus, removeRules, removeAlertmanager, PlgMergeError, type MergeSettings } from './merge.js';
export { connectSsh, shellQuote, fingerprintOf, PlgSshError, type RemoteHost, type SshTarget } from './ssh.js';
export {
  planPush,
  planRemove,
  applyPush,
  rulesRead,
  DEFAULT_CHECKS,
  type PlgDeps,
  type PlgPlan,
  type RulesRead,
  type PlgFilePlan,
  type PlanResult,
  type ApplyResult,
  type PlgStep,
  type PlgDetailFact,
  type PlgFailureCode,
  type PlgRole,
} from './push.js';
export { plgDepsFromConfig, type PlgDepsResult } from './deps.js';
