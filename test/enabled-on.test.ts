// connectors.enabled_on is a copy of connector_availability kept by triggers: it must follow every
// insert, update and delete, and a database migrated from before it must be filled in.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../src/db/client.js';
import { rawRows, rawRun } from '../src/db/raw.js';
import { transaction } from '../src/db/transaction.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../src/db/migrate.js';
import { seedIfEmpty } from '../seed/index.js';
import { openTestDatabase, TEST_ENGINE } from './helpers/database.js';
import { sqlValue } from './helpers/import.js';
import { tempDir } from './helpers/process.js';

/** What enabled_on must hold for every connector, worked out from the availability rows. */
async function expected(db: Db): Promise<Record<string, string | null>> {
  const rows = await rawRows<{ slug: string; deployment: string | null }>(
    db,
    sql`select c.slug, a.deployment from connectors c left join connector_availability a on a.connector_id = c.id and a.enabled = true`,
  );
  const on: Record<string, string[]> = {};
  for (const r of rows) {
    on[r.slug] ??= [];
    if (r.deployment) on[r.slug]!.push(r.deployment);
  }
  return Object.fromEntries(Object.entries(on).map(([slug, ds]) => [slug, ds.length ? ds.sort().join(',') : null]));
}

const stored = async (db: Db) =>
  Object.fromEntries(
    (await rawRows<{ slug: string; enabled_on: string | null }>(db, sql`select slug, enabled_on from connectors`)).map((r) => [r.slug, r.enabled_on]),
  );

describe('connectors.enabled_on', () => {
  it('follows connector_availability through inserts, updates and deletes', async () => {
    const db = await openTestDatabase({ seed: 'demo' });
    expect(await stored(db)).toEqual(await expected(db));
    const id = (slug: string) => sqlValue<number>(db, sql`select id from connectors where slug = ${slug}`);
    const duckdb = await id('destination-duckdb');
    const billing = await id('source-acme-billing');
    await transaction(db, async (tx) => {
      await rawRun(tx, sql`update connector_availability set enabled = false where connector_id = ${duckdb} and deployment = 'cloud'`);
      await rawRun(tx, sql`delete from connector_availability where connector_id = ${duckdb} and deployment = 'community_oss'`);
      await rawRun(
        tx,
        sql`insert into connector_availability (connector_id, deployment, enabled) values (${billing}, 'cloud', true)
          on conflict (connector_id, deployment) do update set enabled = excluded.enabled`,
      );
      // Moving a row to another connector updates both.
      await rawRun(tx, sql`update connector_availability set connector_id = ${billing} where connector_id = ${duckdb} and deployment = 'powered_by_airbyte'`);
      await rawRun(tx, sql`delete from connector_availability where connector_id = ${await id('destination-bigquery')}`);
    });
    const after = await stored(db);
    expect(after).toEqual(await expected(db));
    expect(after['destination-bigquery']).toBeNull();
    expect(after['destination-duckdb']).toBe('self_managed_enterprise');
    await closeDatabase(db);
  });

  // The SQLite migration that added enabled_on filled it in for the rows there; PostgreSQL's migrations start after it.
  it.skipIf(TEST_ENGINE === 'postgres')('is filled in when a database with connectors is migrated past it', async () => {
    const all = readdirSync(MIGRATIONS_FOLDER).sort();
    const before = all.slice(
      0,
      all.findIndex((m) => m.endsWith('_connector_enabled_on')),
    );
    expect(before.length).toBeGreaterThan(0);
    const old = join(tempDir(), 'migrations');
    for (const m of before) cpSync(join(MIGRATIONS_FOLDER, m), join(old, m), { recursive: true });
    // A seeded database, and one at the schema before enabled_on holding the same rows.
    const dir = tempDir();
    const seeded = openDatabase(join(dir, 'seeded.db'));
    migrateDatabase(seeded);
    await seedIfEmpty(seeded);
    seeded.$client.close();
    const db = openDatabase(join(dir, 'old.db'));
    migrate(db, { migrationsFolder: old });
    const columns = (db.$client.prepare("select name from pragma_table_info('connectors')").pluck().all() as string[]).map((c) => `"${c}"`).join(', ');
    expect(columns).not.toContain('enabled_on');
    db.$client.exec(`attach database '${join(dir, 'seeded.db')}' as seeded`);
    db.$client.pragma('foreign_keys = OFF');
    for (const table of ['support_levels', 'deployments', 'sla_tiers', 'support_policies'])
      db.$client.exec(`delete from ${table}; insert into ${table} select * from seeded.${table}`);
    db.$client.exec(
      `insert into connectors (${columns}) select ${columns} from seeded.connectors; insert into connector_availability select * from seeded.connector_availability`,
    );
    db.$client.pragma('foreign_keys = ON');
    db.$client.exec('detach database seeded');
    migrateDatabase(db);
    const now = await stored(db);
    expect(Object.values(now).filter((v) => v !== null).length).toBeGreaterThan(40);
    expect(now).toEqual(await expected(db));
  });
});
