// G×N: gateway processes on one PostgreSQL database behind the balancer of `npm run cluster`
// (scripts/cluster.mjs: nginx when installed, as the script chooses, else its Node balancer). G×1 is the
// first gateway alone behind a balancer of its own, G×2 both behind another, so the balancer's cost is on
// both sides; their runs alternate on the same gateways, with each process's CPU recorded.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, prepareNginx, unprivileged } from '../scripts/cluster.mjs';
import { addCpuUse, type CpuShares, type CpuUse, cpuLimit, cpuSnapshot, cpuUse, sharesOf } from './cpu.js';
import { startGateway } from './gateway-pg.js';
import { freePort, type LoadSettings, load, type Measure, medianOf, type Row, start, stop } from './harness.js';

export type BalancerKind = 'nginx' | 'node';

/** The balancer `npm run cluster` would use: `wanted` checked as its --balancer, else nginx when installed, else Node. */
export function balancerKind(wanted?: string): BalancerKind {
  return parseOptions(wanted ? ['--balancer', wanted] : []).balancer;
}

export interface Balancer {
  kind: BalancerKind;
  port: number;
  /** nginx's master (its workers are its children) or the Node balancer's process. */
  pid: number;
  stop(): Promise<void>;
}

/** The balancer in front of the gateways listening on `ports`, as a process of its own. */
export async function startBalancer(kind: BalancerKind, ports: number[]): Promise<Balancer> {
  const port = await freePort();
  const gateways = ports.map((p) => `http://127.0.0.1:${p}`);
  if (kind === 'node') {
    const child = await start(['bench/balancer.mjs', '--port', String(port), ...gateways.flatMap((g) => ['--gateway', g])], {}, port, { plain: true });
    return { kind, port, pid: child.pid!, stop: () => stop(child) };
  }
  // nginx runs as nobody under root (as the cluster script runs it): its folder sits in one anyone may enter.
  const parent = mkdtempSync(join(tmpdir(), 'registry-bench-nginx-'));
  chmodSync(parent, 0o755);
  try {
    const nginx = prepareNginx({ dir: join(parent, 'nginx'), port, gateways });
    const [program, args] = unprivileged(nginx.file, nginx.args);
    const child = await start(args, {}, port, { program, quiet: true });
    return {
      kind,
      port,
      pid: child.pid!,
      async stop() {
        await stop(child);
        rmSync(parent, { recursive: true, force: true });
      },
    };
  } catch (error) {
    rmSync(parent, { recursive: true, force: true });
    throw error;
  }
}

export interface BalancedGateways {
  /** The gateways' ports, in start order. */
  ports: number[];
  children: ChildProcess[];
  /** balancers[i] is in front of the first i + 1 gateways. */
  balancers: Balancer[];
  stop(): Promise<void>;
}

export interface BalancedOptions {
  url: string;
  /** The run's temporary folder. */
  dir: string;
  count: number;
  cache: boolean;
  /** The scenario's request: each gateway answers it once on start (bench/gateway-pg.ts). */
  body: string;
  kind: BalancerKind;
}

/** `count` gateways on `url` and `count` balancers (the first in front of gateway 1, …, the last of all); null when G does not run on PostgreSQL. */
export async function startBalancedGateways(o: BalancedOptions): Promise<BalancedGateways | null> {
  const ports: number[] = [];
  const children: ChildProcess[] = [];
  const balancers: Balancer[] = [];
  const stopAll = async () => {
    for (const b of balancers.splice(0).reverse()) await b.stop();
    for (const c of children.splice(0).reverse()) await stop(c);
  };
  try {
    for (let i = 0; i < o.count; i++) {
      const port = await freePort();
      const child = await startGateway(o.url, o.dir, port, o.cache, o.body);
      if (!child) {
        await stopAll();
        return null;
      }
      ports.push(port);
      children.push(child);
    }
    for (let i = 1; i <= o.count; i++) balancers.push(await startBalancer(o.kind, ports.slice(0, i)));
  } catch (error) {
    await stopAll();
    throw error;
  }
  return { ports, children: [...children], balancers: [...balancers], stop: stopAll };
}

/** A server's CPU over its runs at one concurrency: per process, in % of one core (bench/cpu.ts). */
export interface CpuRow {
  scenario: number;
  server: string;
  connections: number;
  cpu: CpuShares;
  /** What the shares say limited the run (cpuLimit). */
  limit: string;
  /** CPU time per answered request, per process of the bench (not `other`), in ms. */
  msPerRequest: Record<string, number>;
}

export interface BalancedRun extends LoadSettings {
  scenario: { id: number; name: string };
  url: string;
  dir: string;
  body: string;
  expected: string;
  connections: number[];
  kind: BalancerKind;
  /** PostgreSQL's postmaster: its backends' CPU is counted with it. */
  postgresPid: number;
}

/**
 * G×1 and G×2, uncached then cached. At each concurrency both are warmed (a second each, not measured),
 * then their runs alternate (G×1, G×2, G×1, …), so a change in the machine's other load falls on both
 * alike; the medians, and each one's CPU over its own runs. Every answer is checked against `expected`.
 */
