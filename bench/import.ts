// Import benchmark (not a test): how long a registry import takes, how much memory it needs, and whether
// the headline query keeps answering while it runs. Loopback only; every step is bounded in time.
//
//   npm run bench:import [-- --count 100000 --duration 5 --connections 1 --runs 3]
//
// 1. The compiled registry:import (dist/, as production runs it), each run a process of its own on a new
//    database file: the real 2025-01-29 OSS registry, then `count` synthetic connectors (bench/synthetic.ts),
//    then the same file again (nothing changes), then registry:export of the result. Each line gives the
//    wall time of the process, the import's own time (what the command prints) and the peak resident
//    memory of the process (its maxRSS, reported by a module loaded before the command).
// 2. The gateway as npm start runs it (the bundle dist/bundle/server/server.js; response cache off, so every
//    request runs its SQL) on a database file holding the real OSS registry, and the headline query
//    (bench/scenarios.ts) sent over `connections` keep-alive connections in a loop, each request timed to
//    the microsecond: `duration` seconds idle, then for as long as registry:import --force writes `count`
//    synthetic connectors into that same file from another process (and makes the real ones, which it does
//    not list, unavailable). p50, p99 and max of each; `runs` times, each on a copy of the database, then
//    the medians and the ratio of the p99s.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { HEADLINE } from './scenarios.js';
import { writeSyntheticRegistry } from './synthetic.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    duration: { type: 'string', default: '5' },
    connections: { type: 'string', default: '1' },
    runs: { type: 'string', default: '3' },
  },
});
const COUNT = Number(values.count);
if (!Number.isInteger(COUNT) || COUNT < 1 || COUNT > 1_000_000) throw new Error('--count must be 1 to 1000000');
const DURATION_S = Math.min(Math.max(Number(values.duration) || 5, 1), 60);
const CONNECTIONS = Math.min(Math.max(Math.trunc(Number(values.connections)) || 1, 1), 64);
const RUNS = Math.min(Math.max(Math.trunc(Number(values.runs)) || 3, 1), 9);
/** No child process of this benchmark runs longer than this. */
const CHILD_LIMIT_MS = 300_000;

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The server npm start runs. */
const GATEWAY = 'dist/bundle/server/server.js';
const REAL_OSS = fileURLToPath(new URL('../../shared/airbyte-registry/oss-registry-2025-01-29/oss_registry.json', import.meta.url));
// What is measured is the compiled build; make it when it is missing or stale.
if (spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) process.exit(1);
const dir = mkdtempSync(join(tmpdir(), 'registry-bench-'));
const children = new Set<ChildProcess>();

// Loaded before a command: its peak resident memory, on stderr as it exits (Linux gives maxRSS in KiB).
const PEAK = join(dir, 'peak-rss.mjs');
writeFileSync(PEAK, "process.on('exit', () => process.stderr.write('\\npeak-rss-kib ' + process.resourceUsage().maxRSS + '\\n'));\n");

interface Run {
  wallS: number;
  peakRssMB: number;
  stdout: string;
  stderr: string;
}

