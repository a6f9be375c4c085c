// Builds the gateway: a yoga instance over a database. No I/O at import time, no listening here.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, createYoga, maskError as defaultMaskError, type YogaServerInstance } from 'graphql-yoga';
import type { Context } from './context.js';
import type { Db } from './db/client.js';
import { InvalidCursorError } from './domain/connectors/page.js';
import { PUBLIC, visibilityFor } from './domain/connectors/visibility.js';
import { InputValidationError } from './domain/errors.js';
import { loadPolicyCatalog } from './domain/support/policy.js';
import { authenticateToken } from './domain/tokens/tokens.js';
import { HEADLINE_QUERY } from './graphql/examples.js';
import { DEFAULT_LIMITS, limitPlugins, type Limits } from './graphql/limits.js';
import { buildSchema } from './graphql/schema.js';
import { healthResponse, registryResponse } from './http/routes.js';

export type LogLine = Record<string, unknown> & { level: 'info' | 'warn' | 'error'; message: string };

export interface AppOptions {
  db: Db;
  graphiql?: boolean;
  /** The clock, for deadlines; the system clock by default. */
  now?: () => Date;
  limits?: Partial<Limits>;
  /** Where structured log lines go; JSON on standard error by default. */
  log?: (line: LogLine) => void;
}

export type App = YogaServerInstance<Record<string, never>, Context>;

const ENDPOINT = '/graphql';

function bearerToken(header: string | null): string | null | undefined {
  if (header == null) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

export function createApp(options: AppOptions): App {
  const { db } = options;
  const catalog = loadPolicyCatalog(db);
  const now = options.now ?? (() => new Date());
  const limits: Limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.log ?? ((line: LogLine) => process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), ...line })}\n`));
  // The request id follows the request through yoga's hooks, so a masked error can name it.
  const requestScope = new AsyncLocalStorage<{ requestId: string }>();

  /** The token row for the request's bearer token; undefined when none is sent, null when it is not valid. */
  const viewerOf = (request: Request) => {
    const token = bearerToken(request.headers.get('authorization'));
    if (token === undefined) return undefined;
    return token ? authenticateToken(db, token) : null;
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

  return createYoga<Record<string, never>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: ENDPOINT,
    landingPage: false,
    // Yoga's own /health answers without looking at the database; ours (below) checks it, so move Yoga's aside.
    healthCheckEndpoint: '/live',
    graphiql:
      options.graphiql === false ? false : { title: 'Connector registry', defaultQuery: HEADLINE_QUERY, headers: '{}' },
    maskedErrors: { maskError },
    logging: false,
    context: ({ request }) => {
      const requestId = requestScope.getStore()?.requestId ?? randomUUID();
      const viewer = viewerOf(request);
      if (viewer === undefined) return { db, catalog, viewer: null, visibility: PUBLIC, requestId, now };
      if (!viewer) {
        throw createGraphQLError('The API token is not valid: it is malformed, unknown or revoked.', {
          extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
        });
      }
      return { db, catalog, viewer, visibility: visibilityFor(viewer), requestId, now };
    },
    plugins: [
      {
        onRequest({ request, url, endResponse, fetchAPI }) {
          const given = request.headers.get('x-request-id');
          const requestId = given && /^[\w.:-]{1,100}$/.test(given) ? given : randomUUID();
          requestScope.enterWith({ requestId });
          if (url.pathname === '/health') return endResponse(healthResponse(db, fetchAPI));
          const registry = registryResponse(db, request, url.pathname, fetchAPI, () => {
            const viewer = viewerOf(request);
            return viewer === undefined ? PUBLIC : viewer && visibilityFor(viewer);
          });
          if (registry) endResponse(registry);
        },
        onResponse({ response }) {
          const requestId = requestScope.getStore()?.requestId;
          if (requestId) response.headers.set('x-request-id', requestId);
        },
      },
      ...limitPlugins(limits, ENDPOINT),
    ],
  });
}
