// Who is asking: the token row behind a request's bearer token, looked up once per request (the
// cache key, the registry routes and the GraphQL context all ask).
import type { Db } from '../db/client.js';
import { authenticateToken, type TokenRow } from '../domain/tokens/tokens.js';

function bearerToken(header: string | null | undefined): string | null | undefined {
  if (header == null) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/** undefined when no Authorization header is sent, null when it carries no valid token. */
export type Viewer = TokenRow | null | undefined;

export function createViewers(db: Db) {
  const viewerFor = (authorization: string | null | undefined): Viewer => {
    const token = bearerToken(authorization);
    return token === undefined ? undefined : token ? authenticateToken(db, token) : null;
  };
  const seen = new WeakMap<Request, Viewer>();
  const viewerOf = (request: Request): Viewer => {
    if (seen.has(request)) return seen.get(request);
    const viewer = viewerFor(request.headers.get('authorization'));
    seen.set(request, viewer);
    return viewer;
  };
  return { viewerFor, viewerOf };
}
