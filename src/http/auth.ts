// Who is asking: the token row behind a request's bearer token, looked up once per request (the
// cache key, the registry routes and the GraphQL context all ask), and checked against the app's clock
// every time, so a token that expires is refused from that moment on whatever was cached before.
import { createGraphQLError } from 'graphql-yoga';
import type { Db } from '../db/client.js';
import { checkToken, type TokenCheck, type TokenRefusal, type TokenRow } from '../domain/tokens/tokens.js';

function bearerToken(header: string | null | undefined): string | null | undefined {
  if (header == null) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match ? match[1] : null;
}

/** undefined when no Authorization header is sent, null when it carries no valid token. */
export type Viewer = TokenRow | null | undefined;

const MALFORMED: TokenCheck = { row: null, refusal: { code: 'UNAUTHENTICATED' } };

/** The words and code of a refused token: the GraphQL error and the registry routes' 401 say the same. */
export function refusalMessage(refusal: TokenRefusal): string {
  return refusal.code === 'TOKEN_EXPIRED'
    ? `The API token expired at ${refusal.expiredAt}: ask for a new one (a rotated token works only for its grace period).`
    : 'The API token is not valid: it is malformed, unknown or revoked.';
}

/** The 401 a request with a refused token gets. */
export function refusedTokenError(refusal: TokenRefusal) {
  return createGraphQLError(refusalMessage(refusal), { extensions: { code: refusal.code, http: { status: 401 } } });
}

export function createViewers(db: Db, now: () => Date) {
  const checkFor = (authorization: string | null | undefined): TokenCheck | undefined => {
    const token = bearerToken(authorization);
    return token === undefined ? undefined : token ? checkToken(db, token, now()) : MALFORMED;
  };
  const viewerFor = (authorization: string | null | undefined): Viewer => {
    const check = checkFor(authorization);
    return check?.row;
  };
  const seen = new WeakMap<Request, TokenCheck | undefined>();
  const checkOf = (request: Request): TokenCheck | undefined => {
    if (seen.has(request)) return seen.get(request);
    const check = checkFor(request.headers.get('authorization'));
    seen.set(request, check);
    return check;
  };
  const viewerOf = (request: Request): Viewer => {
    const check = checkOf(request);
    return check?.row;
  };
  /** Why the request's token was refused; undefined when it was not. */
  const refusalOf = (request: Request): TokenRefusal | undefined => checkOf(request)?.refusal;
  return { viewerFor, viewerOf, refusalOf };
}
