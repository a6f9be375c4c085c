// Waiting for a transaction to block on a lock, without measuring time: the tests that order concurrent
// transactions start the next step once the database says someone waits.
import { sql } from 'drizzle-orm';
import type { Db } from '../../src/db/client.js';
import { rawRow } from '../../src/db/raw.js';

/** Lets every other pending callback, I/O completion and timer of this turn run (no time is measured). */
export const otherWorkRuns = async () => {
  for (let i = 0; i < 20; i++) await new Promise((resolve) => setImmediate(resolve));
};

/**
 * Returns once another transaction waits for a lock this one holds: on PostgreSQL when a backend of this
 * database waits on a lock (pg_stat_activity), on SQLite (whose waiting is inside this process) once the
 * pending work has run.
 */
export async function untilSomeoneWaits(db: Db): Promise<void> {
  if (db.$engine !== 'postgres') return otherWorkRuns();
  for (let i = 0; i < 10_000; i++) {
    const waiting = await rawRow<{ n: number }>(
      db,
      sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`,
    );
    if (waiting!.n > 0) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error('no transaction came to wait for the lock');
}
