// Builds the gateway: a yoga instance over a database. No I/O at import time, no listening here.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { RequestListener } from 'node:http';
import { getOperationAST, type DocumentNode, type GraphQLError } from 'graphql';
import { createGraphQLError, createYoga, maskError as defaultMaskError, type YogaServerInstance } from 'graphql-yoga';
import type { Context } from './context.js';
import type { Db } from './db/client.js';
import { InvalidCursorError } from './domain/connectors/page.js';
import { PUBLIC, visibilityFor } from './domain/connectors/visibility.js';
import { InputValidationError } from './domain/errors.js';
import { loadPolicyCatalog } from './domain/support/policy.js';
import { authenticateToken, type TokenRow } from './domain/tokens/tokens.js';
import { renderGraphiQL } from '@graphql-yoga/render-graphiql';
import { GRAPHIQL_TABS, HEADLINE_QUERY } from './graphql/examples.js';
import { DEFAULT_LIMITS, DEFAULT_RESPONSE_CACHE_ENTRIES, DEFAULT_WEBHOOKS } from './config.js';
import { limitPlugins, type Limits } from './graphql/limits.js';
import { buildSchema } from './graphql/schema.js';
import { breakingChangePayload, certificationPayload, createEventBus } from './events.js';
import { WebhookDispatcher } from './domain/webhooks/webhooks.js';
import { Metrics, routeOf } from './http/metrics.js';
import { ResponseCache } from './http/response-cache.js';
import { cacheKeyFor, createRequestListener, type RequestScope as HttpScope } from './http/fast-path.js';
import { KnownOperations } from './graphql/operations.js';
import { catalogResponse, healthResponse, registryResponse } from './http/routes.js';

export type LogLine = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; message: string };

export interface AppOptions {
  db: Db;
  graphiql?: boolean;
  /** The clock, for deadlines; the system clock by default. */
  now?: () => Date;
  limits?: Partial<Limits>;
  /** Where structured log lines go; JSON on standard error by default. */
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
  /** The Node listener to serve: known queries and cache hits skip yoga's pipeline (src/http/fast-path.ts). */
  nodeListener: RequestListener;
  /** Queries answered once by the full pipeline, which the Node listener can run directly. */
  knownOperations: KnownOperations;
};

/** Operations kept for the fast path. */
export const KNOWN_OPERATIONS_MAX = 1000;

interface RequestScope extends HttpScope {
  cacheKey?: string;
  cacheVersion?: string;
  cacheable?: boolean;
  /** What the full pipeline needs to remember an operation it answered cleanly. */
  query?: string;
  operationName?: string | null;
  document?: DocumentNode;
  failed?: boolean;
  /** Operations in the request: a batch is never remembered (its texts and documents could pair up wrongly). */
  operations?: number;
}

const ENDPOINT = '/graphql';

function requestIdFor(given: string | null | undefined): string {
  return given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
}

