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
import { createToken, type TokenScope } from '../src/domain/tokens/tokens.js';
import { MATRIX_QUERY } from '../src/graphql/examples.js';
import { Metrics } from '../src/http/metrics.js';
import { openTestDatabase } from './helpers/database.js';
import { inCi } from './helpers/browser.js';
import { serve, type Served, fastPathOutcomes } from './helpers/harness.js';
import { startServer, tempDir } from './helpers/process.js';

const MANIFEST = JSON.parse(readFileSync(new URL('../src/http/persisted-documents.json', import.meta.url), 'utf8')) as Record<string, string>;
const idNamed = (name: string) => Object.keys(MANIFEST).find((id) => MANIFEST[id]!.startsWith(`query ${name}`))!;
const DETAIL_ID = idNamed('ConnectorDetail');
const MATRIX_ID = idNamed('SupportMatrix');

// The response cache keeps answers only where the database has a version to key them on: SQLite, for now.

const SETTINGS = { maxAge: 7, staleWhileRevalidate: 11 };
const SHARED = `public, max-age=${SETTINGS.maxAge}, stale-while-revalidate=${SETTINGS.staleWhileRevalidate}`;

async function setUp(options: { cache: boolean; httpCache?: { maxAge: number; staleWhileRevalidate: number } }) {
  const db = await openTestDatabase({ seed: 'demo' });
  const metrics = new Metrics();
  const app: App = await createApp({
    db,
    log: () => {},
    metrics,
    webhooks: false,
    responseCache: { enabled: options.cache },
    httpCache: options.httpCache ?? SETTINGS,
  });
  const outcomes = () => fastPathOutcomes(metrics);
  const token = async (name: string, scopes: TokenScope[], organization?: string) => (await createToken(db, { name, scopes, organization })).token;
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
    'makes an anonymous query answer public, with an ETag of its bytes over GET, from yoga and the fast lane alike (response cache %s)',
    async (cache) => {
      const { served, outcomes } = await setUp({ cache });
      const kept = cache;
      const get = `/graphql?documentId=${encodeURIComponent(MATRIX_ID)}`;
      const answers = { POST: [] as Answer[], GET: [] as Answer[] };
      for (let i = 0; i < 3; i++) {
        answers.POST.push(await post(served, { query: MATRIX_QUERY }));
        answers.GET.push(await answer(await served.fetch(get)));
      }
      // Each method's first is yoga's (GraphiQL's text and the manifest's differ: two known operations); the rest the listener's.
      expect(await outcomes()).toEqual(kept ? { passed_on: 2, cache_hit: 4 } : { passed_on: 2, executed: 4 });
      // (The manifest's text orders fields otherwise than GraphiQL's: the answers differ in order.)
      for (const list of [answers.POST, answers.GET]) for (const a of list) expect([a.status, a.bytes]).toEqual([200, list[0]!.bytes]);
      // A POST's answer has no ETag: no shared cache keeps it, nothing revalidates it.
      for (const a of answers.POST) expect(a.caching).toEqual({ cacheControl: SHARED, etag: null, vary: 'Authorization, Accept' });
      for (const a of answers.GET) expect(a.caching).toEqual({ cacheControl: SHARED, etag: etagOf(a), vary: 'Authorization, Accept' });
    },
  );

  it.each([true, false])("makes a token's answer private and never stored, with no ETag, on both paths (response cache %s)", async (cache) => {
    const { served, outcomes, token } = await setUp({ cache });
    const kept = cache;
    const auth = { authorization: `Bearer ${await token('reader', ['read:private'], 'acme')}` };
    const answers = [];
    for (let i = 0; i < 3; i++) answers.push(await post(served, { query: MATRIX_QUERY }, auth));
    expect(await outcomes()).toEqual(kept ? { passed_on: 1, cache_hit: 2 } : { passed_on: 1, executed: 2 });
    for (const a of answers) expect([a.status, a.caching]).toEqual([200, { cacheControl: 'private, no-store', etag: null, vary: 'Authorization, Accept' }]);
  });

  it.each([true, false])(
    'answers a GET of a persisted operation that names the ETag with 304 and no body, from yoga and the fast lane alike (response cache %s)',
    async (cache) => {
      const { served, outcomes } = await setUp({ cache });
      const kept = cache;
      const path = `/graphql?documentId=${encodeURIComponent(MATRIX_ID)}`;
      const first = await answer(await served.fetch(path));
      expect(first.caching).toEqual({ cacheControl: SHARED, etag: etagOf(first), vary: 'Authorization, Accept' });
      const etag = first.caching.etag!;
      for (const ifNoneMatch of [etag, `W/${etag}`, `"other", ${etag}`]) {
        const again = await answer(await served.fetch(path, { headers: { 'if-none-match': ifNoneMatch } }));
        expect([again.status, again.bytes.length, again.caching]).toEqual([304, 0, first.caching]);
      }
      const other = await answer(await served.fetch(path, { headers: { 'if-none-match': '"something-else"' } }));
      expect([other.status, other.bytes, other.caching]).toEqual([200, first.bytes, first.caching]);
      // The first was yoga's to answer (and learn); the rest the listener's.
      expect(await outcomes()).toEqual(kept ? { passed_on: 1, cache_hit: 4 } : { passed_on: 1, executed: 4 });
      // A browser's cross-origin GET is yoga's to answer, 304 included.
      const cors = await served.fetch(path, { headers: { 'if-none-match': etag, origin: 'https://example.test' } });
      expect([cors.status, cors.headers.get('etag'), cors.headers.get('cache-control')]).toEqual([304, etag, SHARED]);
      expect(await outcomes()).toEqual(kept ? { passed_on: 1, cache_hit: 4 } : { passed_on: 1, executed: 4 });
    },
  );

  it('gives a new ETag once the data changes, and the old one gets the new answer', async () => {
    const { served, token } = await setUp({ cache: true });
    const path = `/graphql?documentId=${encodeURIComponent(DETAIL_ID)}&variables=${encodeURIComponent('{"slug":"source-faker"}')}`;
    const before = await answer(await served.fetch(path));
    const certify = { query: 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "ETag test."}) { userErrors { code } } }' };
    const mutation = await post(served, certify, { authorization: `Bearer ${await token('bot', ['certify'])}` });
    expect(JSON.parse(mutation.bytes.toString()).data.certifyConnector.userErrors).toEqual([]);
    const after = await answer(await served.fetch(path, { headers: { 'if-none-match': before.caching.etag! } }));
    expect(after.status).toBe(200);
    expect(JSON.parse(after.bytes.toString()).data.connector.supportLevel).toBe('CERTIFIED');
    expect(after.caching.etag).toBe(etagOf(after));
    expect(after.caching.etag).not.toBe(before.caching.etag);
  });

  it('never lets a shared cache keep a mutation, an error or a stream', async () => {
    const { served, token } = await setUp({ cache: true });
    const noStore = { cacheControl: 'no-store', etag: null, vary: 'Authorization, Accept' };
    const certify = { query: 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "A mutation.", dryRun: true}) { dryRun } }' };
    const auth = { authorization: `Bearer ${await token('bot', ['certify'])}` };
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

  it("lets shared caches keep the anonymous registry export for max-age, and a token's export for nobody else", async () => {
    const { served, token } = await setUp({ cache: true });
    const anonymous = await served.fetch('/registries/v0/oss_registry.json');
    expect([anonymous.status, anonymous.headers.get('cache-control'), anonymous.headers.get('vary')]).toEqual([200, SHARED, 'Authorization']);
    const mine = await served.fetch('/registries/v0/oss_registry.json', {
      headers: { authorization: `Bearer ${await token('reader', ['read:private'], 'acme')}` },
    });
    expect([mine.status, mine.headers.get('cache-control')]).toEqual([200, 'private, no-cache']);
  });

  it('takes HTTP_CACHE_MAX_AGE, HTTP_CACHE_SWR and PERSISTED_ONLY from the environment of the server npm start runs', async () => {
    const server = await startServer({ DATABASE_PATH: join(tempDir(), 'cache.db'), HTTP_CACHE_MAX_AGE: '3', HTTP_CACHE_SWR: '0', PERSISTED_ONLY: 'true' });
    try {
      const byId = await fetch(`${server.url}/graphql?documentId=${encodeURIComponent(MATRIX_ID)}`);
      expect([byId.status, byId.headers.get('cache-control')]).toEqual([200, 'public, max-age=3']);
      const text = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ supportLevels { key } }' }),
      });
      expect([text.status, ((await text.json()) as any).errors[0].extensions.code, text.headers.get('cache-control')]).toEqual([
        403,
        'PERSISTED_QUERY_ONLY',
        'no-store',
      ]);
    } finally {
      await server.stop();
    }
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

