// The Node listener's fast path (src/http/fast-path.ts) must answer exactly as the full yoga pipeline
// does: the same status, Content-Type and bytes, for every document it takes and every one it passes on.
import { createServer, request as httpRequest, type RequestListener, type Server } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { closeDatabase, type Db, openDatabase } from '../src/db/client.js';
import { openPostgres, poolOf } from '../src/db/postgres.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson } from '../src/domain/registry/load.js';
import { certifyConnector } from '../src/domain/certification/certify.js';
import { PUBLIC } from '../src/domain/connectors/visibility.js';
import { loadPolicyCatalog } from '../src/domain/support/policy.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import type { Limits } from '../src/graphql/limits.js';
import { Metrics } from '../src/http/metrics.js';
import { openTestDatabase, TEST_ENGINE } from './helpers/database.js';

// The response cache keys on the database's version: SQLite's data_version, or on PostgreSQL the outbox feed's.
const HIT = 'hit';

interface Answer {
  status: number;
  contentType: string | null;
  cache: string | null;
  body: string;
}

const servers: Server[] = [];
/** Databases to close after each test (a PostgreSQL pool holds connections until then). */
const opened: Db[] = [];
afterEach(async () => {
  await Promise.all(
    servers.splice(0).map((s) => {
      s.closeAllConnections();
      return new Promise((r) => s.close(r));
    }),
  );
  for (const db of opened.splice(0)) await closeDatabase(db);
});

async function listen(listener: RequestListener): Promise<string> {
  const server = createServer(listener);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}

async function post(base: string, body: string, headers: Record<string, string> = {}): Promise<Answer> {
  const res = await fetch(`${base}/graphql`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, contentType: res.headers.get('content-type'), cache: res.headers.get('x-cache'), body: await res.text() };
}

async function setUp(options: { cache: boolean; limits?: Partial<Limits> }) {
  const statements: string[] = [];
  const db = await openTestDatabase({ onQuery: (sql) => statements.push(sql), seed: 'demo' });
  opened.push(db);
  // A certification history for two connectors, so the relation corpus has rows in both relations.
  for (const slug of ['source-trello', 'source-asana']) {
    const result = await certifyConnector(
      db,
      await loadPolicyCatalog(db),
      { connectorSlug: slug, reason: 'History for the compiled relations.' },
      'corpus-bot',
      PUBLIC,
    );
    expect(result.userErrors).toEqual([]);
  }
  const metrics = new Metrics();
  const app: App = await createApp({ db, log: () => {}, metrics, limits: options.limits, responseCache: { enabled: options.cache }, webhooks: false });
  const outcomes = async () => {
    const values = (await metrics.fastPath.get()).values;
    return Object.fromEntries(values.map((v) => [v.labels.result, v.value])) as Record<string, number>;
  };
  return { db, app, outcomes, statements };
}

const connectorId = (id: number) => Buffer.from(`Connector:${id}`).toString('base64');

