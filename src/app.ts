// Builds the gateway: yoga over the schema, the fast lane in front of it, and the plugins between.
// It composes and does nothing else: no I/O at import time, no listening here.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, RequestListener } from 'node:http';
import type { GraphQLError } from 'graphql';
import { createYoga, type YogaServerInstance } from 'graphql-yoga';
import { DEFAULT_HTTP_CACHE, DEFAULT_LIMITS, DEFAULT_RESPONSE_CACHE_ENTRIES, DEFAULT_WEBHOOKS } from './config.js';
import type { Context } from './context.js';
import { type Db, onClose } from './db/client.js';
import { AuthFailures } from './domain/audit/auth-failures.js';
import { PUBLIC, visibilityFor } from './domain/connectors/visibility.js';
import { loadPolicyCatalog } from './domain/support/policy.js';
import type { TokenRow } from './domain/tokens/tokens.js';
import { createSecretBox } from './domain/webhooks/secrets.js';
import { targetPolicy } from './domain/webhooks/targets.js';
import type { WebhookSettings } from './domain/webhooks/webhooks.js';
import { startOutboxFeed } from './db/feed.js';
import { useFeedVersion } from './db/version.js';
import { DELIVERIES_TOPIC } from './domain/events/announce.js';
import { WebhookDispatcher } from './domain/webhooks/dispatcher.js';
import { createEventBus, type EventBus, publishOutboxRows } from './events.js';
import { createFastLane, type FastLane } from './fast-lane/index.js';
import { estimateCost } from './graphql/cost.js';
import { GRAPHIQL_TABS, HEADLINE_QUERY } from './graphql/examples.js';
import { limitPlugins, type Limits } from './graphql/limits.js';
import { createMaskError } from './graphql/mask-error.js';
import { buildSchema } from './graphql/schema.js';
import { createViewers, refusalMessage, refusedTokenError, viewersPlugin } from './http/auth.js';
import { createFairUse, type BudgetOptions, type Peer } from './http/budget.js';
import { createClientAddress } from './http/client-address.js';
import { payloadTooLarge, requestChecks } from './http/checks.js';
import { createHttpCache, httpCachePlugin, type HttpCacheSettings } from './http/http-cache.js';
import { Metrics } from './http/metrics.js';
import { apqId, persistedDocument, persistedIdOfText, persistedOperationsPlugin } from './http/persisted.js';
import { createLog, createRequestScope, requestIdFor, type LogLine } from './http/request-scope.js';
import { routesPlugin } from './http/routes.js';
import { multipartSubscriptions } from './http/multipart-subscriptions.js';
import { STREAM_ENDPOINT, streamPlugin } from './http/stream.js';
import { postWebhook } from './http/webhook-transport.js';

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
  /**
   * Webhook delivery: retry timing, attempts and timeout, and `allowPrivate`, the CIDR ranges and host
   * names that may be targets although not public (WEBHOOK_ALLOW_PRIVATE; none by default); or false to
   * send none (registration still checks targets, against an empty allow-list).
   */
  webhooks?: Partial<WebhookOptions> | false;
  /** The 32-byte key that seals webhook secrets (SECRETS_KEY); a random one for this app when absent, which a restart loses. */
  secretsKey?: Buffer;
  /** graphql-sse's reserved streams (single-connection mode): how many may wait to be opened, and for how long. */
  streams?: { maxPending?: number; pendingMs?: number };
  /** The response cache for repeated reads; on by default. */
  responseCache?: { enabled: boolean; maxEntries?: number; maxBytes?: number };
  /** How long shared caches (a CDN) may keep an anonymous query answer; see docs/http-caching.md. */
  httpCache?: Partial<HttpCacheSettings>;
  /** Persisted operations (src/http/persisted-documents.json); `only`: refuse a document's text except from an admin token. */
  persistedOperations?: { only: boolean };
  /**
   * Fair use: each caller's cost budget (on the `now` clock) and the proxies whose X-Forwarded-For is
   * believed. Off when not given (the server passes COST_BUDGET's); every answer then has no cost report.
   */
  budget?: BudgetOptions | false;
  /** Proxies whose X-Forwarded-For names the client, when fair use is off (budget's own otherwise). */
  trustedProxies?: string[];
}

export interface WebhookOptions {
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  allowPrivate: readonly string[];
}

export type App = YogaServerInstance<Record<string, never>, Context> & {
  /** The Node listener to serve: the fast lane first, yoga for everything else. */
  nodeListener: RequestListener;
  /** Queries answered once by the full pipeline, which the fast lane runs directly. */
  knownOperations: FastLane['knownOperations'];
  /** Stops the outbox feed and the webhook dispatcher (the server does, before closing the database). */
  stop(): Promise<void>;
};

/**
 * What the app runs beside requests: the outbox feed, which publishes live events to this gateway's
 * subscribers and wakes the webhook dispatcher, which sends the deliveries writers recorded.
 */
async function startBackground(db: Db, events: EventBus, dispatcher: WebhookDispatcher | null, log: (line: LogLine) => void) {
  const feed = await startOutboxFeed(db, {
    onRows: (rows) => {
      publishOutboxRows(events, rows);
      if (rows.some((r) => r.topic === DELIVERIES_TOPIC)) void dispatcher?.poke();
    },
    log: (message, fields) => log({ level: 'warn', message, ...fields }),
  });
  useFeedVersion(db, feed.version);
  // What was pending when a gateway last stopped; awaited so the app starts with its first look done.
  await dispatcher?.poke();
  let stopped: Promise<void> | undefined;
  const stop = () =>
    (stopped ??= (async () => {
      await feed.stop();
      await dispatcher?.stop();
    })());
  onClose(db, stop);
  return { feed, stop };
}

