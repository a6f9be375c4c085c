// Rows read back as one JSON text must be the rows drizzle reads itself, value for value.
import { getTableColumns, sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { jsonRowsStatement, plainColumns } from '../src/db/json-rows.js';
import { connectors } from '../src/db/schema.js';
import { TEST_ENGINE } from './helpers/database.js';
import { createHarness } from './helpers/harness.js';

// A SQLite technique (json_group_array, run synchronously): on PostgreSQL pages are read through drizzle.
describe.skipIf(TEST_ENGINE === 'postgres')('rows read as one JSON text', () => {
  it('are the rows drizzle reads, with nulls, quotes, unicode and integers, in the same order', async () => {
    const h = await createHarness();
    // Values JSON must carry exactly: quotes, backslashes, control characters, astral characters.
    h.db.$client
      .prepare("update connectors set name = ?, language = null, documentation_url = ? where slug = 'source-faker'")
      .run('Fa"ke\\r \u2028 😀\n', 'https://x.test/?a=1&b="2"');
    const all = getTableColumns(connectors);
    const columns = {
      id: all.id,
      slug: all.slug,
      name: all.name,
      language: all.language,
      documentationUrl: all.documentationUrl,
      revision: all.revision,
      internalSl: all.internalSl,
    };
    const query = h.db.query.connectors.findMany({
      columns: Object.fromEntries(Object.keys(columns).map((c) => [c, true])) as never,
      orderBy: { name: 'desc' },
    });
    const expected = query.prepare().execute().sync();
    const read = jsonRowsStatement(h.db, query, columns);
    expect(expected.length).toBeGreaterThan(40);
    expect(read()).toEqual(expected);
    expect(read().find((r: any) => r.slug === 'source-faker')).toMatchObject({ name: 'Fa"ke\\r \u2028 😀\n', language: null });
    // Read afresh each time.
    h.db.$client.prepare("update connectors set revision = revision + 1 where slug = 'source-faker'").run();
    expect(read()).toEqual(query.prepare().execute().sync());
  });

  it('reads an empty result as no rows', async () => {
    const h = await createHarness();
    const all = getTableColumns(connectors);
    const query = h.db.query.connectors.findMany({ columns: { id: true, slug: true }, where: { RAW: sql`0` } });
    expect(jsonRowsStatement(h.db, query, { id: all.id, slug: all.slug })()).toEqual([]);
  });

  it('takes only plain text and integer columns, which JSON carries as drizzle reads them', async () => {
    const all = getTableColumns(connectors);
    expect(plainColumns({ slug: all.slug, revision: all.revision })).toBe(true);
    expect(plainColumns({ slug: all.slug, tags: all.tags })).toBe(false);
    const h = await createHarness();
    expect(() => jsonRowsStatement(h.db, h.db.query.connectors.findMany({ columns: { tags: true } }), { tags: all.tags })).toThrow(/plain/);
  });
});