/** Documents of every shape the schema allows, with errors among them; each with its variables. */
const CORPUS: { name: string; query: string; variables?: Record<string, unknown>; operationName?: string; errors?: true }[] = [
  {
    name: 'the headline query',
    query:
      '{ connectors(filter: {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true}, first: 50) { totalCount edges { cursor node { id slug name type supportLevel releaseStage dockerRepository dockerImageTag documentationUrl language support(deployment: SELF_MANAGED_ENTERPRISE) { coverage slaTier { key } } } } pageInfo { hasNextPage endCursor } } }',
  },
  {
    name: 'a detail with nested relations',
    query:
      '{ connector(slug: "destination-duckdb") { id slug availableOn supportState breakingChanges { version upgradeDeadline message deadlineAction scopedImpact { scopeType impactedScopes } connector { slug } } certificationHistory { fromLevel toLevel actor } } }',
  },
  {
    name: 'named fragments',
    query:
      'query Page { connectors(first: 5, orderBy: {field: SLUG, direction: DESC}) { ...Page } } fragment Page on ConnectorConnection { edges { node { ...Card } } pageInfo { hasPreviousPage startCursor } } fragment Card on Connector { id slug supportLevel availableOn }',
  },
  {
    name: 'an interface with inline fragments',
    query:
      'query Node($id: ID!) { node(id: $id) { __typename id ... on Connector { slug name support(deployment: CLOUD, premiumSupport: false) { coverage officialSla channel } } } }',
    variables: { id: connectorId(1) },
  },
  {
    name: 'a list of nodes, one of them unknown',
    query: 'query Nodes($ids: [ID!]!) { nodes(ids: $ids) { id ... on Connector { slug } } }',
    variables: { ids: [connectorId(2), connectorId(99999), connectorId(3)] },
  },
  {
    name: '@include and @skip, first way',
    query:
      'query Parts($full: Boolean!, $brief: Boolean!) { connector(slug: "source-postgres") { slug name @skip(if: $brief) breakingChanges @include(if: $full) { version } } }',
    variables: { full: true, brief: false },
  },
  {
    name: '@include and @skip, the other way (same text, other variables)',
    query:
      'query Parts($full: Boolean!, $brief: Boolean!) { connector(slug: "source-postgres") { slug name @skip(if: $brief) breakingChanges @include(if: $full) { version } } }',
    variables: { full: false, brief: true },
  },
  {
    name: '@include and @skip on a compiled list, first way',
    query:
      'query Brief($full: Boolean!) { connectors(first: 3) { edges { node { slug name @include(if: $full) support(deployment: CLOUD) @skip(if: $full) { coverage } } } } }',
    variables: { full: true },
  },
  {
    name: '@include and @skip on a compiled list, the other way',
    query:
      'query Brief($full: Boolean!) { connectors(first: 3) { edges { node { slug name @include(if: $full) support(deployment: CLOUD) @skip(if: $full) { coverage } } } } }',
    variables: { full: false },
  },
  {
    name: 'aliases and a connector that does not exist',
    query: '{ a: connector(slug: "source-postgres") { slug } b: connector(slug: "source-none") { slug } t: __typename }',
  },
  {
    name: 'the first page of a variable cursor',
    query:
      'query P($after: String, $f: ConnectorFilter) { connectors(first: 3, after: $after, filter: $f) { totalCount edges { cursor node { slug } } pageInfo { endCursor hasNextPage } } }',
    variables: { after: null, f: { type: 'SOURCE', supportLevels: ['COMMUNITY'] } },
  },
  {
    name: 'several operations, one picked by name',
    query:
      'query A { supportLevels { key label } } query B { supportMatrix { supportLevel deployment coverage slaTier { key officialSla } } deployments { key } slaTiers { key } }',
    operationName: 'B',
  },
  {
    name: 'breaking changes across connectors',
    query: '{ breakingChanges(first: 5) { edges { node { version upgradeDeadline connector { slug supportLevel } } } } }',
  },
  {
    name: 'relations under a variable slug',
    query:
      'query D($s: String!) { connector(slug: $s) { slug supportState breakingChanges { version upgradeDeadline } certificationHistory { fromLevel toLevel actor reason connector { slug supportLevel } } } }',
    variables: { s: 'source-stripe' },
  },
  {
    name: 'relations under a variable slug, another connector (same text)',
    query:
      'query D($s: String!) { connector(slug: $s) { slug supportState breakingChanges { version upgradeDeadline } certificationHistory { fromLevel toLevel actor reason connector { slug supportLevel } } } }',
    variables: { s: 'source-trello' },
  },
  {
    name: 'an aliased relation beside the same relation in a fragment',
    query:
      '{ connector(slug: "source-stripe") { ...Changes soon: breakingChanges { upgradeDeadline deadlineAction } } } fragment Changes on Connector { breakingChanges { version message } old: supportState(version: "0.1.0") supportState }',
  },
  {
    name: 'a page of connectors with their images per deployment',
    query:
      '{ connectors(first: 5, filter: {supportedOn: CLOUD}) { edges { node { slug dockerImageTag availability { deployment enabled dockerRepository dockerImageTag } } } } }',
  },
  {
    name: 'a detail with its images per deployment beside its relations',
    query: '{ connector(slug: "destination-postgres") { slug availability { deployment enabled dockerImageTag } breakingChanges { version } } }',
  },
  {
    name: 'a page of connectors with their relations',
    query:
      '{ connectors(first: 4, filter: {supportLevels: [CERTIFIED]}, orderBy: {field: SLUG, direction: DESC}) { edges { node { slug breakingChanges { version } certificationHistory { actor toLevel } } } } }',
  },
  {
    name: 'a required variable with a default, left out',
    query:
      'query W($s: String! = "source-trello", $on: Deployment! = CLOUD, $first: Int = 2) { connector(slug: $s) { slug support(deployment: $on) { coverage } breakingChanges { version } } connectors(first: $first) { edges { node { slug } } } }',
  },
  {
    name: 'a required variable with a default, given (same text)',
    query:
      'query W($s: String! = "source-trello", $on: Deployment! = CLOUD, $first: Int = 2) { connector(slug: $s) { slug support(deployment: $on) { coverage } breakingChanges { version } } connectors(first: $first) { edges { node { slug } } } }',
    variables: { s: 'source-stripe', on: 'SELF_MANAGED_ENTERPRISE', first: 3 },
  },
  {
    name: 'a required variable with a default, given null (same text)',
    query:
      'query W($s: String! = "source-trello", $on: Deployment! = CLOUD, $first: Int = 2) { connector(slug: $s) { slug support(deployment: $on) { coverage } breakingChanges { version } } connectors(first: $first) { edges { node { slug } } } }',
    variables: { s: null },
    errors: true,
  },
  {
    name: 'a required variable with a default in a nullable place, left out',
    query: 'query L($s: String! = "stripe") { connectors(first: 2, filter: {search: $s}) { edges { node { slug } } } }',
  },
  {
    // Compiled as a nullable variable it would be taken as no search at all: graphql-js refuses it.
    name: 'a required variable with a default in a nullable place, given null (same text)',
    query: 'query L($s: String! = "stripe") { connectors(first: 2, filter: {search: $s}) { edges { node { slug } } } }',
    variables: { s: null },
    errors: true,
  },
  {
    name: 'relations through a node lookup',
    query: 'query N($id: ID!) { node(id: $id) { id ... on Connector { slug breakingChanges { version } } } }',
    variables: { id: connectorId(1) },
  },
  {
    name: 'a page with facets, ordered by usage, with values read from the kept registry entry',
    query:
      '{ connectors(first: 3, filter: {supportedOn: CLOUD, withSla: true}, orderBy: {field: USAGE, direction: DESC}) { totalCount facets { supportLevels { value count } deployments { value count } types { value count } withSla { value count } languages { value count } } edges { node { slug usage syncSuccessRate spec { documentationUrl } allowedHosts metrics { platform usage } releaseCandidate { version } } } } }',
  },
  {
    name: 'a detail with values read from the kept registry entry beside a relation',
    query:
      '{ connector(slug: "source-postgres") { slug cdkVersion supportsRefreshes resourceRequirements { default { cpuLimit } } rolloutConfiguration { maxPercentage } breakingChanges { version } } }',
  },
  { name: 'introspection', query: '{ __schema { queryType { name } } __type(name: "Connector") { kind fields { name } } }' },
  { name: 'a page size out of range', query: '{ connectors(first: 0) { totalCount } }', errors: true },
  { name: 'a cursor from nowhere', query: '{ connectors(first: 2, after: "not-a-cursor") { totalCount } }', errors: true },
  { name: 'a field that does not exist', query: '{ connectors(first: 2) { edges { node { nope } } } }', errors: true },
  {
    name: 'a variable of the wrong type',
    query:
      'query P($after: String, $f: ConnectorFilter) { connectors(first: 3, after: $after, filter: $f) { totalCount edges { cursor node { slug } } pageInfo { endCursor hasNextPage } } }',
    variables: { after: 5, f: null },
    errors: true,
  },
  {
    name: 'a missing required variable',
    query:
      'query Node($id: ID!) { node(id: $id) { __typename id ... on Connector { slug name support(deployment: CLOUD, premiumSupport: false) { coverage officialSla channel } } } }',
    variables: {},
    errors: true,
  },
  { name: 'a field that needs a token', query: '{ webhooks { url } }', errors: true },
  { name: 'an operation name that is not in the document', query: '{ supportLevels { key } }', operationName: 'Missing', errors: true },
];

