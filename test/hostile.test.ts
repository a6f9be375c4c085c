import { beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import type { LogLine } from '../src/app.js';
import { closeDatabase } from '../src/db/client.js';
import { poolOf } from '../src/db/postgres.js';
import { rawRun } from '../src/db/raw.js';
import { CSRF_HEADER } from '../src/http/checks.js';
import pg from 'pg';
import { TEST_ENGINE } from './helpers/database.js';
import { createHarness, type Harness } from './helpers/harness.js';

async function post(h: Harness, body: string, headers: Record<string, string> = { 'content-type': 'application/json' }) {
  const res = await h.fetch('/graphql', { method: 'POST', headers, body });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null, headers: res.headers };
}
const q = (query: string, variables?: object) => JSON.stringify({ query, variables });
const JSON_BODY = { 'content-type': 'application/json' };

describe('hostile requests are refused before they run', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ limits: { maxDepth: 6, maxAliases: 3, maxTokens: 300, maxDirectives: 4, maxCost: 3000, maxBodyBytes: 4096 } });
  });

  const cases: [string, string, string, RegExp][] = [
    [
      'too deep',
      '{ connector(slug: "source-stripe") { certificationHistory { connector { certificationHistory { connector { certificationHistory { connector { slug } } } } } } } }',
      'DEPTH_LIMIT_EXCEEDED',
      /^The query uses 8 levels of nested selections; the limit is 6 \(MAX_DEPTH\)\.$/,
    ],
    [
      'too many aliases',
      '{ a: deployments { key } b: deployments { key } c: deployments { key } d: deployments { key } }',
      'ALIAS_LIMIT_EXCEEDED',
      /^The query uses 4 aliases; the limit is 3 \(MAX_ALIASES\)\.$/,
    ],
    [
      'too many directives',
      '{ deployments @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) @skip(if: false) { key } }',
      'DIRECTIVE_LIMIT_EXCEEDED',
      /^The query uses 5 directives; the limit is 4 \(MAX_DIRECTIVES\)\.$/,
    ],
  ];
  for (const [what, query, code, message] of cases) {
    it(`refuses a query with ${what} as ${code}, with status 400`, async () => {
      const res = await post(h, q(query));
      expect(res.status).toBe(400);
      expect(res.body.errors[0].extensions.code).toBe(code);
      expect(res.body.errors[0].message).toMatch(message);
      expect(res.body.data).toBeUndefined();
    });
  }

  it('refuses a query with too many tokens as TOKEN_LIMIT_EXCEEDED, with the status GraphQL over HTTP gives a parse error', async () => {
    const body = q(`{ deployments { ${'key '.repeat(300)} } }`);
    for (const [accept, status] of [
      ['application/graphql-response+json', 400],
      ['application/json', 200],
    ] as const) {
      const res = await post(h, body, { 'content-type': 'application/json', accept });
      expect(res.status, accept).toBe(status);
      expect(res.body.errors[0]).toEqual({
        message: 'The query has more than 300 tokens; the limit is 300 (MAX_TOKENS).',
        extensions: { code: 'TOKEN_LIMIT_EXCEEDED', limit: 300 },
      });
    }
  });

  it('refuses a query whose estimated cost, multiplied by first, is over the budget', async () => {
    // 100 connectors × (edge + node + 5 breaking changes × (1 + 5 scoped impacts)) = 3300.
    const query = '{ connectors(first: 100) { edges { node { breakingChanges { scopedImpact { scopeType } } } } } }';
    const res = await post(h, q(query));
    expect(res.status).toBe(400);
    expect(res.body.errors[0]).toMatchObject({ extensions: { code: 'COST_LIMIT_EXCEEDED', cost: 3300, maxCost: 3000 } });
    expect(res.body.errors[0].message).toContain("The query's estimated cost is 3300, over the limit of 3000 (MAX_COST).");
    // The same shape with a page the budget allows runs.
    const small = await post(h, q(query.replace('first: 100', 'first: $n').replace('{ connectors', 'query($n: Int!) { connectors'), { n: 10 }));
    expect(small.status).toBe(200);
    expect(small.body.data.connectors.edges).toHaveLength(10);
  });

  it('refuses batched arrays, mutations over GET, other methods, content types and malformed JSON', async () => {
    const batch = await post(h, JSON.stringify([{ query: '{ deployments { key } }' }, { query: '{ deployments { key } }' }]));
    expect([batch.status, batch.body.errors[0].message, batch.body.errors[0].extensions.code]).toEqual([400, 'Batching is not supported.', 'BAD_REQUEST']);
    const mutationGet = await h.fetch(
      `/graphql?query=${encodeURIComponent('mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "over a GET request"}) { dryRun } }')}`,
      {
        headers: { accept: 'application/json', [CSRF_HEADER]: '1' },
      },
    );
    expect(mutationGet.status).toBe(405);
    expect((await mutationGet.json()).errors[0].message).toBe('Can only perform a mutation operation from a POST request.');
    const put = await h.fetch('/graphql', { method: 'PUT', headers: { 'content-type': 'application/json' }, body: q('{ deployments { key } }') });
    expect(put.status).toBe(405);
    for (const type of ['text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x']) {
      const res = await post(h, q('{ deployments { key } }'), { 'content-type': type });
      expect(res.status, type).toBe(415);
      expect(res.body.errors[0]).toEqual({
        message: `Content-Type ${type.split(';')[0]} is not supported; send application/json.`,
        extensions: { code: 'UNSUPPORTED_MEDIA_TYPE' },
      });
    }
    const malformed = await post(h, '{"query": "{ deployments { key } }"');
    expect([malformed.status, malformed.body.errors[0].message, malformed.body.errors[0].extensions.code]).toEqual([
      400,
      'POST body sent invalid JSON.',
      'BAD_REQUEST',
    ]);
  });

  it('refuses bodies over the size limit, declared or chunked', async () => {
    const big = q(`{ deployments { key } } # ${'x'.repeat(5000)}`);
    const declared = await post(h, big);
    expect(declared.status).toBe(413);
    expect(declared.body.errors[0]).toEqual({ message: 'The request body is larger than the limit of 4096 bytes.', extensions: { code: 'PAYLOAD_TOO_LARGE' } });
    const chunks = new ReadableStream({
      start(controller) {
        for (let i = 0; i < 10; i++) controller.enqueue(new TextEncoder().encode(i === 0 ? big.slice(0, 1000) : 'x'.repeat(1000)));
        controller.close();
      },
    });
    const chunked = await h.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chunks, duplex: 'half' } as RequestInit);
    expect(chunked.status).toBe(413);
  });

  it('answers a GET without custom headers, and refuses one that carries cookies or browser credentials without the CSRF header', async () => {
    const url = `/graphql?query=${encodeURIComponent('{ deployments { key } }')}`;
    const plain = await h.fetch(url, { headers: { accept: 'application/json' } });
    expect(plain.status).toBe(200);
    const answer = await plain.json();
    expect(answer.data.deployments).toHaveLength(4);
    for (const ambient of [{ cookie: 'session=abc' }, { authorization: 'Basic dXNlcjpwYXNz' }] as Record<string, string>[]) {
      const without = await h.fetch(url, { headers: { accept: 'application/json', ...ambient } });
      expect(without.status, JSON.stringify(ambient)).toBe(403);
      expect((await without.json()).errors[0]).toEqual({
        message: `A GET request that carries cookies or browser credentials must send the ${CSRF_HEADER} header (any value), or use POST with application/json.`,
        extensions: { code: 'CSRF_HEADER_REQUIRED' },
      });
    }
    const withHeader = await h.fetch(url, { headers: { accept: 'application/json', cookie: 'session=abc', [CSRF_HEADER]: '1' } });
    expect([withHeader.status, await withHeader.json()]).toEqual([200, answer]);
  });

  it('lets other origins call without credentials only: no Allow-Credentials, so a page cannot add the CSRF header to a cookie-bearing request', async () => {
    const preflight = await h.fetch('/graphql', {
      method: 'OPTIONS',
      headers: {
        origin: 'https://elsewhere.example',
        'access-control-request-method': 'GET',
        'access-control-request-headers': `${CSRF_HEADER}, authorization`,
      },
    });
    expect([preflight.status, preflight.headers.get('access-control-allow-origin'), preflight.headers.get('access-control-allow-credentials')]).toEqual([
      204,
      'https://elsewhere.example',
      null,
    ]);
    const call = await h.fetch('/graphql', {
      method: 'POST',
      headers: { origin: 'https://elsewhere.example', 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ deployments { key } }' }),
    });
    expect([call.status, call.headers.get('access-control-allow-origin'), call.headers.get('access-control-allow-credentials')]).toEqual([
      200,
      'https://elsewhere.example',
      null,
    ]);
  });
});

