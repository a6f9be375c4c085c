// @engine-independent: starts its own PostgreSQL cluster and compares it with SQLite files it opens itself.
// PostgreSQL's schema against SQLite's, on a real throwaway cluster: migrations-pg/ must build the tables
// migrations/ builds (columns, nullability, defaults, keys, indexes, checks, foreign keys, triggers), the
// enabled_on triggers must keep the same value on both engines, and migrations must apply once when two
// migrators start together. Skipped without PostgreSQL binaries (and required under CI).
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { getTableConfig as getPgTableConfig } from 'drizzle-orm/pg-core';
import { index, integer, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { MIGRATION_LOCK_KEY, migratePostgres, PG_MIGRATIONS_FOLDER } from '../src/db/migrate-pg.js';
import { migrateDatabase } from '../src/db/migrate.js';
import * as sqlite from '../src/db/schema.js';
import { derivePgTables, pgTables } from '../src/db/pg-schema.js';
import * as pgSchema from '../src/db/pg-schema.js';
import { describeWithPostgres, startCluster, type TestCluster } from './helpers/postgres.js';
import { postgresShape, type SchemaShape, sqliteShape } from './helpers/schema-shape.js';

const migratedSqlite = () => {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  return db.$client;
};

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

async function shapeOf(url: string): Promise<SchemaShape> {
  const client = await connect(url);
  try {
    return await postgresShape(client);
  } finally {
    await client.end();
  }
}

describe('deriving PostgreSQL tables from SQLite ones', () => {
  it('refuses SQLite SQL it has no declared PostgreSQL form for, naming the table and the column', () => {
    const gadgets = sqliteTable('gadgets', { id: integer('id').primaryKey(), seenAt: text('seen_at').default(sql`(datetime('now'))`) });
    expect(() => derivePgTables({ gadgets })).toThrow("no PostgreSQL equivalent declared for the default of gadgets.seen_at: (datetime('now'))");
  });

  it('refuses a partial index, whose condition would be SQLite SQL', () => {
    const gadgets = sqliteTable('gadgets', { id: integer('id').primaryKey(), name: text('name') }, (t) => [
      index('gadgets_named_idx').on(t.name).where(sql`${t.name} is not null`),
    ]);
    const derived = derivePgTables({ gadgets });
    expect(() => getPgTableConfig(derived.gadgets)).toThrow('partial index gadgets_named_idx');
  });

  it('maps ids and what references them to bigint, other integers to integer, booleans and JSON to their own types', () => {
    const columns = Object.fromEntries(getPgTableConfig(pgTables.connectorAvailability).columns.map((c) => [c.name, c.getSQLType()]));
    expect(columns).toMatchObject({ connector_id: 'bigint', enabled: 'boolean', deployment: 'text' });
    const connectors = Object.fromEntries(getPgTableConfig(pgTables.connectors).columns.map((c) => [c.name, c.getSQLType()]));
    expect(connectors).toMatchObject({ id: 'bigint', revision: 'integer', tags: 'jsonb', demo: 'boolean', created_at: 'text' });
  });
});

describeWithPostgres('the PostgreSQL schema', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startCluster();
  }, 60_000);
  afterAll(async () => {
    await cluster?.stop();
  });

  it('migrations-pg/ builds the tables, columns, nullability, defaults, keys, indexes, checks, foreign keys and triggers migrations/ builds', async () => {
    const sqlite = sqliteShape(migratedSqlite());
    const postgres = await shapeOf(await cluster.createDatabase());
    expect(Object.keys(postgres).sort()).toEqual(Object.keys(sqlite).sort());
    for (const table of Object.keys(sqlite)) expect({ table, ...postgres[table] }).toEqual({ table, ...sqlite[table] });
  });

  it('the comparison sees a dropped index, a nullable column, a missing check and a missing trigger', async () => {
    const url = await cluster.createDatabase();
    const before = await shapeOf(url);
    const client = await connect(url);
    try {
      await client.query('drop index connectors_usage_idx');
      await client.query('alter table webhooks alter column url drop not null');
      await client.query('alter table connectors drop constraint connectors_revision');
      await client.query('drop trigger connector_availability_enabled_on_delete on connector_availability');
    } finally {
      await client.end();
    }
    const after = await shapeOf(url);
    expect(after.connectors!.indexes).not.toHaveProperty('connectors_usage_idx');
    expect(before.connectors!.indexes).toHaveProperty('connectors_usage_idx');
    expect([before.webhooks!.columns.url!.nullable, after.webhooks!.columns.url!.nullable]).toEqual([false, true]);
    expect(before.connectors!.checks.filter((c) => !after.connectors!.checks.includes(c))).toEqual(['connectors_revision']);
    expect(before.connector_availability!.triggers.filter((t) => !after.connector_availability!.triggers.includes(t))).toEqual([
      'connector_availability_enabled_on_delete',
    ]);
  });

  it('derives every table schema.ts declares, and exports each one for drizzle-kit', () => {
    const exported = Object.entries(pgSchema)
      .filter(([, value]) => Object.values(pgTables).includes(value as never))
      .map(([name]) => name);
    expect(exported.sort()).toEqual(Object.keys(pgTables).sort());
    expect(Object.keys(pgTables).length).toBe(Object.keys(sqliteShape(migratedSqlite())).length);
  });

  it('a row written and read through drizzle has the same JavaScript shape on both engines', async () => {
    const sqliteDb = openDatabase(':memory:');
    migrateDatabase(sqliteDb);
    const client = await connect(await cluster.createDatabase());
    const pgDb = drizzlePg({ client });
    const level = { key: 'community' as const, label: 'Community', availability: '-', whoBuilds: '-', whoMaintains: '-', productionReadiness: '-' };
    // Table by table, in foreign-key order: the same values through each engine's drizzle table.
    const writes = [
      ['supportLevels', { ...level, breakingChangePolicy: '-', minUpgradeWindowDays: 0, description: '-', sortOrder: 1 }],
      [
        'connectors',
        {
          definitionId: 'd1',
          slug: 'a',
          name: 'A',
          type: 'source',
          supportLevel: 'community',
          dockerRepository: 'r',
          dockerImageTag: '1',
          tags: ['x', 'y'],
          internalSl: 300,
          demo: true,
        },
      ],
      ['webhooks', { url: 'https://example.com/hook', secret: 's', events: ['certification'], createdBy: 'admin' }],
    ] as const;
    const sqliteTables = { supportLevels: sqlite.supportLevels, connectors: sqlite.connectors, webhooks: sqlite.webhooks };
    try {
      const read: Record<string, [unknown, unknown]> = {};
      for (const [key, values] of writes) {
        const fromSqlite = sqliteDb
          .insert(sqliteTables[key])
          .values(values as never)
          .returning()
          .get();
        const [fromPg] = await pgDb.insert(pgTables[key]).values(values).returning();
        read[key] = [fromSqlite, fromPg];
      }
      for (const [key, [fromSqlite, fromPg]] of Object.entries(read)) {
        expect({ key, row: timesAsFormat(fromPg) }).toEqual({ key, row: timesAsFormat(fromSqlite) });
      }
      // The comparison saw JSON, booleans, numbers and timestamps, not only text.
      expect(read.connectors![1]).toMatchObject({ tags: ['x', 'y'], demo: true, id: 1, revision: 1 });
    } finally {
      await client.end();
    }
  });

  it('keeps connectors.enabled_on equal on both engines through inserts, updates, moves and deletes', async () => {
    const sqlite = migratedSqlite();
    const client = await connect(await cluster.createDatabase());
    // Portable SQL: the same statements run on both engines, and each step's values are compared.
    const steps = [
      "insert into deployments (key, label, description, sort_order) values ('cloud', 'Cloud', '-', 1), ('community_oss', 'OSS', '-', 2), ('powered_by_airbyte', 'PbA', '-', 3)",
      "insert into support_levels (key, label, availability, who_builds, who_maintains, production_readiness, breaking_change_policy, min_upgrade_window_days, description, sort_order) values ('community', 'Community', '-', '-', '-', '-', '-', 0, '-', 1)",
      "insert into connectors (id, definition_id, slug, name, type, support_level, docker_repository, docker_image_tag) values (1, 'd1', 'a', 'A', 'source', 'community', 'r', '1'), (2, 'd2', 'b', 'B', 'source', 'community', 'r', '1')",
      "insert into connector_availability (connector_id, deployment, enabled) values (1, 'powered_by_airbyte', true), (1, 'cloud', true), (2, 'community_oss', false)",
      "update connector_availability set enabled = true where deployment = 'community_oss'",
      "update connector_availability set enabled = false where connector_id = 1 and deployment = 'cloud'",
      "update connector_availability set connector_id = 2 where connector_id = 1 and deployment = 'powered_by_airbyte'",
      "delete from connector_availability where deployment = 'community_oss'",
      "insert into connector_availability (connector_id, deployment, enabled) values (1, 'community_oss', true)",
      'delete from connector_availability',
    ];
    const read = 'select slug, enabled_on from connectors order by slug';
    const seen: unknown[] = [];
    try {
      for (const step of steps) {
        sqlite.prepare(step).run();
        await client.query(step);
        const expected = sqlite.prepare(read).all();
        expect({ step, rows: (await client.query(read)).rows }).toEqual({ step, rows: expected });
        seen.push(...expected.map((r) => (r as { enabled_on: string | null }).enabled_on));
      }
    } finally {
      await client.end();
    }
    // The steps reach a list of several deployments and none at all, so both ends of the format are compared.
    expect(seen).toContain(null);
    expect(seen.some((v) => typeof v === 'string' && v.includes(','))).toBe(true);
  });

  it('records the same connector history and horizon on both engines through every kind of write, with and without a context', async () => {
    const sqlite = migratedSqlite();
    const client = await connect(await cluster.createDatabase());
    const times = ['2026-01-01T00:00:00.000Z', '2026-02-01T00:00:00.000Z', '2026-01-15T00:00:00.000Z'];
    const context = (time: string, actor = 'alice', source = 'mutation') =>
      `insert into history_context (id, actor, source, effective_at) values (1, '${actor}', '${source}', '${time}') on conflict (id) do update set actor = excluded.actor, source = excluded.source, effective_at = excluded.effective_at`;
    const impact = '[{"scopeType":"stream","impactedScopes":["users"]}]';
    // Portable SQL: the same statements run on both engines, then every history row is compared.
    const steps = [
      "insert into deployments (key, label, description, sort_order) values ('cloud', 'Cloud', '-', 1), ('community_oss', 'OSS', '-', 2)",
      "insert into support_levels (key, label, availability, who_builds, who_maintains, production_readiness, breaking_change_policy, min_upgrade_window_days, description, sort_order) values ('community', 'Community', '-', '-', '-', '-', '-', 0, '-', 1), ('certified', 'Certified', '-', '-', '-', '-', '-', 0, '-', 2)",
      context(times[0]!),
      `insert into connectors (id, definition_id, slug, name, type, support_level, docker_repository, docker_image_tag, tags, internal_sl) values (1, 'd1', 'a', 'A', 'source', 'community', 'r', '1', '["language:python","cdk:low-code"]', 100)`,
      "insert into connector_availability (connector_id, deployment, enabled, docker_image_tag) values (1, 'cloud', true, '1.1'), (1, 'community_oss', false, null)",
      context(times[1]!, 'bob'),
      "update connectors set name = 'A2', internal_sl = 200, tags = '[\"x\"]', license = 'MIT' where id = 1",
      "update connectors set name = 'A2' where id = 1",
      "update connector_availability set enabled = true where deployment = 'community_oss'",
      "update connector_availability set docker_image_tag = null, docker_repository = 'r2' where deployment = 'cloud'",
      `insert into breaking_changes (connector_id, version, upgrade_deadline, message, scoped_impact) values (1, '2.0.0', '2026-03-01', 'Streams renamed', '${impact}')`,
      "insert into breaking_changes (connector_id, version, upgrade_deadline, message, demo) values (1, '9.9.9', '2026-03-01', 'Demo', true)",
      context(times[2]!, 'carol', 'import'),
      "update breaking_changes set message = 'Streams renamed again', deadline_action = 'disable' where version = '2.0.0'",
      "update breaking_changes set version = '2.0.1' where version = '2.0.0'",
      "delete from breaking_changes where version = '9.9.9'",
      "insert into certification_events (connector_id, from_level, to_level, actor, reason, source) values (1, 'community', 'certified', 'carol', 'review', 'import')",
      "update connectors set support_level = 'certified' where id = 1",
      "insert into deployments (key, label, description, sort_order) values ('powered_by_airbyte', 'PbA', '-', 3)",
      "update connector_availability set deployment = 'powered_by_airbyte' where deployment = 'community_oss'",
      'delete from history_context',
      "insert into connectors (id, definition_id, slug, name, type, support_level, docker_repository, docker_image_tag) values (2, 'd2', 'b', 'B', 'destination', 'community', 'r', '1')",
      "insert into connector_availability (connector_id, deployment, enabled) values (2, 'cloud', true)",
      "update connectors set release_stage = 'beta' where id = 2",
      'delete from breaking_changes',
      "delete from connector_availability where connector_id = 1 and deployment = 'cloud'",
      "insert into certification_events (connector_id, from_level, to_level, actor, reason, source) values (2, 'community', 'certified', 'dave', 'review', 'mutation')",
    ];
    try {
      for (const step of steps) {
        sqlite.prepare(step).run();
        await client.query(step);
      }
      const history = 'select connector_id, field, scope, value, effective_at, recorded_at, actor, source, import_id from connector_history order by id';
      const expected = sqlite
        .prepare(history)
        .all()
        .map((r) => comparableHistory(r, times));
      expect((await client.query(history)).rows.map((r) => comparableHistory(r, times))).toEqual(expected);
      const horizon = 'select connector_id, last_effective_at, disordered from connector_history_horizon order by connector_id';
      const expectedHorizon = sqlite
        .prepare(horizon)
        .all()
        .map((r) => comparableHistory(r, times));
      expect((await client.query(horizon)).rows.map((r) => comparableHistory(r, times))).toEqual(expectedHorizon);
      const events = 'select connector_id, effective_at from certification_events order by id';
      expect((await client.query(events)).rows.map((r) => comparableHistory(r, times))).toEqual(
        sqlite
          .prepare(events)
          .all()
          .map((r) => comparableHistory(r, times)),
      );
      // The sequence reaches what the comparison must cover: a snapshot with availability, attributed and
      // unattributed rows, a disordered horizon, a removal, and an event with and without an effective time.
      const fields = new Set(expected.map((r) => r.field));
      for (const field of ['created', 'name', 'tags', 'internalSl', 'enabled', 'dockerImageTag', 'dockerRepository', 'breakingChange', 'supportLevel']) {
        expect(fields).toContain(field);
      }
      expect(expected.find((r) => r.field === 'created')?.value).toHaveProperty('availability.cloud.enabled', 1);
      expect(expected.map((r) => r.source)).toEqual(expect.arrayContaining(['mutation', 'import', 'unattributed']));
      expect(expected.some((r) => r.field === 'breakingChange' && r.value === null)).toBe(true);
      expect(expected.some((r) => r.field === 'breakingChange' && r.scope === '9.9.9')).toBe(false);
      expect(expectedHorizon.map((r) => r.disordered)).toContain(true);
    } finally {
      await client.end();
    }
  });

  it('two migrators starting at once: one applies every migration, the other waits for its lock and finds nothing to do', async () => {
    const url = await cluster.createEmptyDatabase();
    const folders = readdirSync(PG_MIGRATIONS_FOLDER).filter((f) => statSync(join(PG_MIGRATIONS_FOLDER, f)).isDirectory());
    const holder = await connect(url);
    const watcher = await connect(url);
    try {
      // Held here first, so both migrators are seen waiting on it before either can start.
      await holder.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
      const runs = [migratePostgres(url), migratePostgres(url)];
      await waitFor(async () => (await waitingForMigrationLock(watcher)) === 2);
      await holder.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
      const results = await Promise.all(runs);
      expect(results.map((r) => r.applied).sort()).toEqual([0, folders.length]);
      expect(results.map((r) => r.total)).toEqual([folders.length, folders.length]);
      const recorded = await watcher.query('select count(*)::int as n from drizzle.__drizzle_migrations');
      expect(recorded.rows[0].n).toBe(folders.length);
      expect(await migratePostgres(url)).toEqual({ applied: 0, total: folders.length, local: folders.length, newer: false });
    } finally {
      await holder.end();
      await watcher.end();
    }
  });

  it('a cluster of its own: refuses a connection without its password, and stop() ends the server and removes its folder', async () => {
    const own = await startCluster();
    try {
      const pid = Number(readFileSync(join(own.dir, 'data', 'postmaster.pid'), 'utf8').split('\n')[0]);
      expect(running(pid)).toBe(true);
      const stranger = new pg.Client({ host: '127.0.0.1', port: own.port, user: 'postgres', password: 'wrong', database: 'postgres' });
      await expect(stranger.connect()).rejects.toThrow(/password authentication failed/);
      const client = await connect(own.url());
      expect((await client.query("select current_setting('listen_addresses') as a")).rows[0].a).toBe('127.0.0.1');
      await client.end();
      await own.stop();
      expect(existsSync(own.dir)).toBe(false);
      expect(running(pid)).toBe(false);
      await expect(connect(own.url())).rejects.toThrow(/ECONNREFUSED/);
    } finally {
      await own.stop();
    }
  });
});

