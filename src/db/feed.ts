// Each gateway's reader of the outbox: it wakes on PostgreSQL's NOTIFY (or, on SQLite, when another
// connection's commit moves `pragma data_version`), reads every row after the last id it has seen and
// hands them on in order. A lost listening connection loses nothing: it reconnects, then reads after
// that same id. While it cannot listen it has no version, and caches keyed on it stop caching.
import pg from 'pg';
import type { Db } from './client.js';
import { lastOutboxId, OUTBOX_CHANNEL, outboxAfter, type OutboxRow } from './outbox.js';

/** Reads outbox rows after an id; the feed's own connection when it has one (its reads are not the requests'). */
type ReadAfter = (after: number, limit: number) => Promise<OutboxRow[]>;

/** SQLite: the reader connection, straight through better-sqlite3 (not drizzle's statement log). */
function sqliteReader(db: Db): ReadAfter {
  const statement = db.$client.prepare('select id, topic, payload, organization, created_at as createdAt from outbox where id > ? order by id limit ?');
  return async (after, limit) =>
    (statement.all(after, limit) as (Omit<OutboxRow, 'payload'> & { payload: string })[]).map((r) => ({ ...r, payload: JSON.parse(r.payload) }));
}
import { onCommit } from './transaction.js';

export interface OutboxFeed {
  /** The id of the last row handed on, or null while the feed cannot hear every commit. */
  version(): string | null;
  /** Reads what is new now (after a write of this gateway's own, for one). */
  poke(): void;
  stop(): Promise<void>;
}

export interface FeedOptions {
  /** Rows in commit order; awaited before the next batch. */
  onRows(rows: OutboxRow[]): void | Promise<void>;
  /** A safety net beside the wake-ups: the feed reads at least this often. */
  pollMs?: number;
  log?: (message: string, fields?: Record<string, unknown>) => void;
}

const BATCH = 500;
const RECONNECT_MAX_MS = 5000;

/** Starts reading after the newest row there is now: events from before this gateway started are not replayed. */
export async function startOutboxFeed(db: Db, options: FeedOptions): Promise<OutboxFeed> {
  let last = await lastOutboxId(db);
  let readAfter: ReadAfter = db.$engine === 'sqlite' ? sqliteReader(db) : (after, limit) => outboxAfter(db, after, limit);
  const listenerRead = (client: pg.Client | null) => {
    readAfter = client
      ? async (after, limit) =>
          (
            await client.query<OutboxRow>('select id, topic, payload, organization, created_at as "createdAt" from outbox where id > $1 order by id limit $2', [
              after,
              limit,
            ])
          ).rows
      : (after, limit) => outboxAfter(db, after, limit);
  };
  let listening = db.$engine === 'sqlite';
  let stopped = false;
  let draining: Promise<void> | null = null;
  let again = false;

  const drain = (): Promise<void> => {
    if (draining) {
      again = true;
      return draining;
    }
    draining = (async () => {
      do {
        again = false;
        for (let rows = await readAfter(last, BATCH); rows.length > 0 && !stopped; rows = await readAfter(last, BATCH)) {
          last = rows[rows.length - 1]!.id;
          await options.onRows(rows);
          if (rows.length < BATCH) break;
        }
      } while (again && !stopped);
    })()
      .catch((error: Error) => options.log?.('could not read the outbox; retrying', { error: error.message }))
      .finally(() => {
        draining = null;
      });
    return draining;
  };

  let firstTry!: () => void;
  const tried = new Promise<void>((resolve) => (firstTry = resolve));
  const up = (v: boolean) => {
    listening = v;
    firstTry();
  };
  const stopWatching =
    db.$engine === 'postgres'
      ? listen(db, { drain, up, tried: firstTry, connection: listenerRead, stopped: () => stopped, log: options.log })
      : watchSqlite(db, drain);
  // A gateway caches from its first request when it can listen at once; if not, it starts without and listens later.
  if (db.$engine === 'postgres') await tried;
  // PostgreSQL's safety net; SQLite's data_version never misses a commit.
  const poll = db.$engine === 'postgres' ? setInterval(() => void drain(), options.pollMs ?? 1000) : undefined;
  poll?.unref();
  // This gateway's own commits move its version at once (its next read is never older than its write),
  // and are read without waiting for the notification.
  let ownCommits = 0;
  const stopHook = onCommit(db, async () => {
    ownCommits++;
    await drain();
  });
  return {
    version: () => (listening ? `${last}.${ownCommits}` : null),
    poke: () => void drain(),
    async stop() {
      stopped = true;
      stopHook();
      clearInterval(poll);
      await stopWatching();
      await draining;
    },
  };
}

/** SQLite: another connection's commit (the CLI, a second server, this server's writer) moves data_version. */
function watchSqlite(db: Db, drain: () => Promise<void>): () => Promise<void> {
  const dataVersion = db.$client.prepare('pragma data_version').pluck();
  let seen = dataVersion.get();
  const timer = setInterval(() => {
    if (!db.$client.open) return;
    const now = dataVersion.get();
    if (now !== seen) {
      seen = now;
      void drain();
    }
  }, 50);
  timer.unref();
  return async () => clearInterval(timer);
}

interface ListenHooks {
  drain(): Promise<void>;
  up(listening: boolean): void;
  /** The first attempt to listen ended, listening or not. */
  tried(): void;
  /** The listening connection (the feed reads through it too), or null when there is none. */
  connection(client: pg.Client | null): void;
  stopped(): boolean;
  log?: FeedOptions['log'];
}

/** PostgreSQL: one connection of its own LISTENs; when it drops, reconnect with backoff, then catch up. */
function listen(db: Db, hooks: ListenHooks): () => Promise<void> {
  const pool = db.$client as unknown as pg.Pool;
  let client: pg.Client | null = null;
  let retry: NodeJS.Timeout | undefined;
  let delay = 100;
  const connect = async () => {
    if (hooks.stopped()) return;
    const c = new pg.Client({ ...(pool.options as pg.ClientConfig), application_name: 'connector-registry-gateway (outbox feed)' });
    c.on('notification', () => void hooks.drain());
    c.on('error', () => {});
    c.on('end', () => {
      if (client !== c) return;
      client = null;
      hooks.connection(null);
      hooks.up(false);
      if (!hooks.stopped()) hooks.log?.('the outbox feed lost its connection; caching is off until it is back');
      schedule();
    });
    try {
      await c.connect();
      await c.query(`listen ${OUTBOX_CHANNEL}`);
    } catch (error) {
      await c.end().catch(() => {});
      hooks.log?.('the outbox feed cannot listen yet; retrying', { error: (error as Error).message });
      hooks.tried();
      schedule();
      return;
    }
    if (hooks.stopped()) {
      hooks.tried();
      return void (await c.end().catch(() => {}));
    }
    client = c;
    hooks.connection(c);
    delay = 100;
    // Listening again: what committed while nobody listened is read now, before caching resumes.
    await hooks.drain();
    hooks.up(true);
  };
  const schedule = () => {
    if (hooks.stopped()) return;
    retry = setTimeout(() => void connect(), delay);
    retry.unref();
    delay = Math.min(delay * 2, RECONNECT_MAX_MS);
  };
  void connect();
  return async () => {
    clearTimeout(retry);
    const c = client;
    client = null;
    hooks.connection(null);
    hooks.up(false);
    await c?.end().catch(() => {});
  };
}
