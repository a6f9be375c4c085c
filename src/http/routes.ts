// Plain HTTP endpoints beside /graphql: health, metrics, the catalog page and the registry export.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Db } from '../db/client.js';
import type { RegistryKey } from '../db/schema.js';
import { exportRegistry } from '../domain/registry/export.js';
import type { Visibility } from '../domain/connectors/visibility.js';
import { databaseAnswers } from '../db/client.js';
import type { Plugin } from 'graphql-yoga';
import type { Metrics } from './metrics.js';

type FetchAPI = { Response: typeof Response };

const REGISTRY_PATHS: Record<string, RegistryKey> = {
  '/registries/v0/oss_registry.json': 'oss',
  '/registries/v0/cloud_registry.json': 'cloud',
};

function json(fetchAPI: FetchAPI, status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new fetchAPI.Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

export function healthResponse(db: Db, fetchAPI: FetchAPI): Response {
  const ok = databaseAnswers(db);
  return json(fetchAPI, ok ? 200 : 503, { status: ok ? 'ok' : 'unavailable', database: ok });
}

/** What a caller may see, or, for a refused token, the words of its 401. */
export type Seen = Visibility | { refused: string };

/**
 * GET /registries/v0/<registry>.json in Airbyte's format, with a strong ETag for conditional requests. Without
 * an Authorization header it is the public document, which shared caches may keep (`sharedCacheControl`).
 */
export async function registryResponse(
  db: Db,
  request: Request,
  pathname: string,
  fetchAPI: FetchAPI,
  visibility: () => Seen,
  sharedCacheControl: string,
): Promise<Response | null> {
  const registry = REGISTRY_PATHS[pathname];
  if (!registry) return null;
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    return json(fetchAPI, 405, { error: `${request.method} is not allowed here; use GET.` }, { allow: 'GET, HEAD' });
  }
  const seen = visibility();
  if ('refused' in seen) return json(fetchAPI, 401, { error: seen.refused }, { 'www-authenticate': 'Bearer' });
  const body = JSON.stringify(await exportRegistry(db, registry, seen));
  const etag = `"${createHash('sha256').update(body).digest('base64url')}"`;
  // A token's document may hold its organization's private connectors: shared caches must not keep it.
  const anonymous = !request.headers.has('authorization');
  const headers = { etag, 'cache-control': anonymous ? sharedCacheControl : 'private, no-cache', vary: 'Authorization' };
  const wanted = request.headers.get('if-none-match');
  if (wanted?.split(',').some((t) => t.trim().replace(/^W\//, '') === etag)) {
    return new fetchAPI.Response(null, { status: 304, headers });
  }
  return new fetchAPI.Response(request.method === 'HEAD' ? null : body, {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

const CATALOG = readFileSync(fileURLToPath(new URL('./public/catalog.html', import.meta.url)));

/** GET / : the catalog page, a small GraphQL frontend with no dependencies. */
export function catalogResponse(request: Request, fetchAPI: FetchAPI): Response {
  return new fetchAPI.Response(request.method === 'HEAD' ? null : CATALOG, {
    headers: {
      'content-type': 'text/html; charset=utf-8',
      // The page talks only to this origin and runs only its own inline code.
      'content-security-policy': "default-src 'self'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src 'self' data:",
      'x-content-type-options': 'nosniff',
    },
  });
}

/** Serves /health, the catalog page, /metrics and the registry exports in front of the GraphQL endpoint. */
export function routesPlugin(db: Db, metrics: Metrics, visibilityOf: (request: Request, serverContext: unknown) => Seen, sharedCacheControl: string): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI, serverContext }) {
      if (url.pathname === '/health') return endResponse(healthResponse(db, fetchAPI));
      if (url.pathname === '/' && (request.method === 'GET' || request.method === 'HEAD')) return endResponse(catalogResponse(request, fetchAPI));
      if (url.pathname === '/metrics') {
        return endResponse(new fetchAPI.Response(await metrics.registry.metrics(), { headers: { 'content-type': metrics.registry.contentType } }));
      }
      const registry = await registryResponse(db, request, url.pathname, fetchAPI, () => visibilityOf(request, serverContext), sharedCacheControl);
      if (registry) return endResponse(registry);
    },
  };
}
