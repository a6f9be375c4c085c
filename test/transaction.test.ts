// transaction() (src/db/transaction.ts), the one way to write, on both engines: it commits, rolls back,
// nests as savepoints, hides its rows from readers until it commits, and makes a second writer of the same
// rows wait. The PostgreSQL half runs whatever TEST_ENGINE says (skipped only without PostgreSQL binaries).
import { eq } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase, type Db, openDatabase } from '../src/db/client.js';
import { apiTokens } from '../src/db/schema.js';
import { transaction } from '../src/db/transaction.js';
import { openTestDatabase, type TestEngine } from './helpers/database.js';
import { secondHandle } from './helpers/gateways.js';
import { otherWorkRuns, untilSomeoneWaits } from './helpers/locks.js';
import { describeWithPostgres } from './helpers/postgres.js';

/** A row of a table with a unique column and no foreign keys: a token, named `name`. */
const token = (name: string) => ({ name, tokenHash: `hash-${name}`, scopes: [] as string[] });

const names = async (db: Db) => (await db.select({ name: apiTokens.name }).from(apiTokens).orderBy(apiTokens.name)).map((r) => r.name);

/** A promise and the function that resolves it: a transaction body waits on it to stay open. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { opened, open };
}

function suite(engine: TestEngine) {
  let db: Db;
  beforeEach(async () => {
    db = await openTestDatabase({ engine });
  });
  afterEach(async () => {
    await closeDatabase(db);
  });

  it('commits what the body wrote and returns what it returned', async () => {
    const result = await transaction(db, async (tx) => {
      await tx.insert(apiTokens).values([token('a'), token('b')]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(await names(db)).toEqual(['a', 'b']);
  });

  it('rolls back everything when the body throws, and throws its error', async () => {
    const failure = await transaction(db, async (tx) => {
      await tx.insert(apiTokens).values(token('a'));
      throw new Error('changed my mind');
    }).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe('changed my mind');
    expect(await names(db)).toEqual([]);
  });

  it('rolls back when a statement fails (a unique violation), leaving the database as it was', async () => {
    await transaction(db, (tx) => tx.insert(apiTokens).values(token('a')));
    const failure = await transaction(db, async (tx) => {
      await tx.insert(apiTokens).values(token('b'));
      await tx.insert(apiTokens).values(token('a'));
    }).catch((e: Error) => e);
    expect(failure).toBeInstanceOf(Error);
    expect(await names(db)).toEqual(['a']);
  });

  it('nests as a savepoint: an inner failure caught by the outer body undoes only the inner writes', async () => {
    await transaction(db, async (tx) => {
      await tx.insert(apiTokens).values(token('outer-1'));
      const inner = await transaction(tx, async (sp) => {
        await sp.insert(apiTokens).values(token('inner'));
        throw new Error('inner failed');
      }).catch((e: Error) => e.message);
      expect(inner).toBe('inner failed');
      await transaction(tx, (sp) => sp.insert(apiTokens).values(token('inner-kept')));
      await tx.insert(apiTokens).values(token('outer-2'));
    });
    expect(await names(db)).toEqual(['inner-kept', 'outer-1', 'outer-2']);
  });

  it('hides its rows from readers on other connections until it commits', async () => {
    const seenInside: string[][] = [];
    await transaction(db, async (tx) => {
      await tx.insert(apiTokens).values(token('pending'));
      expect(await names(tx)).toEqual(['pending']);
      // `db` reads on its own connection (SQLite's reader, another of PostgreSQL's pool).
      seenInside.push(await names(db));
    });
    expect(seenInside).toEqual([[]]);
    expect(await names(db)).toEqual(['pending']);
  });

  it('makes a second transaction writing the same unique value wait for the first, then find it taken', async () => {
    const order: string[] = [];
    const hold = gate();
    const wrote = gate();
    const first = transaction(db, async (tx) => {
      await tx.insert(apiTokens).values(token('same'));
      order.push('first wrote');
      wrote.open();
      await hold.opened;
      order.push('first commits');
    });
    await wrote.opened;
    const second = transaction(db, async (tx) => {
      const inserted = await tx.insert(apiTokens).values(token('same')).onConflictDoNothing().returning({ name: apiTokens.name });
      order.push(`second inserted ${inserted.length}`);
    });
    await untilSomeoneWaits(db);
    order.push('gate opens');
    hold.open();
    await Promise.all([first, second]);
    expect(order).toEqual(['first wrote', 'gate opens', 'first commits', 'second inserted 0']);
    expect(await names(db)).toEqual(['same']);
  });

  it('lets the second writer of a value the first rolled back write it', async () => {
    const hold = gate();
    const wrote = gate();
    const first = transaction(db, async (tx) => {
      await tx.insert(apiTokens).values(token('same'));
      wrote.open();
      await hold.opened;
      throw new Error('first gives up');
    }).catch((e: Error) => e.message);
    await wrote.opened;
    const second = transaction(db, (tx) => tx.insert(apiTokens).values(token('same')).onConflictDoNothing().returning({ name: apiTokens.name }));
    await untilSomeoneWaits(db);
    hold.open();
    expect(await first).toBe('first gives up');
    expect(await second).toEqual([{ name: 'same' }]);
  });

  it('serializes two transactions on two handles (two gateways) that update the same row', async () => {
    await transaction(db, (tx) => tx.insert(apiTokens).values(token('counter')));
    const other = secondHandle(db);
    try {
      // Each reads the row (locked on PostgreSQL), then writes what it read plus its own mark.
      const append = (handle: Db, mark: string) =>
        transaction(handle, async (tx) => {
          const query = tx.select({ hash: apiTokens.tokenHash }).from(apiTokens).where(eq(apiTokens.name, 'counter'));
          const [row] = tx.$engine === 'postgres' ? await (query as unknown as { for(s: string): typeof query }).for('update') : await query;
          await otherWorkRuns();
          await tx
            .update(apiTokens)
            .set({ tokenHash: `${row!.hash}+${mark}` })
            .where(eq(apiTokens.name, 'counter'));
        });
      await Promise.all([append(db, 'x'), append(other, 'y')]);
      const [row] = await db.select({ hash: apiTokens.tokenHash }).from(apiTokens).where(eq(apiTokens.name, 'counter'));
      // Neither write is lost, whichever went first.
      expect(['hash-counter+x+y', 'hash-counter+y+x']).toContain(row!.hash);
    } finally {
      await closeDatabase(other);
    }
  });
}

describe('transaction() on SQLite', () => {
  suite('sqlite');

  it('runs the bodies of one handle one after another, never interleaved', async () => {
    const db = await openTestDatabase({ engine: 'sqlite' });
    try {
      const order: string[] = [];
      const body = (name: string) => async (tx: Db) => {
        order.push(`${name} begins`);
        await tx.insert(apiTokens).values(token(name));
        await otherWorkRuns();
        order.push(`${name} ends`);
      };
      await Promise.all([transaction(db, body('a')), transaction(db, body('b')), transaction(db, body('c'))]);
      expect(order).toEqual(['a begins', 'a ends', 'b begins', 'b ends', 'c begins', 'c ends']);
    } finally {
      await closeDatabase(db);
    }
  });

  it('makes two handles on one file in one process take turns instead of failing with SQLITE_BUSY', async () => {
    const db = await openTestDatabase({ engine: 'sqlite' });
    const other = openDatabase(db.$client.name, { synchronous: 'OFF', busyTimeoutMs: 100 });
    try {
      const hold = gate();
      const wrote = gate();
      const first = transaction(db, async (tx) => {
        await tx.insert(apiTokens).values(token('first'));
        wrote.open();
        await hold.opened;
      });
      await wrote.opened;
      const second = transaction(other, (tx) => tx.insert(apiTokens).values(token('second')));
      await otherWorkRuns();
      hold.open();
      await Promise.all([first, second]);
      expect(await names(db)).toEqual(['first', 'second']);
    } finally {
      await closeDatabase(other);
      await closeDatabase(db);
    }
  });
});

describeWithPostgres('transaction() on PostgreSQL', () => {
  suite('postgres');
});
