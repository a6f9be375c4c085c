// Opens the configured database for a command-line tool, migrated, with the support policy loaded.
import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { loadConfig } from '../config.js';
import type { Db } from '../db/client.js';
import { openConfiguredDatabase as openDatabaseOf, redactUrl, StartupError } from '../db/open.js';
import { seedDatabase } from '../../seed/index.js';

/**
 * Says on stderr which database a command works on, so a mistyped DATABASE_PATH shows before anything
 * is written to the wrong file (and stdout stays the command's own output).
 */
export function announceDatabase(path: string, note?: string): void {
  process.stderr.write(`database: ${resolve(path)}${note ? ` (${note})` : ''}\n`);
}

/** The database DATABASE_URL or DATABASE_PATH names, migrated, with the support policy written if missing. */
export async function openConfiguredDatabase(): Promise<Db> {
  const config = loadConfig();
  const isNew = !config.databaseUrl && (config.databasePath === ':memory:' || !existsSync(config.databasePath));
  const db = await openDatabaseOf({
    databasePath: config.databasePath,
    databaseUrl: config.databaseUrl,
    poolSize: 2,
    // Its writes wait for the standbys as the gateways' do, so a gateway reading there sees them at once.
    replicaUrls: config.databaseReplicaUrls,
    synchronous: config.dbSynchronous,
    busyTimeoutMs: config.dbBusyTimeoutMs,
  });
  // The support policy is reference data every connector points at; a new database gets it (but no
  // connectors: demo connectors come from the server's SEED setting or `npm run seed`).
  const seeded = await seedDatabase(db, 'none');
  const note = isNew ? 'new file, support policy written' : seeded.policy ? 'support policy written' : undefined;
  if (config.databaseUrl) process.stderr.write(`database: ${redactUrl(config.databaseUrl)}${note ? ` (${note})` : ''}\n`);
  else announceDatabase(config.databasePath, note);
  return db;
}

/** Runs a command body, printing a one-line error and exiting 1 on failure (2 for bad usage). */
export async function runCli(body: () => void | Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`error: ${message}\n`);
    // A database that cannot be opened is the operator's setting, like bad usage.
    process.exitCode = error instanceof StartupError ? 2 : 1;
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
