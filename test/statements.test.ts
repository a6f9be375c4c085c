import { beforeEach, describe, expect, it } from 'vitest';
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
    h = createHarness();
    // Give a few connectors a certification history so the nested relation has rows to load.
    const token = h.token('bot', ['certify']);
    for (const slug of ['source-faker', 'source-asana', 'destination-duckdb']) {
      await h.gql(`mutation($s: String!) { certifyConnector(input: {connectorSlug: $s, reason: "Seeded for the statement-count test."}) { userErrors { code } } }`, { s: slug }, token);
    }
  });

  it('does not grow with the page size', async () => {
    const counts = [];
    for (const first of [1, 10, 100]) counts.push(await statementsFor(h, FLAT, first));
    expect(counts).toEqual([1, 1, 1]);
  });

  it('does not grow with nested fields and relations: one list statement and one count', async () => {
    const counts = [];
    for (const first of [1, 10, 100]) counts.push(await statementsFor(h, NESTED, first));
    expect(counts).toEqual([2, 2, 2]);
  });

  it('reads only the selected columns when the nodes need nothing but their own row', async () => {
    h.statements.length = 0;
    const flat = await h.gql(`{ connectors(first: 3) { edges { node { slug availableOn support(deployment: CLOUD) { coverage } } } } }`);
    expect(h.statements).toHaveLength(1);
    const [lean] = h.statements;
    expect(lean).toContain('"support_level"');
    expect(lean).toContain('group_concat');
    for (const unselected of ['docker_repository', 'documentation_url', 'tags', 'breaking_changes']) expect(lean).not.toContain(unselected);
    // The same nodes with a relation go through the planner, still in one statement, with the same answers.
    h.statements.length = 0;
    const withRelation = await h.gql(`{ connectors(first: 3) { edges { node { slug availableOn support(deployment: CLOUD) { coverage } breakingChanges { version } } } } }`);
    expect(h.statements).toHaveLength(1);
    expect(h.statements[0]).toContain('breaking_changes');
    expect(withRelation.data!.connectors.edges.map((e: any) => ({ ...e.node, breakingChanges: undefined }))).toEqual(
      flat.data!.connectors.edges.map((e: any) => ({ ...e.node, breakingChanges: undefined })),
    );
  });

  it('loads a connector with its relations in one statement', async () => {
    h.statements.length = 0;
    await h.gql(`{ connector(slug: "source-stripe") { slug breakingChanges { version } certificationHistory { actor } availableOn } }`);
    expect(h.statements).toHaveLength(1);
  });
});
