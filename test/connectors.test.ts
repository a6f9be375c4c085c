import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED_CONNECTORS as ALL_SEED } from '../seed/connectors.js';
import { syntheticRegistry } from '../bench/synthetic.js';
import { PER_LEVEL_MIN_ROWS } from '../src/domain/connectors/page.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson } from '../src/domain/registry/load.js';
import { closeDatabase } from '../src/db/client.js';
import { rawRow, rawRows, rawRun } from '../src/db/raw.js';
import { transaction } from '../src/db/transaction.js';
import { TEST_ENGINE } from './helpers/database.js';
import { createHarness, type Harness } from './helpers/harness.js';

const LIST = `query($filter: ConnectorFilter, $orderBy: ConnectorOrder, $first: Int!, $after: String) {
  connectors(filter: $filter, orderBy: $orderBy, first: $first, after: $after) {
    totalCount
    edges { cursor node { slug name type supportLevel language releaseStage availableOn } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
  }
}`;

async function allSlugs(h: Harness, filter: object | null, pageSize = 100, orderBy?: object): Promise<string[]> {
  const slugs: string[] = [];
  let after: string | null = null;
  for (let i = 0; i < 100; i++) {
    const res: any = await h.gql(LIST, { filter, first: pageSize, after, orderBy });
    expect(res.errors).toBeUndefined();
    slugs.push(...res.data.connectors.edges.map((e: any) => e.node.slug));
    if (!res.data.connectors.pageInfo.hasNextPage) return slugs;
    after = res.data.connectors.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

// Written from the domain document, not from the code: on Self-Managed Enterprise an official SLA
// (with Premium Support) is offered to certified ("Supported*"), custom ("Supported**") and, per
// FORMAT.md, enterprise connectors; community and archived get "No Support".
// Anonymous callers see only public connectors; the custom ones belong to the "acme" organization.
const SEED_CONNECTORS = ALL_SEED.filter((c) => !c.organization);
const SLA_LEVELS_ON_SME = new Set(['certified', 'custom', 'enterprise']);
const onSme = SEED_CONNECTORS.filter((c) => c.availability.some((a) => a.deployment === 'self_managed_enterprise' && a.enabled));

describe('connectors', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  // Each test's database closes with it (a PostgreSQL pool holds connections until then).
  afterEach(async () => {
    await h.close();
    await closeDatabase(h.db);
  });

  it('answers the headline query with exactly the connectors with an SLA on Self-Managed Enterprise', async () => {
    const res = await h.gql(`{ connectors(filter: {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true}, first: 100) {
      totalCount edges { node { slug support(deployment: SELF_MANAGED_ENTERPRISE) { officialSla } } } pageInfo { hasNextPage } } }`);
    expect(res.errors).toBeUndefined();
    const expected = onSme
      .filter((c) => SLA_LEVELS_ON_SME.has(c.supportLevel))
      .map((c) => c.slug)
      .sort();
    const got = res.data!.connectors.edges.map((e: any) => e.node.slug).sort();
    expect(got).toEqual(expected);
    expect(expected.length).toBeGreaterThan(20);
    expect(res.data!.connectors.totalCount).toBe(expected.length);
    expect(res.data!.connectors.pageInfo.hasNextPage).toBe(false);
    expect(res.data!.connectors.edges.every((e: any) => e.node.support.officialSla)).toBe(true);
  });

  it('answers withSla: false with the complement among the connectors available there', async () => {
    const without = await allSlugs(h, { supportedOn: 'SELF_MANAGED_ENTERPRISE', withSla: false });
    const expected = onSme
      .filter((c) => !SLA_LEVELS_ON_SME.has(c.supportLevel))
      .map((c) => c.slug)
      .sort();
    expect(without.sort()).toEqual(expected);
    const withSla = await allSlugs(h, { supportedOn: 'SELF_MANAGED_ENTERPRISE', withSla: true });
    const all = await allSlugs(h, { supportedOn: 'SELF_MANAGED_ENTERPRISE' });
    expect([...withSla, ...without].sort()).toEqual(all.sort());
    expect(all.sort()).toEqual(onSme.map((c) => c.slug).sort());
  });

  it('pages through every connector once, in name order, whatever the page size', async () => {
    const everything = await allSlugs(h, null, 100);
    expect(everything).toHaveLength(SEED_CONNECTORS.length);
    const byName = [...SEED_CONNECTORS].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0)).map((c) => c.name);
    const res = await h.gql(LIST, { first: 100 });
    expect(res.data!.connectors.edges.map((e: any) => e.node.name)).toEqual(byName);
    for (const size of [1, 7, 50]) {
      expect(await allSlugs(h, null, size)).toEqual(everything);
    }
  });

  it('pages in descending slug order and by release date without losing rows', async () => {
    const desc = await allSlugs(h, null, 9, { field: 'SLUG', direction: 'DESC' });
    expect(desc).toEqual(
      SEED_CONNECTORS.map((c) => c.slug)
        .sort()
        .reverse(),
    );
    const byDate = await allSlugs(h, null, 4, { field: 'RELEASE_DATE', direction: 'ASC' });
    expect(new Set(byDate).size).toBe(SEED_CONNECTORS.length);
  });

  it('pages through level-restricted lists without losing or repeating a row', async () => {
    for (const filter of [
      { supportedOn: 'SELF_MANAGED_ENTERPRISE', withSla: true },
      { supportLevels: ['COMMUNITY', 'ARCHIVED'] },
      { supportedOn: 'CLOUD', withSla: false },
    ]) {
      const whole = await allSlugs(h, filter, 100);
      expect(whole.length, JSON.stringify(filter)).toBeGreaterThan(3);
      for (const size of [1, 3, 7]) expect(await allSlugs(h, filter, size), `${JSON.stringify(filter)} by ${size}`).toEqual(whole);
      const backwards = await allSlugs(h, filter, 4, { field: 'NAME', direction: 'DESC' });
      const forwards = await allSlugs(h, filter, 100, { field: 'NAME', direction: 'ASC' });
      expect(backwards).toEqual([...forwards].reverse());
    }
  });

  it('pages a level-restricted list of a large registry through the per-level index reads, in the plain order', async () => {
    const big = await createHarness();
    await importConnectors(big.db, loadRegistryJson(JSON.stringify(syntheticRegistry(PER_LEVEL_MIN_ROWS + 500)), 'oss_registry.json', 'oss'));
    const expected = async (levels: string[], type: string | null, direction: 'asc' | 'desc') => {
      const order = sql.raw(`name_key ${direction}, slug ${direction}`);
      const inLevels = sql.join(
        levels.map((l) => sql`${l}`),
        sql`, `,
      );
      const rows = await rawRows<{ slug: string }>(
        big.db,
        sql`select slug from connectors where organization is null and support_level in (${inLevels}) ${type ? sql`and type = ${type}` : sql``} order by ${order}`,
      );
      return rows.map((r) => r.slug);
    };
    // The per-level merge works around SQLite's planner; PostgreSQL reads the plain query.
    const merges = TEST_ENGINE === 'sqlite';
    const certified = await expected(['certified'], null, 'asc');
    expect(certified.length).toBeGreaterThan(300);
    big.statements.length = 0;
    expect(await allSlugs(big, { supportLevels: ['CERTIFIED'] }, 100)).toEqual(certified);
    const perLevel = (sql: string) => sql.includes('from "connectors" as "k"');
    expect(big.statements.some(perLevel)).toBe(merges);
    // The seed's 51 connectors are sorted directly: cheaper than merging index reads at that size.
    h.statements.length = 0;
    await allSlugs(h, { supportLevels: ['CERTIFIED'] }, 100);
    expect(h.statements.some(perLevel)).toBe(false);
    big.statements.length = 0;
    const sources = await allSlugs(big, { supportLevels: ['CERTIFIED', 'COMMUNITY'], type: 'SOURCE' }, 100, { field: 'NAME', direction: 'DESC' });
    expect(big.statements.some((text) => perLevel(text) && text.includes('union all'))).toBe(merges);
    expect(sources).toEqual(await expected(['certified', 'community'], 'source', 'desc'));
    expect((await allSlugs(big, { supportLevels: ['CERTIFIED', 'ARCHIVED'] }, 37)).length).toBe(
      (await expected(['certified', 'archived'], null, 'asc')).length,
    );
    await big.close();
    await closeDatabase(big.db);
  }, 120_000);

  it('answers every row field the same whether a page is read with just its columns or planned with a relation', async () => {
    const fields = `__typename id definitionId slug name type supportLevel releaseStage dockerRepository dockerImageTag documentationUrl iconUrl
      language license subtype tags releaseDate internalSupportLevel internalQualityLevel availableOn revision createdAt updatedAt
      support(deployment: SELF_MANAGED_ENTERPRISE) { coverage officialSla channel slaTier { key } }`;
    const page = async (extra: string) => {
      h.statements.length = 0;
      const res = await h.gql(`{ connectors(first: 100, orderBy: {field: SLUG, direction: ASC}) { edges { node { ${fields} ${extra} } } } }`);
      expect(res.errors).toBeUndefined();
      return { nodes: res.data!.connectors.edges.map((e: any) => ({ ...e.node, breakingChanges: undefined })), sql: h.statements.join('\n') };
    };
    const lean = await page('');
    const planned = await page('breakingChanges { version }');
    expect(lean.sql).not.toContain('breaking_changes');
    expect(planned.sql).toContain('breaking_changes');
    expect(lean.nodes).toHaveLength(49);
    expect(lean.nodes).toEqual(planned.nodes);
  });

  it('reads the rows afresh each time a page is asked again, though its statement is built once', async () => {
    const page = `{ connectors(filter: {supportedOn: CLOUD}, first: 5) { edges { node { slug name supportLevel availableOn } } } }`;
    const first = await h.gql(page);
    const top = first.data!.connectors.edges[0].node;
    // Written as the gateway writes (in a transaction), so every engine's caches hear of it.
    await transaction(h.db, async (tx) => {
      await rawRun(tx, sql`update connectors set name = 'AAA renamed', support_level = 'archived' where slug = ${top.slug}`);
      await rawRun(
        tx,
        sql`update connector_availability set enabled = false where deployment = 'cloud' and connector_id = (select id from connectors where slug = ${first.data!.connectors.edges[1].node.slug})`,
      );
    });
    h.statements.length = 0;
    const again = await h.gql(page);
    expect(h.statements).toHaveLength(1);
    const nodes = again.data!.connectors.edges.map((e: any) => e.node);
    expect(nodes[0]).toMatchObject({ slug: top.slug, name: 'AAA renamed', supportLevel: 'ARCHIVED' });
    expect(nodes.map((n: any) => n.slug)).not.toContain(first.data!.connectors.edges[1].node.slug);
    expect(nodes).toHaveLength(5);
  });

  it('answers support.available on every deployment as availableOn says, for every connector', async () => {
    const res = await h.gql(`{ connectors(first: 100) { edges { node { slug availableOn
      cloud: support(deployment: CLOUD) { available } pba: support(deployment: POWERED_BY_AIRBYTE) { available }
      sme: support(deployment: SELF_MANAGED_ENTERPRISE) { available } oss: support(deployment: COMMUNITY_OSS) { available } } } } }`);
    expect(res.errors).toBeUndefined();
    const nodes = res.data!.connectors.edges.map((e: any) => e.node);
    // Written from the seed, not from the code: the deployments each connector is enabled on.
    const enabled = new Map(SEED_CONNECTORS.map((c) => [c.slug, c.availability.filter((a) => a.enabled).map((a) => a.deployment)]));
    const aliases = { cloud: 'cloud', pba: 'powered_by_airbyte', sme: 'self_managed_enterprise', oss: 'community_oss' } as const;
    expect(nodes).toHaveLength(SEED_CONNECTORS.length);
    let unavailable = 0;
    for (const node of nodes) {
      for (const [alias, deployment] of Object.entries(aliases)) {
        const expected = enabled.get(node.slug)!.includes(deployment);
        expect(node[alias].available, `${node.slug} on ${deployment}`).toBe(expected);
        expect(node.availableOn.includes(deployment.toUpperCase()), `${node.slug} availableOn`).toBe(expected);
        if (!expected) unavailable++;
      }
    }
    expect(unavailable).toBeGreaterThan(0);
  });

  it('reports page info at the start, the middle and the end of a list', async () => {
    const first = await h.gql(LIST, { first: 2 });
    expect(first.data!.connectors.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    expect(first.data!.connectors.pageInfo.startCursor).toBe(first.data!.connectors.edges[0].cursor);
    const all = await h.gql(LIST, { first: 100 });
    const secondLast = all.data!.connectors.edges.at(-2).cursor;
    const last = await h.gql(LIST, { first: 5, after: secondLast });
    expect(last.data!.connectors.edges).toHaveLength(1);
    expect(last.data!.connectors.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true });
  });

  it('filters by type, support levels, release stages, language and search', async () => {
    const cases: [object, (c: (typeof SEED_CONNECTORS)[number]) => boolean][] = [
      [{ type: 'DESTINATION' }, (c) => c.type === 'destination'],
      [{ supportLevels: ['COMMUNITY', 'ARCHIVED'] }, (c) => c.supportLevel === 'community' || c.supportLevel === 'archived'],
      [{ releaseStages: ['BETA'] }, (c) => c.releaseStage === 'beta'],
      [{ language: 'java', type: 'SOURCE' }, (c) => c.language === 'java' && c.type === 'source'],
      [{ search: 'POST' }, (c) => c.name.toLowerCase().includes('post') || c.slug.includes('post')],
      [{ search: 'acme' }, (c) => c.slug.includes('acme')],
      [
        { supportedOn: 'COMMUNITY_OSS', supportLevels: ['CERTIFIED'] },
        (c) => c.supportLevel === 'certified' && c.availability.some((a) => a.deployment === 'community_oss'),
      ],
      [{ supportLevels: [] }, () => false],
    ];
    for (const [filter, keep] of cases) {
      const got = await allSlugs(h, filter);
      expect(got.sort(), JSON.stringify(filter)).toEqual(
        SEED_CONNECTORS.filter(keep)
          .map((c) => c.slug)
          .sort(),
      );
      const count = await h.gql(`query($f: ConnectorFilter) { connectors(filter: $f, first: 1) { totalCount } }`, { f: filter });
      expect(count.data!.connectors.totalCount, JSON.stringify(filter)).toBe(got.length);
    }
  });

  it('treats % and _ in a search as plain characters', async () => {
    expect(await allSlugs(h, { search: '%' })).toEqual([]);
    expect(await allSlugs(h, { search: '_' })).toEqual([]);
  });

  it('answers withSla without a deployment with connectors that have an SLA somewhere they run', async () => {
    const got = await allSlugs(h, { withSla: true });
    const expected = SEED_CONNECTORS.filter(
      (c) => ['certified', 'custom', 'enterprise'].includes(c.supportLevel) && c.availability.some((a) => a.deployment !== 'community_oss'),
    ).map((c) => c.slug);
    expect(got.sort()).toEqual(expected.sort());
  });

  it('refuses first outside 1..100, a missing first, and a foreign cursor, naming the argument', async () => {
    for (const first of [0, 101, -5]) {
      const res = await h.gql(LIST, { first });
      expect(res.data).toBeNull();
      expect(res.errors![0]!.message).toMatch(/^first: must be at (least 1|most 100)$/);
      expect(res.errors![0]!.extensions!.code).toBe('BAD_USER_INPUT');
    }
    const missing = await h.gql(`{ connectors { totalCount } }`);
    expect(missing.errors![0]!.message).toContain('argument "first" of type "Int!" is required');
    const bad = await h.gql(LIST, { first: 5, after: 'not-a-cursor' });
    expect(bad.errors![0]).toMatchObject({ message: 'after: not a cursor returned by this connection', extensions: { code: 'BAD_USER_INPUT' } });
    const page = await h.gql(LIST, { first: 1 });
    const other = await h.gql(LIST, { first: 1, after: page.data!.connectors.pageInfo.endCursor, orderBy: { field: 'SLUG', direction: 'ASC' } });
    expect(other.errors![0]!.message).toMatch(/another orderBy/);
  });

  it('answers each slug of a detail document asked with variables from one kept statement, with fresh rows', async () => {
    const DETAIL = `query($slug: String!) { connector(slug: $slug) { slug name breakingChanges { version } certificationHistory { actor } } }`;
    const ask = async (slug: string, token?: string) => {
      h.statements.length = 0;
      const res = await h.gql(DETAIL, { slug }, token);
      expect(res.errors).toBeUndefined();
      // One statement for the connector (a token adds its own lookup).
      const reads = h.statements.filter((q) => q.includes('from "connectors"'));
      expect(reads).toHaveLength(1);
      return { connector: res.data!.connector, sql: reads[0] };
    };
    const stripe = await ask('source-stripe');
    const duckdb = await ask('destination-duckdb');
    const missing = await ask('source-nope');
    expect([stripe.connector.slug, duckdb.connector.slug, missing.connector]).toEqual(['source-stripe', 'destination-duckdb', null]);
    expect(new Set([stripe.sql, duckdb.sql, missing.sql]).size).toBe(1);
    // A row written after the statement was built is read by it.
    const { id } = (await rawRow<{ id: number }>(h.db, sql`select id from connectors where slug = 'destination-duckdb'`))!;
    await transaction(h.db, async (tx) => {
      await rawRun(
        tx,
        sql`insert into breaking_changes (connector_id, version, upgrade_deadline, message, deadline_action) values (${id}, '9.0.0', '2099-01-01', 'Kept statement test.', 'disable')`,
      );
      await rawRun(tx, sql`update connectors set name = 'DuckDB (renamed)' where id = ${id}`);
    });
    const after = await ask('destination-duckdb');
    expect(after.connector.name).toBe('DuckDB (renamed)');
    expect(after.connector.breakingChanges.map((b: any) => b.version)).toContain('9.0.0');
    // The same document for a private connector: its organization sees it, the public does not.
    const acme = await h.token('acme-reader', ['read:private']);
    await transaction(h.db, (tx) => rawRun(tx, sql`update api_tokens set organization = 'acme' where name = 'acme-reader'`));
    expect((await ask('source-acme-billing')).connector).toBeNull();
    expect((await ask('source-acme-billing', acme)).connector).toMatchObject({ slug: 'source-acme-billing' });
    expect((await ask('source-acme-billing')).connector).toBeNull();
    // Another variable shapes the plan: statements are kept apart by it, and still not by slug.
    const PARTS = `query($slug: String!, $full: Boolean!) { connector(slug: $slug) { slug breakingChanges @include(if: $full) { version } } }`;
    const parts = async (slug: string, full: boolean) => {
      h.statements.length = 0;
      const res = await h.gql(PARTS, { slug, full });
      // One statement, with the relation exactly when it is asked for.
      expect(h.statements).toHaveLength(1);
      expect(h.statements[0]!.includes('breaking_changes')).toBe(full);
      return res.data!.connector;
    };
    expect(await parts('source-stripe', false)).toEqual({ slug: 'source-stripe' });
    expect(await parts('source-stripe', true)).toEqual({ slug: 'source-stripe', breakingChanges: expect.arrayContaining([{ version: '4.0.0' }]) });
    expect((await parts('destination-duckdb', true)).breakingChanges.map((b: any) => b.version)).toContain('9.0.0');
    expect(await parts('destination-duckdb', false)).toEqual({ slug: 'destination-duckdb' });
  });

  it('finds one connector by slug with its breaking changes, and null for an unknown slug', async () => {
    const res = await h.gql(`{ connector(slug: "source-stripe") { slug name type supportLevel dockerRepository dockerImageTag revision
      breakingChanges { version upgradeDeadline deadlineAction migrationDocumentationUrl scopedImpact { scopeType impactedScopes } }
      certificationHistory { id } } missing: connector(slug: "source-nope") { slug } }`);
    expect(res.errors).toBeUndefined();
    expect(res.data).toEqual({
      connector: {
        slug: 'source-stripe',
        name: 'Stripe',
        type: 'SOURCE',
        supportLevel: 'CERTIFIED',
        dockerRepository: 'airbyte/source-stripe',
        dockerImageTag: '5.15.11',
        revision: 1,
        breakingChanges: [
          {
            version: '5.4.0',
            upgradeDeadline: '2024-07-14',
            deadlineAction: null,
            migrationDocumentationUrl: 'https://docs.airbyte.com/integrations/sources/stripe-migrations#5.4.0',
            scopedImpact: [{ scopeType: 'stream', impactedScopes: ['refunds'] }],
          },
          {
            version: '5.0.0',
            upgradeDeadline: '2023-12-11',
            deadlineAction: null,
            migrationDocumentationUrl: 'https://docs.airbyte.com/integrations/sources/stripe-migrations#5.0.0',
            scopedImpact: null,
          },
          {
            version: '4.0.0',
            upgradeDeadline: '2023-09-14',
            deadlineAction: null,
            migrationDocumentationUrl: 'https://docs.airbyte.com/integrations/sources/stripe-migrations#4.0.0',
            scopedImpact: null,
          },
        ],
        certificationHistory: [],
      },
      missing: null,
    });
  });

  it('shows custom connectors only to their organization and to admins, and never hints at them otherwise', async () => {
    const acme = await h.token('acme-ci', ['read:private']);
    const acmeWithoutScope = await h.token('acme-viewer', ['publish']);
    const other = await h.token('globex-ci', ['read:private', 'certify']);
    await rawRun(h.db, sql`update api_tokens set organization = 'acme' where name in ('acme-ci', 'acme-viewer')`);
    await rawRun(h.db, sql`update api_tokens set organization = 'globex' where name = 'globex-ci'`);
    const admin = await h.token('root', ['admin']);
    const customSlugs = ALL_SEED.filter((c) => c.organization === 'acme')
      .map((c) => c.slug)
      .sort();
    const query = `{ connectors(filter: {supportLevels: [CUSTOM]}, first: 10) { totalCount edges { node { slug id } } }
      all: connectors(first: 1) { totalCount } one: connector(slug: "source-acme-billing") { slug } }`;
    const seen = async (token?: string) => {
      const r = await h.gql(query, {}, token);
      expect(r.errors).toBeUndefined();
      return {
        slugs: r.data!.connectors.edges.map((e: any) => e.node.slug).sort(),
        total: r.data!.connectors.totalCount,
        all: r.data!.all.totalCount,
        one: r.data!.one,
        ids: r.data!.connectors.edges.map((e: any) => e.node.id),
      };
    };
    const anonymous = await seen();
    expect(anonymous).toEqual({ slugs: [], total: 0, all: SEED_CONNECTORS.length, one: null, ids: [] });
    expect(await seen(other)).toMatchObject({ slugs: [], total: 0, all: SEED_CONNECTORS.length, one: null });
    expect(await seen(acmeWithoutScope)).toMatchObject({ slugs: customSlugs, total: 2, all: ALL_SEED.length, one: { slug: 'source-acme-billing' } });
    const mine = await seen(acme);
    expect(mine).toMatchObject({ slugs: customSlugs, total: 2, all: ALL_SEED.length, one: { slug: 'source-acme-billing' } });
    expect(await seen(admin)).toMatchObject({ slugs: customSlugs, total: 2, all: ALL_SEED.length });
    // node(id) with a private connector's id: null for anyone outside the organization.
    for (const [token, visible] of [
      [undefined, false],
      [other, false],
      [acme, true],
      [admin, true],
    ] as const) {
      const r = await h.gql(
        `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Connector { slug } } node(id: "${mine.ids[0]}") { id } }`,
        { ids: mine.ids },
        token,
      );
      expect(r.errors).toBeUndefined();
      expect(r.data!.nodes.every((n: any) => (n !== null) === visible)).toBe(true);
      expect(r.data!.node !== null).toBe(visible);
    }
  });

  it('fetches a connector again by its global id through node', async () => {
    const one = await h.gql(`{ connector(slug: "destination-duckdb") { id name } }`);
    const id = one.data!.connector.id;
    const res = await h.gql(`query($id: ID!) { node(id: $id) { id ... on Connector { slug supportLevel } } }`, { id });
    expect(res.data).toEqual({ node: { id, slug: 'destination-duckdb', supportLevel: 'COMMUNITY' } });
  });

  it('answers null, without an error, for a global id that names nothing', async () => {
    const id = (text: string) => Buffer.from(text).toString('base64');
    const one = await h.gql(`{ connector(slug: "destination-duckdb") { id } }`);
    const known = one.data!.connector.id;
    const res = await h.gql(`query($id: ID!, $ids: [ID!]!) { node(id: $id) { id } nodes(ids: $ids) { id } }`, {
      id: id('Connector:99999'),
      ids: [known, id('Connector:99999'), id('Foo:1'), known],
    });
    expect(res).toEqual({ status: 200, data: { node: null, nodes: [{ id: known }, null, null, { id: known }] } });
  });
});
