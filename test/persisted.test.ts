// Persisted operations (trusted documents): the committed manifest is what GraphQL Code Generator makes of the
// example's and GraphiQL's operations; a client sends an operation's id (client preset `documentId`, or Apollo's
// persisted-query extension) over POST or GET and gets what its text would get, through the fast lane too; with
// persisted-only on, a document's text is refused except from an admin token, whichever path would answer.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { getOperationAST, parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { catalogOperations, generateManifest, MANIFEST } from '../scripts/persisted-documents.js';
import { createApp, type App } from '../src/app.js';
import { createToken, type TokenScope } from '../src/domain/tokens/tokens.js';
import { GRAPHIQL_TABS, MATRIX_QUERY } from '../src/graphql/examples.js';
import { Metrics } from '../src/http/metrics.js';
import { documentIdOf } from '../src/http/persisted.js';
import { openTestDatabase } from './helpers/database.js';
import { serve, type Served, fastPathOutcomes } from './helpers/harness.js';

// The response cache keeps answers only where the database has a version to key them on: SQLite, for now.
const manifest = JSON.parse(readFileSync(MANIFEST, 'utf8')) as Record<string, string>;

/** The manifest's id of the one persisted operation named `name`. */
function idOf(name: string): string {
  const ids = Object.keys(manifest).filter((id) => getOperationAST(parse(manifest[id]!))?.name?.value === name);
  if (ids.length !== 1) throw new Error(`${ids.length} persisted operations are named ${name}`);
  return ids[0]!;
}

async function setUp(options: { cache?: boolean; only?: boolean } = {}) {
  const db = await openTestDatabase({ seed: 'demo' });
  const metrics = new Metrics();
  const app: App = await createApp({
    db,
    log: () => {},
    metrics,
    webhooks: false,
    responseCache: { enabled: options.cache ?? true },
    persistedOperations: { only: options.only ?? false },
  });
  const served = serve(app);
  const outcomes = () => fastPathOutcomes(metrics);
  const token = async (name: string, scopes: TokenScope[]) => (await createToken(db, { name, scopes })).token;
  return { app, served, outcomes, token };
}

async function post(served: Served, body: unknown, headers: Record<string, string> = {}) {
  const res = await served.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  return { status: res.status, cache: res.headers.get('x-cache'), body: (await res.json()) as { data?: any; errors?: any[] } };
}