function bearerToken(header: string | null | undefined): string | null | undefined {
  if (header == null) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

const ERRORS_KEY = new TextEncoder().encode('"errors":');

/** Whether a JSON response body has an `errors` member (a cheap byte search; false positives only skip caching). */
function containsErrors(body: Uint8Array): boolean {
  return Buffer.from(body.buffer, body.byteOffset, body.byteLength).indexOf(ERRORS_KEY) !== -1;
}

export function createApp(options: AppOptions): App {
  const { db } = options;
  const catalog = loadPolicyCatalog(db);
  const now = options.now ?? (() => new Date());
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const levels = { info: 0, warn: 1, error: 2 } as const;
  const minLevel = levels[options.logLevel ?? 'info'];
  const write = options.log ?? ((line: LogLine) => process.stdout.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`));
  const log = (line: LogLine) => {
    if (levels[line.level] >= minLevel) write(line);
  };
  const metrics = options.metrics ?? new Metrics();
  const events = createEventBus();
  if (options.webhooks !== false) {
    const dispatcher = new WebhookDispatcher(db, { ...DEFAULT_WEBHOOKS, ...options.webhooks, log });
    // Every event published in this process becomes deliveries to the webhooks that asked for it.
    void (async () => {
      for await (const e of events.subscribe('certification')) dispatcher.enqueue('certification', certificationPayload(db, e.event));
    })();
    void (async () => {
      for await (const e of events.subscribe('breakingChange')) dispatcher.enqueue('breaking_change', breakingChangePayload(db, e.breakingChange));
    })();
    dispatcher.resume();
  }
  // The request id follows the request through yoga's hooks, so a masked error can name it; the
  // cache key and version travel with it too.
  const requestScope = new AsyncLocalStorage<RequestScope>();
  const cache =
    options.responseCache?.enabled === false
      ? null
      : new ResponseCache(db, { maxEntries: options.responseCache?.maxEntries ?? DEFAULT_RESPONSE_CACHE_ENTRIES, maxBytes: options.responseCache?.maxBytes ?? 64 * 1024 * 1024 });

  /** The token row for the request's bearer token; undefined when none is sent, null when it is not valid. */
  // Looked up once per request: the cache key, the registry routes and the context all ask.
  const viewerFor = (authorization: string | null | undefined): TokenRow | null | undefined => {
    const token = bearerToken(authorization);
    return token === undefined ? undefined : token ? authenticateToken(db, token) : null;
  };
  const viewers = new WeakMap<Request, TokenRow | null | undefined>();
  const viewerOf = (request: Request): TokenRow | null | undefined => {
    if (viewers.has(request)) return viewers.get(request);
    const viewer = viewerFor(request.headers.get('authorization'));
    viewers.set(request, viewer);
    return viewer;
  };
  const contextFor = (viewer: TokenRow | null, requestId: string): Context =>
    viewer
      ? { db, catalog, viewer, visibility: visibilityFor(viewer), requestId, now, metrics, events }
      : { db, catalog, viewer: null, visibility: PUBLIC, requestId, now, metrics, events };
  /** Metrics and the access-log line for a finished request, whichever path answered it. */
  const finish = (scope: HttpScope, status: number, cached: string | null) => {
    const route = routeOf(scope.path);
    const ms = performance.now() - scope.started;
    metrics.requests.inc({ route, status: String(status) });
    metrics.latency.observe({ route }, ms / 1000);
    if (minLevel > levels.info && status < 500) return;
    log({
      level: status >= 500 ? 'error' : 'info',
      message: 'request',
      requestId: scope.requestId,
      method: scope.method,
      path: scope.path,
      status,
      ms: Math.round(ms * 100) / 100,
      ...(cached ? { cache: cached } : {}),
    });
  };

  /** Bad input we expect becomes a client error; anything else is masked, logged, and named by request id. */
  const maskError = (error: unknown, message: string, isDev?: boolean): Error => {
    // Duck-typed: a GraphQLError from another copy of graphql must be unwrapped too.
    const original = error instanceof Error && 'originalError' in error ? (error as GraphQLError).originalError : error;
    if (original instanceof InputValidationError) {
      return createGraphQLError(original.message, { extensions: { code: 'BAD_USER_INPUT', userErrors: original.userErrors } });
    }
    if (original instanceof InvalidCursorError) {
      return createGraphQLError(original.message, { extensions: { code: 'BAD_USER_INPUT' } });
    }
    const masked = defaultMaskError(error, message, isDev) as GraphQLError;
    if (masked.message !== message) return masked; // an error meant for the client, passed through as it is
    const requestId = requestScope.getStore()?.requestId ?? 'unknown';
    const cause = original instanceof Error ? original : error instanceof Error ? error : new Error(String(error));
    const causes: string[] = [];
    for (let e: unknown = cause; e instanceof Error && causes.length < 5; e = e.cause) causes.push(e.message);
    log({ level: 'error', message: 'unexpected error', requestId, error: causes.join(' <- '), stack: cause.stack });
    return createGraphQLError(`${message} Quote request id ${requestId} when you report it.`, {
      extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
    });
  };

  const schema = buildSchema();
  const knownOperations = new KnownOperations(schema, KNOWN_OPERATIONS_MAX);

  const yoga = createYoga<Record<string, never>, Context>({
    schema,
    graphqlEndpoint: ENDPOINT,
    landingPage: false,
    // Yoga's own /health answers without looking at the database; ours (below) checks it, so move Yoga's aside.
    healthCheckEndpoint: '/live',
    graphiql:
      options.graphiql === false
        ? false
        : { title: 'Connector registry', defaultQuery: HEADLINE_QUERY, defaultTabs: GRAPHIQL_TABS, headers: '{}' },
    // GraphiQL's scripts and styles come from the installed package, not from a CDN: it works offline.
    renderGraphiQL,
    maskedErrors: { maskError },
    logging: false,
    context: ({ request }) => {
      const requestId = requestScope.getStore()?.requestId ?? randomUUID();
      const viewer = viewerOf(request);
      if (viewer === null) {
        throw createGraphQLError('The API token is not valid: it is malformed, unknown or revoked.', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return contextFor(viewer ?? null, requestId);
    },
    plugins: [
      {
        async onRequest({ request, url, endResponse, fetchAPI }) {
          const requestId = requestIdFor(request.headers.get('x-request-id'));
          const scope: RequestScope = { requestId, started: performance.now(), method: request.method, path: url.pathname };
          requestScope.enterWith(scope);
          if (url.pathname === '/health') return endResponse(healthResponse(db, fetchAPI));
          if (url.pathname === '/' && (request.method === 'GET' || request.method === 'HEAD')) return endResponse(catalogResponse(request, fetchAPI));
          if (url.pathname === '/metrics') {
            return endResponse(
              new fetchAPI.Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }),
            );
          }
          const registry = registryResponse(db, request, url.pathname, fetchAPI, () => {
            const viewer = viewerOf(request);
            return viewer === undefined ? PUBLIC : viewer && visibilityFor(viewer);
          });
          if (registry) return endResponse(registry);
          if (!cache || url.pathname !== ENDPOINT || request.method !== 'POST') return;
          const length = Number(request.headers.get('content-length'));
          if (!(length > 0 && length <= limits.maxBodyBytes)) return;
          // Who is asking decides what they may see: the key names it. A bad token is left to the normal path (401).
          const viewer = viewerOf(request);
          if (viewer === null) return;
          scope.cacheKey = cacheKeyFor(viewer ?? null, request.headers.get('accept') ?? '', await request.clone().text());
          scope.cacheVersion = cache.version();
          const hit = cache.get(scope.cacheKey, scope.cacheVersion);
          metrics.cache.inc({ result: hit ? 'hit' : 'miss' });
          if (hit) {
            endResponse(
              new fetchAPI.Response(hit.body as unknown as BodyInit, {
                status: 200,
                headers: { 'content-type': hit.contentType, 'x-request-id': requestId, 'x-cache': 'hit' },
              }),
            );
          }
        },
        onParams({ params }) {
          const scope = requestScope.getStore();
          if (!scope) return;
          scope.operations = (scope.operations ?? 0) + 1;
          scope.query = params.query;
          scope.operationName = params.operationName ?? null;
        },
        onExecute({ args }: { args: { document: DocumentNode; operationName?: string | null } }) {
          const scope = requestScope.getStore();
          const operation = getOperationAST(args.document, args.operationName);
          const isQuery = operation?.operation === 'query';
          if (scope) {
            scope.cacheable = isQuery;
            scope.document = args.document;
          }
        },
        onResultProcess({ result }) {
          const scope = requestScope.getStore();
          for (const one of Array.isArray(result) ? result : [result]) {
            const errors = (one as { errors?: { extensions?: { code?: unknown } }[] } | null)?.errors;
            if (errors?.length && scope) scope.failed = true;
            for (const error of errors ?? []) metrics.errors.inc({ code: String(error.extensions?.code ?? 'UNKNOWN') });
          }
        },
        async onResponse({ request, response }) {
          const scope = requestScope.getStore();
          if (!scope) return;
          response.headers.set('x-request-id', scope.requestId);
          finish(scope, response.status, response.headers.get('x-cache'));
          // A query answered cleanly over a JSON POST can take the fast path next time.
          if (scope.method === 'POST' && scope.path === ENDPOINT && scope.operations === 1 && scope.cacheable && scope.document && scope.query && !scope.failed && response.status === 200) {
            knownOperations.learn({
              accept: request.headers.get('accept') ?? '',
              query: scope.query,
              operationName: scope.operationName ?? null,
              document: scope.document,
              contentType: response.headers.get('content-type') ?? 'application/json',
            });
          }
          if (!cache || !scope.cacheKey || !scope.cacheable || response.status !== 200 || response.headers.get('x-cache')) return;
          const body = new Uint8Array(await response.clone().arrayBuffer());
          // Only complete answers are kept: a response with errors is computed again next time.
          if (containsErrors(body)) return;
          response.headers.set('x-cache', 'miss');
          cache.set(scope.cacheKey, {
            version: scope.cacheVersion!,
            body,
            contentType: response.headers.get('content-type') ?? 'application/json',
          });
        },
      },
      ...limitPlugins(limits, ENDPOINT),
    ],
  });

  const nodeListener = createRequestListener({
    schema,
    endpoint: ENDPOINT,
    maxBodyBytes: limits.maxBodyBytes,
    maxCost: limits.maxCost,
    operations: knownOperations,
    cache,
    viewerFor,
    contextFor,
    requestIdFor,
    finish,
    cacheLookup: (result) => metrics.cache.inc({ result }),
    outcome: (result) => metrics.fastPath.inc({ result }),
    log,
    yoga: { fetch: (url, init, serverContext) => yoga.fetch(url, init, serverContext as never), listener: yoga.requestListener },
  });
  return Object.assign(yoga, { nodeListener, knownOperations });
}
