// Opens the configured database for a command-line tool, migrated, with the support policy loaded.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig } from '../config.js';
import { openDatabase, type Db } from '../db/client.js';
import { migrateDatabase } from '../db/migrate.js';
import { seedDatabase } from '../../seed/index.js';

/**
 * Says on stderr which database a command works on, so a mistyped DATABASE_PATH shows before anything
 * is written to the wrong file (and stdout stays the command's own output).
 */
export function announceDatabase(path: string, note?: string): void {
  process.stderr.write(`database: ${resolve(path)}${note ? ` (${note})` : ''}\n`);
}

export function openConfiguredDatabase(): Db {
  const config = loadConfig();
  const isNew = config.databasePath === ':memory:' || !existsSync(config.databasePath);
  const db = openDatabase(config.databasePath, {
    synchronous: config.dbSynchronous,
    busyTimeoutMs: config.dbBusyTimeoutMs,
  });
  migrateDatabase(db);
  // The support policy is reference data every connector points at; a new database gets it (but no
  // connectors: demo connectors come from the server's SEED setting or `npm run seed`).
  const seeded = seedDatabase(db, 'none');
  announceDatabase(config.databasePath, isNew ? 'new file, support policy written' : seeded.policy ? 'support policy written' : undefined);
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

/** Who runs a command, for the audit log: `cli:` and the user name. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return 'cli:unknown';
  }
}