describe('persisted operations', () => {
  it('has the committed manifest a fresh generation gives (npm run persisted:generate)', async () => {
    expect(await generateManifest()).toBe(readFileSync(MANIFEST, 'utf8'));
  }, 60_000);

  it("holds every operation of GraphiQL's tabs, the catalog page and the typed-client example, each under the SHA-256 of its text", () => {
    for (const [id, text] of Object.entries(manifest)) expect(id).toBe(`sha256:${createHash('sha256').update(text).digest('hex')}`);
    const example = readFileSync(new URL('../examples/typed-client/src/index.ts', import.meta.url), 'utf8');
    const exampleNames = [...example.matchAll(/^\s*(?:query|mutation) (\w+)/gm)].map((m) => m[1]);
    const names = Object.values(manifest).map((text) => getOperationAST(parse(text))?.name?.value);
    for (const name of exampleNames) expect(names).toContain(name);
    const texts = [...GRAPHIQL_TABS.map((t) => t.query), ...catalogOperations()];
    for (const text of texts) expect(manifest[documentIdOf(text)], text).toBeDefined();
    expect(Object.keys(manifest).length).toBe(exampleNames.length + texts.length);
  });

  it('answers an operation sent by documentId or by its APQ hash, over POST and GET, as its text is answered', async () => {
    const { served } = await setUp();
    const id = idOf('SupportMatrix');
    const byText = await post(served, { query: MATRIX_QUERY });
    expect(byText.body.data.supportMatrix.length).toBeGreaterThan(0);
    const byId = await post(served, { documentId: id });
    const byHash = await post(served, { extensions: { persistedQuery: { version: 1, sha256Hash: id.slice('sha256:'.length) } } });
    const get = await served.fetch(`/graphql?documentId=${encodeURIComponent(id)}`);
    expect([byId.status, byHash.status, get.status]).toEqual([200, 200, 200]);
    expect(byId.body).toEqual(byText.body);
    expect(byHash.body).toEqual(byText.body);
    expect(await get.json()).toEqual(byText.body);
  });

  it('passes variables with a persisted operation', async () => {
    const { served } = await setUp();
    const id = idOf('ConnectorDetail');
    const post1 = await post(served, { documentId: id, variables: { slug: 'source-faker' } });
    const get = await served.fetch(`/graphql?documentId=${encodeURIComponent(id)}&variables=${encodeURIComponent(JSON.stringify({ slug: 'source-faker' }))}`);
    expect(post1.body.data.connector.name).toBe('Sample Data');
    expect(await get.json()).toEqual(post1.body);
  });

  it('refuses an unknown id with PERSISTED_QUERY_NOT_FOUND', async () => {
    const { served } = await setUp();
    const unknown = `sha256:${'0'.repeat(64)}`;
    const answer = await post(served, { documentId: unknown });
    expect(answer.status).toBe(400);
    expect(answer.body.errors).toEqual([
      {
        // The id is echoed cut short, as every quoted value in a request error is (src/graphql/mask-error.ts).
        message: `No persisted operation has the id "${unknown.slice(0, 40)}…" (71 characters); the ids are the keys of persisted-documents.json.`,
        extensions: { code: 'PERSISTED_QUERY_NOT_FOUND' },
      },
    ]);
  });

  it('refuses a persisted mutation over GET, and runs it over POST', async () => {
    const { served, token } = await setUp();
    const id = idOf('CertifyDryRun');
    const variables = { slug: 'source-faker', reason: 'Checking a persisted mutation.' };
    const auth = { authorization: `Bearer ${await token('c', ['certify'])}` };
    const get = await served.fetch(`/graphql?documentId=${encodeURIComponent(id)}&variables=${encodeURIComponent(JSON.stringify(variables))}`, {
      headers: auth,
    });
    expect(get.status).toBe(405);
    const answer = await post(served, { documentId: id, variables }, auth);
    expect(answer.body.data.certifyConnector).toMatchObject({ fromLevel: 'COMMUNITY', toLevel: 'CERTIFIED', userErrors: [] });
  });

  it.each([true, false])('runs a known operation sent by id over POST or GET in the fast lane (response cache %s)', async (cache) => {
    const { served, outcomes } = await setUp({ cache });
    const kept = cache;
    const body = { documentId: idOf('SupportMatrix') };
    const first = await post(served, body);
    const second = await post(served, body);
    expect(second.body).toEqual(first.body);
    // The first goes through yoga, which learns it; the second is answered by the listener.
    expect(await outcomes()).toEqual(kept ? { passed_on: 1, cache_hit: 1 } : { passed_on: 1, executed: 1 });
    // A GET of it is the listener's from the first (a GET is cached apart from a POST).
    for (let i = 0; i < 2; i++) expect(await (await served.fetch(`/graphql?documentId=${encodeURIComponent(body.documentId)}`)).json()).toEqual(first.body);
    expect(await outcomes()).toEqual(kept ? { passed_on: 1, cache_hit: 2, executed: 1 } : { passed_on: 1, executed: 3 });
  });
});

