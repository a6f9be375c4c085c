// CPU time per process during a load run, from /proc (Linux): which of the processes sharing the
// machine's cores (load generator, balancer, gateways, PostgreSQL) saturates. A process is counted with
// its descendants (nginx's workers, PostgreSQL's backends), each descendant with its nearest named ancestor.
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout.trim()) || 100;

interface Proc {
  ppid: number;
  /** utime + stime, in clock ticks. */
  ticks: number;
}

export interface CpuSnapshot {
  at: bigint;
  procs: Map<number, Proc>;
  /** The whole machine's busy and total ticks, over all cores (/proc/stat). */
  busy: number;
  total: number;
}

function readProc(pid: number): Proc | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name is in parentheses and may hold spaces: the fields that follow start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) };
  } catch {
    return null; // exited meanwhile
  }
}

export function cpuSnapshot(): CpuSnapshot {
  const procs = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const p = readProc(Number(name));
    if (p) procs.set(Number(name), p);
  }
  const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.trim().split(/\s+/);
  const [user, nice, system, idle, iowait, irq, softirq, steal] = fields.map(Number) as number[];
  const busy = user! + nice! + system! + irq! + softirq! + steal!;
  return { at: process.hrtime.bigint(), procs, busy, total: busy + idle! + iowait! };
}

/** Per role, the share of one core used between the snapshots, in % (the machine's cores: cores × 100 %). */
export type CpuShares = Record<string, number>;

/** CPU used between two snapshots, or summed over several such windows (addCpuUse). */
export interface CpuUse {
  /** Wall-clock seconds. */
  wall: number;
  /** Per role: CPU seconds of the process and its descendants. */
  seconds: Record<string, number>;
  /** The machine's busy and total ticks over all cores. */
  busy: number;
  total: number;
}

/** The CPU each role used between the snapshots: the process `roles[name]` and its descendants. */
export function cpuUse(before: CpuSnapshot, after: CpuSnapshot, roles: Record<string, number>): CpuUse {
  const roleOf = new Map(Object.entries(roles).map(([name, pid]) => [pid, name]));
  const owner = (pid: number): string | undefined => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = after.procs.get(p)?.ppid ?? 0, hops++) {
      const name = roleOf.get(p);
      if (name) return name;
    }
    return undefined;
  };
  const seconds: Record<string, number> = Object.fromEntries(Object.keys(roles).map((name) => [name, 0]));
  for (const [pid, p] of after.procs) {
    const name = owner(pid);
    if (name) seconds[name]! += (p.ticks - (before.procs.get(pid)?.ticks ?? 0)) / TICKS_PER_SECOND;
  }
  return { wall: Number(after.at - before.at) / 1e9, seconds, busy: after.busy - before.busy, total: after.total - before.total };
}

export function addCpuUse(a: CpuUse | undefined, b: CpuUse): CpuUse {
  if (!a) return b;
  const seconds = Object.fromEntries(Object.entries(b.seconds).map(([name, v]) => [name, (a.seconds[name] ?? 0) + v]));
  return { wall: a.wall + b.wall, seconds, busy: a.busy + b.busy, total: a.total + b.total };
}

/** Each role's CPU seconds between the snapshots. */
export function cpuSeconds(before: CpuSnapshot, after: CpuSnapshot, roles: Record<string, number>): Record<string, number> {
  return cpuUse(before, after, roles).seconds;
}

/**
 * Each role's CPU in % of one core; `other` is the rest of the machine's busy time (other users of the
 * machine), `idle` what was left. Time of processes that exited meanwhile is not seen (the bench's servers
 * live through a run).
 */
export function sharesOf(use: CpuUse): CpuShares {
  const percent = (cpu: number) => +((100 * cpu) / use.wall).toFixed(0);
  const shares: CpuShares = Object.fromEntries(Object.entries(use.seconds).map(([name, cpu]) => [name, percent(cpu)]));
  const cores = cpus().length;
  const busy = use.busy / use.total;
  const ours = Object.values(use.seconds).reduce((a, b) => a + b, 0);
  shares.other = Math.max(0, +(busy * cores * 100 - (100 * ours) / use.wall).toFixed(0));
  shares.idle = +((1 - busy) * cores * 100).toFixed(0);
  return shares;
}

export function cpuShares(before: CpuSnapshot, after: CpuSnapshot, roles: Record<string, number>): CpuShares {
  return sharesOf(cpuUse(before, after, roles));
}

/**
 * What the shares say limited a run: the single-threaded processes (Node's JavaScript runs on one thread)
 * at 90 % of a core or more, and the cores themselves when less than 10 % of them stayed idle (then the
 * biggest users are named, other users of the machine included).
 */
export function cpuLimit(shares: CpuShares, singleThreaded: string[]): string {
  const saturated = singleThreaded.filter((name) => (shares[name] ?? 0) >= 90).map((name) => `${name} at one core`);
  const cores = cpus().length;
  if (shares.idle! < cores * 10) {
    const users = Object.entries(shares)
      .filter(([name]) => name !== 'idle')
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([name, v]) => `${name} ${v}%`);
    saturated.push(`all ${cores} cores busy (most: ${users.join(', ')})`);
  }
  return saturated.join('; ') || 'no CPU limit seen';
}
