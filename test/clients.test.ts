// The GraphQL clients people use, each with its default settings, against the gateway listening on
// loopback: a query (checked against the database), a certification with a token, a refused request
// (the coded error as the client reports it) and a subscription where the client has one.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { Client as UrqlClient, cacheExchange, fetchExchange, subscriptionExchange } from '@urql/core';
import { and, asc, eq, isNull } from 'drizzle-orm';
import { EventSource } from 'eventsource';
import { GraphQLClient, ClientError } from 'graphql-request';
import { createClient as createSseClient, type ExecutionResult } from 'graphql-sse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LogLine } from '../src/app.js';
import { connectors } from '../src/db/schema.js';
import { countConnectors, findConnectorBySlug } from '../src/domain/connectors/store.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { PUBLIC } from '../src/domain/connectors/visibility.js';
import { loadPolicyCatalog } from '../src/domain/support/policy.js';
import { createHarness, type Harness } from './helpers/harness.js';

const QUERY = `query Client($slug: String!) {
  connector(slug: $slug) { slug name supportLevel }
  connectors(first: 1, filter: { supportLevels: [COMMUNITY] }) { totalCount }
}`;
const CERTIFY = `mutation Certify($slug: String!) {
  certifyConnector(input: { connectorSlug: $slug, reason: "Certified by a standard client, for the client tests." }) {
    fromLevel toLevel connector { slug supportLevel } userErrors { code }
  }
}`;
const EVENTS = 'subscription Events { certificationEvents { fromLevel toLevel actor connector { slug } } }';

let h: Harness;
let url: string;
let server: Server;
const lines: LogLine[] = [];
const tokens: Record<'certifier' | 'reader' | 'admin', string> = { certifier: '', reader: '', admin: '' };
/** Public community connectors, one to certify per client. */
const community: string[] = [];

