// The fast lane's reads answer synchronously on SQLite (a request is then read, run and written in one
// go: src/fast-lane/README.md) and as promises on PostgreSQL, whose driver is asynchronous. These run a
// drizzle query or a prepared statement either way; code off the fast lane simply awaits its queries.
import { isPromise } from 'node:util/types';
import type { Db } from './client.js';

export type MaybePromise<T> = T | Promise<T>;

/** A query's result: `read` runs it synchronously on SQLite; on PostgreSQL the query is awaited. */
export function readNow<T>(db: Db, query: PromiseLike<T>, read: () => T): MaybePromise<T> {
  return db.$engine === 'sqlite' ? read() : Promise.resolve(query);
}

/** A prepared statement (of either engine) run with `values`: SQLite's synchronously, PostgreSQL's as a promise. */
export function runPrepared<T>(statement: { execute(values?: Record<string, unknown>): unknown }, values?: Record<string, unknown>): MaybePromise<T> {
  const run = statement.execute(values) as { sync?: () => T } | Promise<T>;
  return typeof (run as { sync?: unknown }).sync === 'function' ? (run as { sync: () => T }).sync() : (run as Promise<T>);
}

/** `f` of a value that may still be coming: applied now when it is here. */
export function thenNow<T, R>(value: MaybePromise<T>, f: (value: T) => R): MaybePromise<R> {
  return isPromise(value) ? (value as Promise<T>).then(f) : f(value as T);
}
