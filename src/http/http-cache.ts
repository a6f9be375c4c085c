// HTTP caching of GraphQL answers, for a CDN or any shared cache in front of the gateway. A clean query
// answer to a caller without an Authorization header is public for a few seconds; a GET's has an ETag (a
// hash of its bytes and content type) to revalidate with If-None-Match (304). A POST's has none: no shared
// cache stores it, nothing revalidates it, and hashing it would cost every fast-lane answer. An answer for a
// token is private and never stored; mutations, errors and streams are never stored. The fast lane's listener
// writes the same headers through `HttpCache`, so either path gives the same answer.
import { createHash } from 'node:crypto';
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';

export interface HttpCacheSettings {
  /** Seconds a shared cache may serve an anonymous query answer without asking again. */
  maxAge: number;
  /** Seconds past that it may serve it while it fetches a fresh one (0: not at all). */
  staleWhileRevalidate: number;
}

/** What decides an answer besides the URL and body: who asks (the visibility) and the negotiated media type. */
export const VARY = 'Authorization, Accept';
export const PRIVATE = 'private, no-store';
export const NO_STORE = 'no-store';

export interface HttpCache {
  /** The Cache-Control of an answer any shared cache may keep. */
  shared: string;
  /** The ETag of an answer: a strong one, from its content type and bytes. */
  etagOf(contentType: string, body: Uint8Array): string;
  /** Whether a clean answer to this request is shared and carries an ETag: an anonymous GET's (or HEAD's). */
  etagFor(method: string | undefined, anonymous: boolean): boolean;
  /** The caching headers of a clean query answer: shared (with its ETag, when it has one) or private. */
  headers(shared: boolean, etag?: string): Record<string, string>;
  /** Whether an If-None-Match header names `etag` (or is `*`). */
  matches(ifNoneMatch: string | null | undefined, etag: string): boolean;
}

export function createHttpCache(settings: HttpCacheSettings): HttpCache {
  const swr = settings.staleWhileRevalidate > 0 ? `, stale-while-revalidate=${settings.staleWhileRevalidate}` : '';
  const shared = `public, max-age=${settings.maxAge}${swr}`;
  return {
    shared,
    matches: matchesEtag,
    etagOf: (contentType, body) => `"${createHash('sha256').update(contentType).update('\n').update(body).digest('base64url').slice(0, 27)}"`,
    etagFor: (method, anonymous) => anonymous && (method === 'GET' || method === 'HEAD'),
    headers: (isShared, etag): Record<string, string> => {
      if (!isShared) return { 'cache-control': PRIVATE, vary: VARY };
      return etag ? { 'cache-control': shared, etag, vary: VARY } : { 'cache-control': shared, vary: VARY };
    },
  };
}

/** Whether an If-None-Match header names `etag` (or is `*`). */
export function matchesEtag(ifNoneMatch: string | null | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/** What the pipeline saw of one request: every operation a query, and no error. */
interface Seen {
  queries: number;
  other: boolean;
  failed: boolean;
}

/**
 * Sets the caching headers on every answer yoga gives at `endpoint`, and answers a GET whose
 * If-None-Match names the answer's ETag with 304. Runs after the fast lane's plugin: a cache hit there
 * (`x-cache: hit`) is a clean query answer, and an `etag` it set is the stored entry's, hashed once.
 */
export function httpCachePlugin(cache: HttpCache, endpoint: string): Plugin {
  // Filled from execution on: a request answered before it (from the cache, or refused) has none.
  const seen = new WeakMap<Request, Seen>();
  const stateOf = (request: Request): Seen => {
    let state = seen.get(request);
    if (!state) seen.set(request, (state = { queries: 0, other: false, failed: false }));
    return state;
  };
  return {
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      if (!request) return;
      const state = stateOf(request);
      if (getOperationAST(args.document, args.operationName)?.operation === 'query') state.queries++;
      else state.other = true;
    },
    onResultProcess({ request, result }) {
      for (const one of Array.isArray(result) ? result : [result]) {
        if ((one as { errors?: unknown[] } | null)?.errors?.length) stateOf(request).failed = true;
      }
    },
    async onResponse({ request, response, setResponse, fetchAPI }) {
      if (new URL(request.url).pathname !== endpoint) return;
      const state = seen.get(request);
      const type = response.headers.get('content-type') ?? '';
      const executedCleanly = state !== undefined && state.queries > 0 && !state.other && !state.failed;
      const clean = response.status === 200 && type.includes('json') && (response.headers.get('x-cache') === 'hit' || executedCleanly);
      if (!clean) {
        response.headers.set('cache-control', NO_STORE);
        response.headers.delete('etag');
        response.headers.append('vary', VARY);
        return;
      }
      const anonymous = !request.headers.has('authorization');
      const etag = cache.etagFor(request.method, anonymous)
        ? (response.headers.get('etag') ?? cache.etagOf(type, new Uint8Array(await response.clone().arrayBuffer())))
        : undefined;
      if (!etag) response.headers.delete('etag');
      for (const [name, value] of Object.entries(cache.headers(anonymous, etag))) {
        if (name === 'vary') response.headers.append(name, value);
        else response.headers.set(name, value);
      }
      if (etag && (request.method === 'GET' || request.method === 'HEAD') && matchesEtag(request.headers.get('if-none-match'), etag)) {
        const headers = new fetchAPI.Headers(response.headers);
        headers.delete('content-type');
        headers.delete('content-length');
        setResponse(new fetchAPI.Response(null, { status: 304, headers }));
      }
    },
  };
}
