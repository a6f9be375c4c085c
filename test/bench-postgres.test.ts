// @engine-independent: starts its own PostgreSQL cluster and names every engine it uses.
// The pieces of `npm run bench -- --engine postgres` that are not timing, on a real throwaway cluster: the copy
// of the bench's SQLite data into PostgreSQL, B1 on `pg` writing SQLite B1's bytes, PostGraphile answering
// the same rows and columns, and G×2: two gateway processes behind the cluster script's balancers, both
// serving. Skipped without PostgreSQL binaries (and required under CI).
import { accessSync, constants, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type BalancerKind, startBalancedGateways } from '../bench/balanced.js';
import { cpuSeconds, cpuShares, cpuSnapshot } from '../bench/cpu.js';
import { post } from '../bench/gateway-pg.js';
import { freePort, killChildren, load, start, stop } from '../bench/harness.js';
import { copySqliteToPostgres } from '../bench/postgres.js';
import {
  gatewayView,
  installPostgraphileFunctions,
  PGL_HEADLINE,
  PGL_HEADLINE_FLAT,
  pglDetail,
  POSTGRAPHILE_SCHEMAS,
  postgraphileView,
} from '../bench/postgraphile.js';
import { DETAIL_SLUG, HEADLINE, SCENARIOS } from '../bench/scenarios.js';
import { PG_HANDLERS } from '../bench/scenarios-pg.js';
import { prepareSeedDb } from '../bench/sqlite-files.js';
import { inCi } from './helpers/browser.js';
import { describeWithPostgres, startCluster, type TestCluster } from './helpers/postgres.js';
import { tempDir } from './helpers/process.js';

/** A pool that reads bigint as a number, as the gateway and bench/bare.ts do. */
const numberPool = (url: string) =>
  new pg.Pool({
    connectionString: url,
    max: 3,
    types: {
      getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
        oid === 20 ? Number : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
    },
  });

/** The balancers G×N may run behind: the cluster script's Node balancer, and nginx when installed (always under CI). */
const BALANCERS: BalancerKind[] = (() => {
  try {
    accessSync(process.env.NGINX_PATH ?? '/usr/sbin/nginx', constants.X_OK);
    return ['nginx', 'node'];
  } catch {
    return inCi ? ['nginx', 'node'] : ['node'];
  }
})();

/** A gateway's count of answered /graphql requests, from its Prometheus endpoint. */
async function graphqlRequests(port: number): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const lines = text.split('\n').filter((l) => l.startsWith('registry_http_requests_total{') && l.includes('route="/graphql"'));
  return lines.reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
}

