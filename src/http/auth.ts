// Who is asking: the token row behind a request's bearer token, looked up once per request (the
// cache key, the registry routes and the GraphQL context all ask), and checked against the app's clock
// every time, so a token that expires is refused from that moment on whatever was cached before.
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
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

/**
 * Looks up requests' tokens. `viewerFor` answers an Authorization header: at once when there is no token
 * to look up (the fast lane's anonymous requests stay synchronous), else a promise. For the pipeline,
 * `viewersPlugin` looks up each request's token once, first; `viewerOf` and `refusalOf` then answer synchronously.
 */
export function createViewers(db: Db, now: () => Date) {
  const checkFor = (authorization: string | null | undefined): TokenCheck | Promise<TokenCheck> | undefined => {
    const token = bearerToken(authorization);
    return token === undefined ? undefined : token ? checkToken(db, token, now()) : MALFORMED;
  };
  const viewerFor = (authorization: string | null | undefined): Viewer | Promise<Viewer> => {
    const check = checkFor(authorization);
    return check instanceof Promise ? check.then((c) => c.row) : check?.row;
  };
  const looking = new WeakMap<Request, Promise<TokenCheck | undefined>>();
  const seen = new WeakMap<Request, TokenCheck | undefined>();
  /** Looks up the request's token, once however often asked. */
  const resolve = (request: Request): Promise<TokenCheck | undefined> => {
    let check = looking.get(request);
    if (!check) {
      check = Promise.resolve(checkFor(request.headers.get('authorization'))).then((c) => {
        seen.set(request, c);
        return c;
      });
      looking.set(request, check);
    }
    return check;
  };
  const checkOf = (request: Request): TokenCheck | undefined => {
    if (!seen.has(request)) throw new Error("the request's token was not looked up yet: the viewers plugin runs before whatever asks");
    return seen.get(request);
  };
  const viewerOf = (request: Request): Viewer => checkOf(request)?.row;
  /** Why the request's token was refused; undefined when it was not. */
  const refusalOf = (request: Request): TokenRefusal | undefined => checkOf(request)?.refusal;
  return { viewerFor, viewerOf, refusalOf, resolve };
}

export type Viewers = ReturnType<typeof createViewers>;

/**
 * Looks up every request's token before any other plugin asks. A lookup that fails (the database is
 * unreachable) ends the request with the masked error `mask` makes of it (logged, with the request id).
 */
export function viewersPlugin(viewers: Viewers, mask: (error: unknown) => GraphQLError): Plugin {
  return {
    async onRequest({ request, endResponse, fetchAPI }) {
      try {
        await viewers.resolve(request);
      } catch (error) {
        const { message, extensions } = mask(error);
        endResponse(
          new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions }] }), {
            status: 500,
            headers: { 'content-type': 'application/json; charset=utf-8' },
          }),
        );
      }
    },
  };
}
