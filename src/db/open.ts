// Which engine, from the settings: DATABASE_URL (postgres://…) selects PostgreSQL, anything else is the
// SQLite file at DATABASE_PATH. Whatever stops start-up says so in one line, without the password.
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { type Db, openDatabase, type OpenDatabaseOptions } from './client.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from './migrate.js';
import { migratePostgres, PG_MIGRATIONS_FOLDER } from './migrate-pg.js';
import { openPostgres, withRemoteApply } from './postgres.js';

/** A reason the gateway cannot start on this database, in one line fit for an operator. */
export class StartupError extends Error {}

export interface DatabaseSettings extends Pick<OpenDatabaseOptions, 'synchronous' | 'busyTimeoutMs' | 'onQuery'> {
  databasePath: string;
  /** postgres://user:password@host:port/database; selects PostgreSQL when set. */
  databaseUrl?: string | null;
  poolSize?: number;
  /** Hot standbys of the primary (DATABASE_REPLICA_URLS) that answer reads; PostgreSQL only. */
  replicaUrls?: readonly string[];
  onIdleError?: (error: Error) => void;
}

/** The URL with its password replaced, for messages and logs. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return '(an unparsable URL)';
  }
}

/** Checks a DATABASE_URL's shape; the reason it is not a PostgreSQL URL, or null. */
export function databaseUrlProblem(url: string): string | null {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return 'is not a URL: expected postgres://user:password@host:5432/database';
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    return `must start with postgres:// or postgresql:// (got ${u.protocol}//): expected postgres://user:password@host:5432/database`;
  }
  if (!u.hostname && !u.searchParams.get('host')) return 'names no host: expected postgres://user:password@host:5432/database';
  if (u.pathname.length <= 1) return 'names no database: expected postgres://user:password@host:5432/database';
  return null;
}

/** Opens the configured database and brings it to this gateway's migration; throws StartupError. */
export async function openConfiguredDatabase(settings: DatabaseSettings): Promise<Db> {
  if (settings.databaseUrl) return openPostgresDatabase(settings.databaseUrl, settings);
  if (settings.replicaUrls?.length) throw new StartupError(REPLICAS_NEED_POSTGRES);
  const db = openDatabase(settings.databasePath, settings);
  const local = migrationCount(MIGRATIONS_FOLDER);
  const applied = db.$client.prepare("select count(*) from sqlite_master where name = '__drizzle_migrations'").pluck().get()
    ? (db.$client.prepare('select count(*) from __drizzle_migrations').pluck().get() as number)
    : 0;
  if (applied > local) throw newerThanCode(settings.databasePath, applied, local);
  migrateDatabase(db);
  return db;
}

async function openPostgresDatabase(url: string, settings: DatabaseSettings): Promise<Db> {
  const problem = databaseUrlProblem(url);
  if (problem) throw new StartupError(`DATABASE_URL ${problem}`);
  try {
    // Before migrating: a database that sorts otherwise, or standbys the commits would not wait for, are
    // refused before anything is written (a migration waiting on a missing standby would hang).
    const order = await textOrderProblem(url);
    if (order) throw new StartupError(order);
    if (settings.replicaUrls?.length) await primaryWaitsForStandbys(url);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(postgresProblem(url, error));
  }
  for (const replica of settings.replicaUrls ?? []) await checkReplica(replica);
  try {
    // With standbys, the migration waits for them too: the first reads there find the tables.
    const result = await migratePostgres(settings.replicaUrls?.length ? withRemoteApply(url) : url, { refuseNewer: true });
    if (result.newer) throw newerThanCode(redactUrl(url), result.total, result.local);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(postgresProblem(url, error));
  }
  return openPostgres(url, settings);
}

const REPLICAS_NEED_POSTGRES =
  'DATABASE_REPLICA_URLS names standbys of a PostgreSQL primary, but DATABASE_URL is not set (the gateway is on SQLite, which has none): set DATABASE_URL or unset DATABASE_REPLICA_URLS';

/** One statement on its own connection; the connection is closed whatever happens. */
async function ask<T extends pg.QueryResultRow>(url: string, text: string): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    return (await client.query<T>(text)).rows[0]!;
  } finally {
    await client.end();
  }
}

/**
 * Reads on a standby right after a commit see it only when the commit waited for the standby to apply
 * it (remote_apply); without synchronous standbys PostgreSQL quietly waits for nothing, so refuse.
 */
