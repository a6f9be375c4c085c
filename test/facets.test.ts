// Facet counts beside a connector list: what the real registry holds, the filter-chip rule (a value's
// count is the totalCount with that value chosen), one statement for all of them, and visibility.
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase } from '../src/db/client.js';
import { rawRows } from '../src/db/raw.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadImportSource } from '../src/domain/registry/load.js';
import { TEST_ENGINE } from './helpers/database.js';
import { createHarness, type Harness } from './helpers/harness.js';
import { entriesOf, readDoc, type Entry } from './helpers/import.js';
import { describeWithRealData, REAL } from './helpers/real-data.js';

const FACETS = `facets { supportLevels { value count } deployments { value count } types { value count } withSla { value count } languages { value count } }`;
const QUERY = `query($f: ConnectorFilter) { connectors(first: 1, filter: $f) { totalCount ${FACETS} } }`;

type Facet = { value: string | boolean; count: number };
type Facets = Record<'supportLevels' | 'deployments' | 'types' | 'withSla' | 'languages', Facet[]>;

async function facetsOf(h: Harness, filter: object | null, token?: string): Promise<{ totalCount: number; facets: Facets }> {
  const res = await h.gql<any>(QUERY, { f: filter }, token);
  expect(res.errors).toBeUndefined();
  return res.data!.connectors;
}

async function totalCount(h: Harness, filter: object): Promise<number> {
  const res = await h.gql<any>('query($f: ConnectorFilter) { connectors(first: 1, filter: $f) { totalCount } }', { f: filter });
  expect(res.errors).toBeUndefined();
  return res.data!.connectors.totalCount;
}