function bodyOf(entry: (typeof CORPUS)[number]): string {
  return JSON.stringify({ query: entry.query, variables: entry.variables, operationName: entry.operationName });
}

describe('the fast path', () => {
  it.each([false, true])('answers every document of the corpus with the bytes yoga writes (response cache %s)', async (cache) => {
    const { app, outcomes, statements } = await setUp({ cache });
    const full = await listen(app.requestListener);
    const fast = await listen(app.nodeListener);
    for (const accept of ['application/json', 'application/graphql-response+json']) {
      for (const entry of CORPUS) {
        const body = bodyOf(entry);
        // Once before, so that what a first request leaves behind (a kept totalCount) is there for both.
        await post(full, body, { accept });
        statements.length = 0;
        const expected = await post(full, body, { accept });
        const fullStatements = statements.length;
        expect(JSON.parse(expected.body).errors !== undefined, entry.name).toBe(!!entry.errors);
        const before = await outcomes();
        statements.length = 0;
        const answers = [await post(fast, body, { accept }), await post(fast, body, { accept })];
        // Run compiled or not, a document costs the statements it costs on the full pipeline.
        if (!cache) expect(statements.length, entry.name).toBe(2 * fullStatements);
        const after = await outcomes();
        for (const answer of answers) {
          expect({ ...answer, cache: null }, `${entry.name} (${accept})`).toEqual({ ...expected, cache: null });
        }
        const taken = (after.executed ?? 0) - (before.executed ?? 0) + (after.cache_hit ?? 0) - (before.cache_hit ?? 0);
        // Only clean answers skip the pipeline; anything with an error is yoga's to write.
        expect(taken, entry.name).toBe(entry.errors ? 0 : 2);
        if (cache && !entry.errors) expect(answers.map((a) => a.cache)).toEqual([HIT, HIT]);
        if (!cache) expect(answers.map((a) => a.cache)).toEqual([null, null]);
      }
    }
  });

  it('compiles with graphql-jit the documents whose plugin-drizzle fields all read rows of their own plan', async () => {
    const { app } = await setUp({ cache: false });
    const fast = await listen(app.nodeListener);
    const compiled: Record<string, boolean> = {};
    for (const entry of CORPUS.filter((e) => !e.errors)) {
      await post(fast, bodyOf(entry));
      compiled[entry.name] = app.knownOperations.get('*/*', entry.query, entry.operationName ?? null)!.compiled !== null;
    }
    expect(compiled).toEqual({
      'the headline query': true,
      'a detail with nested relations': true,
      'named fragments': true,
      'an interface with inline fragments': true,
      'a list of nodes, one of them unknown': true,
      '@include and @skip, first way': true,
      '@include and @skip, the other way (same text, other variables)': true,
      '@include and @skip on a compiled list, first way': true,
      '@include and @skip on a compiled list, the other way': true,
      'aliases and a connector that does not exist': true,
      'the first page of a variable cursor': true,
      'several operations, one picked by name': true,
      'breaking changes across connectors': true,
      'relations under a variable slug': true,
      'relations under a variable slug, another connector (same text)': true,
      'an aliased relation beside the same relation in a fragment': true,
      'a page of connectors with their images per deployment': true,
      'a detail with its images per deployment beside its relations': true,
      'a page of connectors with their relations': true,
      'a required variable with a default, left out': true,
      'a required variable with a default, given (same text)': true,
      'a required variable with a default in a nullable place, left out': true,
      'a page with facets, ordered by usage, with values read from the kept registry entry': true,
      'a detail with values read from the kept registry entry beside a relation': true,
      // A node is loaded by plugin-drizzle's loader, not by a plan of the document's own.
      'relations through a node lookup': false,
      introspection: true,
    });
  });

  // SQLite's speed path: better-sqlite3 reads synchronously; PostgreSQL's driver never does.
  it.skipIf(TEST_ENGINE === 'postgres')('runs the compiled list and detail queries synchronously, so a request is answered in one go', async () => {
    const { app, db } = await setUp({ cache: false });
    const fast = await listen(app.nodeListener);
    const context = { db, catalog: await loadPolicyCatalog(db), viewer: null, visibility: PUBLIC, requestId: 'sync', now: () => new Date() };
    for (const entry of CORPUS.filter((e) =>
      ['the headline query', 'a detail with nested relations', 'the first page of a variable cursor'].includes(e.name),
    )) {
      await post(fast, bodyOf(entry));
      await post(fast, bodyOf(entry));
      const result = app.knownOperations.get('*/*', entry.query, null)!.compiled!.query(undefined, context, entry.variables ?? {});
      expect(result instanceof Promise, entry.name).toBe(false);
      expect((result as { errors?: unknown }).errors, entry.name).toBeUndefined();
    }
  });

  it('learns a query from its first clean answer and runs it directly from then on', async () => {
    const { app, outcomes } = await setUp({ cache: false });
    const fast = await listen(app.nodeListener);
    const body = bodyOf(CORPUS[0]!);
    expect(app.knownOperations.size).toBe(0);
    const first = await post(fast, body);
    expect(await outcomes()).toEqual({ passed_on: 1 });
    expect(app.knownOperations.size).toBe(1);
    const second = await post(fast, body);
    expect(await outcomes()).toEqual({ passed_on: 1, executed: 1 });
    expect(second).toEqual(first);
    // Some clients always send an empty `extensions`: the same operation.
    const withExtensions = JSON.stringify({ ...JSON.parse(body), extensions: {} });
    expect(await post(fast, withExtensions)).toEqual(first);
    expect(await outcomes()).toEqual({ passed_on: 1, executed: 2 });
    // A different Accept header is another negotiation: learned on its own.
    await post(fast, body, { accept: 'application/graphql-response+json' });
    expect(app.knownOperations.size).toBe(2);
  });

  it('never learns a mutation, and a read right after one is fresh', async () => {
    const { db, app, outcomes } = await setUp({ cache: true });
    const fast = await listen(app.nodeListener);
    const token = (await createToken(db, { name: 'bot', scopes: ['certify'] })).token;
    const read = JSON.stringify({ query: '{ connector(slug: "source-faker") { supportLevel revision } }' });
    const level = async () => JSON.parse((await post(fast, read)).body).data.connector;
    expect(await level()).toEqual({ supportLevel: 'COMMUNITY', revision: 1 });
    expect(await level()).toEqual({ supportLevel: 'COMMUNITY', revision: 1 });
    const certify = JSON.stringify({
      query: 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "Fast path freshness test."}) { userErrors { code } } }',
    });
    for (let i = 0; i < 2; i++) {
      const answer = JSON.parse((await post(fast, certify, { authorization: `Bearer ${token}` })).body);
      expect(answer.data.certifyConnector.userErrors).toEqual(i === 0 ? [] : [{ code: 'INVALID_TRANSITION' }]);
    }
    expect(await level()).toEqual({ supportLevel: 'CERTIFIED', revision: 2 });
    expect(app.knownOperations.size).toBe(1);
    expect(await outcomes()).toMatchObject({ cache_hit: 1, passed_on: 3, executed: 1 });
  });

  it('answers fresh right after a breaking change is announced', async () => {
    const { db, app } = await setUp({ cache: true });
    const fast = await listen(app.nodeListener);
    const publisher = (await createToken(db, { name: 'release-bot', scopes: ['publish'] })).token;
    const read = JSON.stringify({ query: '{ connector(slug: "source-faker") { revision breakingChanges { version } } }' });
    const before = await post(fast, read);
    expect((await post(fast, read)).cache).toBe(HIT);
    const announce = JSON.stringify({
      query: 'mutation($input: AnnounceBreakingChangeInput!) { announceBreakingChange(input: $input) { userErrors { code } } }',
      variables: {
        input: { connectorSlug: 'source-faker', version: '99.0.0', upgradeDeadline: '2099-01-01', message: 'A change announced for the freshness test.' },
      },
    });
    expect(JSON.parse((await post(fast, announce, { authorization: `Bearer ${publisher}` })).body).data.announceBreakingChange.userErrors).toEqual([]);
    const after = await post(fast, read);
    expect(after.cache).toBe('miss');
    const { connector } = JSON.parse(after.body).data;
    expect(connector.revision).toBe(JSON.parse(before.body).data.connector.revision + 1);
    expect(connector.breakingChanges.map((b: { version: string }) => b.version)).toContain('99.0.0');
  });

  it('answers fresh right after another connection imports a registry', async () => {
    const db = await openTestDatabase({ seed: 'demo' });
    opened.push(db);
    const app = await createApp({ db, log: () => {}, webhooks: false });
    const fast = await listen(app.nodeListener);
    const read = JSON.stringify({ query: '{ connector(slug: "source-faker") { supportLevel dockerImageTag } }' });
    expect(JSON.parse((await post(fast, read)).body).data.connector).toEqual({ supportLevel: 'COMMUNITY', dockerImageTag: expect.any(String) });
    expect((await post(fast, read)).cache).toBe(HIT);
    // A second connection to the same database, as the CLI or a second server has.
    const other = db.$engine === 'sqlite' ? openDatabase(db.$client.name) : openPostgres(poolOf(db).options.connectionString!);
    const registry = {
      sources: [
        {
          sourceDefinitionId: 'dfd88b22-b603-4c3d-aad7-3701784586b1',
          name: 'Sample Data',
          dockerRepository: 'airbyte/source-faker',
          dockerImageTag: '9.9.9',
          documentationUrl: 'https://docs.airbyte.com/integrations/sources/faker',
          supportLevel: 'certified',
          spec: {},
        },
      ],
      destinations: [],
    };
    await importConnectors(other, loadRegistryJson(JSON.stringify(registry), 'oss_registry.json', 'oss'));
    await closeDatabase(other);
    const fresh = { supportLevel: 'CERTIFIED', dockerImageTag: '9.9.9' };
    if (db.$engine === 'sqlite') {
      // SQLite's data_version says so at the next read.
      const after = await post(fast, read);
      expect(after.cache).toBe('miss');
      expect(JSON.parse(after.body).data.connector).toEqual(fresh);
    } else {
      // On PostgreSQL the outbox's NOTIFY tells the gateway: at most a second later (issue #15's bound).
      await expect.poll(async () => JSON.parse((await post(fast, read)).body).data.connector, { timeout: 1000 }).toEqual(fresh);
    }
  });

  it("never answers one organization's private connectors to another caller", async () => {
    for (const cache of [false, true]) {
      const { db, app } = await setUp({ cache });
      const fast = await listen(app.nodeListener);
      const acme = (await createToken(db, { name: 'acme', scopes: ['read:private'], organization: 'acme' })).token;
      const globex = (await createToken(db, { name: 'globex', scopes: ['read:private'], organization: 'globex' })).token;
      const list = JSON.stringify({ query: '{ connectors(filter: {supportLevels: [CUSTOM]}, first: 10) { totalCount edges { node { slug } } } }' });
      const slugs = async (headers: Record<string, string>) =>
        JSON.parse((await post(fast, list, headers)).body).data.connectors.edges.map((e: any) => e.node.slug);
      for (let i = 0; i < 2; i++) {
        expect(await slugs({ authorization: `Bearer ${acme}` })).toEqual(['source-acme-billing', 'destination-acme-lake']);
        expect(await slugs({})).toEqual([]);
        expect(await slugs({ authorization: `Bearer ${globex}` })).toEqual([]);
      }
      // A compiled detail answers from a statement kept per caller's visibility: asked first by someone
      // who may not see the connector, then by its organization, then by the others again.
      const detail = JSON.stringify({
        query: 'query D($s: String!) { connector(slug: $s) { slug breakingChanges { version } } }',
        variables: { s: 'source-acme-billing' },
      });
      const found = async (headers: Record<string, string>) => JSON.parse((await post(fast, detail, headers)).body).data.connector?.slug ?? null;
      for (let i = 0; i < 3; i++) {
        expect(await found({ authorization: `Bearer ${globex}` })).toBe(null);
        expect(await found({})).toBe(null);
        expect(await found({ authorization: `Bearer ${acme}` })).toBe('source-acme-billing');
      }
      expect(app.knownOperations.get('*/*', JSON.parse(detail).query, null)!.compiled?.query).toBeTypeOf('function');
      const forged = await post(fast, list, { authorization: 'Bearer crg_forged' });
      expect(forged.status).toBe(401);
      expect(JSON.parse(forged.body).errors[0].extensions.code).toBe('UNAUTHENTICATED');
    }
  });

  it('leaves every other request to yoga: GET, other content types, streams, CORS and declared oversized bodies', async () => {
    const { app, outcomes } = await setUp({ cache: false, limits: { maxBodyBytes: 2048 } });
    const fast = await listen(app.nodeListener);
    const query = '{ supportLevels { key } }';
    await post(fast, JSON.stringify({ query })); // now a known operation
    const get = await fetch(`${fast}/graphql?query=${encodeURIComponent(query)}`, { headers: { 'x-graphql-csrf': '1', accept: 'application/json' } });
    expect([get.status, (await get.json()).data.supportLevels.length]).toEqual([200, 5]);
    const graphqlBody = await fetch(`${fast}/graphql`, { method: 'POST', headers: { 'content-type': 'application/graphql' }, body: query });
    expect(graphqlBody.status).toBe(200);
    const text = await post(fast, JSON.stringify({ query }), { 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    const cors = await post(fast, JSON.stringify({ query }), { origin: 'https://example.test' });
    expect([cors.status, JSON.parse(cors.body).data.supportLevels.length]).toEqual([200, 5]);
    const stop = new AbortController();
    const stream = await fetch(`${fast}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { certificationEvents { connector { slug } } }' }),
      signal: stop.signal,
    });
    expect([stream.status, stream.headers.get('content-type')]).toEqual([200, 'text/event-stream']);
    stop.abort();
    const tooLarge = await post(fast, JSON.stringify({ query, variables: { pad: 'x'.repeat(4096) } }));
    expect(tooLarge.status).toBe(413);
    // None of these was eligible; only the first, unknown, request was read here and passed on.
    expect(await outcomes()).toEqual({ passed_on: 1 });
  });

  it('reads a chunked body itself, up to the size limit', async () => {
    const { app, outcomes } = await setUp({ cache: false, limits: { maxBodyBytes: 2048 } });
    const fast = await listen(app.nodeListener);
    const full = await listen(app.requestListener);
    const chunked = (base: string, body: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = httpRequest(
          `${base}/graphql`,
          { method: 'POST', headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } },
          (res) => {
            let text = '';
            res.on('data', (c) => (text += c));
            res.on('end', () => resolve({ status: res.statusCode!, body: text }));
          },
        );
        req.on('error', reject);
        for (let i = 0; i < body.length; i += 500) req.write(body.slice(i, i + 500));
        req.end();
      });
    const small = JSON.stringify({ query: '{ supportLevels { key } }' });
    for (let i = 0; i < 2; i++) {
      const answer = await chunked(fast, small);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).data.supportLevels).toHaveLength(5);
    }
    expect(await outcomes()).toEqual({ passed_on: 1, executed: 1 });
    // A body sent in several chunks, within the limit, is put back together.
    const several = JSON.stringify({ query: `{ supportLevels { key } }${' '.repeat(1200)}` });
    for (let i = 0; i < 2; i++) {
      const answer = await chunked(fast, several);
      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.body).data.supportLevels).toHaveLength(5);
    }
    expect(await outcomes()).toEqual({ passed_on: 2, executed: 2 });
    const large = JSON.stringify({ query: '{ supportLevels { key } }', variables: { pad: 'x'.repeat(5000) } });
    const refused = await chunked(fast, large);
    expect(refused).toEqual({
      status: 413,
      body: JSON.stringify({ errors: [{ message: 'The request body is larger than the limit of 2048 bytes.', extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }),
    });
    // yoga's own check answers the same to a request it reads itself.
    expect(await chunked(full, large)).toEqual(refused);
  });

  it('passes on a known query whose variables push it over the cost budget', async () => {
    const { app, outcomes } = await setUp({ cache: false, limits: { maxCost: 60 } });
    const fast = await listen(app.nodeListener);
    const query = 'query Q($n: Int!) { connectors(first: $n) { edges { node { slug breakingChanges { version } } } } }';
    expect((await post(fast, JSON.stringify({ query, variables: { n: 2 } }))).status).toBe(200);
    expect((await post(fast, JSON.stringify({ query, variables: { n: 2 } }))).status).toBe(200);
    const over = await post(fast, JSON.stringify({ query, variables: { n: 50 } }));
    expect(over.status).toBe(400);
    expect(JSON.parse(over.body).errors[0].extensions.code).toBe('COST_LIMIT_EXCEEDED');
    expect(await outcomes()).toEqual({ passed_on: 2, executed: 1 });
  });

  it('hands yoga a known query whose variables fail argument validation, which it answers as always', async () => {
    const { app, outcomes } = await setUp({ cache: false });
    const full = await listen(app.requestListener);
    const fast = await listen(app.nodeListener);
    const query = 'query Q($n: Int!, $f: ConnectorFilter) { connectors(first: $n, filter: $f) { edges { node { slug } } } }';
    const good = JSON.stringify({ query, variables: { n: 2, f: { supportLevels: ['CERTIFIED'] } } });
    await post(fast, good);
    expect(app.knownOperations.get('*/*', query, null)!.compiled?.query).toBeTypeOf('function');
    const answered = await post(fast, good);
    expect(JSON.parse(answered.body).data.connectors.edges).toHaveLength(2);
    // Validated by the same zod rules, run synchronously in the compiled operation: first is out of
    // range, then a list with more support levels than there are.
    const bad = [
      { n: 101, f: null },
      { n: 2, f: { supportLevels: ['CERTIFIED', 'COMMUNITY', 'CUSTOM', 'ENTERPRISE', 'ARCHIVED', 'CERTIFIED'] } },
    ];
    for (const variables of bad) {
      const body = JSON.stringify({ query, variables });
      const expected = await post(full, body);
      expect(JSON.parse(expected.body).errors[0].extensions.code).toBe('BAD_USER_INPUT');
      expect(await post(fast, body)).toEqual(expected);
    }
    expect(await outcomes()).toEqual({ passed_on: 3, executed: 1 });
  });
});
