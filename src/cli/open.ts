// Opens the configured database for a command-line tool, migrated, with the support policy loaded.
import { loadConfig } from '../config.js';
import { openDatabase, type Db } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { seedIfEmpty } from '../../seed/index.js';

export function openConfiguredDatabase(): Db {
  const config = loadConfig();
  const db = openDatabase(config.databasePath, {
    synchronous: config.dbSynchronous,
    busyTimeoutMs: config.dbBusyTimeoutMs,
  });
  migrateDatabase(db);
  // The support policy is reference data every connector points at; a new database gets it (but no connectors).
  seedIfEmpty(db, { connectors: false });
  return db;
}

/** Runs a command body, printing a one-line error and exiting 1 on failure (2 for bad usage). */
export async function runCli(body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    process.exitCode = 1;
  }
}