beforeAll(async () => {
  h = await createHarness({ log: (line) => lines.push(line) });
  tokens.certifier = await h.token('client-bot', ['certify']);
  tokens.reader = await h.token('client-reader', ['read:private', 'publish']);
  tokens.admin = await h.token('client-admin', ['admin']);
  const rows = await h.db
    .select({ slug: connectors.slug })
    .from(connectors)
    .where(and(eq(connectors.supportLevel, 'community'), isNull(connectors.organization)))
    .orderBy(asc(connectors.slug));
  community.push(...rows.map((r) => r.slug));
  server = createServer(h.app.nodeListener);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** What QUERY must answer for `slug`, read from the database through the domain. */
async function expected(slug: string) {
  const row = (await findConnectorBySlug(h.db, slug))!;
  return {
    connector: { slug: row.slug, name: row.name, supportLevel: row.supportLevel.toUpperCase() },
    connectors: { totalCount: await countConnectors(h.db, { supportLevels: ['community'] }, await loadPolicyCatalog(h.db), PUBLIC) },
  };
}

/** The certification payload for a connector that was community before. */
const certified = (slug: string) => ({ fromLevel: 'COMMUNITY', toLevel: 'CERTIFIED', connector: { slug, supportLevel: 'CERTIFIED' }, userErrors: [] });
const event = (slug: string, actor = 'client-bot') => ({ certificationEvents: { fromLevel: 'COMMUNITY', toLevel: 'CERTIFIED', actor, connector: { slug } } });

/** The request lines the gateway logged for /graphql since `from`. */
const requestsSince = (from: number) => lines.slice(from).filter((l) => l.message === 'request' && String(l.path).startsWith('/graphql'));

/** Waits for `count` values from an async source; resolves with them. */
function collect<T>(subscribe: (push: (value: T) => void) => void, count: number): Promise<T[]> {
  const seen: T[] = [];
  return new Promise((resolve) => subscribe((value) => seen.push(value) >= count && resolve(seen)));
}

describe('urql (@urql/core 6, default exchanges)', () => {
  const client = () =>
    new UrqlClient({
      url: `${url}/graphql`,
      exchanges: [cacheExchange, fetchExchange],
      fetchOptions: () => ({ headers: { authorization: `Bearer ${tokens.certifier}` } }),
    });

  it('sends its query as a GET without custom headers and gets the answer the database holds', async () => {
    const slug = community[0]!;
    const from = lines.length;
    const anonymous = new UrqlClient({ url: `${url}/graphql`, exchanges: [cacheExchange, fetchExchange] });
    const result = await anonymous.query(QUERY, { slug }).toPromise();
    expect(result.error).toBeUndefined();
    // urql's document cache asks for every __typename.
    const { connector, connectors: page } = await expected(slug);
    expect(result.data).toEqual({ connector: { __typename: 'Connector', ...connector }, connectors: { __typename: 'ConnectorConnection', ...page } });
    expect(requestsSince(from).map((l) => [l.method, l.status])).toEqual([['GET', 200]]);
  });

  it('certifies with a token, and reports a missing scope as FORBIDDEN', async () => {
    const slug = community[0]!;
    const done = await client().mutation(CERTIFY, { slug }).toPromise();
    expect(done.error).toBeUndefined();
    const { connector, ...payload } = certified(slug);
    expect(done.data.certifyConnector).toEqual({ __typename: 'CertifyConnectorPayload', ...payload, connector: { __typename: 'Connector', ...connector } });
    const reader = new UrqlClient({
      url: `${url}/graphql`,
      exchanges: [cacheExchange, fetchExchange],
      fetchOptions: { headers: { authorization: `Bearer ${tokens.reader}` } },
    });
    const refused = await reader.mutation(CERTIFY, { slug: community[1]! }).toPromise();
    expect(refused.error?.graphQLErrors.map((e) => [e.message, e.extensions.code])).toEqual([
      ['This token lacks the scope that certifyConnector needs.', 'FORBIDDEN'],
    ]);
    expect((await findConnectorBySlug(h.db, community[1]!))!.supportLevel).toBe('community');
  });

  it('subscribes through its subscriptionExchange over graphql-sse', async () => {
    const slug = community[1]!;
    const sse = createSseClient({ url: `${url}/graphql/stream` });
    const client = new UrqlClient({
      url: `${url}/graphql`,
      exchanges: [
        cacheExchange,
        fetchExchange,
        subscriptionExchange({
          forwardSubscription: (request) => ({
            subscribe: (sink) => ({ unsubscribe: sse.subscribe({ ...request, query: request.query ?? '' }, sink as never) }),
          }),
        }),
      ],
    });
    const from = lines.length;
    const received = collect<unknown>((push) => {
      const { unsubscribe } = client.subscription(EVENTS, {}).subscribe((result) => {
        push(result.data);
        unsubscribe();
      });
    }, 1);
    await certifyOnceListening(slug, from, '/graphql/stream', 'POST');
    expect(await received).toEqual([event(slug)]);
    sse.dispose();
  });
});

/**
 * Certifies `slug` once the gateway has answered the subscription's request since log line `from`
 * (`path` and `method`; `status` 200, or 202 for an operation sent into a reserved graphql-sse stream):
 * by then the subscription listens for events.
 */
async function certifyOnceListening(slug: string, from: number, path: string, method: string, status = 200): Promise<void> {
  while (!requestsSince(from).some((l) => l.path === path && l.method === method && l.status === status)) {
    await new Promise((r) => setTimeout(r, 10));
  }
  const res = await h.gql(CERTIFY, { slug }, tokens.certifier);
  expect(res.data!.certifyConnector).toEqual(certified(slug));
}

describe('Apollo Client (4, HttpLink, InMemoryCache)', () => {
  const client = (token?: string) =>
    new ApolloClient({
      link: new HttpLink({ uri: `${url}/graphql`, headers: token ? { authorization: `Bearer ${token}` } : {} }),
      cache: new InMemoryCache(),
    });

  it('queries, certifies with a token and reports a missing scope as FORBIDDEN', async () => {
    const slug = community[2]!;
    const result = await client().query({ query: gql(QUERY), variables: { slug } });
    const want = await expected(slug);
    expect(result.data).toEqual({
      connector: { __typename: 'Connector', ...want.connector },
      connectors: { __typename: 'ConnectorConnection', ...want.connectors },
    });
    const done = await client(tokens.certifier).mutate({ mutation: gql(CERTIFY), variables: { slug } });
    expect(done.data).toMatchObject({ certifyConnector: certified(slug) });
    const refused = await client(tokens.reader)
      .mutate({ mutation: gql(CERTIFY), variables: { slug: community[3]! } })
      .then(
        () => null,
        (error: { errors?: { message: string; extensions?: { code?: string } }[] }) => error,
      );
    expect(refused?.errors?.map((e) => [e.message, e.extensions?.code])).toEqual([['This token lacks the scope that certifyConnector needs.', 'FORBIDDEN']]);
  });

  it('subscribes over its HttpLink (multipart/mixed, subscriptionSpec 1.0)', async () => {
    const slug = community[3]!;
    const from = lines.length;
    // Apollo Client 4.0.10 cancels the reader of an aborted multipart body without catching the
    // rejection (an unhandled AbortError on unsubscribe): this fetch ends such a body quietly instead.
    const quietFetch: typeof fetch = async (input, init) => {
      const response = await fetch(input, init);
      const reader = response.body!.getReader();
      const body = new ReadableStream<Uint8Array>({
        pull: (controller) =>
          reader.read().then(
            ({ done, value }) => (done ? controller.close() : controller.enqueue(value)),
            () => controller.close(),
          ),
      });
      return new Response(body, { status: response.status, headers: response.headers });
    };
    const apollo = new ApolloClient({ link: new HttpLink({ uri: `${url}/graphql`, fetch: quietFetch }), cache: new InMemoryCache() });
    let subscription: { unsubscribe(): void } | undefined;
    const received = collect<unknown>((push) => {
      subscription = apollo.subscribe({ query: gql(EVENTS) }).subscribe((result) => push(result.data ?? result.error));
    }, 1);
    await certifyOnceListening(slug, from, '/graphql', 'POST');
    await received;
    subscription!.unsubscribe();
    const { connector, ...rest } = event(slug).certificationEvents;
    expect(await received).toEqual([
      { certificationEvents: { __typename: 'CertificationEvent', ...rest, connector: { __typename: 'Connector', ...connector } } },
    ]);
  });
});

describe('graphql-request (7)', () => {
  it('queries, certifies with a token and reports a missing scope as FORBIDDEN', async () => {
    const slug = community[4]!;
    expect(await new GraphQLClient(`${url}/graphql`).request(QUERY, { slug })).toEqual(await expected(slug));
    const certifier = new GraphQLClient(`${url}/graphql`, { headers: { authorization: `Bearer ${tokens.certifier}` } });
    expect(await certifier.request(CERTIFY, { slug })).toEqual({ certifyConnector: certified(slug) });
    const reader = new GraphQLClient(`${url}/graphql`, { headers: { authorization: `Bearer ${tokens.reader}` } });
    const refused = await reader.request(CERTIFY, { slug: community[5]! }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ClientError);
    const { response } = refused as ClientError;
    expect([response.status, response.errors?.map((e) => [e.message, e.extensions?.code])]).toEqual([
      403,
      [['This token lacks the scope that certifyConnector needs.', 'FORBIDDEN']],
    ]);
  });
});

for (const singleConnection of [false, true]) {
  describe(`graphql-sse (2.6, ${singleConnection ? 'single connection' : 'distinct connections'} mode) on /graphql/stream`, () => {
    const client = (token?: string) =>
      createSseClient({ url: `${url}/graphql/stream`, singleConnection, headers: token ? { authorization: `Bearer ${token}` } : {} });
    const once = (c: ReturnType<typeof client>, query: string, variables: Record<string, unknown> = {}) =>
      new Promise<ExecutionResult>((resolve, reject) => {
        let result: ExecutionResult;
        c.subscribe({ query, variables }, { next: (r) => (result = r as ExecutionResult), error: reject, complete: () => resolve(result) });
      });
    const offset = singleConnection ? 8 : 6;

    it('queries, certifies with the token in Authorization, and reports a missing scope and a bad token with their codes', async () => {
      const slug = community[offset]!;
      const anonymous = client();
      expect(await once(anonymous, QUERY, { slug })).toEqual({ data: await expected(slug) });
      const certifier = client(tokens.certifier);
      expect(await once(certifier, CERTIFY, { slug })).toEqual({ data: { certifyConnector: certified(slug) } });
      const reader = client(tokens.reader);
      const refused = await once(reader, CERTIFY, { slug: community[offset + 1]! });
      expect(refused.errors?.map((e) => [e.message, (e as { extensions?: { code?: string } }).extensions?.code])).toEqual([
        ['This token lacks the scope that certifyConnector needs.', 'FORBIDDEN'],
      ]);
      const bad = client('crg_notatokenthatexists');
      expect(await once(bad, QUERY, { slug })).toEqual({
        errors: [{ message: 'The API token is not valid: it is malformed, unknown or revoked.', extensions: { code: 'UNAUTHENTICATED' } }],
      });
      for (const c of [anonymous, certifier, reader, bad]) c.dispose();
    });

    it("keeps the subscriber's token: an organization's token hears its private connector's change, an anonymous subscriber does not", async () => {
      const query = 'subscription { breakingChangeAnnounced { version connector { slug } } }';
      const owner = client((await createToken(h.db, { name: `acme-stream-${singleConnection}`, scopes: ['read:private'], organization: 'acme' })).token);
      const anonymous = client();
      const from = lines.length;
      const heard = { owner: [] as unknown[], anonymous: [] as unknown[] };
      const ownerHeard = collect<unknown>((push) => owner.subscribe({ query }, { next: push, error: () => {}, complete: () => {} }), 2);
      const anonymousHeard = collect<unknown>((push) => anonymous.subscribe({ query }, { next: push, error: () => {}, complete: () => {} }), 1);
      const status = singleConnection ? 202 : 200;
      while (requestsSince(from).filter((l) => l.path === '/graphql/stream' && l.method === 'POST' && l.status === status).length < 2) {
        await new Promise((r) => setTimeout(r, 10));
      }
      const version = singleConnection ? '31.0.0' : '30.0.0';
      // The private change first: when the public one reaches the anonymous subscriber, the private one would have come before it.
      for (const connector of ['source-acme-billing', community[10]!]) {
        const res = await h.gql(
          'mutation($input: AnnounceBreakingChangeInput!) { announceBreakingChange(input: $input) { userErrors { code } } }',
          { input: { connectorSlug: connector, version, upgradeDeadline: '2031-01-01', message: 'Announced for the graphql-sse test.' } },
          tokens.admin,
        );
        expect(res.data).toEqual({ announceBreakingChange: { userErrors: [] } });
      }
      heard.owner = await ownerHeard;
      heard.anonymous = await anonymousHeard;
      expect(heard).toEqual({
        owner: [
          { data: { breakingChangeAnnounced: { version, connector: { slug: 'source-acme-billing' } } } },
          { data: { breakingChangeAnnounced: { version, connector: { slug: community[10] } } } },
        ],
        anonymous: [{ data: { breakingChangeAnnounced: { version, connector: { slug: community[10] } } } }],
      });
      owner.dispose();
      anonymous.dispose();
    });

    it('streams a certification to a subscriber', async () => {
      const slug = community[offset + 1]!;
      const c = client();
      const from = lines.length;
      const received = collect<unknown>((push) => c.subscribe({ query: EVENTS }, { next: (r) => push(r), error: () => {}, complete: () => {} }), 1);
      await certifyOnceListening(slug, from, '/graphql/stream', 'POST', singleConnection ? 202 : 200);
      expect(await received).toEqual([{ data: event(slug) }]);
      c.dispose();
    });
  });
}

describe('EventSource (eventsource 4, as a browser page has it)', () => {
  it('subscribes over GET without custom headers and sees public connectors only', async () => {
    const slug = community[10]!;
    const query = 'subscription { breakingChangeAnnounced { version connector { slug } } }';
    const source = new EventSource(`${url}/graphql?query=${encodeURIComponent(query)}`);
    const received = collect<unknown>((push) => source.addEventListener('next', (e) => push(JSON.parse(e.data))), 1);
    await new Promise<void>((resolve, reject) => {
      source.onopen = () => resolve();
      source.onerror = (e) => reject(e);
    });
    const announce = (connector: string, version: string) =>
      h.gql(
        `mutation($input: AnnounceBreakingChangeInput!) { announceBreakingChange(input: $input) { userErrors { code } } }`,
        { input: { connectorSlug: connector, version, upgradeDeadline: '2031-01-01', message: 'Announced for the EventSource test.' } },
        tokens.admin,
      );
    // A private connector's change first: when the public one arrives, the private one would have come before it.
    expect((await announce('source-acme-billing', '7.0.0')).data).toEqual({ announceBreakingChange: { userErrors: [] } });
    expect((await announce(slug, '8.0.0')).data).toEqual({ announceBreakingChange: { userErrors: [] } });
    expect(await received).toEqual([{ data: { breakingChangeAnnounced: { version: '8.0.0', connector: { slug } } } }]);
    source.close();
  });
});

describe('the graphql-sse endpoint keeps the rules of /graphql', () => {
  const stream = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, init);
  /** The first `next` event of an event-stream answer. */
  async function firstResult(response: Response): Promise<unknown> {
    expect(response.headers.get('content-type')).toContain('text/event-stream');
    const text = await response.text();
    const data = /event: next\ndata: (.*)\n/.exec(text)?.[1];
    return data && JSON.parse(data);
  }

  it('refuses a mutation over GET with 405, and a GET that carries a cookie without the CSRF header', async () => {
    const mutation = await stream(
      `/graphql/stream?query=${encodeURIComponent(CERTIFY)}&variables=${encodeURIComponent(JSON.stringify({ slug: community[11] }))}`,
      {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${tokens.certifier}` },
      },
    );
    expect([mutation.status, mutation.headers.get('allow'), await mutation.json()]).toEqual([
      405,
      'POST',
      { errors: [{ message: 'Can only perform a mutation operation from a POST request.', extensions: { code: 'BAD_REQUEST' } }] },
    ]);
    expect((await findConnectorBySlug(h.db, community[11]!))!.supportLevel).toBe('community');
    const cookie = await stream(`/graphql/stream?query=${encodeURIComponent('{ deployments { key } }')}`, {
      headers: { accept: 'text/event-stream', cookie: 'a=b' },
    });
    expect([cookie.status, ((await cookie.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code]).toEqual([
      403,
      'CSRF_HEADER_REQUIRED',
    ]);
    const form = await stream('/graphql/stream', {
      method: 'POST',
      headers: { 'content-type': 'text/plain; charset=application/json', accept: 'text/event-stream' },
      body: '{}',
    });
    expect([form.status, ((await form.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code]).toEqual([
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ]);
  });

  it('applies the document limits and codes every refusal', async () => {
    const deep = `{ connectors(first: 1) { edges { node { ${'breakingChanges { connector { '.repeat(6)}slug${' } }'.repeat(6)} } } } }`;
    const limited = await stream('/graphql/stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: deep }),
    });
    expect(limited.status).toBe(200);
    // The refusal /graphql gives, as the stream's only result.
    const direct = await h.gql(deep);
    expect(direct.errors!.map((e) => e.extensions!.code)).toEqual(['DEPTH_LIMIT_EXCEEDED']);
    expect(await firstResult(limited)).toEqual({ errors: direct.errors });
    const missing = await stream('/graphql/stream', { headers: { 'x-graphql-event-stream-token': 'not-reserved' } });
    expect([missing.status, await missing.json()]).toEqual([404, { errors: [{ message: 'Stream not found', extensions: { code: 'STREAM_NOT_FOUND' } }] }]);
    const method = await stream('/graphql/stream', { method: 'PATCH', headers: { 'x-graphql-event-stream-token': 'not-reserved' } });
    expect([
      method.status,
      method.headers.get('allow'),
      ((await method.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code,
    ]).toEqual([405, 'GET, POST, PUT, DELETE', 'BAD_REQUEST']);
  });
});

describe('reserved graphql-sse streams', () => {
  it('refuses more reservations than the limit with 503, and closes one left unopened, freeing its place', async () => {
    // Long enough for three requests on a loaded machine: the first two must still wait when the third comes.
    const limited = await createHarness({ streams: { maxPending: 2, pendingMs: 1000 } });
    const reserve = () => limited.fetch('/graphql/stream', { method: 'PUT' });
    const first = await reserve();
    expect(first.status).toBe(201);
    const token = await first.text();
    expect((await reserve()).status).toBe(201);
    const refused = await reserve();
    expect([refused.status, refused.headers.get('retry-after'), await refused.json()]).toEqual([
      503,
      '5',
      { errors: [{ message: 'Too many streams are reserved and not yet opened; try again shortly.', extensions: { code: 'TOO_MANY_STREAMS' } }] },
    ]);
    // Left unopened, a reservation is closed after its wait: the place is free again and the token is gone.
    let again = refused;
    while (again.status === 503) again = await new Promise((r) => setTimeout(r, 20)).then(reserve);
    expect(again.status).toBe(201);
    const late = await limited.fetch('/graphql/stream', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-graphql-event-stream-token': token },
      body: JSON.stringify({ query: '{ __typename }', extensions: { operationId: '1' } }),
    });
    expect([late.status, await late.json()]).toEqual([404, { errors: [{ message: 'Stream not found', extensions: { code: 'STREAM_NOT_FOUND' } }] }]);
    await limited.close();
  });
});