const ENDPOINT = '/graphql';

/** Builds the app; it reads the support policy once, so it resolves when that is loaded. */
export async function createApp(options: AppOptions): Promise<App> {
  const { db } = options;
  const catalog = await loadPolicyCatalog(db);
  const now = options.now ?? (() => new Date());
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = createLog(options.logLevel, options.log);
  const metrics = options.metrics ?? new Metrics();
  const events = createEventBus();
  const webhooks: WebhookSettings = {
    secrets: createSecretBox(options.secretsKey ?? randomBytes(32)),
    targets: targetPolicy(options.webhooks ? options.webhooks.allowPrivate : []),
  };
  const dispatcher =
    options.webhooks === false ? null : new WebhookDispatcher(db, { ...DEFAULT_WEBHOOKS, ...options.webhooks, ...webhooks, send: postWebhook, now, log });
  const background = await startBackground(db, events, dispatcher, log);
  const scope = createRequestScope(metrics, log);
  const viewers = createViewers(db, now);
  const { viewerFor, viewerOf, refusalOf } = viewers;
  const authFailures = new AuthFailures(db, now);
  const maskError = createMaskError(log, scope.requestId);
  const schema = buildSchema();
  const budget = options.budget || null;
  const clientAddress = createClientAddress(budget ? budget.trustedProxies : (options.trustedProxies ?? []));
  const addressOf = (req: Peer) => {
    const forwarded = req?.headers['x-forwarded-for'];
    return clientAddress(req?.socket?.remoteAddress, Array.isArray(forwarded) ? forwarded.join(',') : forwarded);
  };
  const fairUse = budget && createFairUse({ ...budget, schema, endpoint: ENDPOINT, clock: () => now().getTime(), viewerOf, addressOf });
  const contextFor = (viewer: TokenRow | null, requestId: string, req: IncomingMessage | undefined): Context => {
    const clientAddress = addressOf(req);
    return viewer
      ? { db, catalog, viewer, visibility: visibilityFor(viewer), requestId, clientAddress, now, metrics, events, webhooks }
      : { db, catalog, viewer: null, visibility: PUBLIC, requestId, clientAddress, now, metrics, events, webhooks };
  };
  const httpCache = createHttpCache({ ...DEFAULT_HTTP_CACHE, ...options.httpCache });
  const persistedOnly = options.persistedOperations?.only === true;
  const isAdmin = (viewer: TokenRow | null | undefined) => viewer?.scopes.includes('admin') === true;
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
    meter: fairUse ? fairUse.lane : undefined,
    requestIdFor,
    finish: scope.finish,
    cacheLookup: (result) => metrics.cache.inc({ result }),
    outcome: (result) => metrics.fastPath.inc({ result }),
    log,
    httpCache,
    persisted: { documentFor: persistedDocument, apqId, idOfText: persistedIdOfText, only: persistedOnly, maySendText: isAdmin },
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
    context: async ({ request, req }: { request: Request; req?: IncomingMessage }) => {
      const viewer = (await viewers.resolve(request))?.row;
      if (viewer === null) {
        const refusal = refusalOf(request)!;
        await authFailures.failed(addressOf(req), refusal.code);
        throw refusedTokenError(refusal);
      }
      return contextFor(viewer ?? null, scope.requestId() ?? requestIdFor(null), req);
    },
    plugins: [
      scope.plugin,
      // Before any plugin that asks who is calling: it looks the request's token up once.
      viewersPlugin(viewers, (error) => maskError(error, 'Unexpected error.') as GraphQLError),
      routesPlugin(
        db,
        metrics,
        async (request, serverContext) => {
          const viewer = viewerOf(request);
          if (viewer !== null) return viewer === undefined ? PUBLIC : visibilityFor(viewer);
          const refusal = refusalOf(request)!;
          await authFailures.failed(addressOf((serverContext as { req?: IncomingMessage } | undefined)?.req), refusal.code);
          return { refused: refusalMessage(refusal) };
        },
        httpCache.shared,
      ),
      // The checks first: the cache never answers a request the pipeline would refuse.
      requestChecks(limits.maxBodyBytes, ENDPOINT, STREAM_ENDPOINT),
      // Before the lane's plugin: it learns the persisted document's text, as the listener will look it up.
      persistedOperationsPlugin({ only: persistedOnly, maySendText: (request) => isAdmin(viewerOf(request)) }),
      // Fair use admits a body it knows the cost of before the cache can answer it, and reports the
      // cost after the cache has kept the answer without it.
      ...(fairUse ? [fairUse.plugins.admitRemembered] : []),
      lane.plugin as never,
      // After the lane's plugin: it reuses the ETag the lane hashed for a cached answer.
      httpCachePlugin(httpCache, ENDPOINT),
      ...limitPlugins(limits),
      ...(fairUse ? [fairUse.plugins.meter] : []),
      multipartSubscriptions(),
      streamPlugin({
        endpoint: STREAM_ENDPOINT,
        maxPendingStreams: options.streams?.maxPending,
        pendingStreamMs: options.streams?.pendingMs,
        maskError: (error) => maskError(error, 'Unexpected error.'),
      }),
    ],
  });

  return Object.assign(yoga, { nodeListener: lane.listener(yoga as never), knownOperations: lane.knownOperations, stop: background.stop });
}
