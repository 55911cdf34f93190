/**
 * A real Alertmanager (Debian's prometheus-alertmanager) on a loopback port, clustering off
 * (`--cluster.listen-address=` empty: no gossip port, no peers). Its config passes the loopback
 * guard first: a running Alertmanager notifies every receiver URL it is given.
 */
import { startServer, type RunningServer } from './prometheus.js';

export function startAlertmanager(configFile: string): Promise<RunningServer> {
  return startServer(
    'alertmanager',
    'prometheus-alertmanager',
    (port, dataDir) => [
      `--config.file=${configFile}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      `--storage.path=${dataDir}`,
    ],
    configFile,
  );
}