/** Runs a compiled command in a process of its own on a database file; `done` resolves with its figures. */
function command(args: string[], database: string): { child: ChildProcess; done: Promise<Run> } {
  const started = performance.now();
  const child = spawn(process.execPath, ['--import', pathToFileURL(PEAK).href, ...args], {
    cwd: ROOT,
    env: { ...process.env, DATABASE_PATH: database },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const timer = setTimeout(() => child.kill('SIGKILL'), CHILD_LIMIT_MS);
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  const done = exited.then(() => {
    clearTimeout(timer);
    children.delete(child);
    if (child.exitCode !== 0) throw new Error(`${args.join(' ')} ended with ${child.exitCode ?? child.signalCode}:\n${stderr}`);
    const kib = Number(/peak-rss-kib (\d+)/.exec(stderr)?.[1]);
    return { wallS: (performance.now() - started) / 1000, peakRssMB: Math.round(kib / 1024), stdout, stderr };
  });
  return { child, done };
}

/** registry:import of a file into a database file, with the time the command itself reports. */
function importFile(file: string, database: string, ...args: string[]) {
  const { child, done } = command(['dist/src/cli/registry-import.js', file, '--quiet', ...args], database);
  return {
    child,
    done: done.then((run) => {
      const reported = /in ([\d.]+) s as import/.exec(run.stdout);
      const counts = /added (\d+), updated (\d+), unchanged (\d+)/.exec(run.stdout);
      if (!reported || !counts) throw new Error(`registry:import printed no summary:\n${run.stdout}\n${run.stderr}`);
      return { ...run, importS: Number(reported[1]), added: Number(counts[1]), updated: Number(counts[2]), unchanged: Number(counts[3]) };
    }),
  };
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** The gateway on a database file, once its /health answers (10 s at most). */
async function startGateway(database: string): Promise<{ port: number; child: ChildProcess }> {
  const port = await freePort();
  // The gateway runs as production does, which needs a key to seal webhook secrets.
  const secretsKey = randomBytes(32).toString('base64');
  // Fair use off: the timed loop is one caller asking far beyond any budget.
  const env = {
    DATABASE_PATH: database,
    PORT: String(port),
    HOST: '127.0.0.1',
    SEED: 'none',
    GRAPHIQL: 'false',
    LOG_LEVEL: 'warn',
    RESPONSE_CACHE: 'false',
    COST_BUDGET: '0',
  };
  const child = spawn(process.execPath, [GATEWAY], {
    cwd: ROOT,
    env: { SECRETS_KEY: secretsKey, ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.add(child);
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`http://127.0.0.1:${port}/health`)).ok) return { port, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the gateway did not answer /health within 10 s');
}

/** One POST of the headline query; resolves with its body, rejects on anything but a 200 within 10 s. */
function post(agent: Agent, port: number, body: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', accept: 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (text += chunk));
        res.on('end', () => (res.statusCode === 200 ? resolve(text) : reject(new Error(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`))));
      },
    );
    req.setTimeout(10_000, () => req.destroy(new Error('no answer within 10 s')));
    req.on('error', reject);
    req.end(body);
  });
}

interface Latencies {
  requests: number;
  errors: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

/** Sends the headline query over `CONNECTIONS` connections until `stop` resolves (or `limitMs` passes); each request timed. */
async function load(port: number, stop: Promise<unknown>, limitMs: number): Promise<Latencies> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONNECTIONS });
  const body = JSON.stringify({ query: HEADLINE });
  const times: number[] = [];
  let errors = 0;
  let stopped = false;
  void stop.finally(() => (stopped = true));
  const deadline = performance.now() + limitMs;
  const loop = async () => {
    while (!stopped && performance.now() < deadline) {
      const t = process.hrtime.bigint();
      try {
        const text = await post(agent, port, body);
        if (!text.startsWith('{"data"') || text.includes('"errors"')) throw new Error(text.slice(0, 200));
        times.push(Number(process.hrtime.bigint() - t) / 1e6);
      } catch {
        errors++;
      }
    }
  };
  await Promise.all(Array.from({ length: CONNECTIONS }, loop));
  agent.destroy();
  times.sort((a, b) => a - b);
  const at = (q: number) => +(times[Math.min(times.length - 1, Math.floor(q * (times.length - 1)))] ?? Number.NaN).toFixed(2);
  return { requests: times.length, errors, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    await new Promise<void>((resolve) => {
      child.on('exit', () => resolve());
      child.kill('SIGTERM');
    });
  }
  children.delete(child);
}

const mb = (path: string) => +(statSync(path).size / 1024 / 1024).toFixed(1);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

try {
  const synthetic = join(dir, 'oss_registry.json');
  writeSyntheticRegistry(synthetic, COUNT);

  // 1. Time and peak memory, each import a process of its own.
  const real = await importFile(REAL_OSS, join(dir, 'real.db')).done;
  const line = (label: string, file: string, r: Awaited<ReturnType<typeof importFile>['done']>) =>
    console.log(
      JSON.stringify({
        label,
        fileMB: mb(file),
        importS: r.importS,
        processS: +r.wallS.toFixed(2),
        peakRssMB: r.peakRssMB,
        added: r.added,
        updated: r.updated,
        unchanged: r.unchanged,
      }),
    );
  line('real OSS registry 2025-01-29, new database', REAL_OSS, real);
  const big = join(dir, 'synthetic.db');
  const first = await importFile(synthetic, big).done;
  line(`${COUNT} synthetic connectors, new database`, synthetic, first);
  const again = await importFile(synthetic, big).done;
  line(`${COUNT} synthetic connectors again, nothing changes`, synthetic, again);
  const exported = await command(['dist/src/cli/registry-export.js', '--registry', 'oss', '--out', join(dir, 'export.json')], big).done;
  console.log(JSON.stringify({ label: `registry:export of ${COUNT} connectors`, processS: +exported.wallS.toFixed(2), peakRssMB: exported.peakRssMB }));

  // 2. The headline query idle, then during an import into the database it reads; each run on a copy of
  // the same database, with a gateway of its own.
  const template = join(dir, 'reads.db');
  await importFile(REAL_OSS, template).done;
  const runs: { idle: Latencies; during: Latencies }[] = [];
  for (let run = 1; run <= RUNS; run++) {
    const reads = join(dir, `reads-${run}.db`);
    copyFileSync(template, reads);
    const gateway = await startGateway(reads);
    await load(gateway.port, sleep(1000), 1000); // warm-up: JIT, statements, the page cache
    const idle = await load(gateway.port, sleep(DURATION_S * 1000), DURATION_S * 1000);
    // --force: the synthetic registry lists none of the real connectors, which it makes unavailable at the end.
    const running = importFile(synthetic, reads, '--force');
    const [during, imported] = await Promise.all([
      load(
        gateway.port,
        running.done.catch(() => {}),
        CHILD_LIMIT_MS,
      ),
      running.done,
    ]);
    await stop(gateway.child);
    runs.push({ idle, during });
    console.log(JSON.stringify({ label: `run ${run}: headline query, gateway idle, ${CONNECTIONS} connection(s)`, ...idle }));
    console.log(
      JSON.stringify({
        label: `run ${run}: headline query during registry:import of ${COUNT} connectors (${imported.importS} s, peak ${imported.peakRssMB} MB)`,
        ...during,
      }),
    );
  }
  // Other work on the machine moves a p99 from one run to the next: the medians of the runs, and each run's ratio.
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const idleP99 = median(runs.map((r) => r.idle.p99Ms));
  const duringP99 = median(runs.map((r) => r.during.p99Ms));
  console.log(
    JSON.stringify({
      runs: RUNS,
      idleP50Ms: median(runs.map((r) => r.idle.p50Ms)),
      idleP99Ms: idleP99,
      duringP50Ms: median(runs.map((r) => r.during.p50Ms)),
      duringP99Ms: duringP99,
      p99DuringOverIdle: +(duringP99 / idleP99).toFixed(2),
      eachRun: runs.map((r) => +(r.during.p99Ms / r.idle.p99Ms).toFixed(2)),
    }),
  );
} finally {
  for (const child of children) child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
