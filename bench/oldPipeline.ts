/**
 * The user's old scale-out pipeline (jenkins/Jenkinsfile.autoscale with scripts/get-available-ip.py
 * and scripts/add-f5-pool-member.py, in ../shared/reference/user-guide.ko.md), re-enacted as a
 * baseline for `npm run bench`. Its structure, stage by stage, with every fixed wait multiplied by
 * `scale` (the bench uses 1/20):
 *
 *  1. Get Available IP: walk the pool one address at a time (skipping its first and last, as the
 *     script does), `ping -c 1 -W 2` each; the first silent address is taken. A silent address
 *     costs the whole 2 s timeout.
 *  2. Ping Test: `ping -c 3 -W 2` the chosen address (3 probes 1 s apart, then 2 s of waiting).
 *  3. Create VM from Template: govc clone, customize (IP, netmask, gateway) and power on. The
 *     Jenkinsfile passes `-ip` to `vm.clone`; govc does that as clone + vm.customize + power on,
 *     which is what is run here, so vCenter does the same work as for the bot.
 *  4. Wait for VM Boot: sleep 60 s, then ping every 10 s (each a `ping -c 1 -W 2`), 30 tries.
 *  5. Health Check: empty in the original.
 *  6. Add to F5 Pool: login for a token, POST the member `ip:port` (409 = already there).
 *
 * "ping" is modelled by a TCP connection to `probePort` on the address: connected = answered;
 * refused or no answer = silence, which lasts the ping timeout (ICMP to an address nobody owns
 * cannot be modelled on loopback, where every 127.x address refuses at once).
 *
 * External programs run through argument arrays (runProcess), never a shell.
 * CLI: node --import tsx bench/oldPipeline.ts '<options as JSON>' (prints the result as JSON).
 */
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { runProcess } from '../src/integrations/process.js';
import { intToIp, ipToInt } from '../src/ipv4.js';

export interface OldPipelineOptions {
  govcBin: string;
  /** GOVC_URL etc., as strings for the child's environment. */
  govcEnv: Record<string, string>;
  template: string;
  vmName: string;
  folder: string;
  pool: string;
  datastore: string;
  ipPool: { start: string; end: string };
  netmask: string;
  gateway: string;
  dns: string[];
  /** The port the modelled ping connects to. */
  probePort: number;
  f5: { url: string; username: string; password: string; pool: string; partition: string; port: number };
  /** Multiplies every fixed wait and timeout of the original (1 = real time). */
  scale: number;
  /** Called as each stage starts and ends, and once the VM is powered on (with its IP). */
  onEvent?: (e: OldPipelineEvent) => void;
}

export type OldPipelineEvent =
  | { kind: 'stage'; stage: Stage; phase: 'start' | 'end'; at: number }
  | { kind: 'powered-on'; ip: string; vmName: string; at: number };

export const STAGES = ['get-available-ip', 'ping-test', 'create-vm', 'wait-for-boot', 'health-check', 'add-to-f5'] as const;
export type Stage = (typeof STAGES)[number];

