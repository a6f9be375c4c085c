// npm run bench: the gateway (G) side by side with two bare node:http servers on the same data and
// the same machine: B0 writes the gateway's exact response bytes (the ceiling), B1 runs the same SQL
// with prepared statements (a hand-written REST endpoint). Loopback only; every run is bounded.
//   npm run bench [-- --duration 3 --runs 3 --count 100000 --scenarios 1,2,3,4]
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import '../src/production.js';
import autocannon from 'autocannon';
import Database from 'better-sqlite3';
import { createApp } from '../src/app.js';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson } from '../src/domain/registry/load.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { seedIfEmpty } from '../seed/index.js';
import { connectorFacets, facetBaseFilter } from '../src/domain/connectors/facets.js';
import { facetGroups, type ConnectorFilter, type FacetGroup } from '../src/domain/connectors/store.js';
import { PUBLIC } from '../src/domain/connectors/visibility.js';
import { loadPolicyCatalog } from '../src/domain/support/policy.js';
import { DETAIL_SLUG, SCENARIOS, type Scenario } from './scenarios.js';

/** Scenario 4's filter, as the domain takes it. */
const FACETS_FILTER: ConnectorFilter = { supportedOn: 'self_managed_enterprise', withSla: true };
import { syntheticRegistry } from './synthetic.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    count: { type: 'string', default: '100000' },
    scenarios: { type: 'string', default: '1,2,3,4' },
    connections: { type: 'string', default: '1,50' },
  },
});
const DURATION = Math.min(Math.max(Number(values.duration), 1), 30);
const RUNS = Math.min(Math.max(Number(values.runs), 1), 9);
const COUNT = Math.min(Math.max(Number(values.count), 1000), 500_000);
const CONNECTIONS = values.connections!.split(',').map(Number);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const GATEWAY = 'dist/bundle/server/server.js';
// The gateway under test is the compiled build; make it when it is missing or stale.
if (spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) process.exit(1);
const dir = mkdtempSync(join(tmpdir(), 'registry-bench-'));
const children: ChildProcess[] = [];

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a server and waits for its /health. The gateway runs compiled, as `npm start` serves it; the bare servers under tsx. */
async function start(args: string[], env: Record<string, string>, port: number): Promise<ChildProcess> {
  const argv = args[0]!.startsWith('dist/') ? args : ['--import', 'tsx', ...args];
  // The gateway runs as production does, which needs a key to seal webhook secrets.
  const secretsKey = randomBytes(32).toString('base64');
  const child = spawn(process.execPath, argv, { cwd: ROOT, env: { SECRETS_KEY: secretsKey, ...process.env, ...env }, stdio: ['ignore', 'ignore', 'inherit'] });
  children.push(child);
  for (let i = 0; i < 200; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/health`);
      if (res.ok) return child;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${args.join(' ')} did not start`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    child.on('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

interface Measure {
  reqPerSec: number;
  p50: number;
  p99: number;
}

async function load(port: number, body: string, expected: string, connections: number): Promise<Measure> {
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
    return { reqPerSec: result.requests.average, p50: result.latency.p50, p99: result.latency.p99 };
  };
  await run(1); // warm-up: JIT, caches, connections
  const runs: Measure[] = [];
  for (let i = 0; i < RUNS; i++) runs.push(await run(DURATION));
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { reqPerSec: median(runs.map((r) => r.reqPerSec)), p50: median(runs.map((r) => r.p50)), p99: median(runs.map((r) => r.p99)) };
}

/**
 * SQL statements per request and the share of the gateway's server time spent in SQL, measured in this
 * process: the gateway's own Node listener on a loopback port, each request timed from the listener's
 * call to the response's last byte, with every statement execution timed inside it.
 */
async function profile(dbPath: string, body: string): Promise<{ statements: number; sqlShare: number; serverMs: number }> {
  let statements = 0;
  const db = openDatabase(dbPath, { onQuery: () => statements++ });
  const app = createApp({ db, log: () => {}, logLevel: 'warn', responseCache: { enabled: false }, webhooks: false });
  // Time every statement execution by wrapping the methods of better-sqlite3's Statement class.
  const proto = Object.getPrototypeOf(db.$client.prepare('select 1')) as Record<string, any>;
  let sqlNs = 0n;
  let serverNs = 0n;
  const originals: [string, any][] = [];
  for (const name of ['all', 'get', 'run', 'iterate', 'values']) {
    const original = proto[name];
    if (typeof original !== 'function') continue;
    originals.push([name, original]);
    proto[name] = function timed(this: unknown, ...args: unknown[]) {
      const t = process.hrtime.bigint();
      try {
        return original.apply(this, args);
      } finally {
        sqlNs += process.hrtime.bigint() - t;
      }
    };
  }
  const server = createHttpServer((req, res) => {
    const t = process.hrtime.bigint();
    res.on('finish', () => (serverNs += process.hrtime.bigint() - t));
    app.nodeListener(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}/graphql`;
  const once = async () => {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body });
    await res.text();
  };
  for (let i = 0; i < 200; i++) await once();
  statements = 0;
  sqlNs = 0n;
  serverNs = 0n;
  const n = 1000;
  for (let i = 0; i < n; i++) await once();
  for (const [name, original] of originals) proto[name] = original;
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  db.$client.close();
  return { statements: statements / n, sqlShare: Number(sqlNs) / Number(serverNs), serverMs: Number(serverNs) / n / 1e6 };
}

/**
 * The facets' one statement run afresh (the gateway keeps its answer until the database changes, so the
 * load test above mostly measures the kept path): the median of 21 runs, in ms.
 */
async function coldFacetsMs(path: string): Promise<number> {
  const db = openDatabase(path);
  const catalog = await loadPolicyCatalog(db);
  const times: number[] = [];
  for (let i = 0; i < 21; i++) {
    const t = process.hrtime.bigint();
    // On SQLite facetGroups answers synchronously (src/db/maybe-async.ts): the loop times the statement alone.
    connectorFacets(facetGroups(db, facetBaseFilter(FACETS_FILTER), catalog, PUBLIC) as FacetGroup[], FACETS_FILTER, catalog);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  db.$client.close();
  return times.sort((a, b) => a - b)[10]!;
}

function prepareSeedDb(path: string): void {
  const db = openDatabase(path);
  migrateDatabase(db);
  seedIfEmpty(db);
  // Give the detail scenario a certification history.
  const { token } = createToken(db, { name: 'bench', scopes: ['certify'] });
  void token;
  db.$client
    .prepare(
      "insert into certification_events (connector_id, from_level, to_level, actor, reason, source) select id, 'community', 'certified', 'bench', 'Benchmark history entry.', 'mutation' from connectors where slug = ?",
    )
    .run(DETAIL_SLUG);
  db.$client.close();
}

function prepareSyntheticDb(path: string): void {
  const db = openDatabase(path);
  migrateDatabase(db);
  seedIfEmpty(db, { connectors: false });
  importConnectors(db, loadRegistryJson(JSON.stringify(syntheticRegistry(COUNT)), 'oss_registry.json', 'oss'));
  db.$client.close();
}

interface Row {
  scenario: number;
  name: string;
  server: string;
  connections: number;
  reqPerSec: number;
  p50: number;
  p99: number;
}

async function runScenario(s: Scenario, dbPath: string) {
  const body = JSON.stringify({ query: s.query });
  const rows: Row[] = [];
  // The gateway's answer is the expected bytes for every server.
  const gPort = await freePort();
  // LOG_LEVEL=warn: the figures are for the gateway without one access-log line per request.
  // Fair use off: a benchmark is one caller asking far beyond any budget, and B0 writes answers without a cost report.
  const gEnv = { DATABASE_PATH: dbPath, PORT: String(gPort), HOST: '127.0.0.1', SEED: 'false', GRAPHIQL: 'false', LOG_LEVEL: 'warn', COST_BUDGET: '0' };
  let g = await start([GATEWAY], { ...gEnv, RESPONSE_CACHE: 'false' }, gPort);
  const expected = await (
    await fetch(`http://127.0.0.1:${gPort}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body })
  ).text();
  if (!expected.startsWith('{"data"') || expected.includes('"errors"')) throw new Error(`scenario ${s.id}: the gateway answered ${expected.slice(0, 300)}`);
  const b1Body = s.handler(new Database(dbPath, { readonly: true }))();
  if (b1Body !== expected)
    throw new Error(`scenario ${s.id}: B1 does not write the gateway's bytes:\nG:  ${expected.slice(0, 400)}\nB1: ${b1Body.slice(0, 400)}`);
  const file = join(dir, `expected-${s.id}.json`);
  writeFileSync(file, expected);
  const measure = async (server: string, port: number) => {
    for (const c of CONNECTIONS) {
      const m = await load(port, body, expected, c);
      rows.push({ scenario: s.id, name: s.name, server, connections: c, ...m });
      process.stderr.write(`  scenario ${s.id} ${server} c=${c}: ${m.reqPerSec.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms\n`);
    }
  };
  await measure('G', gPort);
  await stop(g);
  g = await start([GATEWAY], { ...gEnv, RESPONSE_CACHE: 'true' }, gPort);
  await measure('G+cache', gPort);
  await stop(g);
  const b0Port = await freePort();
  const b0 = await start(['bench/bare.ts', '--mode', 'b0', '--port', String(b0Port), '--file', file], {}, b0Port);
  await measure('B0', b0Port);
  await stop(b0);
  const b1Port = await freePort();
  const b1 = await start(['bench/bare.ts', '--mode', 'b1', '--port', String(b1Port), '--db', dbPath, '--scenario', String(s.id)], {}, b1Port);
  await measure('B1', b1Port);
  await stop(b1);
  const prof = await profile(dbPath, body);
  return { rows, bytes: Buffer.byteLength(expected), ...prof };
}

try {
  const seedDb = join(dir, 'seed.db');
  prepareSeedDb(seedDb);
  const wanted = values.scenarios!.split(',').map(Number);
  let syntheticDb: string | null = null;
  const results: Record<string, unknown>[] = [];
  const rows: Row[] = [];
  for (const s of SCENARIOS.filter((x) => wanted.includes(x.id))) {
    let dbPath = seedDb;
    if (s.id === 3 || s.id === 4) {
      syntheticDb ??= join(dir, 'synthetic.db');
      process.stderr.write(`preparing ${COUNT} synthetic connectors…\n`);
      prepareSyntheticDb(syntheticDb);
      dbPath = syntheticDb;
    }
    process.stderr.write(`scenario ${s.id}: ${s.name}\n`);
    const r = await runScenario(s, dbPath);
    rows.push(...r.rows);
    const at = (server: string, c: number) => r.rows.find((x) => x.server === server && x.connections === c)!;
    const ratios = Object.fromEntries(
      CONNECTIONS.map((c) => [
        `c${c}`,
        {
          'G/B0': +(at('G', c).reqPerSec / at('B0', c).reqPerSec).toFixed(2),
          'G/B1': +(at('G', c).reqPerSec / at('B1', c).reqPerSec).toFixed(2),
          'G+cache/B0': +(at('G+cache', c).reqPerSec / at('B0', c).reqPerSec).toFixed(2),
        },
      ]),
    );
    results.push({
      scenario: s.id,
      name: s.name,
      responseBytes: r.bytes,
      sqlStatementsPerRequest: r.statements,
      sqlShareOfServerTime: +r.sqlShare.toFixed(2),
      inProcessMsPerRequest: +r.serverMs.toFixed(3),
      ...(s.id === 4 ? { facetsStatementMsUnkept: +(await coldFacetsMs(dbPath)).toFixed(2) } : {}),
      ratios,
    });
  }
  const table = [
    '| scenario | server | connections | req/s | p50 ms | p99 ms |',
    '| --- | --- | --- | --- | --- | --- |',
    ...rows.map((r) => `| ${r.scenario} | ${r.server} | ${r.connections} | ${r.reqPerSec.toFixed(0)} | ${r.p50} | ${r.p99} |`),
  ].join('\n');
  console.log(table);
  console.log(JSON.stringify(results, null, 2));
  writeFileSync(
    join(ROOT, 'bench', 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), duration: DURATION, runs: RUNS, count: COUNT, rows, results }, null, 2)}\n`,
  );
} finally {
  for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
}
