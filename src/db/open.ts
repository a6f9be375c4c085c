// Which engine, from the settings: DATABASE_URL (postgres://…) selects PostgreSQL, anything else is the
// SQLite file at DATABASE_PATH. Whatever stops start-up says so in one line, without the password.
import { readdirSync } from 'node:fs';
import pg from 'pg';
import { type Db, openDatabase, type OpenDatabaseOptions } from './client.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from './migrate.js';
import { migratePostgres, PG_MIGRATIONS_FOLDER } from './migrate-pg.js';
import { openPostgres } from './postgres.js';

/** A reason the gateway cannot start on this database, in one line fit for an operator. */
export class StartupError extends Error {}

export interface DatabaseSettings extends Pick<OpenDatabaseOptions, 'synchronous' | 'busyTimeoutMs' | 'onQuery'> {
  databasePath: string;
  /** postgres://user:password@host:port/database; selects PostgreSQL when set. */
  databaseUrl?: string | null;
  poolSize?: number;
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
    // Before migrating: a database that sorts otherwise is refused before anything is written to it.
    const order = await textOrderProblem(url);
    if (order) throw new StartupError(order);
    const result = await migratePostgres(url, { refuseNewer: true });
    if (result.newer) throw newerThanCode(redactUrl(url), result.total, result.local);
  } catch (error) {
    if (error instanceof StartupError) throw error;
    throw new StartupError(postgresProblem(url, error));
  }
  return openPostgres(url, settings);
}

/**
 * Why the database's default collation does not sort text by bytes, as SQLite's BINARY does, or null.
 * Name order, cursors and exports compare text with the default collation, so another one would give
 * other orders on PostgreSQL than on SQLite (docs/postgresql.md, "Text order"). Read through to_jsonb so
 * the columns PostgreSQL 15 (daticulocale) and 17 (datlocale) added may be absent.
 */
async function textOrderProblem(url: string): Promise<string | null> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on('error', () => {});
  await client.connect();
  try {
    const { rows } = await client.query<{ name: string; collate: string; provider: string | null; locale: string | null }>(
      `select d.datname as name, d.datcollate as collate, to_jsonb(d) ->> 'datlocprovider' as provider,
              coalesce(to_jsonb(d) ->> 'datlocale', to_jsonb(d) ->> 'daticulocale') as locale
         from pg_database d where d.datname = current_database()`,
    );
    const db = rows[0]!;
    // libc's C and POSIX compare bytes; the builtin provider (PostgreSQL 17) compares code points, the same order in UTF-8.
    if (db.provider === 'b') return null;
    if ((db.provider ?? 'c') === 'c' && (db.collate === 'C' || db.collate === 'POSIX')) return null;
    const collation = db.provider === 'i' ? `ICU's "${db.locale}"` : `"${db.collate}"`;
    return `the database "${db.name}" sorts text by ${collation}, not by bytes (collation C) as the gateway and SQLite do: create one with createdb --locale=C --template=template0 ${db.name} (move existing data with pg_dump) and point DATABASE_URL at it`;
  } finally {
    await client.end();
  }
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
export function postgresProblem(url: string, error: unknown): string {
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
      return `cannot reach PostgreSQL at ${where} (${e.code}): is it running, and is DATABASE_URL's host right?`;
    case '28P01':
    case '28000':
      return `PostgreSQL at ${where} refused user "${user}" (${e.code}: ${said}): check DATABASE_URL's user and password`;
    case '3D000':
      return `PostgreSQL at ${where} has no database "${database}" (3D000): create it (createdb ${database}) or fix DATABASE_URL`;
    default:
      if (/timeout/i.test(said)) return `cannot reach PostgreSQL at ${where} (timed out): is it running, and is DATABASE_URL's host right?`;
      return `PostgreSQL at ${where}: ${said}${e.code ? ` (${e.code})` : ''}`;
  }
}

export { PG_MIGRATIONS_FOLDER };