describeWithPostgres('the PostgreSQL benchmark', () => {
  let cluster: TestCluster;
  let dir: string;
  let seedDb: string;
  let url: string;

  beforeAll(async () => {
    cluster = await startCluster();
    dir = tempDir('registry-bench-test-');
    seedDb = join(dir, 'seed.db');
    await prepareSeedDb(seedDb);
    url = await cluster.createDatabase();
    await copySqliteToPostgres(seedDb, url);
    await installPostgraphileFunctions(url);
  }, 120_000);

  afterAll(async () => {
    // A test that failed half-way leaves no gateway or balancer behind (nginx with its workers).
    killChildren();
    await cluster?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('copies every connector with its id, derived enabled_on and history, and the next id comes after the copied ones', async () => {
    const sqlite = new Database(seedDb, { readonly: true });
    const want = {
      connectors: sqlite.prepare('select id, slug, name_key, enabled_on from connectors order by id').all(),
      history: sqlite.prepare('select connector_id, field, value from connector_history order by id').all(),
      lastEvent: sqlite.prepare('select max(id) n from certification_events').pluck().get() as number,
    };
    sqlite.close();
    expect(want.connectors.length).toBeGreaterThan(10);
    expect(want.history.length).toBeGreaterThan(10);
    const pool = numberPool(url);
    try {
      const connectors = (await pool.query('select id, slug, name_key, enabled_on from connectors order by id')).rows;
      const history = (await pool.query('select connector_id, field, value from connector_history order by id')).rows;
      expect({ connectors, history }).toEqual({ connectors: want.connectors, history: want.history });
      const next = await pool.query(
        "insert into certification_events (connector_id, from_level, to_level, actor, reason, source) select id, 'community', 'certified', 'test', 'Next id.', 'mutation' from connectors order by id limit 1 returning id",
      );
      expect(next.rows[0].id).toBe(want.lastEvent + 1);
      await pool.query('delete from certification_events where id = $1', [next.rows[0].id]);
    } finally {
      await pool.end();
    }
  });

  it('refuses a SQLite table that PostgreSQL lacks, naming it, and copies nothing', async () => {
    const odd = join(dir, 'odd.db');
    await prepareSeedDb(odd);
    const sqlite = new Database(odd);
    sqlite.exec('create table gadgets (id integer primary key); insert into gadgets values (1)');
    sqlite.close();
    const target = await cluster.createDatabase();
    await expect(copySqliteToPostgres(odd, target)).rejects.toThrow('the SQLite table gadgets has no PostgreSQL twin');
    const pool = numberPool(target);
    try {
      expect((await pool.query('select count(*)::int n from connectors')).rows[0].n).toBe(0);
    } finally {
      await pool.end();
    }
  });

  it('B1 on PostgreSQL writes the bytes SQLite B1 writes for the headline, the detail and the facets', async () => {
    const sqlite = new Database(seedDb, { readonly: true });
    const pool = numberPool(url);
    try {
      for (const s of SCENARIOS) {
        const expected = s.handler(sqlite)();
        expect(expected).toContain('"data"');
        expect(await (await PG_HANDLERS[s.id]!(pool))(), `scenario ${s.id}`).toBe(expected);
      }
    } finally {
      sqlite.close();
      await pool.end();
    }
  });

  it('PostGraphile returns the rows and columns of the headline (nested and flat) and the detail that B1 returns', async () => {
    const sqlite = new Database(seedDb, { readonly: true });
    const [headline, detail] = [SCENARIOS[0]!.handler(sqlite)(), SCENARIOS[1]!.handler(sqlite)()];
    sqlite.close();
    const port = await freePort();
    const server = await start(
      ['bench/postgraphile-server.mjs', '--url', url, '--port', String(port), '--schemas', POSTGRAPHILE_SCHEMAS.join(',')],
      { GRAPHILE_ENV: 'production' },
      port,
      {
        quiet: true,
        plain: true,
      },
    );
    try {
      const ask = async (query: string) =>
        (
          await fetch(`http://127.0.0.1:${port}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', accept: 'application/json' },
            body: JSON.stringify({ query }),
          })
        ).text();
      const theirHeadline = postgraphileView('headline', await ask(PGL_HEADLINE)) as unknown[][];
      expect(theirHeadline.length).toBeGreaterThan(1);
      expect(theirHeadline).toEqual(gatewayView('headline', headline));
      expect(postgraphileView('headline', await ask(PGL_HEADLINE_FLAT))).toEqual(theirHeadline);
      expect(postgraphileView('detail', await ask(pglDetail(DETAIL_SLUG)))).toEqual(gatewayView('detail', detail));
    } finally {
      await stop(server);
    }
  }, 60_000);

  it.each(BALANCERS)(
    'G×1 and G×2 behind the %s balancer: one gateway serves the first, both serve the second, every answer the rows of one gateway',
    async (kind) => {
      const sqlite = new Database(seedDb, { readonly: true });
      const b1 = SCENARIOS[0]!.handler(sqlite)();
      sqlite.close();
      const body = JSON.stringify({ query: HEADLINE });
      const set = await startBalancedGateways({ url, dir, count: 2, cache: false, body, kind });
      expect(set, 'the gateway runs on PostgreSQL').not.toBeNull();
      try {
        const [one, both] = set!.balancers;
        // Each gateway alone writes SQLite B1's bytes, and so do both balancers.
        const direct = await Promise.all(set!.ports.map((port) => post(port, body)));
        expect(direct).toEqual([b1, b1]);
        expect((gatewayView('headline', b1) as unknown[]).length).toBeGreaterThan(1);
        expect(await post(one!.port, body)).toBe(b1);
        expect(await post(both!.port, body)).toBe(b1);

        // A short run through each balancer as the bench runs it: load() fails on any other answer.
        const settings = { duration: 1, runs: 1 };
        const served = async (port: number) => {
          const before = await Promise.all(set!.ports.map(graphqlRequests));
          await load(port, body, b1, 4, settings);
          const after = await Promise.all(set!.ports.map(graphqlRequests));
          return after.map((n, i) => n - before[i]!);
        };
        const [alone, idle] = await served(one!.port);
        expect(alone).toBeGreaterThan(10);
        expect(idle).toBe(0);
        const roles = { 'gateway 1': set!.children[0]!.pid!, 'gateway 2': set!.children[1]!.pid!, balancer: both!.pid };
        const cpuBefore = cpuSnapshot();
        const [first, second] = await served(both!.port);
        const cpuAfter = cpuSnapshot();
        const shares = cpuShares(cpuBefore, cpuAfter, roles);
        const used = cpuSeconds(cpuBefore, cpuAfter, roles);
        expect(first).toBeGreaterThan(10);
        expect(second).toBeGreaterThan(10);
        // Round robin: the two counts differ by at most the connections' share of a turn.
        expect(Math.abs(first! - second!)).toBeLessThanOrEqual(Math.max(8, (first! + second!) / 10));
        // Every process that served is seen using CPU: nginx's time is in its workers, its master's children.
        expect(Object.keys(shares)).toEqual(['gateway 1', 'gateway 2', 'balancer', 'other', 'idle']);
        expect(used['gateway 1']).toBeGreaterThan(0);
        expect(used['gateway 2']).toBeGreaterThan(0);
        expect(used.balancer).toBeGreaterThan(0);
      } finally {
        await set?.stop();
      }
    },
    90_000,
  );
});