describe('introspection and error masking', () => {
  it('with INTROSPECTION=false refuses introspection and hides field suggestions', async () => {
    const open = await createHarness();
    const closed = await createHarness({ limits: { introspection: false } });
    const typo = q('{ deploymentz { key } }');
    expect((await post(open, typo)).body.errors[0].message).toContain('Did you mean "deployments"?');
    const hidden = (await post(closed, typo)).body.errors[0].message;
    expect(hidden).not.toContain('deployments');
    const intro = await post(closed, q('{ __schema { types { name } } }'));
    expect(intro.body.errors[0].message).toMatch(/introspection/i);
    expect((await post(open, q('{ __schema { queryType { name } } }'))).body.data.__schema.queryType.name).toBe('Query');
  });

  it('masks an unexpected error, and names it by a request id that the log line also has', async () => {
    const lines: LogLine[] = [];
    const h = await createHarness({ log: (l) => lines.push(l) });
    // Break the database under the server: a real fault, not a mock.
    await rawRun(h.db, sql.raw(`drop table certification_events${h.db.$engine === 'postgres' ? ' cascade' : ''}`));
    const res = await h.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'test-req-42' },
      body: q('{ connector(slug: "source-stripe") { certificationHistory { actor } } }'),
    });
    const body = await res.json();
    expect(res.headers.get('x-request-id')).toBe('test-req-42');
    expect(body.errors[0]).toMatchObject({
      message: 'Unexpected error. Quote request id test-req-42 when you report it.',
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: 'test-req-42' },
    });
    expect(JSON.stringify(body)).not.toContain('certification_events');
    const errors = lines.filter((l) => l.level === 'error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ level: 'error', requestId: 'test-req-42' });
    expect(String(errors[0]!.error)).toContain(
      h.db.$engine === 'postgres' ? 'relation "certification_events" does not exist' : 'no such table: certification_events',
    );
    // The access-log line of the same request carries the same id.
    expect(lines.find((l) => l.message === 'request')).toMatchObject({ requestId: 'test-req-42', method: 'POST', path: '/graphql', status: 200 });
  });

  it('masks a token the database cannot look up, with a request id, whichever path reads the request', async () => {
    const lines: LogLine[] = [];
    const h = await createHarness({ log: (l) => lines.push(l) });
    const token = await h.token('reader', ['read:private']);
    await closeDatabase(h.db);
    const masked = (id: string) => ({
      errors: [{ message: `Unexpected error. Quote request id ${id} when you report it.`, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: id } }],
    });
    const headers = (id: string) => ({ ...JSON_BODY, authorization: `Bearer ${token}`, 'x-request-id': id });
    const viaListener = await h.fetch('/graphql', { method: 'POST', headers: headers('test-req-43'), body: q('{ deployments { key } }') });
    expect([viaListener.status, viaListener.headers.get('x-request-id'), await viaListener.json()]).toEqual([500, 'test-req-43', masked('test-req-43')]);
    const viaYoga = await h.app.fetch('http://yoga/graphql', { method: 'POST', headers: headers('test-req-44'), body: q('{ deployments { key } }') });
    expect([viaYoga.status, await viaYoga.json()]).toEqual([500, masked('test-req-44')]);
    // Each logged once as the error, beside its access-log line (an error too, for a 500).
    expect(lines.filter((l) => l.level === 'error').map((l) => [l.message, l.requestId])).toEqual([
      ['unexpected error', 'test-req-43'],
      ['request', 'test-req-43'],
      ['unexpected error', 'test-req-44'],
      ['request', 'test-req-44'],
    ]);
  });

  it('gives every response a request id', async () => {
    const h = await createHarness();
    const res = await post(h, q('{ deployments { key } }'));
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });
});

