// Values kept until the database changes: worked out once while nothing changes, again after any write.
import { describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { databaseVersion } from '../src/db/version.js';
import { KeptUntilChange } from '../src/fast-lane/kept.js';
import { seedIfEmpty } from '../seed/index.js';

function database() {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  seedIfEmpty(db);
  return db;
}

const countConnectors = (db: ReturnType<typeof database>) =>
  db.$client.prepare("select count(*) from connectors where support_level = 'archived'").pluck().get() as number;

describe('KeptUntilChange', () => {
  it('works a value out once while the database does not change, even when it keeps only one', () => {
    const db = database();
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

  it('works it out again after a write, and answers the new value', () => {
    const db = database();
    const kept = new KeptUntilChange<number>(10);
    const before = kept.get(db, 'count', () => countConnectors(db));
    const version = databaseVersion(db);
    db.$client.prepare("update connectors set support_level = 'archived' where slug = 'destination-duckdb'").run();
    expect(databaseVersion(db)).not.toBe(version);
    expect(kept.get(db, 'count', () => countConnectors(db))).toBe(before + 1);
  });

  it('keeps at most `max` values and still answers every key right once full', () => {
    const db = database();
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
});
