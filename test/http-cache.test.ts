// HTTP caching: the Cache-Control, ETag and Vary headers of GraphQL answers, the same whichever path (the fast
// lane's listener or yoga) answers, with the response cache on and off; 304 for a GET that names the ETag; and a
// real shared cache, nginx, in front of the gateway: anonymous reads of a persisted operation served from it, a
// certification seen through it once max-age has passed, and a token's answer never stored.
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { accessSync, constants, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp, type App } from '../src/app.js';
import { ConfigError, loadConfig } from '../src/config.js';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { createToken, type TokenScope } from '../src/domain/tokens/tokens.js';
import { MATRIX_QUERY } from '../src/graphql/examples.js';
import { Metrics } from '../src/http/metrics.js';
import { seedIfEmpty } from '../seed/index.js';
import { inCi } from './helpers/browser.js';
import { serve, type Served } from './helpers/harness.js';
import { tempDir } from './helpers/process.js';

const MANIFEST = JSON.parse(readFileSync(new URL('../src/http/persisted-documents.json', import.meta.url), 'utf8')) as Record<string, string>;
const idNamed = (name: string) => Object.keys(MANIFEST).find((id) => MANIFEST[id]!.startsWith(`query ${name}`))!;
const DETAIL_ID = idNamed('ConnectorDetail');
const MATRIX_ID = idNamed('SupportMatrix');

const SETTINGS = { maxAge: 7, staleWhileRevalidate: 11 };
const SHARED = `public, max-age=${SETTINGS.maxAge}, stale-while-revalidate=${SETTINGS.staleWhileRevalidate}`;

function setUp(options: { cache: boolean; httpCache?: { maxAge: number; staleWhileRevalidate: number } }) {
  const db = openDatabase(':memory:');
  migrateDatabase(db);
  seedIfEmpty(db);
  const metrics = new Metrics();
  const app: App = createApp({
    db,
    log: () => {},
    metrics,
    webhooks: false,
    responseCache: { enabled: options.cache },
    httpCache: options.httpCache ?? SETTINGS,
  });
  const outcomes = async () => Object.fromEntries((await metrics.fastPath.get()).values.map((v) => [v.labels.result, v.value]));
  const token = (name: string, scopes: TokenScope[], organization?: string) => createToken(db, { name, scopes, organization }).token;
  return { app, served: serve(app), outcomes, token };
}

interface Answer {
  status: number;
  caching: { cacheControl: string | null; etag: string | null; vary: string | null };
  contentType: string | null;
  bytes: Buffer;
}

async function answer(res: Response): Promise<Answer> {
  const h = res.headers;
  return {
    status: res.status,
    caching: { cacheControl: h.get('cache-control'), etag: h.get('etag'), vary: h.get('vary') },
    contentType: h.get('content-type'),
    bytes: Buffer.from(await res.arrayBuffer()),
  };
}

const post = async (served: Served, body: unknown, headers: Record<string, string> = {}) =>
  answer(await served.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) }));

/** The ETag an answer's bytes should carry: a hash of its content type and body, as a quoted string. */
const etagOf = (a: Answer) => `"${createHash('sha256').update(a.contentType!).update('\n').update(a.bytes).digest('base64url').slice(0, 27)}"`;