export async function measureBalanced(r: BalancedRun): Promise<{ rows: Row[]; cpu: CpuRow[] } | null> {
  const rows: Row[] = [];
  const cpu: CpuRow[] = [];
  for (const cache of [false, true]) {
    const set = await startBalancedGateways({ url: r.url, dir: r.dir, count: 2, cache, body: r.body, kind: r.kind });
    if (!set) return null;
    try {
      for (const c of r.connections) {
        const measured = await alternate(set, r, c);
        for (const [i, m] of measured.entries()) {
          const server = `G×${i + 1}${cache ? '+cache' : ''}`;
          rows.push({ scenario: r.scenario.id, name: r.scenario.name, server, connections: c, ...m.measure });
          cpu.push({ scenario: r.scenario.id, server, connections: c, ...m.cpu });
          const all = Object.entries(m.cpu.cpu)
            .map(([name, v]) => `${name} ${v}%`)
            .join(', ');
          const { reqPerSec, p50, p99 } = m.measure;
          process.stderr.write(
            `  scenario ${r.scenario.id} ${server} c=${c}: ${reqPerSec.toFixed(0)} req/s, p50 ${p50} ms, p99 ${p99} ms; CPU ${all}; ${m.cpu.limit}\n`,
          );
        }
      }
    } finally {
      await set.stop();
    }
  }
  return { rows, cpu };
}

/** Each balancer of `set` loaded at `c` connections, runs alternating; per balancer its medians and CPU. */
async function alternate(set: BalancedGateways, r: BalancedRun, c: number) {
  const servers = set.balancers.map((balancer) => ({
    balancer,
    roles: {
      'load generator': process.pid,
      [`balancer (${r.kind})`]: balancer.pid,
      ...Object.fromEntries(set.children.map((g, n) => [`gateway ${n + 1}`, g.pid!])),
      PostgreSQL: r.postgresPid,
    },
    runs: [] as Measure[],
    tally: { requests: 0 },
    use: undefined as CpuUse | undefined,
  }));
  for (const s of servers) await load(s.balancer.port, r.body, r.expected, c, { duration: 1, runs: 0 });
  for (let k = 0; k < r.runs; k++) {
    for (const s of servers) {
      const before = cpuSnapshot();
      s.runs.push(await load(s.balancer.port, r.body, r.expected, c, { duration: r.duration, runs: 1, warmUp: false, tally: s.tally }));
      s.use = addCpuUse(s.use, cpuUse(before, cpuSnapshot(), s.roles));
    }
  }
  return servers.map((s) => {
    const shares = sharesOf(s.use!);
    const singleThreaded = Object.keys(s.roles).filter((name) => name !== 'PostgreSQL' && name !== 'balancer (nginx)');
    const msPerRequest = Object.fromEntries(Object.entries(s.use!.seconds).map(([name, v]) => [name, +((v * 1000) / s.tally.requests).toFixed(3)]));
    return { measure: medianOf(s.runs), cpu: { cpu: shares, limit: cpuLimit(shares, singleThreaded), msPerRequest } };
  });
}

/** The CPU rows as a Markdown table: one column per process, in % of one core (the machine has cores × 100 %). */
export function cpuTable(rows: CpuRow[]): string {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.cpu)))];
  return [
    `| scenario | server | connections | ${names.join(' | ')} | limit |`,
    `| --- | --- | --- | ${names.map(() => '---').join(' | ')} | --- |`,
    ...rows.map((r) => `| ${r.scenario} | ${r.server} | ${r.connections} | ${names.map((n) => `${r.cpu[n] ?? ''}%`).join(' | ')} | ${r.limit} |`),
  ].join('\n');
}

/**
 * CPU ms per request by process, and the ceilings they imply whatever else runs: the machine's cores
 * all spent on these processes (cores × 1000 / total ms), and the serving gateways each at one core (a
 * Node process runs its JavaScript on one thread: n × 1000 / their ms together); the lower one bounds.
 */
export function costTable(rows: CpuRow[], cores: number): string {
  const names = [...new Set(rows.flatMap((r) => Object.keys(r.msPerRequest)))];
  const lines = rows.map((r) => {
    const ms = names.map((n) => r.msPerRequest[n] ?? 0);
    const total = ms.reduce((a, b) => a + b, 0);
    const gateways = names.filter((n) => n.startsWith('gateway ')).map((n) => r.msPerRequest[n] ?? 0);
    const gatewayMs = gateways.reduce((a, b) => a + b, 0);
    // An idle gateway still ticks (timers, the feed): serving means a tenth of the gateways' time or more.
    const serving = gateways.filter((v) => v >= gatewayMs / 10).length;
    const [coresCeiling, gatewaysCeiling] = [(cores * 1000) / total, (serving * 1000) / gatewayMs];
    const bound = coresCeiling < gatewaysCeiling ? `the ${cores} cores` : serving > 1 ? 'the gateways' : 'the gateway';
    return `| ${r.scenario} | ${r.server} | ${r.connections} | ${ms.map((v) => v.toFixed(3)).join(' | ')} | ${total.toFixed(3)} | ${Math.round(coresCeiling)} | ${Math.round(gatewaysCeiling)} | ${bound} |`;
  });
  return [
    `| scenario | server | connections | ${names.join(' | ')} | total | ${cores} cores' ceiling req/s | gateways' ceiling req/s | bound by |`,
    `| --- | --- | --- | ${names.map(() => '---').join(' | ')} | --- | --- | --- | --- |`,
    ...lines,
  ].join('\n');
}