describe('persisted operations only', () => {
  /** Not a persisted operation: the matrix without its footnotes. */
  const UNLISTED = '{ supportMatrix { supportLevel deployment coverageText } }';
  const refusal = {
    status: 403,
    body: {
      errors: [
        {
          message: 'This gateway runs only persisted operations: send documentId (a key of persisted-documents.json), or the text of a persisted operation.',
          extensions: { code: 'PERSISTED_QUERY_ONLY' },
        },
      ],
    },
  };

  it('refuses a text that is no persisted operation, to anyone but an admin token, with PERSISTED_QUERY_ONLY', async () => {
    const { served, token } = await setUp({ only: true });
    const anonymous = await post(served, { query: UNLISTED });
    expect({ status: anonymous.status, body: anonymous.body }).toEqual(refusal);
    const certifier = await post(served, { query: UNLISTED }, { authorization: `Bearer ${await token('c', ['certify'])}` });
    expect({ status: certifier.status, body: certifier.body }).toEqual(refusal);
    const get = await served.fetch(`/graphql?query=${encodeURIComponent(UNLISTED)}`, { headers: { 'x-graphql-csrf': '1' } });
    expect([get.status, ((await get.json()) as any).errors[0].extensions.code]).toEqual([403, 'PERSISTED_QUERY_ONLY']);
    const admin = await post(served, { query: UNLISTED }, { authorization: `Bearer ${await token('a', ['admin'])}` });
    expect(admin.status).toBe(200);
    expect(admin.body.data.supportMatrix.length).toBeGreaterThan(0);
  });

  it("runs the text of a persisted operation, however it is spaced, commented or ordered: GraphiQL's tabs and the catalog page work", async () => {
    const { served } = await setUp({ only: true });
    const byId = await post(served, { documentId: idOf('SupportMatrix') });
    // GraphiQL's tab has a comment and its own layout; reordered, it is still the same operation.
    const reordered = MATRIX_QUERY.replace(
      'supportLevels { key label whoMaintains productionReadiness }',
      'supportLevels { whoMaintains key productionReadiness label }',
    );
    expect(reordered).not.toBe(MATRIX_QUERY);
    for (const text of [MATRIX_QUERY, reordered]) {
      const answer = await post(served, { query: text });
      expect([answer.status, answer.body]).toEqual([200, byId.body]);
    }
    const changed = await post(served, { query: MATRIX_QUERY.replace('footnote', '') });
    expect({ status: changed.status, body: changed.body }).toEqual(refusal);
    // The catalog page's queries, and its subscription (a stream: its headers say it is running).
    const [subscription, ...queries] = catalogOperations().sort((x, y) => Number(y.startsWith('subscription')) - Number(x.startsWith('subscription')));
    for (const text of queries) {
      const variables = text.includes('$slug') ? { slug: 'source-faker' } : text.includes('$first') ? { first: 5 } : undefined;
      const answer = await post(served, { query: text, variables });
      expect([answer.status, answer.body.errors]).toEqual([200, undefined]);
    }
    const stop = new AbortController();
    const stream = await served.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: subscription }),
      signal: stop.signal,
    });
    expect([subscription?.startsWith('subscription'), stream.status, stream.headers.get('content-type')]).toEqual([true, 200, 'text/event-stream']);
    stop.abort();
  });

  it.each([true, false])('never answers a text in the fast lane that an admin made known, to anyone else (response cache %s)', async (cache) => {
    const { served, token, outcomes } = await setUp({ cache, only: true });
    const kept = cache;
    const admin = { authorization: `Bearer ${await token('a', ['admin'])}` };
    // An admin's text is learned by the pipeline and runs in the fast lane for admins.
    for (let i = 0; i < 3; i++) expect((await post(served, { query: UNLISTED }, admin)).status).toBe(200);
    expect(await outcomes()).toEqual(kept ? { passed_on: 1, cache_hit: 2 } : { passed_on: 1, executed: 2 });
    const certifier = { authorization: `Bearer ${await token('c', ['certify'])}` };
    // With an Origin header a request is yoga's from the start, its side of the response cache included.
    const browser = { origin: 'https://example.test' };
    for (const headers of [{}, certifier, browser, {}, certifier, browser]) {
      const answer = await post(served, { query: UNLISTED }, headers);
      expect([answer.status, answer.body.errors?.[0].extensions.code]).toEqual([403, 'PERSISTED_QUERY_ONLY']);
    }
    // A persisted operation, by id or as text, takes the fast lane for anyone once yoga has answered it.
    for (const body of [{ documentId: idOf('SupportMatrix') }, { query: MATRIX_QUERY }]) {
      for (let i = 0; i < 2; i++) expect((await post(served, body)).status).toBe(200);
    }
    expect(await outcomes()).toEqual(kept ? { passed_on: 7, cache_hit: 4 } : { passed_on: 7, executed: 4 });
  });
});
