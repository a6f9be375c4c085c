// What every engine's HTTP benchmark shares: free loopback ports, servers started as child processes and
// waited for, and the bounded autocannon load with a check of every answer's bytes.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const GATEWAY = 'dist/bundle/server/server.js';

/** Every server started, so that the run's `finally` can end any left behind (killChildren). */
export const children: ChildProcess[] = [];
/** The children that lead a process group of their own (a program with workers). */
const groups = new WeakSet<ChildProcess>();

/** Ends every server still running, with its process group when it has one (a crashed run's leftovers). */
export function killChildren(): void {
  for (const c of children) {
    if (c.exitCode !== null || c.signalCode !== null) continue;
    try {
      if (groups.has(c) && c.pid) process.kill(-c.pid, 'SIGKILL');
      else c.kill('SIGKILL');
    } catch {
      // gone meanwhile
    }
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface StartOptions {
  /** Node flags before the script. */
  nodeFlags?: string[];
  /** Run a plain JavaScript script without tsx's loader (TypeScript scripts need it). */
  plain?: boolean;
  /** Keep the child's stderr instead of showing it; it is in the error when the child does not start. */
  quiet?: boolean;
  /** Run this program with `args` instead of Node (nginx), in a process group of its own that killChildren() ends whole. */
  program?: string;
}

/** Starts a server and waits for its /health. The gateway runs compiled, as `npm start` serves it; the bare servers under tsx. */
export async function start(args: string[], env: Record<string, string>, port: number, options: StartOptions = {}): Promise<ChildProcess> {
  const loader = args[0]!.startsWith('dist/') || options.plain ? [] : ['--import', 'tsx'];
  const [file, argv] = options.program ? [options.program, args] : [process.execPath, [...(options.nodeFlags ?? []), ...loader, ...args]];
  // The gateway runs as production does, which needs a key to seal webhook secrets.
  const secretsKey = randomBytes(32).toString('base64');
  const stderr = options.quiet ? 'pipe' : 'inherit';
  const child = spawn(file, argv, {
    cwd: ROOT,
    env: { SECRETS_KEY: secretsKey, ...process.env, ...env },
    stdio: ['ignore', 'ignore', stderr],
    detached: options.program !== undefined,
  });
  children.push(child);
  if (options.program) groups.add(child);
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000)));
  for (let i = 0; i < 200 && child.exitCode === null; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  await stop(child);
  const lines = output.trim().split('\n').filter(Boolean);
  throw new Error(`${args.join(' ')} did not start${lines.length ? `: ${lines.at(-1)}` : ''}`);
}

export async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

export interface Measure {
  reqPerSec: number;
  p50: number;
  p99: number;
}

export interface LoadSettings {
  duration: number;
  /** Measured runs after the warm-up; 0 only warms up (the figures are then NaN). */
  runs: number;
  /** When given, every answer of the load (warm-up included) is added to its count. */
  tally?: { requests: number };
  /** The warm-up second first (default true). */
  warmUp?: boolean;
}

/** The median of each figure over runs (NaN with none). */
export function medianOf(runs: Measure[]): Measure {
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
  return { reqPerSec: median(runs.map((r) => r.reqPerSec)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
}

/** A warm-up second (unless told not to), then `runs` runs of `duration` seconds; the medians. Any answer other than `expected` fails the run. */
export async function load(port: number, body: string, expected: string, connections: number, settings: LoadSettings): Promise<Measure> {
  const run = async (duration: number) => {
    const result = await autocannon({
      url: `http://127.0.0.1:${port}/graphql`,
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json' },
      body,
      connections,
      duration,
      expectBody: expected,
    });
    const bad = result.non2xx + result.errors + result.timeouts + (result.mismatches ?? 0);
    if (bad > 0)
      throw new Error(
        `port ${port}: ${result.non2xx} non-2xx, ${result.errors} errors, ${result.timeouts} timeouts, ${result.mismatches} bodies that differ from the expected bytes`,
      );
    if (settings.tally) settings.tally.requests += result.requests.total;
    return { reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  };
  if (settings.warmUp !== false) await run(1); // warm-up: JIT, caches, connections
  const runs: Measure[] = [];
  for (let i = 0; i < settings.runs; i++) runs.push(await run(settings.duration));
  return medianOf(runs);
}

/** One line of the results table. */
export interface Row {
  scenario: number;
  name: string;
  server: string;
  connections: number;
  reqPerSec: number;
  p50: number;
  p99: number;
}

export function markdownTable(rows: Row[]): string {
  return [
    '| scenario | server | connections | req/s | p50 ms | p99 ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.scenario} | ${r.server} | ${r.connections} | ${r.reqPerSec.toFixed(0)} | ${r.p50} | ${r.p99} |`),
  ].join('\n');
}
