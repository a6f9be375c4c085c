// npm run bench:startup [-- --runs 5]: how fast the server answers and how much memory it holds idle.
//
// Builds dist/ if it is stale, makes a seeded database once (the server seeds an empty one), then for each run
// copies it to a temp file, starts the server on PORT=0 and measures:
//   - from spawning the process to the first 200 from /health (the port is read from the "listening" log line),
//   - VmRSS from /proc/PID/status a few seconds after that, the server idle,
// for `node dist/bundle/server/server.js` (the server bundle, what production runs) and for `npm start` (the same
// bundle, plus npm's own start-up and the build check), and prints the median of the runs. Every server is stopped
// by its pid.
// Options: --runs N (5), --settle MS (3000), --entry FILE (dist/bundle/server/server.js; e.g. dist/src/server.js
// for tsc's unbundled output), --skip-npm.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** What `npm start` runs (SERVER_BUNDLE in scripts/build.mjs). */
const BUNDLE = 'dist/bundle/server/server.js';
const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5' },
    settle: { type: 'string', default: '3000' },
    // Another compiled entry to compare, e.g. dist/src/server.js; `npm start` always runs the bundle.
    entry: { type: 'string', default: BUNDLE },
    'skip-npm': { type: 'boolean', default: false },
  },
});
const RUNS = Number(values.runs);
const SETTLE_MS = Number(values.settle);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Each command runs in a process group of its own, so that npm and the server it starts can be stopped together
// if a run fails, or if this benchmark is interrupted.
const groups = new Set();
const killGroups = () => {
  for (const pid of groups) {
    try {
      process.kill(-pid, 'SIGKILL');
    } catch {}
  }
};
process.on('exit', killGroups);
process.on('SIGINT', () => process.exit(130));

/** Starts a command; resolves with its process, the server's pid and url once the "listening" line is out. */
function start(command, args, env) {
  const t0 = performance.now();
  const child = spawn(command, args, {
    cwd: ROOT,
    // The server runs as production does, which needs a key to seal webhook secrets.
    env: { SECRETS_KEY: randomBytes(32).toString('base64'), ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  groups.add(child.pid);
  let out = '';
  const exited = new Promise((resolve) => child.on('exit', resolve)).then((code) => {
    groups.delete(child.pid);
    return code;
  });
  const listening = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line in 30 s:\n${out}`)), 30_000);
    const onData = (d) => {
      out += d;
      const m = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (d) => (out += d));
    child.on('exit', () => reject(new Error(`exited before listening:\n${out}`)));
  });
  return { t0, child, exited, listening, output: () => out };
}

/** The node process in `root`'s tree (itself included) with `arg` on its command line. */
function serverPid(root, arg) {
  const children = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (!children.has(ppid)) children.set(ppid, []);
      children.get(ppid).push(Number(name));
    } catch {}
  }
  const queue = [root];
  while (queue.length) {
    const pid = queue.shift();
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (cmd[0].endsWith('node') && cmd.includes(arg)) return pid;
    } catch {}
    queue.push(...(children.get(pid) ?? []));
  }
  throw new Error(`no server process under ${root}`);
}

function rssMb(pid) {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m[1]) / 1024;
}

async function stop(run, pid) {
  process.kill(pid, 'SIGTERM');
  await Promise.race([run.exited, sleep(10_000).then(() => process.kill(pid, 'SIGKILL'))]);
}

async function measure(kind, dbFile) {
  const run =
    kind === 'node' ? start(process.execPath, [values.entry], { DATABASE_PATH: dbFile }) : start('npm', ['start', '--silent'], { DATABASE_PATH: dbFile });
  // Whatever goes wrong below, the server started here does not outlive the benchmark.
  try {
    return await measureRun(run, kind);
  } catch (error) {
    try {
      process.kill(-run.child.pid, 'SIGKILL');
    } catch {}
    throw error;
  }
}

async function measureRun(run, kind) {
  const url = await run.listening;
  const deadline = performance.now() + 10_000;
  for (let status = 0; status !== 200; ) {
    if (performance.now() > deadline) throw new Error(`no 200 from ${url}/health in 10 s (last status ${status}):\n${run.output()}`);
    status = await fetch(`${url}/health`)
      .then((r) => r.arrayBuffer().then(() => r.status))
      .catch(() => 0);
  }
  const ms = performance.now() - run.t0;
  const pid = serverPid(run.child.pid, kind === 'node' ? values.entry : 'scripts/run.mjs');
  await sleep(SETTLE_MS);
  const rss = rssMb(pid);
  await stop(run, pid);
  return { ms, rss };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

await ensureBuilt();
const dir = mkdtempSync(join(tmpdir(), 'bench-startup-'));
try {
  const seeded = join(dir, 'seeded.db');
  const first = start(process.execPath, [BUNDLE], { DATABASE_PATH: seeded });
  await first.listening;
  await stop(first, first.child.pid);
  const rows = [];
  for (const kind of values['skip-npm'] ? ['node'] : ['node', 'npm']) {
    const results = [];
    for (let i = 0; i < RUNS; i++) {
      const db = join(dir, `run-${kind}-${i}.db`);
      copyFileSync(seeded, db);
      results.push(await measure(kind, db));
    }
    const label = kind === 'node' ? `node ${values.entry}` : 'npm start';
    rows.push({ label, ms: median(results.map((r) => r.ms)), rss: median(results.map((r) => r.rss)), all: results });
  }
  console.log(`startup on a seeded database, median of ${RUNS} runs (RSS ${SETTLE_MS / 1000} s after the first 200 from /health):`);
  for (const r of rows) {
    const all = r.all.map((x) => `${Math.round(x.ms)}`).join(' ');
    console.log(`  ${r.label.padEnd(34)} first 200 from /health in ${Math.round(r.ms)} ms (runs: ${all}), idle RSS ${r.rss.toFixed(1)} MB`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
