// Builds the gateway: a yoga instance over a database. No I/O at import time, no listening here.
import { randomUUID } from 'node:crypto';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, createYoga, maskError as defaultMaskError, type YogaServerInstance } from 'graphql-yoga';
import type { Context } from './context.js';
import type { Db } from './db/client.js';
import { InvalidCursorError } from './domain/connectors/page.js';
import { InputValidationError } from './domain/errors.js';
import { PUBLIC, visibilityFor } from './domain/connectors/visibility.js';
import { loadPolicyCatalog } from './domain/support/policy.js';
import { authenticateToken } from './domain/tokens/tokens.js';
import { HEADLINE_QUERY } from './graphql/examples.js';
import { healthResponse, registryResponse } from './http/routes.js';
import { buildSchema } from './graphql/schema.js';

export interface AppOptions {
  db: Db;
  graphiql?: boolean;
  /** The clock, for deadlines; the system clock by default. */
  now?: () => Date;
}

export type App = YogaServerInstance<Record<string, never>, Context>;

function bearerToken(header: string | null): string | null | undefined {
  if (header == null) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/** Turns errors we expect from bad input into client errors; everything else stays masked. */
function maskError(error: unknown, message: string, isDev?: boolean): Error {
  // Duck-typed: a GraphQLError from another copy of graphql must be unwrapped too.
  const original = error instanceof Error && 'originalError' in error ? (error as GraphQLError).originalError : error;
  if (original instanceof InputValidationError) {
    return createGraphQLError(original.message, {
      extensions: { code: 'BAD_USER_INPUT', userErrors: original.userErrors },
    });
  }
  if (original instanceof InvalidCursorError) {
    return createGraphQLError(original.message, { extensions: { code: 'BAD_USER_INPUT' } });
  }
  return defaultMaskError(error, message, isDev);
}

export function createApp(options: AppOptions): App {
  const { db } = options;
  const catalog = loadPolicyCatalog(db);
  const now = options.now ?? (() => new Date());
  /** The token row for the request's bearer token; undefined when none is sent, null when it is not valid. */
  const viewerOf = (request: Request) => {
    const token = bearerToken(request.headers.get('authorization'));
    if (token === undefined) return undefined;
    return token ? authenticateToken(db, token) : null;
  };
  return createYoga<Record<string, never>, Context>({
    schema: buildSchema(),
    graphqlEndpoint: '/graphql',
    landingPage: false,
    // Yoga's own /health answers without looking at the database; ours (below) checks it, so move Yoga's aside.
    healthCheckEndpoint: '/live',
    graphiql: options.graphiql === false ? false : { title: 'Connector registry', defaultQuery: HEADLINE_QUERY },
    maskedErrors: { maskError },
    logging: false,
    context: ({ request }) => {
      const requestId = request.headers.get('x-request-id') ?? randomUUID();
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
          if (url.pathname === '/health') return endResponse(healthResponse(db, fetchAPI));
          const registry = registryResponse(db, request, url.pathname, fetchAPI, () => {
            const viewer = viewerOf(request);
            return viewer === undefined ? PUBLIC : viewer && visibilityFor(viewer);
          });
          if (registry) endResponse(registry);
        },
      },
    ],
  });
}
