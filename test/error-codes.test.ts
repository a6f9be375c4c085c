// The error codes are declared once (src/graphql/error-codes.ts): each is provoked here through a real
// server and comes back with its declared status; nothing else is emitted; the README's table and
// docs/error-codes.md list exactly the declared codes; and no request error echoes the request back.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { closeDatabase, type Db } from '../src/db/client.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { ERROR_CODES, type ErrorCode, errorCodesDocument } from '../src/graphql/error-codes.js';
import { openTestDatabase } from './helpers/database.js';
import { serve, type Served } from './helpers/harness.js';

const ROOT = join(import.meta.dirname, '..');
const LIMITS = { maxDepth: 4, maxAliases: 2, maxTokens: 200, maxDirectives: 2, maxCost: 200, maxBodyBytes: 4096 };

const servers: Served[] = [];
const databases: Db[] = [];
afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
  // The broken gateway's database is closed already.
  await Promise.all(databases.map((db) => closeDatabase(db).catch(() => {})));
});

async function gateway(budget?: { maximumAvailable: number; restoreRate: number }, persistedOnly = false, streams?: { maxPending: number }) {
  const db = await openTestDatabase({ seed: 'demo' });
  databases.push(db);
  const app = await createApp({
    db,
    log: () => {},
    webhooks: false,
    limits: LIMITS,
    budget: budget && { ...budget, trustedProxies: [] },
    persistedOperations: { only: persistedOnly },
    streams,
  });
  const server = serve(app);
  servers.push(server);
  return { db, server };
}

interface Provoked {
  status: number;
  codes: string[];
  text: string;
}

async function send(server: Served, init: { method?: string; path?: string; headers?: Record<string, string>; body?: string }): Promise<Provoked> {
  const res = await server.fetch(init.path ?? '/graphql', {
    method: init.method ?? 'POST',
    headers: init.method === 'GET' ? init.headers : { 'content-type': 'application/json', ...init.headers },
    body: init.body,
  });
  const text = await res.text();
  const errors = (JSON.parse(text) as { errors?: { extensions?: { code?: string } }[] }).errors ?? [];
  return { status: res.status, codes: errors.map((e) => e.extensions?.code ?? '(none)'), text };
}

const q = (query: string, variables?: object) => JSON.stringify({ query, variables });

/** graphql-sse's single-connection mode: a reserved stream opened while it is open already. */
async function streamOpenedTwice(server: Served): Promise<Provoked> {
  const token = await (await server.fetch('/graphql/stream', { method: 'PUT' })).text();
  const headers = { 'x-graphql-event-stream-token': token, accept: 'text/event-stream' };
  const first = new AbortController();
  const open = await server.fetch('/graphql/stream', { headers, signal: first.signal });
  try {
    return await send(server, { method: 'GET', path: '/graphql/stream', headers });
  } finally {
    first.abort();
    await open.body?.cancel().catch(() => {});
  }
}

/** One request for each declared code. */
async function provokeAll(): Promise<Record<ErrorCode, Provoked>> {
  const { db, server } = await gateway();
  const reader = (await createToken(db, { name: 'reader', scopes: ['read:private'] })).token;
  // Made 100 days ago with the default 90-day lifetime: expired now.
  const expired = (await createToken(db, { name: 'old', scopes: ['read:private'] }, { actor: null, now: new Date(Date.now() - 100 * 86_400_000) })).token;
  const throttled = (await gateway({ maximumAvailable: 40, restoreRate: 1 })).server;
  const page = '{ connectors(first: 10) { edges { node { slug } } } }';
  await send(throttled, { body: q(page) });
  const persistedOnly = (await gateway(undefined, true)).server;
  const noStreams = (await gateway(undefined, false, { maxPending: 0 })).server;
  const broken = await gateway();
  await closeDatabase(broken.db);
  return {
    GRAPHQL_PARSE_FAILED: await send(server, { body: q('{ connectors(') }),
    GRAPHQL_VALIDATION_FAILED: await send(server, { body: q('{ noSuchField }') }),
    BAD_USER_INPUT: await send(server, { body: q('{ connectors(first: 1000000000) { totalCount } }') }),
    BAD_REQUEST: await send(server, { body: '{"query": "{ deployments { key } }", ' }),
    DEPTH_LIMIT_EXCEEDED: await send(server, { body: q('{ connector(slug: "x") { certificationHistory { connector { certificationHistory { actor } } } } }') }),
    ALIAS_LIMIT_EXCEEDED: await send(server, { body: q('{ a: deployments { key } b: deployments { key } c: deployments { key } }') }),
    DIRECTIVE_LIMIT_EXCEEDED: await send(server, { body: q('{ deployments @skip(if: false) @skip(if: false) @skip(if: false) { key } }') }),
    TOKEN_LIMIT_EXCEEDED: await send(server, { body: q(`{ deployments { ${'key '.repeat(200)} } }`) }),
    COST_LIMIT_EXCEEDED: await send(server, { body: q('{ connectors(first: 100) { edges { node { slug } } } }') }),
    THROTTLED: await send(throttled, { body: q(page) }),
    PERSISTED_QUERY_NOT_FOUND: await send(server, { body: JSON.stringify({ documentId: `sha256:${'0'.repeat(64)}` }) }),
    PERSISTED_QUERY_ID_REQUIRED: await send(persistedOnly, { body: JSON.stringify({ variables: {} }) }),
    PERSISTED_QUERY_ONLY: await send(persistedOnly, { body: q('{ deployments { key } }') }),
    STREAM_NOT_FOUND: await send(server, { path: '/graphql/stream', headers: { 'x-graphql-event-stream-token': 'nope' }, body: q('{ deployments { key } }') }),
    STREAM_CONFLICT: await streamOpenedTwice(server),
    TOO_MANY_STREAMS: await send(noStreams, { method: 'PUT', path: '/graphql/stream' }),
    CSRF_HEADER_REQUIRED: await send(server, {
      method: 'GET',
      path: `/graphql?query=${encodeURIComponent('{ deployments { key } }')}`,
      headers: { cookie: 'session=1' },
    }),
    UNSUPPORTED_MEDIA_TYPE: await send(server, { headers: { 'content-type': 'text/plain' }, body: '{ deployments { key } }' }),
    PAYLOAD_TOO_LARGE: await send(server, { body: q(`{ deployments { key } } # ${'x'.repeat(5000)}`) }),
    UNAUTHENTICATED: await send(server, { headers: { authorization: 'Bearer crg_not-a-token' }, body: q('{ deployments { key } }') }),
    TOKEN_EXPIRED: await send(server, { headers: { authorization: `Bearer ${expired}` }, body: q('{ deployments { key } }') }),
    FORBIDDEN: await send(server, { headers: { authorization: `Bearer ${reader}` }, body: q('{ webhooks { url } }') }),
    // A connector is read from the database whatever the engine (the policy may be answered from memory).
    INTERNAL_SERVER_ERROR: await send(broken.server, { body: q('{ connector(slug: "source-faker") { slug } }') }),
  };
}

