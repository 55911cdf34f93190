/** A stand-in for node_exporter on a loopback port: the CPU and memory series the generated rules read. */
import { createServer, type Server } from 'node:http';

/** node_exporter's CPU and memory series; `hot` makes the idle counter crawl (busy ≈ 98%). */
export function fakeNodeExporter(): { server: Server; setHot(h: boolean): void; listen(port: number): Promise<void> } {
  let hot = true;
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
    listen: (port) => new Promise((r) => server.listen(port, '127.0.0.1', () => r())),
  };
}