// Cutting a gateway's connections is a PostgreSQL operation (pg_terminate_backend); a SQLite file has none to lose.
describe.skipIf(TEST_ENGINE !== 'postgres')('a lost database connection', () => {
  it('is masked with a request id while a request waits on it, and the gateway answers again once the database is back', async () => {
    const lines: LogLine[] = [];
    const h = await createHarness({ log: (l) => lines.push(l) });
    const ask = (first: number) =>
      h.fetch('/graphql', { method: 'POST', headers: JSON_BODY, body: q(`{ connectors(first: ${first}) { edges { node { slug } } } }`) });
    expect((await (await ask(2)).json()).errors).toBeUndefined();
    // Another session locks the table, so the gateway's query is waiting on the server when its connection is cut.
    const admin = new pg.Client({ connectionString: poolOf(h.db).options.connectionString });
    await admin.connect();
    const gateway = "datname = current_database() and application_name = 'connector-registry-gateway'";
    try {
      await admin.query('begin');
      await admin.query('lock table connectors in access exclusive mode');
      // A query the fast lane has not seen: yoga runs it, and masks what fails.
      const pending = ask(3);
      await expect
        .poll(async () => (await admin.query(`select count(*)::int as n from pg_stat_activity where ${gateway} and wait_event_type = 'Lock'`)).rows[0].n)
        .toBe(1);
      await admin.query(`select pg_terminate_backend(pid) from pg_stat_activity where ${gateway}`);
      await admin.query('rollback');
      const res = await pending;
      const id = res.headers.get('x-request-id');
      const body = await res.json();
      expect(body.errors).toMatchObject([
        {
          message: `Unexpected error. The database could not be reached; retry shortly. Quote request id ${id} when you report it.`,
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId: id },
        },
      ]);
      expect(JSON.stringify(body)).not.toContain('terminating');
      const errors = lines.filter((l) => l.level === 'error');
      expect(errors).toMatchObject([{ message: 'database connection lost', requestId: id, error: expect.stringContaining('terminating connection') }]);
    } finally {
      await admin.end();
    }
    // The pool drops the dead connections and opens new ones: the same query is answered.
    const again = await (await ask(3)).json();
    expect(again.errors).toBeUndefined();
    expect(again.data.connectors.edges).toHaveLength(3);
  });
});