/** The codes in the README's table of refusals (the table whose header names `extensions.code`). */
function readmeCodes(): string[] {
  const lines = readFileSync(join(ROOT, 'README.md'), 'utf8').split('\n');
  const header = lines.findIndex((line) => line.startsWith('|') && line.includes('`extensions.code`'));
  expect(header, 'the README has a table with an `extensions.code` column').toBeGreaterThan(-1);
  const column = lines[header]!.split('|').findIndex((cell) => cell.includes('`extensions.code`'));
  const codes: string[] = [];
  for (const line of lines.slice(header + 2)) {
    if (!line.startsWith('|')) break;
    codes.push(...[...line.split('|')[column]!.matchAll(/`([A-Z][A-Z_]+)`/g)].map((m) => m[1]!));
  }
  return [...new Set(codes)].sort();
}

/** Every code a source file writes as a literal where errors are made. */
function codesInSource(dir = join(ROOT, 'src')): string[] {
  const found: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...codesInSource(path));
    else if (name.endsWith('.ts') && !path.endsWith('error-codes.ts')) {
      const text = readFileSync(path, 'utf8');
      for (const m of text.matchAll(/code(?::| =) '([A-Z][A-Z_]+)'|jsonError\(fetchAPI, \d+, '([A-Z][A-Z_]+)'|tag\('([A-Z][A-Z_]+)'/g))
        found.push(m[1] ?? m[2] ?? m[3]!);
    }
  }
  return [...new Set(found)].sort();
}

const declared = Object.keys(ERROR_CODES).sort();

describe('error codes', () => {
  it('provokes every declared code through a real server, each with its declared status and nothing undeclared', async () => {
    const provoked = await provokeAll();
    expect(Object.keys(provoked).sort()).toEqual(declared);
    for (const [code, answer] of Object.entries(provoked)) {
      expect(answer.codes, code).toEqual([code]);
      expect(ERROR_CODES[code as ErrorCode].http, `${code}: status ${answer.status}`).toContain(String(answer.status));
    }
  });

  it('names a limit, its setting and the value found in the message', async () => {
    const { server } = await gateway();
    const aliases = await send(server, { body: q('{ a: deployments { key } b: deployments { key } c: deployments { key } }') });
    expect(JSON.parse(aliases.text).errors[0]).toEqual({
      message: 'The query uses 3 aliases; the limit is 2 (MAX_ALIASES).',
      extensions: { code: 'ALIAS_LIMIT_EXCEEDED', limit: 2, found: 3 },
    });
    // A page larger than any page is refused by the page-size rule, whatever its size.
    const huge = await send(server, { body: q('{ connectors(first: 1000000000) { totalCount } }') });
    expect(JSON.parse(huge.text).errors[0].message).toBe('first: must be at most 100');
  });

  it('writes codes only from the declaration', () => {
    expect(codesInSource().filter((code) => !declared.includes(code))).toEqual([]);
  });

  it('lists exactly the declared codes in the README table', () => {
    expect(readmeCodes()).toEqual(declared);
  });

  it('keeps docs/error-codes.md as the declaration generates it (npm run -s docs:error-codes)', () => {
    expect(readFileSync(join(ROOT, 'docs/error-codes.md'), 'utf8')).toBe(errorCodesDocument());
  });
});

describe('request errors', () => {
  const marker = 'Zq'.repeat(200);
  it.each([
    ['malformed JSON', `{"query": "{ deployments { key } }", "password": "${marker}`],
    ['an unknown body parameter', JSON.stringify({ query: '{ deployments { key } }', [marker]: 1 })],
    ['an unknown field', q(`{ ${marker} }`)],
    ['a huge string where a number belongs', q('query($n: Int!) { connectors(first: $n) { totalCount } }', { n: marker })],
    [
      'a huge string in a nested input',
      q('query($f: ConnectorFilter) { connectors(first: 1, filter: $f) { totalCount } }', { f: { search: 1, nope: marker } }),
    ],
  ])('do not echo the request back: %s', async (_what, body) => {
    const { server } = await gateway();
    const answer = await send(server, { body });
    expect(answer.codes.length).toBeGreaterThan(0);
    expect(answer.text).not.toContain(marker.slice(0, 41));
    expect(answer.text.length).toBeLessThan(600);
  });
});
