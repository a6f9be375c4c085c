// src/db/batch.ts: statements gathered into one round trip on PostgreSQL, their values inlined as
// literals. What a batch stores must be exactly what the same statements bound as parameters store.
// @engine-independent: it names its engine (PostgreSQL) itself.
import fc from 'fast-check';
import { type SQL, sql } from 'drizzle-orm';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { statementBatch } from '../src/db/batch.js';
import { closeDatabase, type Db } from '../src/db/client.js';
import { rawRows, rawRun } from '../src/db/raw.js';
import { openTestDatabase } from './helpers/database.js';
import { describeWithPostgres } from './helpers/postgres.js';

describeWithPostgres('a batch of statements on PostgreSQL', () => {
  let db: Db;
  beforeAll(async () => {
    db = await openTestDatabase({ engine: 'postgres' });
    await rawRun(db, sql`create table batch_probe (k int primary key, t text, j jsonb, b boolean, n bigint, via text)`);
  });
  afterAll(() => closeDatabase(db));

  const row = fc.record({
    t: fc.option(
      fc.string({ unit: 'grapheme', maxLength: 40 }).map((s) => s.replaceAll('\u0000', '')),
      { nil: null },
    ),
    j: fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: null }),
    b: fc.option(fc.boolean(), { nil: null }),
    n: fc.option(fc.maxSafeInteger(), { nil: null }),
  });

  it('stores text with quotes, backslashes and any character, JSON, booleans, integers and nulls as bound parameters do', async () => {
    let next = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 8 }), async (rows) => {
        const batch = statementBatch(db, 200);
        for (const r of rows) {
          const json = r.j === null ? null : JSON.stringify(r.j);
          const [inlined, bound] = [++next, ++next];
          await batch.add(sql`insert into batch_probe values (${inlined}, ${r.t}, ${json}::jsonb, ${r.b}, ${r.n}, 'batch')`);
          await rawRun(db, sql`insert into batch_probe values (${bound}, ${r.t}, ${json}::jsonb, ${r.b}, ${r.n}, 'bound')`);
        }
        await batch.flush();
        const stored = await rawRows<{ via: string; t: string; j: string; b: boolean; n: number }>(
          db,
          sql`select via, t, j::text as j, b, n from batch_probe where k > ${next - 2 * rows.length} order by k`,
        );
        const pairs = rows.map((_, i) => [stored[2 * i], stored[2 * i + 1]] as const);
        for (const [a, b] of pairs) expect({ ...a, via: 'same' }).toEqual({ ...b, via: 'same' });
        expect(stored.map((s) => s.via)).toEqual(rows.flatMap(() => ['batch', 'bound']));
      }),
      { numRuns: 30 },
    );
  });

  it('runs its statements in the order they were added, and sends nothing until flushed or full', async () => {
    const batch = statementBatch(db, 1_000_000);
    await batch.add(sql`insert into batch_probe (k, t, via) values (${-1}, ${'first'}, 'order')`);
    await batch.add(sql`update batch_probe set t = t || ${' then second'} where k = ${-1}`);
    expect(await rawRows(db, sql`select t from batch_probe where k = -1`)).toEqual([]);
    await batch.flush();
    expect(await rawRows(db, sql`select t from batch_probe where k = -1`)).toEqual([{ t: 'first then second' }]);
  });

  it("fails with the driver's message, detail and code, and names the statement when PostgreSQL points at one", async () => {
    const failure = async (...queries: SQL[]) => {
      const batch = statementBatch(db);
      for (const q of queries) await batch.add(q);
      return batch.flush().then(
        () => undefined,
        (error: unknown) => error as Error & { code?: string },
      );
    };
    const twice = await failure(
      sql`insert into batch_probe (k, via) values (${-10}, 'fails')`,
      sql`insert into batch_probe (k, via) values (${-10}, 'twice')`,
      sql`insert into batch_probe (k, via) values (${-11}, 'after')`,
    );
    expect(twice?.message).toBe(
      'duplicate key value violates unique constraint "batch_probe_pkey" (Key (k)=(-10) already exists.) (in a batch of 3 statements)',
    );
    expect(twice?.code).toBe('23505');
    const misspelt = await failure(sql`select ${1}`, sql`selekt ${2}`);
    expect(misspelt?.message).toBe(`syntax error at or near "selekt" (statement 2 of 2 in a batch: selekt '2')`);
    expect(misspelt?.code).toBe('42601');
    expect(await rawRows(db, sql`select k from batch_probe where k in (-10, -11)`)).toEqual([]);
  });

  it('refuses a statement whose own text holds a placeholder, rather than altering it', async () => {
    const batch = statementBatch(db);
    await expect(batch.add(sql`select ${sql.raw("'$1'")} || ${'x'}`)).rejects.toThrow('must hold its placeholders $1..$1 once each, in order');
  });

  it('refuses a value it cannot inline, naming its type', async () => {
    const batch = statementBatch(db);
    await expect(batch.add(sql`select ${{ a: 1 }}`)).rejects.toThrow('cannot inline a object value');
  });
});
