// The fast lane's part in yoga's pipeline: the same response cache the listener uses (one lookup per
// request, handed over by the listener when it passes a request on), and learning the operations the
// pipeline answers cleanly, so the listener can run them next time.
import type { IncomingMessage } from 'node:http';
import { getOperationAST, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { TokenRow } from '../domain/tokens/tokens.js';
import type { KnownOperations } from './known-operations.js';
import { GET_PREFIX } from './params.js';
import type { Lookup, ResponseCache } from './response-cache.js';

/** What the listener hands to yoga with a request it passes on. */
export interface PassedOn {
  lookup?: Lookup;
  /** The Node request, where yoga's own Node adapter puts it: who is at the other end of the socket. */
  req?: IncomingMessage;
}

/** What the pipeline learns of one request as it goes. */
interface Seen {
  lookup?: Lookup;
  /** Operations in the request: a batch is never learned (its texts and documents could pair up wrongly). */
  operations: number;
  query?: string;
  operationName?: string | null;
  document?: DocumentNode;
  isQuery?: boolean;
  failed?: boolean;
}

const ERRORS_KEY = Buffer.from('"errors":');

/** Whether a JSON body has an `errors` member (a byte search; a false positive only skips caching). */
function containsErrors(body: Uint8Array): boolean {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).indexOf(ERRORS_KEY) !== -1;
}

/**
 * What a request is looked up by beside who asks and its Accept header: a POST's body (of known length
 * within the limit), or a GET's query string (a persisted operation's id and variables, say); else null.
 */
async function cacheKeyText(request: Request, url: URL, maxBodyBytes: number): Promise<string | null> {
  if (request.method === 'GET') return url.search.length > 1 ? `${GET_PREFIX}${url.search}` : null;
  const length = Number(request.headers.get('content-length'));
  return length > 0 && length <= maxBodyBytes ? request.clone().text() : null;
}

export interface LanePluginOptions {
  endpoint: string;
  maxBodyBytes: number;
  cache: ResponseCache | null;
  operations: KnownOperations;
  /** The request's token row: undefined without one, null when it is not valid. */
  viewerOf: (request: Request) => TokenRow | null | undefined;
  /** Whether an answer to this request carries an ETag (src/http/http-cache.ts). */
  etagFor: (method: string, anonymous: boolean) => boolean;
}

export function lanePlugin(options: LanePluginOptions): Plugin<Record<string, unknown>, PassedOn> {
  const { endpoint, cache, operations } = options;
  const seen = new WeakMap<Request, Seen>();
  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (url.pathname !== endpoint || (request.method !== 'POST' && request.method !== 'GET')) return;
      const state: Seen = { operations: 0 };
      seen.set(request, state);
      if (!cache) return;
      const asked = await cacheKeyText(request, url, options.maxBodyBytes);
      if (asked === null) return;
      // Who is asking decides what they may see: the key names it. A bad token is left to the pipeline (401).
      const viewer = options.viewerOf(request);
      if (viewer === null) return;
      state.lookup = serverContext?.lookup ?? cache.lookup(viewer ?? null, request.headers.get('accept') ?? '', asked);
      const hit = state.lookup.hit;
      if (!hit) return;
      const headers: Record<string, string> = { 'content-type': hit.contentType, 'x-cache': 'hit' };
      if (options.etagFor(request.method, !request.headers.has('authorization'))) headers.etag = cache.etagOf(hit);
      endResponse(new fetchAPI.Response(hit.body as unknown as BodyInit, { status: 200, headers }));
    },
    onParams({ request, params }) {
      const state = seen.get(request);
      if (!state) return;
      state.operations++;
      state.query = params.query;
      state.operationName = params.operationName ?? null;
    },
    onExecute({ args }) {
      const request = (args.contextValue as { request?: Request }).request;
      const state = request && seen.get(request);
      if (!state) return;
      state.isQuery = getOperationAST(args.document, args.operationName)?.operation === 'query';
      state.document = args.document;
    },
    onResultProcess({ request, result }) {
      const state = seen.get(request);
      if (!state) return;
      for (const one of Array.isArray(result) ? result : [result]) {
        if ((one as { errors?: unknown[] } | null)?.errors?.length) state.failed = true;
      }
    },
    async onResponse({ request, response }) {
      const state = seen.get(request);
      // A hit was not executed; an answer with an error status is neither learned nor kept.
      if (!state?.isQuery || response.status !== 200 || response.headers.get('x-cache')) return;
      // A single query answered cleanly can take the listener's lane next time.
      if (state.operations === 1 && state.document && state.query && !state.failed) {
        operations.learn({
          accept: request.headers.get('accept') ?? '',
          query: state.query,
          operationName: state.operationName ?? null,
          document: state.document,
          contentType: response.headers.get('content-type') ?? 'application/json',
        });
      }
      if (!cache || !state.lookup) return;
      const body = new Uint8Array(await response.clone().arrayBuffer());
      // Only complete answers are kept: a response with errors is computed again next time.
      if (containsErrors(body)) return;
      response.headers.set('x-cache', 'miss');
      const entry = cache.store(state.lookup, body, response.headers.get('content-type') ?? 'application/json');
      // The ETag src/http/http-cache.ts sets on an anonymous answer, hashed once for the entry.
      if (entry && options.etagFor(request.method, !request.headers.has('authorization'))) response.headers.set('etag', cache.etagOf(entry));
    },
  };
}
