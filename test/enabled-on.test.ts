// connectors.enabled_on is a copy of connector_availability kept by triggers: it must follow every
// insert, update and delete, and a database migrated from before it must be filled in.
import { cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { describe, expect, it } from 'vitest';
import { openDatabase, type Db } from '../src/db/client.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../src/db/migrate.js';
import { seedIfEmpty } from '../seed/index.js';
import { tempDir } from './helpers/process.js';

/** What enabled_on must hold for every connector, worked out from the availability rows. */
function expected(db: Db): Record<string, string | null> {
  const rows = db.$client
    .prepare('select c.slug, a.deployment from connectors c left join connector_availability a on a.connector_id = c.id and a.enabled = 1')
    .all() as {
    slug: string;
    deployment: string | null;
  }[];
  const on: Record<string, string[]> = {};
  for (const r of rows) {
    on[r.slug] ??= [];
    if (r.deployment) on[r.slug]!.push(r.deployment);
  }
  return Object.fromEntries(Object.entries(on).map(([slug, ds]) => [slug, ds.length ? ds.sort().join(',') : null]));
}

const stored = (db: Db) =>
  Object.fromEntries(
    (db.$client.prepare('select slug, enabled_on from connectors').all() as { slug: string; enabled_on: string | null }[]).map((r) => [r.slug, r.enabled_on]),
  );

describe('connectors.enabled_on', () => {
  it('follows connector_availability through inserts, updates and deletes', async () => {
    const db = openDatabase(':memory:');
    migrateDatabase(db);
    await seedIfEmpty(db);
    expect(stored(db)).toEqual(expected(db));
    const id = (slug: string) => db.$client.prepare('select id from connectors where slug = ?').pluck().get(slug) as number;
    const duckdb = id('destination-duckdb');
    db.$client.prepare("update connector_availability set enabled = 0 where connector_id = ? and deployment = 'cloud'").run(duckdb);
    db.$client.prepare("delete from connector_availability where connector_id = ? and deployment = 'community_oss'").run(duckdb);
    db.$client
      .prepare("insert or replace into connector_availability (connector_id, deployment, enabled) values (?, 'cloud', 1)")
      .run(id('source-acme-billing'));
    // Moving a row to another connector updates both.
    db.$client
      .prepare("update connector_availability set connector_id = ? where connector_id = ? and deployment = 'powered_by_airbyte'")
      .run(id('source-acme-billing'), duckdb);
    db.$client.prepare('delete from connector_availability where connector_id = ?').run(id('destination-bigquery'));
    expect(stored(db)).toEqual(expected(db));
    expect(stored(db)['destination-bigquery']).toBeNull();
    expect(stored(db)['destination-duckdb']).toBe('self_managed_enterprise');
  });

  it('is filled in when a database with connectors is migrated past it', async () => {
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
    const now = stored(db);
    expect(Object.values(now).filter((v) => v !== null).length).toBeGreaterThan(40);
    expect(now).toEqual(expected(db));
  });
});
