// Statements the gateway keeps prepared must not be planned again on every run. SQLite plans a
// statement again before each run when its plan may depend on a bound value: a bound LIMIT, or, with
// value samples in sqlite_stat4, any indexed column compared with a parameter. The first is kept out
// of the SQL the gateway writes, the second out of the statistics it gathers.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { closeDatabase } from '../src/db/client.js';
import { analyze } from '../src/db/statistics.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson } from '../src/domain/registry/load.js';
import { TEST_ENGINE } from './helpers/database.js';
import { createHarness, type Harness } from './helpers/harness.js';

/** SQLite's planner statistics (sqlite_stat1, sqlite_stat4) and EXPLAIN QUERY PLAN: SQLite's own. */
const itOnSqlite = it.skipIf(TEST_ENGINE === 'postgres');

const SMALL_OSS = fileURLToPath(new URL('./fixtures/oss_registry.small.json', import.meta.url));

function statistics(h: Harness) {
  const count = (table: string) => h.db.$client.prepare(`select count(*) from ${table}`).pluck().get() as number;
  return { indexes: count('sqlite_stat1'), samples: count('sqlite_stat4') };
}

describe('prepared statements keep their plans', () => {
  it('writes every LIMIT into the SQL text, never as a bound parameter', async () => {
    // A loopback webhook, allowed as the webhook tests allow their receivers.
    const h = await createHarness({ webhooks: { allowPrivate: ['127.0.0.1/32'] } });
    const admin = await h.token('root', ['admin']);
    await h.gql(`mutation { registerWebhook(input: {url: "http://127.0.0.1:9/hooks", events: [CERTIFICATION]}) { userErrors { code } } }`, {}, admin);
    h.statements.length = 0;
    const first = await h.gql(`{ connectors(filter: {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true}, first: 2) { edges { cursor node { slug } } } }`);
    const after = first.data!.connectors.edges[1].cursor;
    const corpus = [
      // a lean page, its next page, a planned page with relations, a page in another order
      [`query($a: String) { connectors(first: 2, after: $a) { edges { node { slug name } } } }`, { a: after }],
      [`{ connectors(first: 3) { edges { node { slug breakingChanges { version } certificationHistory { actor } } } } }`, {}],
      [`{ connectors(first: 3, orderBy: {field: UPDATED_AT, direction: DESC}) { edges { node { slug } } } }`, {}],
      [`{ connector(slug: "destination-duckdb") { slug breakingChanges { version } certificationHistory { actor } } }`, {}],
      [`{ breakingChanges(first: 2) { edges { cursor node { version } } } }`, {}],
    ] as const;
    for (const [query, variables] of corpus) {
      const res = await h.gql(query, variables);
      expect(res.errors, query).toBeUndefined();
    }
    const hooks = await h.gql(`{ webhooks { url deliveries { status } } }`, {}, admin);
    expect(hooks.data!.webhooks).toEqual([{ url: 'http://127.0.0.1:9/hooks', deliveries: [] }]);
    const limited = h.statements.filter((s) => /\blimit\b/i.test(s));
    // Every page, the detail and the deliveries: the check has something to check.
    expect(limited.length).toBeGreaterThanOrEqual(corpus.length + 2);
    // A bound limit is `limit ?` on SQLite, `limit $n` on PostgreSQL.
    for (const statement of limited) expect(statement).not.toMatch(/\blimit (\?|\$\d)/i);
    expect(limited.join('\n')).toMatch(/\blimit 3\b/);
    expect(limited.join('\n')).toMatch(/\blimit 1\b/);
    expect(limited.join('\n')).toMatch(/\blimit 20\b/);
    await h.close();
    await closeDatabase(h.db);
  });

  itOnSqlite('keeps index statistics without value samples after seeding', async () => {
    const h = await createHarness();
    expect(statistics(h)).toEqual({ indexes: expect.any(Number), samples: 0 });
    expect(statistics(h).indexes).toBeGreaterThan(0);
  });

  itOnSqlite('keeps index statistics without value samples after an import', async () => {
    const h = await createHarness({ connectors: false });
    const summary = await importConnectors(h.db, loadRegistryJson(readFileSync(SMALL_OSS, 'utf8'), 'oss_registry.json', 'oss'));
    expect(summary.added).toBeGreaterThan(0);
    const after = statistics(h);
    expect(after.samples).toBe(0);
    expect(after.indexes).toBeGreaterThan(0);
  });

  itOnSqlite('drops value samples a database already has when the server gathers statistics at start', async () => {
    const h = await createHarness();
    // A database analyzed by an earlier version, or by hand, has samples.
    h.db.$client.exec('ANALYZE');
    const before = statistics(h);
    expect(before.samples).toBeGreaterThan(0);
    analyze(h.db.$client, 'stale');
    expect(statistics(h)).toEqual({ indexes: before.indexes, samples: 0 });
    // The planner still reads the indexes by their figures.
    const plan = h.db.$client
      .prepare(`explain query plan select id from connectors where support_level = ? order by name_key, slug limit 5`)
      .all('certified') as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING (COVERING )?INDEX connectors_level_name_key_idx/);
  });
});
