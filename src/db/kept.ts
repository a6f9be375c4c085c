// Built drizzle statements kept for reuse. Building a relational query (its SQL text, columns and row
// mapping) can cost as much as running it; a kept statement reads the data afresh each time it runs,
// so keeping one never answers stale rows. Kept per database and per owner, the thing the statement
// was built for (a policy catalog's pages, a field of a parsed document): an owner that is no longer
// used takes its statements with it.
import { LRUCache } from 'lru-cache';
import type { Db } from './client.js';

const kept = new WeakMap<Db, WeakMap<object, LRUCache<string, object>>>();

/** The statement kept under `key` for `owner` on `db`, built with `build` the first time; `max` kept per owner. */
export function keptStatement<T extends object>(db: Db, owner: object, key: string, max: number, build: () => T): T {
  let byOwner = kept.get(db);
  if (!byOwner) kept.set(db, (byOwner = new WeakMap()));
  let statements = byOwner.get(owner);
  if (!statements) byOwner.set(owner, (statements = new LRUCache({ max })));
  let statement = statements.get(key) as T | undefined;
  if (!statement) {
    statement = build();
    statements.set(key, statement);
  }
  return statement;
}

/** The statement kept under `key` for `owner` on `db`, if one is; nothing is built. */
export function findKeptStatement<T extends object>(db: Db, owner: object, key: string): T | undefined {
  return kept.get(db)?.get(owner)?.get(key) as T | undefined;
}
