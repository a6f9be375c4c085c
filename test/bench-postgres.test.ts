// @engine-independent: starts its own PostgreSQL cluster and names every engine it uses.
// The pieces of `npm run bench -- --engine postgres` that are not timing, on a real throwaway cluster: the copy
// of the bench's SQLite data into PostgreSQL, B1 on `pg` writing SQLite B1's bytes, and PostGraphile answering
// the same rows and columns. Skipped without PostgreSQL binaries (and required under CI).
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, start, stop } from '../bench/harness.js';
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
import { DETAIL_SLUG, SCENARIOS } from '../bench/scenarios.js';
import { PG_HANDLERS } from '../bench/scenarios-pg.js';
import { prepareSeedDb } from '../bench/sqlite-files.js';
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
});