export interface OldPipelineResult {
  ip: string;
  vmName: string;
  member: string;
  stages: Array<{ stage: Stage; ms: number }>;
  /** Addresses probed by the scan, in order, and the boot pings made before the guest answered. */
  scanned: string[];
  bootPings: number;
  totalMs: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** `ping -c 1 -W <timeout>` modelled: true at once when something accepts; false only after the full timeout. */
export async function modelledPing(ip: string, port: number, timeoutMs: number): Promise<boolean> {
  const started = performance.now();
  const answered = await new Promise<boolean>((resolve) => {
    const s = connect({ host: ip, port });
    const timer = setTimeout(() => { s.destroy(); resolve(false); }, timeoutMs);
    s.once('connect', () => { clearTimeout(timer); s.destroy(); resolve(true); });
    s.once('error', () => { clearTimeout(timer); s.destroy(); resolve(false); });
  });
  if (!answered) await sleep(Math.max(0, timeoutMs - (performance.now() - started)));
  return answered;
}

export async function runOldPipeline(o: OldPipelineOptions): Promise<OldPipelineResult> {
  for (const ip of [o.ipPool.start, o.ipPool.end]) {
    if (!ip.startsWith('127.')) throw new Error(`old pipeline bench: ${ip} is not a loopback address`);
  }
  const pingTimeout = 2_000 * o.scale;
  const pingInterval = 1_000 * o.scale;
  const t0 = performance.now();
  const stages: OldPipelineResult['stages'] = [];
  const stage = async <T>(name: Stage, body: () => Promise<T>): Promise<T> => {
    const s = performance.now();
    o.onEvent?.({ kind: 'stage', stage: name, phase: 'start', at: s });
    const out = await body();
    const e = performance.now();
    stages.push({ stage: name, ms: e - s });
    o.onEvent?.({ kind: 'stage', stage: name, phase: 'end', at: e });
    return out;
  };
  const govc = async (args: string[]): Promise<string> => {
    const r = await runProcess(o.govcBin, args, { env: { PATH: process.env.PATH ?? '', ...o.govcEnv }, timeoutMs: 120_000 });
    if (r.code !== 0) throw new Error(`govc ${args[0]}: ${r.stderr.trim()}`);
    return r.stdout;
  };

  const scanned: string[] = [];
  const ip = await stage('get-available-ip', async () => {
    const start = ipToInt(o.ipPool.start);
    const end = ipToInt(o.ipPool.end);
    // get-available-ip.py skips the range's first and last address.
    for (let n = start + 1; n < end; n++) {
      const addr = intToIp(n);
      scanned.push(addr);
      if (!(await modelledPing(addr, o.probePort, pingTimeout))) return addr;
    }
    throw new Error('사용 가능한 IP를 찾을 수 없습니다 (no free address in the pool)');
  });

  await stage('ping-test', async () => {
    // ping -c 3 -W 2: three probes a second apart, the last one waited for 2 s.
    const answers = [await modelledPing(ip, o.probePort, pingInterval), await modelledPing(ip, o.probePort, pingInterval), await modelledPing(ip, o.probePort, pingTimeout)];
    if (answers.some(Boolean)) throw new Error(`IP ${ip} is already in use`);
  });

  const path = `${o.folder}/${o.vmName}`;
  await stage('create-vm', async () => {
    await govc(['vm.clone', '-vm', o.template, '-on=false', '-folder', o.folder, '-pool', o.pool, '-ds', o.datastore, o.vmName]);
    await govc(['vm.customize', '-vm.ipath', path, '-ip', ip, '-netmask', o.netmask, '-gateway', o.gateway,
      ...o.dns.flatMap((d) => ['-dns-server', d]), '-name', o.vmName, '-type', 'Linux']);
    await govc(['vm.power', '-on', '-vm.ipath', path]);
    o.onEvent?.({ kind: 'powered-on', ip, vmName: o.vmName, at: performance.now() });
  });

  let bootPings = 0;
  await stage('wait-for-boot', async () => {
    await sleep(60_000 * o.scale);
    for (let retry = 0; retry < 30; retry++) {
      bootPings++;
      if (await modelledPing(ip, o.probePort, pingTimeout)) return;
      await sleep(10_000 * o.scale);
    }
    throw new Error(`VM 부팅 실패: ${ip} (no ping answer after 30 tries)`);
  });

  await stage('health-check', async () => undefined); // the original stage is a placeholder

  const member = `${ip}:${o.f5.port}`;
  await stage('add-to-f5', async () => {
    const login = await fetch(`${o.f5.url}/mgmt/shared/authn/login`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: o.f5.username, password: o.f5.password, loginProviderName: 'tmos' }),
    });
    if (!login.ok) throw new Error(`F5 login: HTTP ${login.status}`);
    const token = ((await login.json()) as { token: { token: string } }).token.token;
    const r = await fetch(`${o.f5.url}/mgmt/tm/ltm/pool/~${o.f5.partition}~${o.f5.pool}/members`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-f5-auth-token': token },
      body: JSON.stringify({ name: member, partition: o.f5.partition }),
    });
    if (!(r.ok || r.status === 409)) throw new Error(`F5 add member ${member}: HTTP ${r.status} ${await r.text()}`);
  });

  return { ip, vmName: o.vmName, member, stages, scanned, bootPings, totalMs: performance.now() - t0 };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const opts = JSON.parse(process.argv[2] ?? '{}') as OldPipelineOptions;
  runOldPipeline(opts).then(
    (r) => { process.stdout.write(`${JSON.stringify(r, null, 2)}\n`); },
    (e: unknown) => { process.stderr.write(`old pipeline: ${(e as Error).message}\n`); process.exit(1); },
  );
}
