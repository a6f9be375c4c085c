// G×N: gateway processes on one PostgreSQL database behind the balancer of `npm run cluster`
// (scripts/cluster.mjs: nginx when installed, as the script chooses, else its Node balancer). G×1 is the
// first gateway alone behind a balancer of its own, G×2 both behind another, so the balancer's cost is on
// both sides; the two run one after the other on the same gateways, with each process's CPU recorded.
import type { ChildProcess } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, prepareNginx, unprivileged } from '../scripts/cluster.mjs';
import { type CpuShares, cpuLimit, cpuSeconds, cpuShares, cpuSnapshot } from './cpu.js';
import { startGateway } from './gateway-pg.js';
import { freePort, type LoadSettings, load, type Row, start, stop } from './harness.js';

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

/** One load run's CPU: per process, in % of one core (bench/cpu.ts). */
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
 * G×1 and G×2, uncached then cached, at each concurrency (G×1 then G×2 at each, so a change in the
 * machine's other load falls on both alike); every answer checked against `expected`.
 */
export async function measureBalanced(r: BalancedRun): Promise<{ rows: Row[]; cpu: CpuRow[] } | null> {
  const rows: Row[] = [];
  const cpu: CpuRow[] = [];
  for (const cache of [false, true]) {
    const set = await startBalancedGateways({ url: r.url, dir: r.dir, count: 2, cache, body: r.body, kind: r.kind });
    if (!set) return null;
    try {
      // Both gateways warmed through the balancer first: else G×2's second gateway compiles its code in G×2's time.
      await load(set.balancers.at(-1)!.port, r.body, r.expected, Math.max(...r.connections), { duration: 1, runs: 0 });
      for (const c of r.connections) {
        for (const [i, balancer] of set.balancers.entries()) {
          const server = `G×${i + 1}${cache ? '+cache' : ''}`;
          const roles = {
            'load generator': process.pid,
            [`balancer (${r.kind})`]: balancer.pid,
            ...Object.fromEntries(set.children.map((g, n) => [`gateway ${n + 1}`, g.pid!])),
            PostgreSQL: r.postgresPid,
          };
          const tally = { requests: 0 };
          const before = cpuSnapshot();
          const m = await load(balancer.port, r.body, r.expected, c, { ...r, tally });
          const after = cpuSnapshot();
          const shares = cpuShares(before, after, roles);
          const used = cpuSeconds(before, after, roles);
          const msPerRequest = Object.fromEntries(Object.entries(used).map(([name, cpu]) => [name, +((cpu * 1000) / tally.requests).toFixed(3)]));
          const singleThreaded = Object.keys(roles).filter((name) => name !== 'PostgreSQL' && name !== 'balancer (nginx)');
          const limit = cpuLimit(shares, singleThreaded);
          rows.push({ scenario: r.scenario.id, name: r.scenario.name, server, connections: c, ...m });
          cpu.push({ scenario: r.scenario.id, server, connections: c, cpu: shares, limit, msPerRequest });
          const all = Object.entries(shares)
            .map(([name, v]) => `${name} ${v}%`)
            .join(', ');
          process.stderr.write(
            `  scenario ${r.scenario.id} ${server} c=${c}: ${m.reqPerSec.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms; CPU ${all}; ${limit}\n`,
          );
        }
      }
    } finally {
      await set.stop();
    }
  }
  return { rows, cpu };
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
