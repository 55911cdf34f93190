/**
 * `npm run bench`: every figure of issues 2, 3 and 11, as one table and bench/results.json.
 *
 *   npm run bench                          all figures
 *   node --import tsx bench/run.ts ip      only some sections: webhook | ip | store | chart | scale
 *   BENCH_CPU_PROF=/tmp/prof npm run bench the webhook burst's child processes write CPU profiles there
 *
 * CPU-bound sections run first, the wait-bound vcsim section last. A section that fails is reported
 * (its figures missing, `meets` false where they had a target) and the exit code is 1.
 */
import { fileURLToPath } from 'node:url';
import { chartRender } from './chart.js';
import { ipReserve } from './ipReserve.js';
import { formatTable, toRow, writeResults, type Figure } from './report.js';
import { scaleOut } from './scaleOut.js';
import { sdScrape } from './sdScrape.js';
import { storeWrite } from './storeWrite.js';
import { TIME_SCALE_NOTE, warmPools } from './warmPool.js';
import { webhookBurst } from './webhookBurst.js';

const RESULTS = fileURLToPath(new URL('./results.json', import.meta.url));

const sections: Array<{ key: string; title: string; run: (log: (l: string) => void) => Promise<Figure[]> }> = [
  { key: 'webhook', title: 'webhook burst (issue 2): 1000 POST /alertmanager, 50 in flight, bot child process vs bare node:http', run: webhookBurst },
  { key: 'ip', title: 'IP reservation (issue 3c): /20 pool holding 4,000 leases', run: ipReserve },
  { key: 'sd', title: 'service discovery (issue 13): GET /sd/prometheus, 100 concurrent scrapes, 20 services × 50 VMs', run: sdScrape },
  { key: 'store', title: 'store write (issue 11): empty store vs a year of history, side by side', run: storeWrite },
  { key: 'chart', title: 'card chart (issue 13): ECharts SSR → SVG → resvg PNG, 2 series × 241 points', run: chartRender },
  { key: 'scale', title: 'scale-out on vcsim (-method-delay) + fake F5 (issues 3a, 3b)', run: scaleOut },
  { key: 'warm', title: 'warm pools vs cold clone vs the old pipeline (issue 14), side by side at 1/20 of real time', run: warmPools },
];

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  const log = (line: string) => process.stderr.write(`${line}\n`);
  const figures: Figure[] = [];
  let failed = false;
  const started = performance.now();
  for (const s of sections) {
    if (wanted.length && !wanted.includes(s.key)) continue;
    log(`${s.title}`);
    const t = performance.now();
    try {
      figures.push(...(await s.run(log)));
    } catch (e) {
      failed = true;
      log(`  FAILED: ${(e as Error).stack ?? String(e)}`);
      figures.push({ figure: `${s.key}: section failed (${(e as Error).message.split('\n')[0]})`, value: null, unit: '', target: { on: 'value', op: '=', limit: 1 } });
    }
    log(`  (${((performance.now() - t) / 1000).toFixed(1)} s)`);
  }
  const rows = figures.map(toRow);
  process.stdout.write(`\n${formatTable(rows)}\n`);
  process.stdout.write('\nratio = value / baseline, except "at once" (one-after-another time / at-once time = speedup), overhead (share of the total) and where the figure names its ratio (e.g. old / bot).\n');
  if (wanted.length === 0 || wanted.includes('warm')) process.stdout.write(`${TIME_SCALE_NOTE}\n`);
  if (wanted.length === 0) {
    writeResults(RESULTS, rows);
    process.stdout.write(`written to bench/results.json (${((performance.now() - started) / 1000).toFixed(0)} s in all)\n`);
  } else {
    process.stdout.write('(only some sections ran: bench/results.json left as it was)\n');
  }
  // Child processes and servers are stopped by the sections; nothing should keep the loop alive, but don't hang on a stray handle.
  process.exit(failed ? 1 : 0);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
