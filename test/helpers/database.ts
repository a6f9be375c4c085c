// The database a test runs on: a SQLite file in a temporary folder, migrated from migrations/ (the default),
// or with TEST_ENGINE=postgres a database of its own on a throwaway PostgreSQL cluster, copied from a
// template migrated from migrations-pg/. One cluster per test file (worker), started on first use.
// A database asked for seeded is a copy of one seeded once (per worker on SQLite, per cluster on
// PostgreSQL): the seed runs through seed/index.ts as before, once instead of for every test.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type SeedMode, seedDatabase } from '../../seed/index.js';
import { closeDatabase, type Db, openDatabase, type OpenDatabaseOptions } from '../../src/db/client.js';
import { migrateDatabase } from '../../src/db/migrate.js';
import { openPostgres } from '../../src/db/postgres.js';
import { expect, inject } from 'vitest';
import { refuseInEngineIndependent } from './engines.js';
import { attachCluster, startCluster, type TestCluster } from './postgres.js';

export type TestEngine = 'sqlite' | 'postgres';

/** The engine the suite runs on: TEST_ENGINE=postgres, or SQLite. */
export const TEST_ENGINE: TestEngine = process.env.TEST_ENGINE === 'postgres' ? 'postgres' : 'sqlite';

/**
 * TEST_ENGINE, for a helper about to `what` on it (open a database, start a process): refused in a file
 * marked engine-independent, which only the SQLite run runs (test/helpers/engines.ts).
 */
export function suiteEngine(what: string): TestEngine {
  refuseInEngineIndependent(expect.getState().testPath, what);
  return TEST_ENGINE;
}

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

/** A SQLite file of this worker migrated and seeded in `mode`, made on first use; copied by openTestDatabase. */
const sqliteTemplates = new Map<SeedMode, Promise<string>>();
function sqliteTemplate(mode: SeedMode): Promise<string> {
  let made = sqliteTemplates.get(mode);
  if (!made) {
    made = (async () => {
      const path = testDatabasePath();
      const db = openDatabase(path, { synchronous: 'OFF' });
      try {
        migrateDatabase(db);
        await seedDatabase(db, mode);
      } finally {
        // Closing the last connection folds the WAL into the file, so a copy of the file is the whole database.
        await closeDatabase(db);
      }
      return path;
    })();
    sqliteTemplates.set(mode, made);
  }
  return made;
}

/** Writes at `path` a SQLite database migrated and seeded in `mode` (a copy of this worker's seeded one). */
export async function seededSqliteFile(path: string, mode: SeedMode): Promise<void> {
  copyFileSync(await sqliteTemplate(mode), path);
}

export interface TestDatabaseOptions extends Pick<OpenDatabaseOptions, 'onQuery'> {
  /** The engine, when not the suite's. */
  engine?: TestEngine;
  /** Seeded as seed/index.ts's seedDatabase seeds in this mode (`demo`: policy and demo connectors; `none`: policy only); empty when absent. */
  seed?: SeedMode;
}

/** A new, migrated database on the suite's engine (or on `engine`): empty, or seeded as `seed` says. */
export async function openTestDatabase(options: TestDatabaseOptions = {}): Promise<Db> {
  if ((options.engine ?? suiteEngine('opens a database')) === 'postgres') {
    const url = await (await testCluster()).createDatabase(options.seed);
    return openPostgres(url, { onQuery: options.onQuery, poolSize: 4 });
  }
  const path = testDatabasePath();
  if (options.seed) await seededSqliteFile(path, options.seed);
  const db = openDatabase(path, { onQuery: options.onQuery, synchronous: 'OFF' });
  if (!options.seed) migrateDatabase(db);
  return db;
}