describe('HTTP caching headers', () => {
  it.each([true, false])(
    'makes an anonymous query answer public with an ETag of its bytes, from yoga and the fast lane alike (response cache %s)',
    async (cache) => {
      const { served, outcomes } = setUp({ cache });
      const answers = [];
      for (let i = 0; i < 3; i++) answers.push(await post(served, { query: MATRIX_QUERY }));
      expect(await outcomes()).toEqual(cache ? { passed_on: 1, cache_hit: 2 } : { passed_on: 1, executed: 2 });
      for (const a of answers) {
        expect(a.status).toBe(200);
        expect(a.bytes).toEqual(answers[0]!.bytes);
        expect(a.caching).toEqual({ cacheControl: SHARED, etag: etagOf(a), vary: 'Authorization, Accept' });
      }
    },
  );

  it.each([true, false])("makes a token's answer private and never stored, with no ETag, on both paths (response cache %s)", async (cache) => {
    const { served, outcomes, token } = setUp({ cache });
    const auth = { authorization: `Bearer ${token('reader', ['read:private'], 'acme')}` };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(served, { query: MATRIX_QUERY }, auth));
    expect(await outcomes()).toEqual(cache ? { passed_on: 1, cache_hit: 2 } : { passed_on: 1, executed: 2 });
    for (const a of answers) expect([a.status, a.caching]).toEqual([200, { cacheControl: 'private, no-store', etag: null, vary: 'Authorization, Accept' }]);
  });

  it.each([true, false])('answers a GET that names the ETag with 304 and no body, and a stale ETag with the answer (response cache %s)', async (cache) => {
    const { served } = setUp({ cache });
    const path = `/graphql?documentId=${encodeURIComponent(MATRIX_ID)}`;
    const first = await answer(await served.fetch(path));
    expect(first.caching).toEqual({ cacheControl: SHARED, etag: etagOf(first), vary: 'Authorization, Accept' });
    const etag = first.caching.etag!;
    for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`]) {
      const again = await answer(await served.fetch(path, { headers: { 'if-none-match': ifNoneMatch } }));
      expect([again.status, again.bytes.length, again.caching]).toEqual([304, 0, first.caching]);
    }
    const other = await answer(await served.fetch(path, { headers: { 'if-none-match': '"something-else"' } }));
    expect([other.status, other.bytes]).toEqual([200, first.bytes]);
  });

  it('gives a new ETag once the data changes, and the old one gets the new answer', async () => {
    const { served, token } = setUp({ cache: true });
    const path = `/graphql?documentId=${encodeURIComponent(DETAIL_ID)}&variables=${encodeURIComponent('{"slug":"source-faker"}')}`;
    const before = await answer(await served.fetch(path));
    const certify = { query: 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "ETag test."}) { userErrors { code } } }' };
    const mutation = await post(served, certify, { authorization: `Bearer ${token('bot', ['certify'])}` });
    expect(JSON.parse(mutation.bytes.toString()).data.certifyConnector.userErrors).toEqual([]);
    const after = await answer(await served.fetch(path, { headers: { 'if-none-match': before.caching.etag! } }));
    expect(after.status).toBe(200);
    expect(JSON.parse(after.bytes.toString()).data.connector.supportLevel).toBe('CERTIFIED');
    expect(after.caching.etag).toBe(etagOf(after));
    expect(after.caching.etag).not.toBe(before.caching.etag);
  });

  it('never lets a shared cache keep a mutation, an error or a stream', async () => {
    const { served, token } = setUp({ cache: true });
    const noStore = { cacheControl: 'no-store', etag: null, vary: 'Authorization, Accept' };
    const certify = { query: 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "A mutation.", dryRun: true}) { dryRun } }' };
    const auth = { authorization: `Bearer ${token('bot', ['certify'])}` };
    const mutation = await post(served, certify, auth);
    expect([mutation.status, mutation.caching]).toEqual([200, noStore]);
    const unknownField = await post(served, { query: '{ supportLevels { nope } }' });
    expect([unknownField.status, unknownField.caching]).toEqual([200, noStore]);
    expect(JSON.parse(unknownField.bytes.toString()).errors[0].extensions.code).toBe('GRAPHQL_VALIDATION_FAILED');
    const missing = await post(served, { query: '{ connector(slug: "source-nope") { slug } }' });
    expect(missing.status).toBe(200);
    expect(JSON.parse(missing.bytes.toString())).toEqual({ data: { connector: null } });
    const badToken = await post(served, { query: MATRIX_QUERY }, { authorization: 'Bearer crg_not-a-token' });
    expect([badToken.status, badToken.caching]).toEqual([401, noStore]);
    const stop = new AbortController();
    const stream = await served.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { certificationEvents { connector { slug } } }' }),
      signal: stop.signal,
    });
    expect([stream.status, stream.headers.get('content-type'), stream.headers.get('cache-control'), stream.headers.get('etag')]).toEqual([
      200,
      'text/event-stream',
      'no-store',
      null,
    ]);
    stop.abort();
  });

  it('takes max-age and stale-while-revalidate from the settings, and names a bad value', () => {
    expect(loadConfig({ HTTP_CACHE_MAX_AGE: '30', HTTP_CACHE_SWR: '0', PERSISTED_ONLY: 'true' })).toMatchObject({
      httpCache: { maxAge: 30, staleWhileRevalidate: 0 },
      persistedOperations: { only: true },
    });
    expect(() => loadConfig({ HTTP_CACHE_MAX_AGE: '-1' })).toThrow(ConfigError);
    expect(() => loadConfig({ HTTP_CACHE_MAX_AGE: '-1' })).toThrow(/HTTP_CACHE_MAX_AGE/);
  });
});
