import fc from 'fast-check';
import { serverAudits } from 'graphql-http';
import { describe, expect, it } from 'vitest';
import { closeHarness } from './helpers/gateways.js';
import { createHarness } from './helpers/harness.js';

describe('GraphQL over HTTP compliance', () => {
  it('passes every graphql-http audit, MUST, SHOULD and MAY alike, with no warning or notice', async () => {
    const h = await createHarness();
    const audits = serverAudits({ url: 'http://yoga/graphql', fetchFn: (input: any, init: any) => h.fetch(String(input).replace('http://yoga', ''), init) });
    const results = await Promise.all(audits.map(async (a) => ({ ...(await a.fn()), id: a.id, name: a.name })));
    expect(results.length).toBeGreaterThan(50);
    expect(results.filter((r) => r.status !== 'ok').map((r) => `${r.id} ${r.status}: ${r.name}`)).toEqual([]);
    await closeHarness(h);
  });
});

// Pieces of documents, real and broken, that the generator recombines.
const FIELDS = [
  'connectors(first: 5)',
  'connectors(first: 0)',
  'connectors(first: 101)',
  'connectors',
  'connector(slug: "source-stripe")',
  'connector(slug: $slug)',
  'supportMatrix',
  'supportLevels',
  'deployments',
  'slaTiers',
  'breakingChanges(first: 3)',
  'node(id: "Q29ubmVjdG9yOjE=")',
  'node(id: $id)',
  'nodes(ids: [$id])',
  'edges',
  'node',
  'slug',
  'name',
  'support(deployment: CLOUD)',
  'support(deployment: MARS)',
  'availableOn',
  'breakingChanges',
  'connector',
  'certificationHistory',
  '__typename',
  '__schema',
  'pageInfo',
  'totalCount',
  'key',
  'label',
  'supportState(version: $v)',
  'scopedImpact',
  'nope',
  '...on Connector',
  '@skip(if: true)',
];

const selection: fc.Arbitrary<string> = fc.letrec<{ sel: string }>((tie) => ({
  sel: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constantFrom(...FIELDS),
    fc.tuple(fc.constantFrom(...FIELDS), fc.array(tie('sel'), { minLength: 1, maxLength: 4 })).map(([f, inner]) => `${f} { ${inner.join(' ')} }`),
  ),
})).sel;

const document = fc.oneof(
  fc.array(selection, { minLength: 1, maxLength: 4 }).map((s) => `query Q($slug: String, $id: ID!, $v: String) { ${s.join(' ')} }`),
  fc.array(selection, { minLength: 1, maxLength: 3 }).map((s) => `{ ${s.join(' ')} }`),
  fc.constantFrom(
    'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "0123456789"}) { dryRun } }',
    'subscription { x }',
    '{',
    '}}}',
    'query { connectors(first: 1) { edges { node { slug } } } } query { deployments { key } }',
  ),
  fc.string({ maxLength: 200 }),
);

const variables = fc.oneof(
  fc.constant(undefined),
  fc.record(
    {
      slug: fc.oneof(fc.string(), fc.constant('source-stripe'), fc.integer()),
      id: fc.oneof(fc.string(), fc.constant('Q29ubmVjdG9yOjE=')),
      v: fc.oneof(fc.string(), fc.constant(null)),
    },
    { requiredKeys: [] },
  ),
  fc.jsonValue({ maxDepth: 2 }),
);

const body = fc.oneof(
  fc.tuple(document, variables).map(([query, vars]) => JSON.stringify({ query, variables: vars })),
  fc.tuple(document, fc.jsonValue({ maxDepth: 2 })).map(([query, operationName]) => JSON.stringify({ query, operationName })),
  fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
  fc.string({ maxLength: 300 }),
  fc.uint8Array({ maxLength: 300 }).map((b) => Buffer.from(b).toString('latin1')),
);

describe('generated hostile input', () => {
  it('never gets a 5xx or an error without a code, whatever the document, variables or body', async () => {
    const h = await createHarness({ log: () => {} });
    const token = await h.token('fuzz', ['certify', 'publish']);
    let seen = 0;
    await fc.assert(
      fc.asyncProperty(body, fc.constantFrom('application/json', 'application/graphql-response+json'), fc.boolean(), async (payload, accept, auth) => {
        const headers: Record<string, string> = { 'content-type': 'application/json', accept };
        if (auth) headers.authorization = `Bearer ${token}`;
        const res = await h.fetch('/graphql', { method: 'POST', headers, body: payload });
        seen++;
        expect(res.status).toBeLessThan(500);
        const text = await res.text();
        if (!text) return;
        const parsed = JSON.parse(text);
        for (const error of parsed.errors ?? []) {
          expect(error.extensions?.code, JSON.stringify(error)).toBeTruthy();
          expect(error.extensions.code).not.toBe('INTERNAL_SERVER_ERROR');
          expect(error.message).not.toMatch(/sqlite|select |drizzle/i);
        }
      }),
      { numRuns: 400, seed: 20261124, endOnFailure: true },
    );
    expect(seen).toBe(400);
    await closeHarness(h);
  });
});
