// Hand-written SQL on either engine, for what drizzle's builders cannot say. The SQL itself must be
// valid on both (or chosen by `db.$engine`): drizzle's `sql` template binds the values either way.
import type { SQL } from 'drizzle-orm';
import type { Db } from './client.js';

interface PgExecutor {
  execute(query: SQL): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** The rows `query` returns, as objects keyed by column name. */
export async function rawRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  if (db.$engine === 'postgres') return (await (db as unknown as PgExecutor).execute(query)).rows as T[];
  return db.all(query) as T[];
}

/** The first row `query` returns, or undefined. */
export async function rawRow<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T | undefined> {
  return (await rawRows<T>(db, query))[0];
}

/** Runs a statement; how many rows it changed. */
export async function rawRun(db: Db, query: SQL): Promise<number> {
  if (db.$engine === 'postgres') return (await (db as unknown as PgExecutor).execute(query)).rowCount ?? 0;
  return db.run(query).changes;
}
