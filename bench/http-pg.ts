// npm run bench -- --engine postgres: the scenarios of bench/http.ts on a throwaway PostgreSQL cluster
// (test/helpers/postgres.ts), filled with a copy of the SQLite files the SQLite runs use. Beside the gateway
// (G, started with DATABASE_URL exactly as on SQLite), B0 (its bytes), B1-pg (the same SQL on `pg`) and
// PostGraphile v5 over the same tables answering the closest equivalent query (headline and detail), and
// G×1 / G×2: one and two gateway processes behind the cluster script's balancer (bench/balanced.ts).
// Every answer is checked before timing: B1-pg writes SQLite B1's bytes, G writes B1-pg's, PostGraphile
// returns the same rows and columns.
import { readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import Database from 'better-sqlite3';
import { startCluster, type TestCluster } from '../test/helpers/postgres.js';
import { type BalancerKind, balancerKind, type CpuRow, costTable, cpuTable, measureBalanced } from './balanced.js';
import { post, startGateway } from './gateway-pg.js';
import { freePort, load, markdownTable, ROOT, type Row, start, stop } from './harness.js';
import { copySqliteToPostgres } from './postgres.js';
import {
  gatewayView,
  installPostgraphileFunctions,
  PGL_HEADLINE,
  PGL_HEADLINE_FLAT,
  pglDetail,
  POSTGRAPHILE_SCHEMAS,
  postgraphileView,
} from './postgraphile.js';
import { DETAIL_SLUG, SCENARIOS, type Scenario } from './scenarios.js';
import { prepareSeedDb, prepareSyntheticDb } from './sqlite-files.js';

export interface PostgresBenchOptions {
  /** The run's temporary folder (removed by the caller). */
  dir: string;
  duration: number;
  runs: number;
  count: number;
  connections: number[];
  scenarios: number[];
  /** The balancer of G×1 and G×2, as `npm run cluster -- --balancer` takes it; the script's default when absent. */
  balancer?: string;
}

/** The scenarios G×1 and G×2 run in: the headline (on the seed and on the synthetic rows) and the detail. */
const BALANCED_SCENARIOS = [1, 2, 3];

/** What runScenario needs of the run besides the options. */
interface RunContext {
  balancer: BalancerKind;
  /** The PostgreSQL server's postmaster, whose backends' CPU is counted with it. */
  postgresPid: number;
}

interface PeerQuery {
  server: string;
  kind: 'headline' | 'detail';
  query: string;
}
const HEADLINE_PEERS: PeerQuery[] = [
  { server: 'PostGraphile', kind: 'headline', query: PGL_HEADLINE },
  { server: 'PostGraphile-flat', kind: 'headline', query: PGL_HEADLINE_FLAT },
];
/** PostGraphile's closest equivalents of a scenario, when it has one (the facets have none). */
const POSTGRAPHILE_QUERIES: Record<number, PeerQuery[]> = {
  1: HEADLINE_PEERS,
  2: [{ server: 'PostGraphile', kind: 'detail', query: pglDetail(DETAIL_SLUG) }],
  3: HEADLINE_PEERS,
};

async function runScenario(
  s: Scenario,
  sqlitePath: string,
  url: string,
  o: PostgresBenchOptions,
  run: RunContext,
): Promise<{ rows: Row[]; cpu: CpuRow[]; bytes: number }> {
  const body = JSON.stringify({ query: s.query });
  const rows: Row[] = [];
  const cpu: CpuRow[] = [];
  const measure: Measurer = async (server, port, requestBody, expected) => {
    for (const c of o.connections) {
      const m = await load(port, requestBody, expected, c, o);
      rows.push({ scenario: s.id, name: s.name, server, connections: c, ...m });
      process.stderr.write(`  scenario ${s.id} ${server} c=${c}: ${m.reqPerSec.toFixed(0)} req/s, p50 ${m.p50} ms, p99 ${m.p99} ms\n`);
    }
  };

  // B1-pg first: its answer must be SQLite B1's bytes (which the SQLite bench holds equal to the gateway's).
  const sqlite = new Database(sqlitePath, { readonly: true });
  const sqliteB1 = s.handler(sqlite)();
  sqlite.close();
  const b1Port = await freePort();
  const b1 = await start(['bench/bare.ts', '--mode', 'b1-pg', '--port', String(b1Port), '--url', url, '--scenario', String(s.id)], {}, b1Port);
  const b1Answer = await post(b1Port, body);
  if (b1Answer !== sqliteB1)
    throw new Error(
      `scenario ${s.id}: B1 on PostgreSQL does not write SQLite B1's bytes:\nSQLite: ${sqliteB1.slice(0, 400)}\npg:     ${b1Answer.slice(0, 400)}`,
    );
  let expected = b1Answer;

  const gPort = await freePort();
  let g = await startGateway(url, o.dir, gPort, false, body);
  if (g) {
    expected = await post(gPort, body);
    if (expected !== b1Answer)
      throw new Error(`scenario ${s.id}: B1 on PostgreSQL does not write the gateway's bytes:\nG:  ${expected.slice(0, 400)}\nB1: ${b1Answer.slice(0, 400)}`);
    await measure('G', gPort, body, expected);
    await stop(g);
    g = await startGateway(url, o.dir, gPort, true, body);
    if (g) await measure('G+cache', gPort, body, expected);
    if (g) await stop(g);
    if (BALANCED_SCENARIOS.includes(s.id)) {
      const balanced = await measureBalanced({ ...o, ...run, scenario: s, url, body, expected, kind: run.balancer });
      rows.push(...(balanced?.rows ?? []));
      cpu.push(...(balanced?.cpu ?? []));
    }
  }

  const file = join(o.dir, `expected-pg-${s.id}.json`);
  writeFileSync(file, expected);
  const b0Port = await freePort();
  const b0 = await start(['bench/bare.ts', '--mode', 'b0', '--port', String(b0Port), '--file', file], {}, b0Port);
  await measure('B0', b0Port, body, expected);
  await stop(b0);
  await measure('B1-pg', b1Port, body, expected);
  await stop(b1);

  for (const peer of POSTGRAPHILE_QUERIES[s.id] ?? []) await measurePeer(s.id, peer, url, expected, measure);
  return { rows, cpu, bytes: Buffer.byteLength(expected) };
}

type Measurer = (server: string, port: number, requestBody: string, expected: string) => Promise<void>;

/** PostGraphile answering `peer`'s query: checked against the gateway's (or B1's) answer `expected`, then measured. */
async function measurePeer(scenario: number, peer: PeerQuery, url: string, expected: string, measure: Measurer): Promise<void> {
  const port = await freePort();
  const server = await start(
    ['bench/postgraphile-server.mjs', '--url', url, '--port', String(port), '--schemas', POSTGRAPHILE_SCHEMAS.join(',')],
    { GRAPHILE_ENV: 'production', NODE_ENV: 'production' },
    port,
    { plain: true },
  );
  try {
    const body = JSON.stringify({ query: peer.query });
    const answer = await post(port, body);
    const theirs = postgraphileView(peer.kind, answer);
    const ours = gatewayView(peer.kind, expected);
    if (!isDeepStrictEqual(theirs, ours))
      throw new Error(
        `scenario ${scenario}: ${peer.server} does not return the same rows and columns:\nG/B1:         ${JSON.stringify(ours).slice(0, 600)}\n${peer.server}: ${JSON.stringify(theirs).slice(0, 600)}`,
      );
    await measure(peer.server, port, body, answer);
  } finally {
    await stop(server);
  }
}

/** A migrated database on the cluster holding a copy of the SQLite file's rows, PostGraphile's functions beside them. */
async function postgresCopy(cluster: TestCluster, sqlitePath: string): Promise<string> {
  const url = await cluster.createDatabase();
  const copy = await copySqliteToPostgres(sqlitePath, url);
  process.stderr.write(`  copied ${copy.rows} rows of ${copy.tables} tables to PostgreSQL in ${(copy.ms / 1000).toFixed(1)} s\n`);
  await installPostgraphileFunctions(url);
  return url;
}

/** The ratios this run can give: the goals of issue #15 (G/B1, G+cache/B0, G/PostGraphile) and the peers against B1. */
function ratios(rows: Row[], connections: number[]): Record<string, Record<string, number>> {
  const pairs: [string, string][] = [
    ['G', 'B1-pg'],
    ['G×2', 'G×1'],
    ['G×2+cache', 'G×1+cache'],
    ['G×1', 'G'],
    ['G+cache', 'B0'],
    ['G', 'PostGraphile'],
    ['G', 'PostGraphile-flat'],
    ['PostGraphile', 'B1-pg'],
    ['PostGraphile-flat', 'B1-pg'],
    ['B1-pg', 'B0'],
  ];
  return Object.fromEntries(
    connections.map((c) => {
      const at = (server: string) => rows.find((r) => r.server === server && r.connections === c)?.reqPerSec;
      const known = pairs.filter(([a, b]) => at(a) !== undefined && at(b) !== undefined);
      return [`c${c}`, Object.fromEntries(known.map(([a, b]) => [`${a}/${b}`, +(at(a)! / at(b)!).toFixed(2)]))];
    }),
  );
}

export async function runPostgres(o: PostgresBenchOptions): Promise<void> {
  const balancer = balancerKind(o.balancer);
  process.stderr.write('starting a throwaway PostgreSQL cluster…\n');
  const cluster = await startCluster();
  try {
    const run: RunContext = { balancer, postgresPid: Number(readFileSync(join(cluster.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]) };
    const cpu: CpuRow[] = [];
    const seedDb = join(o.dir, 'seed.db');
    await prepareSeedDb(seedDb);
    const seedUrl = await postgresCopy(cluster, seedDb);
    let synthetic: { path: string; url: string } | undefined;
    const results: Record<string, unknown>[] = [];
    const rows: Row[] = [];
    for (const s of SCENARIOS.filter((x) => o.scenarios.includes(x.id))) {
      let sqlitePath = seedDb;
      let url = seedUrl;
      if (s.id === 3 || s.id === 4) {
        if (!synthetic) {
          process.stderr.write(`preparing ${o.count} synthetic connectors…\n`);
          const path = join(o.dir, 'synthetic.db');
          await prepareSyntheticDb(path, o.count);
          synthetic = { path, url: await postgresCopy(cluster, path) };
        }
        ({ path: sqlitePath, url } = synthetic);
      }
      process.stderr.write(`scenario ${s.id} on PostgreSQL: ${s.name}\n`);
      const r = await runScenario(s, sqlitePath, url, o, run);
      rows.push(...r.rows);
      cpu.push(...r.cpu);
      results.push({ scenario: s.id, name: s.name, responseBytes: r.bytes, ratios: ratios(r.rows, o.connections) });
    }
    console.log(markdownTable(rows));
    if (cpu.length) {
      console.log(`\nCPU per process during G×1 and G×2 (% of one core; ${cpus().length} cores):\n${cpuTable(cpu)}\n`);
      console.log(`CPU ms per request, and the ceilings they imply:\n${costTable(cpu, cpus().length)}\n`);
    }
    console.log(JSON.stringify(results, null, 2));
    const saved = { date: new Date().toISOString(), engine: 'postgres', duration: o.duration, runs: o.runs, count: o.count, balancer, rows, cpu, results };
    writeFileSync(join(ROOT, 'bench', 'results-postgres.json'), `${JSON.stringify(saved, null, 2)}\n`);
  } finally {
    await cluster.stop();
  }
}
