// A value that changes whenever the database does, for caches that must never answer stale: this
// connection's own writes move SQLite's total_changes(), and a commit by any other connection (an
// import from the CLI, a second server) moves data_version. Reading it costs about a microsecond.
import type Database from 'better-sqlite3';
import type { Db } from './client.js';

const readers = new WeakMap<Database.Database, () => string>();

export function databaseVersion(db: Db): string {
  let read = readers.get(db.$client);
  if (!read) {
    // Two plain statements: half the cost of one select over the pragma_data_version table function.
    const changes = db.$client.prepare('select total_changes()').pluck();
    const dataVersion = db.$client.prepare('pragma data_version').pluck();
    read = () => `${changes.get() as number}:${dataVersion.get() as number}`;
    readers.set(db.$client, read);
  }
  return read();
}

/**
 * Values worked out from the data and kept per database until it changes (by anyone): at most `max`
 * of them, all dropped at once when the version moves or the limit is reached.
 */
export class KeptUntilChange<T> {
  private readonly kept = new WeakMap<Db, { version: string; values: Map<string, T> }>();

  constructor(private readonly max: number) {}

  get(db: Db, key: string, compute: () => T): T {
    const version = databaseVersion(db);
    let kept = this.kept.get(db);
    if (!kept || kept.version !== version) {
      kept = { version, values: new Map() };
      this.kept.set(db, kept);
    }
    let value = kept.values.get(key);
    if (value === undefined) {
      value = compute();
      // Full: start again rather than grow (the values are cheap to work out again, one at a time).
      if (kept.values.size >= this.max) kept.values.clear();
      kept.values.set(key, value);
    }
    return value;
  }
}
