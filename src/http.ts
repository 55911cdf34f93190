/** The HTTP listener: /alertmanager, /healthz, /metrics, and /slack/events (HTTP mode). */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { sendJson } from './handlers/alertmanager.js';
import { handleAlertmanager, handleServiceDiscovery } from './handlers/index.js';
import type { Deps } from './workflows/deps.js';

export type Listener = (req: IncomingMessage, res: ServerResponse) => void;

/** `slack`: whether Slack's Web API answers (reported, never failing the probe: the bot decides and runs without it). */
export function createHttpServer(deps: Deps, slack: Listener | undefined, startedAt = Date.now(), health: { slack?: () => { slack: 'ok' | 'degraded' } } = {}): Server {
  return createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const done = (e: unknown) => {
      deps.logger.error({ err: e, path }, 'request failed');
      if (!res.headersSent) sendJson(res, 500, { error: 'internal error' });
      else res.end();
    };
    try {
      switch (path) {
        case '/alertmanager':
          handleAlertmanager(req, res, deps).catch(done);
          return;
        case '/healthz': {
          const degraded = deps.store.lastWriteError;
          return sendJson(res, degraded ? 503 : 200, {
            status: degraded ? 'degraded' : 'ok',
            store: degraded ? `cannot write: ${degraded.message}` : 'ok',
            ...(health.slack?.() ?? {}),
            mode: deps.config.socketMode ? 'socket' : 'http',
            executor: deps.config.defaultExecutor,
            uptimeSeconds: Math.round((Date.now() - startedAt) / 1000),
          });
        }
        case '/metrics':
          deps.metrics.registry
            .metrics()
            .then((text) => {
              res.writeHead(200, { 'content-type': deps.metrics.registry.contentType });
              res.end(text);
            })
            .catch(done);
          return;
        case '/sd/prometheus':
          return handleServiceDiscovery(req, res, deps);
        case '/slack/events':
          if (slack) return slack(req, res);
          return sendJson(res, 404, { error: 'Socket Mode is on: Slack events do not come over HTTP' });
        default:
          return sendJson(res, 404, { error: 'not found' });
      }
    } catch (e) {
      done(e);
    }
  });
}