/** Counts of a key over entries, as facet values (upper-cased), most first then by value. */
function tally(entries: Entry[], key: (e: Entry) => string | null): Map<string, number> {
  const counts = new Map<string, number>();
  for (const e of entries) {
    const k = key(e);
    if (k != null) counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

const asMap = (facet: Facet[]) => new Map(facet.filter((f) => f.count > 0).map((f) => [String(f.value), f.count]));

/** Which filter field each facet stands for, and how a value of it is written into a filter. */
const CHOOSE: Record<keyof Facets, (value: string | boolean) => object> = {
  supportLevels: (v) => ({ supportLevels: [v] }),
  deployments: (v) => ({ supportedOn: v }),
  types: (v) => ({ type: v }),
  withSla: (v) => ({ withSla: v }),
  languages: (v) => ({ language: v }),
};

/** Checks the filter-chip rule: every value's count is the totalCount of the filter with that value chosen. */
async function expectChipCounts(h: Harness, filter: object) {
  const { facets } = await facetsOf(h, filter);
  for (const [name, values] of Object.entries(facets) as [keyof Facets, Facet[]][]) {
    for (const { value, count } of values) {
      expect(count, `${JSON.stringify(filter)} → ${name} ${value}`).toBe(await totalCount(h, { ...filter, ...CHOOSE[name](value) }));
    }
  }
}

const FILTERS: object[] = [
  {},
  { type: 'SOURCE' },
  { supportedOn: 'SELF_MANAGED_ENTERPRISE', withSla: true },
  { supportedOn: 'CLOUD', withSla: false, type: 'DESTINATION' },
  { withSla: true },
  { withSla: false, language: 'python' },
  { supportLevels: ['CERTIFIED', 'COMMUNITY'], usage: ['HIGH'] },
  { search: 'sql', releaseStages: ['GENERALLY_AVAILABLE', 'ALPHA'] },
  { language: 'java', supportLevels: ['ARCHIVED'] },
];

/** Stops a harness and closes its database (a PostgreSQL pool holds connections until then). */
async function release(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.close();
  await closeDatabase(h.db);
}

describeWithRealData('facets of the real 2025 OSS registry', () => {
  let h: Harness;
  let entries: Entry[];
  beforeAll(async () => {
    h = await createHarness({ connectors: false });
    await importConnectors(h.db, await loadImportSource(REAL.oss2025));
    entries = entriesOf(readDoc(REAL.oss2025));
  }, 120_000);
  afterAll(() => release(h));

  it('count the support levels, types, languages and deployments the file holds', async () => {
    const { totalCount: total, facets } = await facetsOf(h, null);
    expect(total).toBe(entries.length);
    const level = (e: Entry) => (e.supportLevel ?? (e.ab_internal?.isEnterprise ? 'enterprise' : 'community')).toUpperCase();
    const language = (e: Entry) => e.language ?? (e.tags ?? []).find((t: string) => t.startsWith('language:'))?.slice('language:'.length) ?? null;
    const doc = readDoc(REAL.oss2025);
    expect(asMap(facets.supportLevels)).toEqual(tally(entries, level));
    expect(facets.supportLevels.map((f) => f.value)).toEqual(['CERTIFIED', 'COMMUNITY', 'CUSTOM', 'ENTERPRISE', 'ARCHIVED']);
    expect(facets.types).toEqual([
      { value: 'SOURCE', count: doc.sources.length },
      { value: 'DESTINATION', count: doc.destinations.length },
    ]);
    expect(asMap(facets.languages)).toEqual(tally(entries, language));
    const counts = facets.languages.map((f) => f.count);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    // The OSS registry serves Community (OSS) and Self-Managed Enterprise, and nothing else.
    expect(facets.deployments).toEqual([
      { value: 'CLOUD', count: 0 },
      { value: 'POWERED_BY_AIRBYTE', count: 0 },
      { value: 'SELF_MANAGED_ENTERPRISE', count: entries.length },
      { value: 'COMMUNITY_OSS', count: entries.length },
    ]);
    expect(facets.withSla.reduce((n, f) => n + f.count, 0)).toBe(entries.length);
  });

  it.each(FILTERS)('count each value as the totalCount the list would have with it chosen (filter %j)', async (filter) => {
    await expectChipCounts(h, filter);
  });
});

describe('facets of the demo registry, with every deployment', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness();
  });
  afterAll(() => release(h));

  it.each(FILTERS)('count each value as the totalCount the list would have with it chosen (filter %j)', async (filter) => {
    await expectChipCounts(h, filter);
  });

  it('take one statement for all five facets, and none while the database does not change', async () => {
    const h2 = await createHarness();
    const ask = async (selection: string, filter: object) => {
      h2.statements.length = 0;
      const res = await h2.gql<any>(`query($f: ConnectorFilter) { connectors(first: 5, filter: $f) { edges { node { slug } } ${selection} } }`, { f: filter });
      expect(res.errors).toBeUndefined();
      return { statements: h2.statements.length, grouped: h2.statements.filter((s) => s.includes('group by')).length };
    };
    // The page alone, then the page with all five facets: one statement more, whatever the number of facets.
    expect(await ask('', { search: 'o' })).toEqual({ statements: 1, grouped: 0 });
    expect(await ask(FACETS, { search: 'a' })).toEqual({ statements: 2, grouped: 1 });
    expect(await ask('facets { types { count } }', { search: 'e' })).toEqual({ statements: 2, grouped: 1 });
    // Choosing chips (type, level, deployment, SLA, language) keeps the grouped counts: no statement for facets.
    expect(await ask(FACETS, { search: 'a', type: 'SOURCE', supportedOn: 'CLOUD', withSla: true })).toEqual({ statements: 1, grouped: 0 });
    // A write moves the database version: counted again.
    const token = await h2.token('bot', ['certify']);
    await h2.gql(
      'mutation { certifyConnector(input: {connectorSlug: "source-pokeapi", reason: "Facets count again after a change."}) { userErrors { code } } }',
      {},
      token,
    );
    expect(await ask(FACETS, { search: 'a' })).toEqual({ statements: 2, grouped: 1 });
    await release(h2);
  });

  // SQLite's query plan (EXPLAIN QUERY PLAN and its wording are SQLite's own).
  it.skipIf(TEST_ENGINE === 'postgres')('read their groups from the covering index, in group order, without the rows or a sort', async () => {
    const h2 = await createHarness();
    await h2.gql(`{ connectors(first: 1) { ${FACETS} } }`);
    const grouped = h2.statements.find((s) => s.includes('group by'))!;
    const plan = (h2.db.$client.prepare(`explain query plan ${grouped}`).all() as { detail: string }[]).map((r) => r.detail);
    expect(plan).toEqual(['SCAN connectors USING COVERING INDEX connectors_facets_idx']);
    await release(h2);
  });

  it("never count another organization's private connectors", async () => {
    const customs = await rawRows<{ organization: string; n: number }>(
      h.db,
      sql`select organization, count(*) n from connectors where support_level = 'custom' group by organization`,
    );
    expect(customs.length).toBeGreaterThan(0);
    const acme = customs.find((c) => c.organization === 'acme')!;
    const custom = (f: Facets) => f.supportLevels.find((l) => l.value === 'CUSTOM')!.count;
    const everyone = await facetsOf(h, null);
    expect(custom(everyone.facets)).toBe(0);
    const acmeToken = (await createToken(h.db, { name: 'acme-facets', scopes: ['read:private'], organization: 'acme' })).token;
    const otherToken = (await createToken(h.db, { name: 'globex-facets', scopes: ['read:private'], organization: 'globex' })).token;
    const asAcme = await facetsOf(h, null, acmeToken);
    expect(custom(asAcme.facets)).toBe(acme.n);
    expect(asAcme.totalCount).toBe(everyone.totalCount + acme.n);
    expect((await facetsOf(h, null, otherToken)).facets).toEqual(everyone.facets);
    const admin = (await createToken(h.db, { name: 'admin-facets', scopes: ['admin'] })).token;
    expect(custom((await facetsOf(h, null, admin)).facets)).toBe(customs.reduce((n, c) => n + c.n, 0));
  });
});
