import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { drizzle, type BetterSQLite3Database } from 'drizzle-orm/better-sqlite3';
import { sql } from 'drizzle-orm';
import { LRUCache } from 'lru-cache';
import { NAME_KEY_FUNCTION, nameKey } from './name-key.js';
import { rawRow } from './raw.js';
import { relations } from './relations.js';

/** The two engines: the embedded SQLite file (one machine, the default) and PostgreSQL (DATABASE_URL; several gateways). */
export type Engine = 'sqlite' | 'postgres';

/**
 * The database as the stores see it: drizzle over the tables of `schema.ts`, on either engine (drizzle's
 * PostgreSQL dialect builds its SQL from the same table objects; docs/postgresql.md). Stores only await
 * query builders and write through `transaction()` (src/db/transaction.ts), so one store serves both.
 * `$client` is the SQLite connection; on PostgreSQL it is the pool, and code that needs SQLite checks `$engine`.
 */
export type Db = BetterSQLite3Database<typeof relations> & {
  $client: Database.Database;
  $engine: Engine;
};

/**
 * The handle a SQLite database's transactions write through: its own connection beside the one reads use,
 * since a transaction spans awaits and reads made meanwhile by other requests must not see its uncommitted
 * rows. A `:memory:` database has one connection, so there they do (scripts and quick trials only).
 */
const writers = new WeakMap<Db, Db>();

const writerHandles = new WeakSet<Db>();

/** The handle `db`'s transactions write through (`db` itself when it is one). */
export function writerOf(db: Db): Db {
  const writer = writers.get(db) ?? (writerHandles.has(db) ? db : undefined);
  if (!writer) throw new Error('writerOf: not a database opened by openDatabase');
  return writer;
}

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
  // The writer first: it sets WAL mode, which the reader then finds.
  const writing = connect(path, options);
  const reader = wrap(path === ':memory:' ? writing : connect(path, options), options);
  const writer = wrap(writing, options);
  writers.set(reader, writer);
  writerHandles.add(writer);
  return reader;
}

/** What must stop before a database closes (an app's outbox feed and webhook dispatcher), by database. */
const closers = new WeakMap<Db, Set<() => Promise<void>>>();

/** Runs `stop` when `db` is closed, before its connections are. */
export function onClose(db: Db, stop: () => Promise<void>): void {
  let set = closers.get(db);
  if (!set) closers.set(db, (set = new Set()));
  set.add(stop);
}

/** Stops what depends on the database, then closes its connections (both of a SQLite file's; a PostgreSQL pool drains). */
export async function closeDatabase(db: Db): Promise<void> {
  const stops = [...(closers.get(db) ?? [])];
  closers.delete(db);
  for (const stop of stops) await stop();
  if (db.$engine === 'postgres') {
    await (db.$client as unknown as { end(): Promise<void> }).end();
    return;
  }
  const writer = writers.get(db);
  if (writer?.$client.open) writer.$client.close();
  if (db.$client.open) db.$client.close();
}

function connect(path: string, options: OpenDatabaseOptions): Database.Database {
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma(`synchronous = ${options.synchronous ?? 'FULL'}`);
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma(`busy_timeout = ${options.busyTimeoutMs ?? 5000}`);
  // For the migration that fills connectors.name_key; the code writes the key itself (never by trigger,
  // so operators' own sqlite3 can still write the table).
  sqlite.function(NAME_KEY_FUNCTION, { deterministic: true }, (name: unknown) => (typeof name === 'string' ? nameKey(name) : null));
  return sqlite;
}

function wrap(sqlite: Database.Database, options: OpenDatabaseOptions): Db {
  const onQuery = options.onQuery;
  const db = drizzle({
    client: statementCache(sqlite),
    relations,
    // Row mappers generated for each query's shape instead of one generic loop (drizzle's `jit`):
    // relation rows map faster (docs/performance.md).
    jit: true,
    logger: onQuery ? { logQuery: (query) => onQuery(query) } : false,
  }) as Db;
  // Hand-written SQL gets the plain connection: its statements may be iterated or plucked.
  db.$client = sqlite;
  db.$engine = 'sqlite';
  return db;
}

/** Statements drizzle may keep; each is a few kilobytes of SQLite's memory. */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * The connection as drizzle sees it, with prepared statements kept by SQL text. drizzle prepares a
 * statement on every call, and preparing can cost as much as running a small query. drizzle only calls all, get, run and raw on them, synchronously,
 * so one statement can serve every call; raw mode is reset because drizzle sets it but never clears it.
 */
function statementCache(sqlite: Database.Database) {
  const statements = new LRUCache<string, Database.Statement>({ max: STATEMENT_CACHE_SIZE });
  return {
    prepare(source: string): Database.Statement {
      let statement = statements.get(source);
      if (statement) {
        if (statement.reader) statement.raw(false);
        return statement;
      }
      statement = sqlite.prepare(source);
      statements.set(source, statement);
      return statement;
    },
    transaction: sqlite.transaction.bind(sqlite),
  } as unknown as Database.Database;
}

/** Whether the database answers a trivial query (the health check), on either engine. */
export async function databaseAnswers(db: Db): Promise<boolean> {
  try {
    return (await rawRow(db, sql`select 1 as ok`)) !== undefined;
  } catch {
    return false;
  }
}
