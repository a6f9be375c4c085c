// A value that changes whenever the database does, for caches that must never answer stale: this
// connection's own writes move SQLite's total_changes(), and a commit by any other connection (an
// import from the CLI, a second server, this process's writer connection) moves data_version.
// On PostgreSQL the version is the outbox feed's (src/db/feed.ts): the last outbox id this gateway has
// read and its own commits; null while the feed cannot hear every commit, and whatever keys on it then
// keeps nothing.
import type Database from 'better-sqlite3';
import type { Db } from './client.js';

const readers = new WeakMap<Database.Database, () => string>();
const feeds = new WeakMap<Db, () => string | null>();

/** Makes `version` (an outbox feed's) the version of a PostgreSQL database. */
export function useFeedVersion(db: Db, version: () => string | null): void {
  feeds.set(db, version);
}

export function databaseVersion(db: Db): string | null {
  if (db.$engine === 'postgres') return feeds.get(db)?.() ?? null;
  let read = readers.get(db.$client);
  if (!read) {
    // Two plain statements: cheaper than one select over the pragma_data_version table function.
    const changes = db.$client.prepare('select total_changes()').pluck();
    const dataVersion = db.$client.prepare('pragma data_version').pluck();
    read = () => `${changes.get() as number}:${dataVersion.get() as number}`;
    readers.set(db.$client, read);
  }
  return read();
}
