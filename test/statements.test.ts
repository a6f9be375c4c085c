import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../src/db/client.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { createHarness, type Harness } from './helpers/harness.js';

const FLAT = `query($first: Int!) { connectors(first: $first) { edges { node { slug name supportLevel } } } }`;
const NESTED = `query($first: Int!) { connectors(first: $first) {
  totalCount
  edges { cursor node {
    slug name availableOn
    cloud: support(deployment: CLOUD) { coverage officialSla slaTier { key } }
    sme: support(deployment: SELF_MANAGED_ENTERPRISE, premiumSupport: false) { channel }
    breakingChanges { version upgradeDeadline scopedImpact { impactedScopes } }
    certificationHistory { actor connector { slug } }
  } }
  pageInfo { hasNextPage }
} }`;

async function statementsFor(h: Harness, query: string, first: number): Promise<number> {
  h.statements.length = 0;
  const res = await h.gql(query, { first });
  expect(res.errors).toBeUndefined();
  expect(res.data!.connectors.edges).toHaveLength(Math.min(first, 49));
  return h.statements.length;
}

describe('SQL statements per request', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
    // Give a few connectors a certification history so the nested relation has rows to load.
    const token = await h.token('bot', ['certify']);
    for (const slug of ['source-faker', 'source-asana', 'destination-duckdb']) {
      await h.gql(
        `mutation($s: String!) { certifyConnector(input: {connectorSlug: $s, reason: "Seeded for the statement-count test."}) { userErrors { code } } }`,
        { s: slug },
        token,
      );
    }
  });
  afterEach(async () => {
    await h.close();
    await closeDatabase(h.db);
  });

  it('does not grow with the page size', async () => {
    const counts = [];
    for (const first of [1, 10, 100]) counts.push(await statementsFor(h, FLAT, first));
    expect(counts).toEqual([1, 1, 1]);
  });

  it('reads the cursor columns only when the selection can make a cursor, and pages the same either way', async () => {
    const listed = async (query: string) => {
      h.statements.length = 0;
      const res = await h.gql(query);
      expect(res.errors).toBeUndefined();
      expect(h.statements).toHaveLength(1);
      return { sql: h.statements[0]!, connectors: res.data!.connectors };
    };
    const slugs = (c: { edges: { node: { slug: string } }[] }) => c.edges.map((e) => e.node.slug);
    const nodesOnly = await listed('{ connectors(first: 5) { edges { node { slug } } } }');
    // The sort key is read as a column only when a cursor may be made (the ordering uses it either way).
    const readsSortKey = '"name_key" as "nameKey"';
    expect(nodesOnly.sql).not.toContain(readsSortKey);
    const withCursor = await listed('{ connectors(first: 5) { edges { cursor node { slug } } } }');
    const withPageInfo = await listed('{ connectors(first: 5) { pageInfo { endCursor } edges { node { slug } } } }');
    for (const page of [withCursor, withPageInfo]) expect(page.sql).toContain(readsSortKey);
    expect(slugs(withCursor.connectors)).toEqual(slugs(nodesOnly.connectors));
    expect(slugs(withPageInfo.connectors)).toEqual(slugs(nodesOnly.connectors));
    // The cursor made from those columns continues the list where a longer page does.
    const after = withCursor.connectors.edges[4].cursor;
    expect(withPageInfo.connectors.pageInfo.endCursor).toBe(after);
    const next = await h.gql(`query($a: String) { connectors(first: 5, after: $a) { edges { node { slug } } } }`, { a: after });
    const ten = await listed('{ connectors(first: 10) { edges { node { slug } } } }');
    expect(slugs(next.data!.connectors)).toEqual(slugs(ten.connectors).slice(5));
  });

  it('does not grow with nested fields and relations: one list statement, and one count until it is kept', async () => {
    const counts = [];
    for (const first of [1, 10, 100]) counts.push(await statementsFor(h, NESTED, first));
    expect(counts).toEqual([2, 1, 1]);
  });

  it('counts again only when the database has changed', async () => {
    const COUNT = `query($f: ConnectorFilter) { connectors(filter: $f, first: 1) { totalCount } }`;
    const total = async (filter: Record<string, unknown> | null) => {
      h.statements.length = 0;
      const res = await h.gql(COUNT, { f: filter });
      return { total: res.data!.connectors.totalCount as number, counted: h.statements.some((s) => s.includes('count(')) };
    };
    const community = { supportLevels: ['COMMUNITY'] };
    const first = await total(community);
    expect(first.counted).toBe(true);
    expect(await total(community)).toEqual({ total: first.total, counted: false });
    // Another filter is another count; an organization sees other connectors, so it is counted apart too.
    expect((await total(null)).counted).toBe(true);
    const acme = (await createToken(h.db, { name: 'acme-reader', scopes: ['certify'], organization: 'acme' })).token;
    h.statements.length = 0;
    const asAcme = await h.gql(`{ connectors(first: 1, filter: {supportLevels: [CUSTOM]}) { totalCount } }`, {}, acme);
    expect(asAcme.data!.connectors.totalCount).toBe(2);
    expect((await h.gql(`{ connectors(first: 1, filter: {supportLevels: [CUSTOM]}) { totalCount } }`)).data!.connectors.totalCount).toBe(0);
    // A certification moves a connector out of Community: the next count is fresh.
    const token = await h.token('bot2', ['certify']);
    await h.gql(
      `mutation { certifyConnector(input: {connectorSlug: "source-pokeapi", reason: "A fresh count after a change."}) { userErrors { code } } }`,
      {},
      token,
    );
    expect(await total(community)).toEqual({ total: first.total - 1, counted: true });
  });

  it('reads only the selected columns when the nodes need nothing but their own row', async () => {
    h.statements.length = 0;
    const flat = await h.gql(`{ connectors(first: 3) { edges { node { slug availableOn support(deployment: CLOUD) { coverage } } } } }`);
    expect(h.statements).toHaveLength(1);
    const [lean] = h.statements;
    expect(lean).toContain('"support_level"');
    // The deployments come from the row's own enabled_on column, not a subquery per connector.
    expect(lean).toContain('"enabled_on"');
    for (const unselected of ['docker_repository', 'documentation_url', 'tags', 'breaking_changes', 'connector_availability'])
      expect(lean).not.toContain(unselected);
    h.statements.length = 0;
    await h.gql(`{ connectors(first: 3) { edges { node { slug supportLevel } } } }`);
    expect(h.statements[0]).not.toContain('enabled_on');
    // The same nodes with a relation go through the planner, still in one statement, with the same answers.
    h.statements.length = 0;
    const withRelation = await h.gql(
      `{ connectors(first: 3) { edges { node { slug availableOn support(deployment: CLOUD) { coverage } breakingChanges { version } } } } }`,
    );
    expect(h.statements).toHaveLength(1);
    expect(h.statements[0]).toContain('breaking_changes');
    expect(withRelation.data!.connectors.edges.map((e: any) => ({ ...e.node, breakingChanges: undefined }))).toEqual(
      flat.data!.connectors.edges.map((e: any) => ({ ...e.node, breakingChanges: undefined })),
    );
  });

  it('loads a connector with its relations in one statement', async () => {
    h.statements.length = 0;
    const res = await h.gql(
      `{ connector(slug: "source-stripe") { slug breakingChanges { version } certificationHistory { actor } availableOn supportState } }`,
    );
    expect(h.statements).toHaveLength(1);
    expect(res.data!.connector).toMatchObject({ slug: 'source-stripe', availableOn: expect.arrayContaining(['CLOUD']), supportState: expect.any(String) });
    expect(res.data!.connector.breakingChanges.length).toBeGreaterThan(1);
    // Only the connector columns its fields read: the slug, enabled_on, the tag supportState compares.
    const [detail] = h.statements;
    for (const read of ['slug', 'enabled_on', 'docker_image_tag']) expect(detail).toContain(`"d0"."${read}"`);
    for (const unread of ['docker_repository', 'documentation_url', 'tags', 'license']) expect(detail).not.toContain(`"d0"."${unread}"`);
  });
});
