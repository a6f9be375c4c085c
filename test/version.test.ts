// Values kept until the database changes: worked out once while nothing changes, again after any write.
import { eq, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { type Db, openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { rawRow, rawRun } from '../src/db/raw.js';
import { connectors } from '../src/db/schema.js';
import { transaction } from '../src/db/transaction.js';
import { databaseVersion } from '../src/db/version.js';
import { KeptUntilChange } from '../src/fast-lane/kept.js';
import { seedIfEmpty } from '../seed/index.js';
import { openTestDatabase, TEST_ENGINE } from './helpers/database.js';

async function database(): Promise<Db> {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  await seedIfEmpty(db);
  return db;
}

const countConnectors = (db: Db) => db.$client.prepare("select count(*) from connectors where support_level = 'archived'").pluck().get() as number;

// The version is SQLite's (total_changes() and data_version); PostgreSQL has none yet (the last test).
describe.skipIf(TEST_ENGINE === 'postgres')('KeptUntilChange', () => {
  it('works a value out once while the database does not change, even when it keeps only one', async () => {
    const db = await database();
    const kept = new KeptUntilChange<number>(1);
    let computed = 0;
    const read = () =>
      kept.get(db, 'count', () => {
        computed++;
        return countConnectors(db);
      });
    const first = read();
    for (let i = 0; i < 5; i++) expect(read()).toBe(first);
    expect(computed).toBe(1);
  });

  it('works it out again after a write, and answers the new value', async () => {
    const db = await database();
    const kept = new KeptUntilChange<number>(10);
    const before = kept.get(db, 'count', () => countConnectors(db)) as number;
    const version = databaseVersion(db);
    db.$client.prepare("update connectors set support_level = 'archived' where slug = 'destination-duckdb'").run();
    expect(databaseVersion(db)).not.toBe(version);
    expect(kept.get(db, 'count', () => countConnectors(db))).toBe(before + 1);
  });

  it('keeps at most `max` values and still answers every key right once full', async () => {
    const db = await database();
    const kept = new KeptUntilChange<string>(2);
    let computed = 0;
    const read = (key: string) =>
      kept.get(db, key, () => {
        computed++;
        return `value of ${key}`;
      });
    expect(['a', 'b', 'c', 'a', 'b', 'c'].map(read)).toEqual(['a', 'b', 'c', 'a', 'b', 'c'].map((k) => `value of ${k}`));
    // Two kept at a time: every new key past the limit is worked out again, a kept one is not.
    expect(computed).toBeLessThanOrEqual(6);
    const settled = computed;
    expect(read('c')).toBe('value of c');
    expect(computed).toBe(settled);
  });

  it("moves when a transaction commits on the file's writer connection", async () => {
    const db = await openTestDatabase({ seed: 'demo' });
    const kept = new KeptUntilChange<number>(10);
    const before = kept.get(db, 'count', () => countConnectors(db)) as number;
    const version = databaseVersion(db);
    await transaction(db, (tx) => tx.update(connectors).set({ supportLevel: 'archived' }).where(eq(connectors.slug, 'destination-duckdb')));
    expect(databaseVersion(db)).not.toBe(version);
    expect(kept.get(db, 'count', () => countConnectors(db))).toBe(before + 1);
  });
});

describe.skipIf(TEST_ENGINE === 'sqlite')('KeptUntilChange without a database version (PostgreSQL)', () => {
  it('keeps nothing: every read works the value out, and sees every write', async () => {
    const db = await openTestDatabase({ seed: 'demo' });
    expect(databaseVersion(db)).toBeNull();
    const kept = new KeptUntilChange<number>(10);
    let computed = 0;
    const count = async () => {
      computed++;
      return Number((await rawRow<{ n: number }>(db, sql`select count(*) as n from connectors where support_level = 'archived'`))!.n);
    };
    const before = await kept.get(db, 'count', count);
    expect(await kept.get(db, 'count', count)).toBe(before);
    expect(computed).toBe(2);
    await rawRun(db, sql`update connectors set support_level = 'archived' where slug = 'destination-duckdb'`);
    expect(await kept.get(db, 'count', count)).toBe(before + 1);
  });
});