const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** Why nginx cannot run here, or null. */
function nginxMissing(): string | null {
  try {
    accessSync(NGINX, constants.X_OK);
    return null;
  } catch {
    return `no nginx at ${NGINX} (install the Debian package: apt-get install nginx-light; or set NGINX_PATH)`;
  }
}
const missing = nginxMissing();
if (missing && !inCi) process.stdout.write(`nginx tests skipped: ${missing}\n`);

/** A loopback port nothing listens on now. */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * nginx as a shared cache in front of `upstream`, everything in `dir`. Freshness comes from the gateway's own
 * Cache-Control (no proxy_cache_valid, which would apply only to answers without one); an expired entry is
 * revalidated with If-None-Match. X-Cache-Status shows what the cache did.
 */
function nginxConfig(dir: string, port: number, upstream: string, shortUpstream: string): string {
  return `daemon off;
master_process off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 64; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/client-body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  proxy_cache_path ${dir}/cache levels=1:2 keys_zone=graphql:1m max_size=10m inactive=10m use_temp_path=off;
  server {
    listen 127.0.0.1:${port};
    location /graphql {
      proxy_pass ${upstream};
      proxy_http_version 1.1;
      proxy_cache graphql;
      proxy_cache_revalidate on;
      add_header X-Cache-Status $upstream_cache_status always;
    }
    # A second gateway, whose answers are fresh for one second only.
    location /short/graphql {
      proxy_pass ${shortUpstream}/graphql;
      proxy_http_version 1.1;
      proxy_cache graphql;
      proxy_cache_revalidate on;
      add_header X-Cache-Status $upstream_cache_status always;
    }
  }
}
`;
}

