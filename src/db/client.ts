import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { relations } from './relations.js';

export type Db = BetterSQLite3Database<typeof relations> & {
  $client: Database.Database;
};

export interface OpenDatabaseOptions {
  /** Called with every SQL statement drizzle sends; the tests count statements with it. */
  onQuery?: (sql: string) => void;
  /** SQLite `synchronous` setting. FULL by default: certifications are rare and must survive power loss. */
  synchronous?: 'OFF' | 'NORMAL' | 'FULL' | 'EXTRA';
  busyTimeoutMs?: number;
}

/** Opens (creating if need be) the SQLite file at `path`, or `:memory:`, with the pragmas the gateway relies on. */
export function openDatabase(path: string, options: OpenDatabaseOptions = {}): Db {
  if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  const onQuery = options.onQuery;
  return drizzle({
    client: sqlite,
    relations,
    logger: onQuery ? { logQuery: (query) => onQuery(query) } : false,
  }) as Db;
}
