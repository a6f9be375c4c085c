// Builds the gateway: yoga over the schema, the fast lane in front of it, and the plugins between.
// It composes and does nothing else: no I/O at import time, no listening here.
import type { IncomingMessage, RequestListener } from 'node:http';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { DEFAULT_LIMITS, DEFAULT_RESPONSE_CACHE_ENTRIES, DEFAULT_WEBHOOKS } from './config.js';
import type { Context } from './context.js';
import type { Db } from './db/client.js';
import { AuthFailures } from './domain/audit/auth-failures.js';
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
import { createViewers, refusalMessage, refusedTokenError } from './http/auth.js';
import { payloadTooLarge, requestChecks } from './http/checks.js';
import { Metrics } from './http/metrics.js';
import { createLog, createRequestScope, requestIdFor, type LogLine } from './http/request-scope.js';
import { routesPlugin } from './http/routes.js';

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

/**
 * The client's address: the fast lane hands it over with a request it passes on, a Node listener's
 * request has its socket. The peer's address for now; trusted proxies are for the fair-use work.
 */
function clientAddressOf(serverContext: unknown): string | null {
  const server = serverContext as { clientAddress?: string | null; req?: IncomingMessage } | undefined;
  return server?.clientAddress ?? server?.req?.socket?.remoteAddress ?? null;
}

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
  const { viewerFor, viewerOf, refusalOf } = createViewers(db, now);
  const authFailures = new AuthFailures(db, now);
  const contextFor = (viewer: TokenRow | null, requestId: string, clientAddress: string | null): Context =>
    viewer
      ? { db, catalog, viewer, visibility: visibilityFor(viewer), requestId, clientAddress, now, metrics, events }
      : { db, catalog, viewer: null, visibility: PUBLIC, requestId, clientAddress, now, metrics, events };
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
    maskedErrors: { maskError: createMaskError(log, scope.requestId) },
    logging: false,
    context: (initial) => {
      const { request } = initial;
      const viewer = viewerOf(request);
      const clientAddress = clientAddressOf(initial);
      if (viewer === null) {
        const refusal = refusalOf(request)!;
        authFailures.failed(clientAddress, refusal.code);
        throw refusedTokenError(refusal);
      }
      return contextFor(viewer ?? null, scope.requestId() ?? requestIdFor(null), clientAddress);
    },
    plugins: [
      scope.plugin,
      routesPlugin(db, metrics, (request, serverContext) => {
        const viewer = viewerOf(request);
        if (viewer !== null) return viewer === undefined ? PUBLIC : visibilityFor(viewer);
        const refusal = refusalOf(request)!;
        authFailures.failed(clientAddressOf(serverContext), refusal.code);
        return { refused: refusalMessage(refusal) };
      }),
      // The checks first: the cache never answers a request the pipeline would refuse.
      requestChecks(limits.maxBodyBytes, ENDPOINT),
      lane.plugin as never,
      ...limitPlugins(limits),
    ],
  });

  return Object.assign(yoga, { nodeListener: lane.listener(yoga as never), knownOperations: lane.knownOperations });
}
