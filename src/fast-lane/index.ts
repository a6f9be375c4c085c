// The fast lane: everything that exists only to make reads fast, behind this one entry point. Its
// rules are written once, in README.md beside this file. The app creates it with `createFastLane` and
// serves its listener; the GraphQL type files use the declarations below to tell it what their
// fields read, and keep their planned statements through it.
import type { IncomingMessage, RequestListener } from 'node:http';
import type { GraphQLSchema } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Context } from '../context.js';
import type { Db } from '../db/client.js';
import type { TokenRow } from '../domain/tokens/tokens.js';
import { KnownOperations, type EstimateCost } from './known-operations.js';
import { createListener, type HttpCaching, type ListenerOptions, type Refusal } from './listener.js';
import type { Persisted } from './params.js';
import { lanePlugin, type PassedOn } from './plugin.js';
import { ResponseCache } from './response-cache.js';

export { reads, ROW_PROPERTY, selectedColumns, selectsOnlyNodes, type Reads } from './columns.js';
export { KeptUntilChange, keptStatement } from './kept.js';
export { firstRow, plannedStatement, type OneRowStatement, type PlannedRows } from './planned-statements.js';

/** Operations kept for the listener. */
export const KNOWN_OPERATIONS_MAX = 1000;

export interface FastLaneOptions {
  schema: GraphQLSchema;
  db: Db;
  endpoint: string;
  maxBodyBytes: number;
  maxCost: number;
  /** The cost estimate the pipeline's cost limit uses. */
  estimateCost: EstimateCost;
  /** The pipeline's answer to a body over the size limit. */
  payloadTooLarge: () => Refusal;
  responseCache: { enabled: boolean; maxEntries: number; maxBytes: number };
  /** Who is asking: undefined without an Authorization header, null when it carries no valid token; a promise when a token is looked up. */
  viewerFor: (authorization: string | null | undefined) => TokenRow | null | undefined | Promise<TokenRow | null | undefined>;
  /** The same, for a Fetch request (looked up once per request). */
  viewerOf: (request: Request) => TokenRow | null | undefined;
  /** The request context; `req` is the Node request (its socket names the peer). */
  contextFor: (viewer: TokenRow | null, requestId: string, req: IncomingMessage) => Context;
  /** Fair use (admission and the cost an answer reports), when on; see ListenerOptions. */
  meter?: ListenerOptions['meter'];
  requestIdFor: (header: string | null | undefined) => string;
  /** Metrics and the access-log line for a request the listener answered. */
  finish: ListenerOptions['finish'];
  /** Metrics: a response-cache lookup, and how an eligible request was answered. */
  cacheLookup: (result: 'hit' | 'miss') => void;
  outcome: ListenerOptions['outcome'];
  log: ListenerOptions['log'];
  /** HTTP caching: an answer's ETag and the caching headers of a clean query answer. */
  httpCache: HttpCaching;
  /** Persisted operations: their documents by id, and whether only they may run. */
  persisted: Persisted;
}

export interface FastLane {
  /** The lane's part in yoga's pipeline: the shared response cache and learning known operations. */
  plugin: Plugin<Record<string, unknown>, PassedOn>;
  /** The Node listener to serve, in front of yoga's own. */
  listener(yoga: { fetch: ListenerOptions['yoga']['fetch']; requestListener: RequestListener }): RequestListener;
  /** Queries answered once by the pipeline, which the listener runs directly. */
  knownOperations: KnownOperations;
}

export function createFastLane(options: FastLaneOptions): FastLane {
  const { responseCache } = options;
  const cache = responseCache.enabled
    ? new ResponseCache(options.db, {
        maxEntries: responseCache.maxEntries,
        maxBytes: responseCache.maxBytes,
        looked: options.cacheLookup,
        etagOf: options.httpCache.etagOf,
      })
    : null;
  const knownOperations = new KnownOperations(options.schema, KNOWN_OPERATIONS_MAX, options.estimateCost);
  const plugin = lanePlugin({
    endpoint: options.endpoint,
    maxBodyBytes: options.maxBodyBytes,
    cache,
    operations: knownOperations,
    viewerOf: options.viewerOf,
    etagFor: options.httpCache.etagFor,
  });
  return {
    plugin,
    knownOperations,
    listener: (yoga) =>
      createListener({
        ...options,
        operations: knownOperations,
        cache,
        yoga: { fetch: yoga.fetch, listener: yoga.requestListener },
      }),
  };
}
