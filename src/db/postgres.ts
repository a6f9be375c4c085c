// The PostgreSQL engine: a node-postgres pool under drizzle, over the same tables and relations as SQLite.
import { drizzle } from 'drizzle-orm/node-postgres';
import pg from 'pg';
import type { Db, OpenDatabaseOptions } from './client.js';
import { relations } from './relations.js';
import { ReplicatedPool } from './replicas.js';

// Ids and counts are bigint on PostgreSQL and plain numbers on SQLite; the stores expect numbers. Every
// id stays below 2^53 (they count rows), so the conversion is exact. Set for the process, as pg only allows.
pg.types.setTypeParser(pg.types.builtins.INT8, (value: string) => Number(value));

export interface OpenPostgresOptions extends Pick<OpenDatabaseOptions, 'onQuery'> {
  /** Connections the pool may hold (DATABASE_POOL_SIZE). */
  poolSize?: number;
  /** Called when an idle connection fails (the server restarted, a connection was terminated). */
  onIdleError?: (error: Error) => void;
  /** Hot standbys' URLs (DATABASE_REPLICA_URLS): statements that only read, outside transactions, go to them. */
  replicaUrls?: readonly string[];
}

/** Commits on this connection return once every synchronous standby has applied them (docs/postgresql.md, "Read replicas"). */
const REMOTE_APPLY = '-c synchronous_commit=remote_apply';

/**
 * `url` with remote_apply added to its own `options` parameter: pg lets a URL's parameters override the
 * pool's settings, so the setting rides in the URL, after any options the URL already gives.
 */
export function withRemoteApply(url: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', [parsed.searchParams.get('options'), REMOTE_APPLY].filter(Boolean).join(' '));
  return parsed.toString();
}

/** A pool on `url` (nothing connects until the first query) with drizzle over it. */
export function openPostgres(url: string, options: OpenPostgresOptions = {}): Db {
  const config = (connectionString: string): pg.PoolConfig => ({
    connectionString,
    max: options.poolSize ?? 10,
    application_name: 'connector-registry-gateway',
    // A request waits at most this long for a connection, then fails with a masked error instead of hanging.
    connectionTimeoutMillis: 10_000,
  });
  // A standby that cannot be reached costs each read sent there this wait before the primary answers it.
  const replicas = (options.replicaUrls ?? []).map((replica) => new pg.Pool({ ...config(replica), connectionTimeoutMillis: 2_000 }));
  for (const replica of replicas) replica.on('error', (error) => options.onIdleError?.(error));
  // With standbys, every commit waits until they have applied it (docs/postgresql.md, "Read replicas").
  const pool = replicas.length > 0 ? new ReplicatedPool(config(withRemoteApply(url)), replicas) : new pg.Pool(config(url));
  // An idle connection that dies (a restart, pg_terminate_backend) must not end the process: the pool
  // drops it and the next query opens another.
  pool.on('error', (error) => options.onIdleError?.(error));
  const onQuery = options.onQuery;
  const db = drizzle({
    client: pool,
    relations,
    jit: true,
    logger: onQuery ? { logQuery: (query) => onQuery(query) } : false,
  }) as unknown as Db;
  db.$client = pool as never;
  db.$engine = 'postgres';
  return db;
}

/** The pool under a PostgreSQL database. */
export function poolOf(db: Db): pg.Pool {
  if (db.$engine !== 'postgres') throw new Error('poolOf: not a PostgreSQL database');
  return db.$client as unknown as pg.Pool;
}
