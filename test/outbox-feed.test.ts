// @engine-independent: opens SQLite files and PostgreSQL databases of the suite cluster by name, whatever TEST_ENGINE says.
// The outbox and each gateway's feed of it, on both engines, with two handles on one database standing in
// for two gateways (or a server and a CLI import on one SQLite file).
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { closeDatabase, type Db, openDatabase } from '../src/db/client.js';
import { startOutboxFeed, type OutboxFeed } from '../src/db/feed.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { appendOutbox, type OutboxRow } from '../src/db/outbox.js';
import { openPostgres } from '../src/db/postgres.js';
import { transaction } from '../src/db/transaction.js';
import { testCluster, testDatabasePath } from './helpers/database.js';
import { untilSomeoneWaits } from './helpers/locks.js';
import { describeWithPostgres } from './helpers/postgres.js';

/** Polls `check` every 20 ms for at most `ms`; the time it took, or throws. */
async function within(ms: number, check: () => boolean): Promise<number> {
  const start = Date.now();
  for (let i = 0; i < ms / 20; i++) {
    if (check()) return Date.now() - start;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`not within ${ms} ms`);
}

interface Pair {
  a: Db;
  b: Db;
}

const opened: Db[] = [];
const feeds: OutboxFeed[] = [];
afterAll(async () => {
  for (const f of feeds) await f.stop();
  for (const db of opened) await closeDatabase(db);
});

async function feedOf(db: Db) {
  const rows: OutboxRow[] = [];
  const feed = await startOutboxFeed(db, { onRows: (r) => void rows.push(...r), pollMs: 60_000 });
  feeds.push(feed);
  return { feed, rows };
}

const append = (db: Db, topic: string, payload: unknown = null) => transaction(db, (tx) => appendOutbox(tx, [{ topic, payload }]));
const topics = (rows: OutboxRow[]) => rows.map((r) => r.topic).filter((t) => t !== 'write');

function feedTests(open: () => Promise<Pair>) {
  it('hands on what another handle commits, in order, once, and nothing from before it started', async () => {
    const { a, b } = await open();
    await append(a, 'before');
    const { rows } = await feedOf(b);
    await append(a, 'one', { n: 1 });
    await append(a, 'two', { n: 2 });
    await within(1000, () => topics(rows).length >= 2);
    expect(topics(rows)).toEqual(['one', 'two']);
    expect(rows.find((r) => r.topic === 'two')!.payload).toEqual({ n: 2 });
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });

  it('hears nothing of a rolled-back transaction', async () => {
    const { a, b } = await open();
    const { rows } = await feedOf(b);
    await expect(
      transaction(a, async (tx) => {
        await appendOutbox(tx, [{ topic: 'never', payload: null }]);
        throw new Error('changed my mind');
      }),
    ).rejects.toThrow('changed my mind');
    await append(a, 'after');
    await within(1000, () => topics(rows).includes('after'));
    expect(topics(rows)).toEqual(['after']);
  });

  it("moves its version with its own handle's commits at once", async () => {
    const { a } = await open();
    const { feed } = await feedOf(a);
    await within(1000, () => feed.version() !== null);
    const before = feed.version();
    await append(a, 'mine');
    expect(feed.version()).not.toBe(before);
  });
}

describe('the outbox feed on SQLite (two connections to one file)', () => {
  feedTests(async () => {
    const path = testDatabasePath();
    const a = openDatabase(path);
    migrateDatabase(a);
    const b = openDatabase(path);
    opened.push(a, b);
    return { a, b };
  });
});

describeWithPostgres('the outbox feed on PostgreSQL (two pools on one database)', () => {
  let url = '';
  const pair = async (): Promise<Pair> => {
    url = await (await testCluster()).createDatabase();
    const a = openPostgres(url);
    const b = openPostgres(url);
    opened.push(a, b);
    return { a, b };
  };
  feedTests(pair);

  it('misses nothing while its listening connection is killed, and stops caching meanwhile', async () => {
    const { a, b } = await pair();
    const { feed, rows } = await feedOf(b);
    await within(2000, () => feed.version() !== null);
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    try {
      const killed = await admin.query(
        "select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = current_database() and application_name like '%(outbox feed)'",
      );
      expect(killed.rowCount).toBeGreaterThan(0);
      await within(2000, () => feed.version() === null);
      await append(a, 'while-down');
      await within(5000, () => feed.version() !== null && topics(rows).includes('while-down'));
      expect(topics(rows)).toEqual(['while-down']);
    } finally {
      await admin.end();
    }
  });

  it('hands on ids in increasing order when transactions commit out of start order', async () => {
    const { a, b } = await pair();
    const { rows } = await feedOf(b);
    // The first transaction appends and then waits; the second starts after it and must not commit first.
    let release!: () => void;
    let appended!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const firstAppended = new Promise<void>((r) => (appended = r));
    const first = transaction(a, async (tx) => {
      await appendOutbox(tx, [{ topic: 'first', payload: null }]);
      appended();
      await held;
    });
    await firstAppended;
    const second = append(a, 'second');
    await untilSomeoneWaits(a);
    release();
    await Promise.all([first, second]);
    await within(1000, () => topics(rows).length >= 2);
    expect(topics(rows)).toEqual(['first', 'second']);
    const ids = rows.map((r) => r.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
  });
});
