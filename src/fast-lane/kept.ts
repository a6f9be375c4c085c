// What the fast lane keeps between requests, all of it data-independent or versioned: built drizzle
// statements (they read afresh each run, so keeping one never answers stale rows) and values worked
// out from the data, dropped as soon as the database version moves.
import { LRUCache } from 'lru-cache';
import type { Db } from '../db/client.js';
import { type MaybePromise, thenNow } from '../db/maybe-async.js';
import { databaseVersion } from '../db/version.js';

const kept = new WeakMap<Db, WeakMap<object, LRUCache<string, object>>>();

/** Frozen through and through: a value kept for every request (variables, parsed arguments) cannot be changed by one of them. */
export function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const inner of Object.values(value)) deepFreeze(inner);
  }
  return value;
}

/**
 * The statement kept under `key` for `owner` on `db`, built with `build` the first time; `max` kept per
 * owner. The owner is what the statement was built for (a policy catalog, a field of a parsed
 * document): an owner no longer used takes its statements with it.
 */
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

/**
 * Values worked out from the data and kept per database until it changes (by anyone): at most `max`
 * of them, all dropped at once when the version moves or the limit is reached. Without a version
 * (PostgreSQL, for now) nothing is kept: every call works the value out.
 */
export class KeptUntilChange<T> {
  private readonly kept = new WeakMap<Db, { version: string; values: Map<string, T> }>();

  constructor(private readonly max: number) {}

  get(db: Db, key: string, compute: () => MaybePromise<T>): MaybePromise<T> {
    const version = databaseVersion(db);
    if (version === null) return compute();
    let kept = this.kept.get(db);
    if (!kept || kept.version !== version) {
      kept = { version, values: new Map() };
      this.kept.set(db, kept);
    }
    const value = kept.values.get(key);
    if (value !== undefined) return value;
    const values = kept.values;
    // Kept once worked out (a value that arrives late is kept only if the version has not moved meanwhile).
    return thenNow(compute(), (computed) => {
      if (databaseVersion(db) !== version) return computed;
      // Full: start again rather than grow (the values are cheap to work out again, one at a time).
      if (values.size >= this.max) values.clear();
      values.set(key, computed);
      return computed;
    });
  }
}
