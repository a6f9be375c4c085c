import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

export const PG_MIGRATIONS_FOLDER = fileURLToPath(new URL('../../migrations-pg', import.meta.url));

/**
 * The advisory lock every gateway takes before migrating one database (the key space is per database):
 * the first applies what is missing, the others wait and then find nothing to apply. Any fixed number works;
 * this one is "registry" in ASCII.
 */
export const MIGRATION_LOCK_KEY = 0x7265676973747279n;

export interface PgMigrateResult {
  /** Migrations this call applied. */
  applied: number;
  /** Migrations the database has now. */
  total: number;
  /** Migrations in the folder. */
  local: number;
  /** The database has more migrations than the folder (a newer gateway migrated it); nothing was applied. */
  newer: boolean;
}

async function appliedCount(client: pg.Client): Promise<number> {
  const exists = await client.query("select to_regclass('drizzle.__drizzle_migrations') is not null as yes");
  if (!exists.rows[0].yes) return 0;
  const { rows } = await client.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
  return rows[0]!.n;
}

/**
 * Applies the migrations of `migrations-pg/` the database has not seen yet, holding the migration lock on
 * the connection that migrates: a gateway that dies mid-way drops its session and with it the lock, and
 * the failed migration's transaction is rolled back.
 */
export async function migratePostgres(
  connection: string | pg.ClientConfig,
  options: { folder?: string; refuseNewer?: boolean } = {},
): Promise<PgMigrateResult> {
  const config = typeof connection === 'string' ? { connectionString: connection } : connection;
  const client = new pg.Client({ connectionTimeoutMillis: 10_000, ...config });
  // A connection that fails after connecting must reject the pending query, not crash the process.
  client.on('error', () => {});
  await client.connect();
  const folder = options.folder ?? PG_MIGRATIONS_FOLDER;
  const local = readdirSync(folder, { withFileTypes: true }).filter((e) => e.isDirectory()).length;
  try {
    await client.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY.toString()]);
    try {
      const before = await appliedCount(client);
      if (options.refuseNewer && before > local) return { applied: 0, total: before, local, newer: true };
      await migrate(drizzle({ client }), { migrationsFolder: folder });
      const total = await appliedCount(client);
      return { applied: total - before, total, local, newer: false };
    } finally {
      await client.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY.toString()]);
    }
  } finally {
    await client.end();
  }
}