async function startNginx(upstream: string, shortUpstream: string): Promise<{ url: string; stop: () => Promise<void>; log: () => string }> {
  if (missing) throw new Error(`${missing}; CI is set, so a missing nginx fails the run`);
  const dir = tempDir('registry-nginx-');
  const port = await freePort();
  writeFileSync(join(dir, 'nginx.conf'), nginxConfig(dir, port, upstream, shortUpstream));
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
  child.on('error', (error) => (out += String(error)));
  const log = () => `${out}${readFileSync(join(dir, 'error.log'), { encoding: 'utf8', flag: 'a+' })}`;
  const url = `http://127.0.0.1:${port}`;
  // Ready once it answers; it proxies /graphql only, so / is its own 404.
  for (let tries = 0; ; tries++) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${log()}`);
    const up = await fetch(`${url}/`).then(
      () => true,
      () => false,
    );
    if (up) break;
    if (tries > 100) throw new Error(`nginx did not answer in 10 s: ${log()}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    url,
    log,
    async stop() {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

describe.skipIf(missing !== null && !inCi)('behind nginx, a real shared cache', () => {
  const gateways: Server[] = [];
  let nginx: Awaited<ReturnType<typeof startNginx>>;
  let setup: Awaited<ReturnType<typeof setUp>>;
  let short: Awaited<ReturnType<typeof setUp>>;
  const detail = (slug: string, prefix = '') =>
    `${prefix}/graphql?documentId=${encodeURIComponent(DETAIL_ID)}&variables=${encodeURIComponent(JSON.stringify({ slug }))}`;
  const through = async (path: string, headers: Record<string, string> = {}) => {
    const res = await fetch(`${nginx.url}${path}`, { headers });
    return {
      status: res.status,
      cacheStatus: res.headers.get('x-cache-status'),
      cacheControl: res.headers.get('cache-control'),
      body: (await res.json()) as any,
    };
  };

  const listen = async (app: App) => {
    const gateway = createServer(app.nodeListener);
    gateways.push(gateway);
    await new Promise<void>((resolve) => gateway.listen(0, '127.0.0.1', resolve));
    return `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`;
  };

  beforeAll(async () => {
    // A minute of freshness, so that a repeated read is a hit however slow the machine; and a second, no
    // stale-while-revalidate, so that a change shows soon.
    setup = await setUp({ cache: true, httpCache: { maxAge: 60, staleWhileRevalidate: 0 } });
    short = await setUp({ cache: true, httpCache: { maxAge: 1, staleWhileRevalidate: 0 } });
    nginx = await startNginx(await listen(setup.app), await listen(short.app));
  });
  afterAll(async () => {
    await nginx?.stop();
    for (const gateway of gateways) {
      gateway.closeAllConnections();
      await new Promise<void>((resolve) => gateway.close(() => resolve()));
    }
  });

  it('serves repeated anonymous reads of a persisted operation from the cache', async () => {
    const path = `/graphql?documentId=${encodeURIComponent(MATRIX_ID)}`;
    const first = await through(path);
    expect([first.status, first.cacheStatus, first.cacheControl]).toEqual([200, 'MISS', 'public, max-age=60']);
    const again = await through(path);
    expect([again.status, again.cacheStatus]).toEqual([200, 'HIT']);
    expect(again.body).toEqual(first.body);
  });

  it('shows a certification once max-age has passed, revalidating unchanged answers with If-None-Match', async () => {
    const path = detail('source-faker', '/short');
    const before = await through(path);
    expect([before.cacheStatus, before.cacheControl, before.body.data.connector.supportLevel]).toEqual(['MISS', 'public, max-age=1', 'COMMUNITY']);
    // Unchanged after max-age: the gateway answers nginx's If-None-Match with 304 and nginx keeps its copy.
    let expired = await through(path);
    for (let i = 0; i < 100 && expired.cacheStatus === 'HIT'; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expired = await through(path);
    }
    expect([expired.cacheStatus, expired.body]).toEqual(['REVALIDATED', before.body]);
    const certify = await fetch(`${nginx.url}/short/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await short.token('bot', ['certify'])}` },
      body: JSON.stringify({
        query: 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "Seen through a CDN."}) { userErrors { code } } }',
      }),
    });
    expect([certify.status, certify.headers.get('cache-control'), ((await certify.json()) as any).data.certifyConnector.userErrors]).toEqual([
      200,
      'no-store',
      [],
    ]);
    // Within max-age the cache may still answer from before; after it, never.
    let after = await through(path);
    for (let i = 0; i < 100 && after.body.data.connector.supportLevel !== 'CERTIFIED'; i++) {
      expect(after.cacheStatus).toBe('HIT');
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await through(path);
    }
    expect([after.cacheStatus, after.body.data.connector.supportLevel]).toEqual(['EXPIRED', 'CERTIFIED']);
  });

  it("never stores a token's answer, nor gives it to an anonymous caller", async () => {
    const register = await setup.served.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${await setup.token('globex', ['certify'], 'globex')}` },
      body: JSON.stringify({
        query: `mutation { registerCustomConnector(input: { slug: "source-globex-ledger", name: "Globex Ledger", type: SOURCE,
          dockerRepository: "registry.globex.example/source-ledger", dockerImageTag: "1.0.0", availableOn: [CLOUD] }) { userErrors { code } } }`,
      }),
    });
    expect(((await register.json()) as any).data.registerCustomConnector.userErrors).toEqual([]);
    const path = detail('source-globex-ledger');
    const reader = { authorization: `Bearer ${await setup.token('reader', ['read:private'], 'globex')}` };
    for (let i = 0; i < 3; i++) {
      const mine = await through(path, reader);
      expect([mine.status, mine.cacheStatus, mine.cacheControl, mine.body.data.connector?.name]).toEqual([200, 'MISS', 'private, no-store', 'Globex Ledger']);
    }
    const anonymous = await through(path);
    expect([anonymous.cacheStatus, anonymous.body]).toEqual(['MISS', { data: { connector: null } }]);
    expect((await through(path)).cacheStatus).toBe('HIT');
    // The anonymous answer is stored now; the token still gets its own, from the gateway.
    const mine = await through(path, reader);
    expect([mine.cacheStatus, mine.body.data.connector.name]).toEqual(['MISS', 'Globex Ledger']);
  });
});
