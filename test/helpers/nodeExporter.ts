/** A stand-in for node_exporter on a loopback port: the CPU and memory series the generated rules read. */
import { createServer, type Server } from 'node:http';

/** node_exporter's CPU and memory series; `hot` makes the idle counter crawl (busy ≈ 98%). */
export function fakeNodeExporter(opts: { hot?: boolean } = {}): { server: Server; setHot(h: boolean): void; listen(port: number, host?: string): Promise<void> } {
  let hot = opts.hot ?? true;
  let idle = 1000;
  let last = Date.now();
  const server = createServer((_req, res) => {
    const now = Date.now();
    idle += ((now - last) / 1000) * (hot ? 0.02 : 1.0);
    last = now;
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end([
      '# TYPE node_cpu_seconds_total counter',
      `node_cpu_seconds_total{cpu="0",mode="idle"} ${idle.toFixed(3)}`,
      '# TYPE node_memory_MemTotal_bytes gauge',
      'node_memory_MemTotal_bytes 8.0e+09',
      '# TYPE node_memory_MemAvailable_bytes gauge',
      'node_memory_MemAvailable_bytes 6.0e+09',
      '',
    ].join('\n'));
  });
  return {
    server,
    setHot: (h) => {
      const now = Date.now();
      idle += ((now - last) / 1000) * (hot ? 0.02 : 1.0);
      last = now;
      hot = h;
    },
    // host: a VM's own 127.x address (vcsim VMs get theirs from the service's pool), default 127.0.0.1.
    listen: (port, host = '127.0.0.1') => new Promise((r) => server.listen(port, host, () => r())),
  };
}