/**
 * Whether a process runs: not gone and not a zombie. pg_ctl's server is reparented to init, which reaps it
 * a little later, so an ended server may linger as a zombie for a moment.
 */
function running(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.[0] !== 'Z';
  } catch {
    return !existsSync('/proc/self/stat');
  }
}

/** Sessions waiting for the migration lock (pg_locks splits a bigint key into two 32-bit halves). */
async function waitingForMigrationLock(client: pg.Client): Promise<number> {
  const key = MIGRATION_LOCK_KEY;
  const { rows } = await client.query(
    "select count(*)::int as n from pg_locks where locktype = 'advisory' and not granted and classid::bigint = $1 and objid::bigint = $2 and objsubid = 1",
    [(key >> 32n).toString(), (key & 0xffffffffn).toString()],
  );
  return rows[0].n;
}

/** A row with its ISO-8601 timestamps (the engines' defaults) replaced by whether they have the format. */
function timesAsFormat(row: unknown): Record<string, unknown> {
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  return Object.fromEntries(Object.entries(row as Record<string, unknown>).map(([k, v]) => [k, /At$/.test(k) && typeof v === 'string' ? iso.test(v) : v]));
}

/** Polls until `done` holds; fails after 10 s (a bound, not a timing assertion). */
async function waitFor(done: () => Promise<boolean>): Promise<void> {
  for (const started = Date.now(); !(await done()); ) {
    if (Date.now() - started > 10_000) throw new Error('gave up waiting after 10 s');
    await new Promise((r) => setTimeout(r, 25));
  }
}

/**
 * A history, horizon or event row in a form both engines give alike: ids left out, JSON snapshots parsed
 * (the key order of a snapshot's availability differs), booleans as booleans, and times that are not the
 * test's own explicit effective times (the clock's) replaced by whether they have the ISO format.
 */
function comparableHistory(row: unknown, explicit: string[]): Record<string, unknown> {
  const iso = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(row as Record<string, unknown>)) {
    if (key.endsWith('_at') || key === 'last_effective_at') {
      out[key] = typeof value === 'string' && !explicit.includes(value) ? iso.test(value) : value;
    } else if (key === 'disordered') out[key] = Boolean(value);
    else if (key === 'connector_id' || key === 'import_id') out[key] = value === null ? null : Number(value);
    else out[key] = value;
  }
  if (out.field === 'created' && typeof out.value === 'string') out.value = JSON.parse(out.value);
  return out;
}
