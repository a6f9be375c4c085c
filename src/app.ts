// Builds the gateway: yoga over the schema, the fast lane in front of it, and the plugins between.
// It composes and does nothing else: no I/O at import time, no listening here.
import type { RequestListener } from 'node:http';
import { createGraphQLError, createYoga, type YogaServerInstance } from 'graphql-yoga';
import { DEFAULT_LIMITS, DEFAULT_RESPONSE_CACHE_ENTRIES, DEFAULT_WEBHOOKS } from './config.js';
import type { Context } from './context.js';
import type { Db } from './db/client.js';
import { PUBLIC, visibilityFor } from './domain/connectors/visibility.js';
import { loadPolicyCatalog } from './domain/support/policy.js';
import type { TokenRow } from './domain/tokens/tokens.js';
import { createEventBus, deliverEventsTo } from './events.js';
import { createFastLane, type FastLane } from './fast-lane/index.js';
import { estimateCost } from './graphql/cost.js';
import { GRAPHIQL_TABS, HEADLINE_QUERY } from './graphql/examples.js';
import { limitPlugins, type Limits } from './graphql/limits.js';
import { createMaskError } from './graphql/mask-error.js';
import { buildSchema } from './graphql/schema.js';
import { createViewers } from './http/auth.js';
import { payloadTooLarge, requestChecks } from './http/checks.js';
import { Metrics } from './http/metrics.js';
import { createLog, createRequestScope, requestIdFor, type LogLine } from './http/request-scope.js';
import { routesPlugin } from './http/routes.js';
import { multipartSubscriptions } from './http/multipart-subscriptions.js';
import { STREAM_ENDPOINT, streamPlugin } from './http/stream.js';

export type { LogLine } from './http/request-scope.js';

export interface AppOptions {
  db: Db;
  graphiql?: boolean;
  /** The clock, for deadlines; the system clock by default. */
  now?: () => Date;
  limits?: Partial<Limits>;
  /** Where structured log lines go; JSON on standard output by default. */
  log?: (line: LogLine) => void;
  /** Prometheus metrics; a fresh registry by default (the server adds process metrics). */
  metrics?: Metrics;
  /** The lowest level of log line to write (`info` includes one line per request). */
  logLevel?: 'info' | 'warn' | 'error';
  /** Webhook delivery: retry timing, attempts and timeout; or false to send none. */
  webhooks?: { retryBaseMs: number; maxAttempts: number; timeoutMs: number } | false;
  /** graphql-sse's reserved streams (single-connection mode): how many may wait to be opened, and for how long. */
  streams?: { maxPending?: number; pendingMs?: number };
  /** The response cache for repeated reads; on by default. */
  responseCache?: { enabled: boolean; maxEntries?: number; maxBytes?: number };
}

export type App = YogaServerInstance<Record<string, never>, Context> & {
  /** The Node listener to serve: the fast lane first, yoga for everything else. */
  nodeListener: RequestListener;
  /** Queries answered once by the full pipeline, which the fast lane runs directly. */
  knownOperations: FastLane['knownOperations'];
};

const ENDPOINT = '/graphql';

export function createApp(options: AppOptions): App {
  const { db } = options;
  const catalog = loadPolicyCatalog(db);
  const now = options.now ?? (() => new Date());
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = createLog(options.logLevel, options.log);
  const metrics = options.metrics ?? new Metrics();
  const events = createEventBus();
  if (options.webhooks !== false) deliverEventsTo(db, events, { ...DEFAULT_WEBHOOKS, ...options.webhooks, log });
  const scope = createRequestScope(metrics, log);
  const { viewerFor, viewerOf } = createViewers(db);
  const contextFor = (viewer: TokenRow | null, requestId: string): Context =>
    viewer
      ? { db, catalog, viewer, visibility: visibilityFor(viewer), requestId, now, metrics, events }
      : { db, catalog, viewer: null, visibility: PUBLIC, requestId, now, metrics, events };
  const maskError = createMaskError(log, scope.requestId);
  const schema = buildSchema();
  const lane = createFastLane({
    schema,
    db,
    endpoint: ENDPOINT,
    maxBodyBytes: limits.maxBodyBytes,
    maxCost: limits.maxCost,
    estimateCost,
    payloadTooLarge: () => payloadTooLarge(limits.maxBodyBytes),
    responseCache: {
      enabled: options.responseCache?.enabled !== false,
      maxEntries: options.responseCache?.maxEntries ?? DEFAULT_RESPONSE_CACHE_ENTRIES,
      maxBytes: options.responseCache?.maxBytes ?? 64 * 1024 * 1024,
    },
    viewerFor,
    viewerOf,
    contextFor,
    requestIdFor,
    finish: scope.finish,
    cacheLookup: (result) => metrics.cache.inc({ result }),
    outcome: (result) => metrics.fastPath.inc({ result }),
    log,
  });

  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: ENDPOINT,
    landingPage: false,
    // Yoga's own /health answers without looking at the database; ours (src/http/routes.ts) checks it.
    healthCheckEndpoint: '/live',
    graphiql: options.graphiql === false ? false : { title: 'Connector registry', defaultQuery: HEADLINE_QUERY, defaultTabs: GRAPHIQL_TABS, headers: '{}' },
    // GraphiQL's scripts and styles come from the installed package, not from a CDN: it works offline.
    // Loaded when a browser first asks for it: the module is large, and a server may never be asked.
    renderGraphiQL: (options) => import('@graphql-yoga/render-graphiql').then((m) => m.renderGraphiQL(options)),
    maskedErrors: { maskError },
    // Any origin may call with a Bearer token, but never with the browser's credentials: without
    // Allow-Credentials a cross-site page cannot send a cookie-bearing request that needs a preflight
    // (the CSRF header), nor read the answer to one.
    cors: { credentials: false },
    logging: false,
    context: ({ request }) => {
      const viewer = viewerOf(request);
      if (viewer === null) {
        throw createGraphQLError('The API token is not valid: it is malformed, unknown or revoked.', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return contextFor(viewer ?? null, scope.requestId() ?? requestIdFor(null));
    },
    plugins: [
      scope.plugin,
      routesPlugin(db, metrics, (request) => {
        const viewer = viewerOf(request);
        return viewer === undefined ? PUBLIC : viewer && visibilityFor(viewer);
      }),
      // The checks first: the cache never answers a request the pipeline would refuse.
      requestChecks(limits.maxBodyBytes, ENDPOINT, STREAM_ENDPOINT),
      lane.plugin as never,
      ...limitPlugins(limits),
      multipartSubscriptions(),
      streamPlugin({
        endpoint: STREAM_ENDPOINT,
        maxPendingStreams: options.streams?.maxPending,
        pendingStreamMs: options.streams?.pendingMs,
        maskError: (error) => maskError(error, 'Unexpected error.'),
      }),
    ],
  });

  return Object.assign(yoga, { nodeListener: lane.listener(yoga as never), knownOperations: lane.knownOperations });
}