async function primaryWaitsForStandbys(url: string): Promise<void> {
  const row = await ask<{ names: string }>(url, "select current_setting('synchronous_standby_names') as names");
  if (row.names.trim()) return;
  throw new StartupError(
    'DATABASE_REPLICA_URLS is set, but the primary\'s synchronous_standby_names is empty: commits would not wait for the standbys, and a read there could miss a write just acknowledged; name the standbys in synchronous_standby_names on the primary (docs/postgresql.md, "Read replicas"), or unset DATABASE_REPLICA_URLS',
  );
}

/** A replica must answer and be a standby (in recovery): reads from another, writable database would be another registry's. */
async function checkReplica(url: string): Promise<void> {
  let standby: boolean;
  try {
    standby = (await ask<{ standby: boolean }>(url, 'select pg_is_in_recovery() as standby')).standby;
  } catch (error) {
    throw new StartupError(`DATABASE_REPLICA_URLS: ${postgresProblem(url, error, 'DATABASE_REPLICA_URLS')}`);
  }
  if (!standby) {
    throw new StartupError(
      `DATABASE_REPLICA_URLS: ${redactUrl(url)} is not a standby (pg_is_in_recovery() is false): name hot standbys of the primary there, never the primary or another writable database`,
    );
  }
}

/**
 * Why the database's default collation does not sort text by bytes, as SQLite's BINARY does, or null.
 * Name order, cursors and exports compare text with the default collation, so another one would give
 * other orders on PostgreSQL than on SQLite (docs/postgresql.md, "Text order"). Read through to_jsonb so
 * the columns PostgreSQL 15 (daticulocale) and 17 (datlocale) added may be absent.
 */
async function textOrderProblem(url: string): Promise<string | null> {
  const db = await ask<{ name: string; collate: string; provider: string | null; locale: string | null }>(
    url,
    `select d.datname as name, d.datcollate as collate, to_jsonb(d) ->> 'datlocprovider' as provider,
            coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') as locale
       from pg_database d where d.datname = current_database()`,
  );
  // libc's C and POSIX compare bytes; the builtin provider (PostgreSQL 17) compares code points, the same order in UTF-8.
  if (db.provider === 'b') return null;
  if ((db.provider ?? 'c') === 'c' && (db.collate === 'C' || db.collate === 'POSIX')) return null;
  const collation = db.provider === 'i' ? `ICU's "${db.locale}"` : `"${db.collate}"`;
  return `the database "${db.name}" sorts text by ${collation}, not by bytes (collation C) as the gateway and SQLite do: create one with createdb --locale=C --template=template0 ${db.name} (move existing data with pg_dump) and point DATABASE_URL at it`;
}

function migrationCount(folder: string): number {
  return readdirSync(folder, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
}

function newerThanCode(where: string, applied: number, local: number): StartupError {
  return new StartupError(
    `the database at ${where} has ${applied} migrations applied, more than the ${local} this gateway knows: it was migrated by a newer version; run that version (or restore a backup)`,
  );
}

/** One line for a failure to reach, log in to or migrate PostgreSQL. */
export function postgresProblem(url: string, error: unknown, setting = 'DATABASE_URL'): string {
  const e = error as { code?: string; message?: string };
  const u = new URL(url);
  const where = `${u.hostname || u.searchParams.get('host')}:${u.port || 5432}`;
  const user = decodeURIComponent(u.username) || '(the default user)';
  const database = decodeURIComponent(u.pathname.slice(1));
  const said = (e.message ?? String(error)).split('\n')[0]!.replaceAll(decodeURIComponent(u.password) || '\u0000', '***');
  switch (e.code) {
    case 'ECONNREFUSED':
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
    case 'ETIMEDOUT':
    case 'EHOSTUNREACH':
    case 'ECONNRESET':
      return `cannot reach PostgreSQL at ${where} (${e.code}): is it running, and is ${setting}'s host right?`;
    case '28P01':
    case '28000':
      return `PostgreSQL at ${where} refused user "${user}" (${e.code}: ${said}): check ${setting}'s user and password`;
    case '3D000':
      return `PostgreSQL at ${where} has no database "${database}" (3D000): create it (createdb ${database}) or fix ${setting}`;
    default:
      if (/timeout/i.test(said)) return `cannot reach PostgreSQL at ${where} (timed out): is it running, and is ${setting}'s host right?`;
      return `PostgreSQL at ${where}: ${said}${e.code ? ` (${e.code})` : ''}`;
  }
}

export { PG_MIGRATIONS_FOLDER };
