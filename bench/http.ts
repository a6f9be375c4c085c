// npm run bench: the gateway (G) side by side with two bare node:http servers on the same data and
// the same machine: B0 writes the gateway's exact response bytes (the ceiling), B1 runs the same SQL
// with prepared statements (a hand-written REST endpoint). Loopback only; every run is bounded.
//   npm run bench [-- --duration 3 --runs 3 --count 100000 --scenarios 1,2,3,4 --engine sqlite|postgres]
//   (--balancer nginx|node: the balancer of G×1/G×2 with --engine postgres; as `npm run cluster` chooses by default)
// --engine postgres runs the same scenarios on a throwaway PostgreSQL cluster, PostGraphile beside them (bench/http-pg.ts).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../src/production.js';
import Database from 'better-sqlite3';
import { createApp } from '../src/app.js';
import { closeDatabase, openDatabase } from '../src/db/client.js';
import { connectorFacets, facetBaseFilter } from '../src/domain/connectors/facets.js';
import { facetGroups, type ConnectorFilter } from '../src/domain/connectors/store.js';
import { PUBLIC } from '../src/domain/connectors/visibility.js';
import { loadPolicyCatalog } from '../src/domain/support/policy.js';
import { GATEWAY, freePort, load as loadWith, markdownTable, killChildren, ROOT, type Row, start, stop } from './harness.js';
import { SCENARIOS, type Scenario } from './scenarios.js';
import { prepareSeedDb, prepareSyntheticDb } from './sqlite-files.js';

/** Scenario 4's filter, as the domain takes it. */
const FACETS_FILTER: ConnectorFilter = { supportedOn: 'self_managed_enterprise', withSla: true };

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '3' },
    runs: { type: 'string', default: '3' },
    count: { type: 'string', default: '100000' },
    scenarios: { type: 'string', default: '1,2,3,4' },
    connections: { type: 'string', default: '1,50' },
    engine: { type: 'string', default: 'sqlite' },
    balancer: { type: 'string' },
  },
});
if (values.engine !== 'sqlite' && values.engine !== 'postgres') throw new Error(`--engine: sqlite or postgres, not ${values.engine}`);
const DURATION = Math.min(Math.max(Number(values.duration), 1), 30);
const RUNS = Math.min(Math.max(Number(values.runs), 1), 9);
const COUNT = Math.min(Math.max(Number(values.count), 1000), 500_000);
const CONNECTIONS = values.connections!.split(',').map(Number);
// The gateway under test is the compiled build; make it when it is missing or stale.
if (spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: ROOT, stdio: 'inherit' }).status !== 0) process.exit(1);
const dir = mkdtempSync(join(tmpdir(), 'registry-bench-'));
const load = (port: number, body: string, expected: string, connections: number) =>
  loadWith(port, body, expected, connections, { duration: DURATION, runs: RUNS });

/**
 * SQL statements per request and the share of the gateway's server time spent in SQL, measured in this
 * process: the gateway's own Node listener on a loopback port, each request timed from the listener's
 * call to the response's last byte, with every statement execution timed inside it.
 */
async function profile(dbPath: string, body: string): Promise<{ statements: number; sqlShare: number; serverMs: number }> {
  let statements = 0;
  const db = openDatabase(dbPath, { onQuery: () => statements++ });
  const app = await createApp({ db, log: () => {}, logLevel: 'warn', responseCache: { enabled: false }, webhooks: false });
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
  await closeDatabase(db);
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
    connectorFacets(await facetGroups(db, facetBaseFilter(FACETS_FILTER), catalog, PUBLIC), FACETS_FILTER, catalog);
    times.push(Number(process.hrtime.bigint() - t) / 1e6);
  }
  await closeDatabase(db);
  return times.sort((a, b) => a - b)[10]!;
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

async function runSqlite(): Promise<void> {
  const seedDb = join(dir, 'seed.db');
  await prepareSeedDb(seedDb);
  const wanted = values.scenarios!.split(',').map(Number);
  let syntheticDb: string | null = null;
  const results: Record<string, unknown>[] = [];
  const rows: Row[] = [];
  for (const s of SCENARIOS.filter((x) => wanted.includes(x.id))) {
    let dbPath = seedDb;
    if (s.id === 3 || s.id === 4) {
      syntheticDb ??= join(dir, 'synthetic.db');
      process.stderr.write(`preparing ${COUNT} synthetic connectors…\n`);
      await prepareSyntheticDb(syntheticDb, COUNT);
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
  console.log(markdownTable(rows));
  console.log(JSON.stringify(results, null, 2));
  writeFileSync(
    join(ROOT, 'bench', 'results.json'),
    `${JSON.stringify({ date: new Date().toISOString(), duration: DURATION, runs: RUNS, count: COUNT, rows, results }, null, 2)}\n`,
  );
}

try {
  if (values.engine === 'postgres') {
    const { runPostgres } = await import('./http-pg.js');
    await runPostgres({
      dir,
      duration: DURATION,
      runs: RUNS,
      count: COUNT,
      connections: CONNECTIONS,
      scenarios: values.scenarios!.split(',').map(Number),
      balancer: values.balancer,
    });
  } else await runSqlite();
} finally {
  killChildren();
  rmSync(dir, { recursive: true, force: true });
}
