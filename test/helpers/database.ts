// The database a test runs on: a SQLite file in a temporary folder, migrated from migrations/ (the default),
// or with TEST_ENGINE=postgres a database of its own on a throwaway PostgreSQL cluster, copied from a
// template migrated from migrations-pg/. One cluster per test file (worker), started on first use.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Db, openDatabase, type OpenDatabaseOptions } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { inject } from 'vitest';
import { attachCluster, startCluster, type TestCluster } from './postgres.js';

export type TestEngine = 'sqlite' | 'postgres';

/** The engine the suite runs on: TEST_ENGINE=postgres, or SQLite. */
export const TEST_ENGINE: TestEngine = process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

let folder: string | undefined;
let files = 0;
let cluster: Promise<TestCluster> | undefined;

/** A path for a new SQLite file, in a folder removed when the worker exits. */
export function testDatabasePath(): string {
  if (!folder) {
    const made = mkdtempSync(join(tmpdir(), 'registry-test-'));
    folder = made;
    process.once('exit', () => rmSync(made, { recursive: true, force: true }));
  }
  return join(folder, `db-${++files}.sqlite`);
}

/** The suite's PostgreSQL cluster (its global setup's, in the PostgreSQL run), else one for this worker, started when first asked for. */
export function testCluster(): Promise<TestCluster> {
  const shared = inject('postgres');
  cluster ??= shared ? Promise.resolve(attachCluster(shared)) : startCluster();
  return cluster;
}

/** A new, migrated, empty database on the suite's engine (or on `engine`). */
export async function openTestDatabase(options: Pick<OpenDatabaseOptions, 'onQuery'> & { engine?: TestEngine } = {}): Promise<Db> {
  if ((options.engine ?? TEST_ENGINE) === 'postgres') {
    const url = await (await testCluster()).createDatabase();
    return openPostgres(url, { onQuery: options.onQuery, poolSize: 4 });
  }
  const db = openDatabase(testDatabasePath(), { onQuery: options.onQuery, synchronous: 'OFF' });
  migrateDatabase(db);
  return db;
}
