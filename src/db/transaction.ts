// One way to write, on both engines: `await transaction(db, async (tx) => …)`. Every store writes through
// it, so a write is atomic whichever engine runs it and whatever the body awaits.
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { Mutex } from 'async-mutex';
import { type Db, writerOf } from './client.js';
import { sql } from 'drizzle-orm';
import { appendOutbox } from './outbox.js';
import { rawRow } from './raw.js';

/** SQLite writer connections inside a transaction, and how deep their savepoints go. */
const depth = new WeakMap<Db, number>();
/**
 * One open transaction at a time per SQLite file in this process; the others wait their turn, in order.
 * Keyed by the file, not the handle: a second handle on the same file (a command-line tool, a test's second
 * gateway) would otherwise BEGIN IMMEDIATE while the first holds the write lock and wait synchronously for
 * busy_timeout, blocking the event loop the first needs to finish, and fail with SQLITE_BUSY.
 */
const fileLocks = new Map<string, Mutex>();
/** `:memory:` databases and temporary ones have no file to share: one lock per handle. */
const handleLocks = new WeakMap<Db, Mutex>();

function lockOf(writer: Db): Mutex {
  const file = writer.$client.name;
  if (file === ':memory:' || file === '') {
    let lock = handleLocks.get(writer);
    if (!lock) handleLocks.set(writer, (lock = new Mutex()));
    return lock;
  }
  const key = fileKey(file);
  let lock = fileLocks.get(key);
  if (!lock) fileLocks.set(key, (lock = new Mutex()));
  return lock;
}

/** The file's real path, so handles opened by different paths to one file share a lock. */
function fileKey(file: string): string {
  try {
    return realpathSync(file);
  } catch {
    return resolve(file);
  }
}

/**
 * Runs `body` in one transaction and commits when it resolves, rolls back when it throws. Called with a
 * transaction's `tx`, it nests as a savepoint. On SQLite the body runs on the writer connection under a
 * per-process lock with `BEGIN IMMEDIATE` (so it never meets SQLITE_BUSY half-way); on PostgreSQL it is
 * drizzle's transaction at READ COMMITTED, where stores that check then write lock the rows they check.
 */
export async function transaction<T>(db: Db, body: (tx: Db) => Promise<T>): Promise<T> {
  if (db.$engine === 'postgres') return postgresTransaction(db, body);
  const open = depth.get(db);
  if (open !== undefined) return savepoint(db, open, body);
  const writer = writerOf(db);
  return lockOf(writer).runExclusive(async () => {
    const sqlite = writer.$client;
    sqlite.prepare('begin immediate').run();
    depth.set(writer, 0);
    let result: T;
    try {
      result = await body(writer);
      sqlite.prepare('commit').run();
    } catch (error) {
      if (sqlite.inTransaction) sqlite.prepare('rollback').run();
      throw error;
    } finally {
      depth.delete(writer);
    }
    await committed(db);
    return result;
  });
}

/** PostgreSQL transactions' handles, told apart from the pool's `db` (a nested call is a savepoint). */
const pgHandles = new WeakSet<object>();

async function postgresTransaction<T>(db: Db, body: (tx: Db) => Promise<T>): Promise<T> {
  const nested = pgHandles.has(db);
  const pg = db as unknown as { transaction<R>(run: (tx: object) => Promise<R>): Promise<R> };
  const result = await pg.transaction(async (handle) => {
    const tx = Object.assign(handle, { $engine: 'postgres' as const, $client: db.$client }) as unknown as Db;
    pgHandles.add(tx);
    const value = await body(tx);
    // Every write moves every gateway's caches: the outbox gets a row for it, which each feed reads. A
    // transaction that changed nothing (a conditional update that matched no row) has no transaction id
    // yet, and moves nothing.
    if (!nested && (await wrote(tx))) await appendOutbox(tx, [{ topic: 'write', payload: {} }]);
    return value;
  });
  if (!nested) await committed(db);
  return result;
}

async function wrote(tx: Db): Promise<boolean> {
  const row = await rawRow<{ wrote: boolean }>(tx, sql`select pg_current_xact_id_if_assigned() is not null as wrote`);
  return row?.wrote === true;
}

/** What to run after each transaction on `db` commits (the outbox feed reads at once, caches move on). */
const commitHooks = new WeakMap<Db, Set<() => void | Promise<void>>>();

/**
 * Runs `hook` after every commit of a transaction begun on `db`, and the transaction resolves once it
 * has: the outbox feed has read this gateway's own write before the writer answers. Returns the
 * function that stops it.
 */
export function onCommit(db: Db, hook: () => void | Promise<void>): () => void {
  let hooks = commitHooks.get(db);
  if (!hooks) commitHooks.set(db, (hooks = new Set()));
  hooks.add(hook);
  return () => hooks.delete(hook);
}

async function committed(db: Db): Promise<void> {
  for (const hook of commitHooks.get(db) ?? []) await hook();
}

async function savepoint<T>(tx: Db, level: number, body: (tx: Db) => Promise<T>): Promise<T> {
  const name = `sp${level + 1}`;
  const sqlite = tx.$client;
  sqlite.prepare(`savepoint ${name}`).run();
  depth.set(tx, level + 1);
  try {
    const result = await body(tx);
    sqlite.prepare(`release ${name}`).run();
    return result;
  } catch (error) {
    sqlite.prepare(`rollback to ${name}`).run();
    sqlite.prepare(`release ${name}`).run();
    throw error;
  } finally {
    depth.set(tx, level);
  }
}

/** Whether `db` is a transaction's handle. */
export function inTransaction(db: Db): boolean {
  return depth.has(db) || pgHandles.has(db);
}
