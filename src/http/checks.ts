// HTTP checks on a request to the GraphQL endpoints, before anything is parsed: CSRF on GET, the
// content type, and the body size (413, the same answer whichever path reads the body).
import type { Plugin } from 'graphql-yoga';

export const CSRF_HEADER = 'x-graphql-csrf';

/**
 * Whether a request carries credentials a browser attaches by itself: a cookie, or an Authorization
 * scheme other than Bearer (Basic, Digest, Negotiate are resent by the browser once given). The gateway
 * honours neither, but a proxy in front of it may (a session cookie turned into a token), so a request
 * with them is treated as one a page on another site could have sent in the user's name.
 */
export function carriesAmbientCredentials(headers: Headers): boolean {
  if (headers.has('cookie')) return true;
  const authorization = headers.get('authorization');
  return authorization !== null && !/^Bearer\s/i.test(authorization.trimStart());
}

/**
 * Whether a GET is refused for CSRF: it runs an operation (has a query) and carries ambient credentials
 * without the custom header. A plain GET (urql's default, an EventSource) carries no credentials a
 * cross-site page could borrow, so it is answered as any anonymous request would be.
 */
export function csrfRefused(request: Request, url: URL): boolean {
  return request.method === 'GET' && url.searchParams.has('query') && !request.headers.has(CSRF_HEADER) && carriesAmbientCredentials(request.headers);
}

const ACCEPTED_TYPES = ['application/json', 'application/graphql', 'application/graphql-response+json'];

function jsonError(fetchAPI: { Response: typeof Response }, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The answer to a body over the size limit: the same from these checks and from the fast lane's listener. */
export function payloadTooLarge(maxBodyBytes: number) {
  return {
    status: 413,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({
      errors: [{ message: `The request body is larger than the limit of ${maxBodyBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }],
    }),
  };
}

/**
 * Size, content-type and CSRF checks on requests to the GraphQL endpoint and to the graphql-sse one
 * (`stream`), which reads its operations from JSON bodies only.
 */
export function requestChecks(maxBodyBytes: number, endpoint: string, stream: string): Plugin {
  const tooLarge = (fetchAPI: { Response: typeof Response }) => {
    const answer = payloadTooLarge(maxBodyBytes);
    return new fetchAPI.Response(answer.body, { status: answer.status, headers: answer.headers });
  };
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint && url.pathname !== stream) return;
      // A link, form, <img> or EventSource on another site cannot set this header: a GET that carries
      // the user's cookies must send it (GraphiQL's page itself is a plain GET without a query).
      if (csrfRefused(request, url)) {
        return endResponse(
          jsonError(
            fetchAPI,
            403,
            'CSRF_HEADER_REQUIRED',
            `A GET request that carries cookies or browser credentials must send the ${CSRF_HEADER} header (any value), or use POST with application/json.`,
          ),
        );
      }
      if (request.method !== 'POST') return;
      const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (url.pathname === stream ? type !== 'application/json' : !ACCEPTED_TYPES.includes(type)) {
        return endResponse(
          jsonError(fetchAPI, 415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type || '(none)'} is not supported; send application/json.`, {
            accept: 'application/json',
          }),
        );
      }
      const declared = Number(request.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > maxBodyBytes) return endResponse(tooLarge(fetchAPI));
      if (!request.headers.has('content-length') && request.body) {
        // A chunked body: read at most the limit from a copy, so the real parser never sees more.
        const reader = request.clone().body!.getReader();
        let seen = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          seen += value.byteLength;
          if (seen > maxBodyBytes) {
            await reader.cancel();
            return endResponse(tooLarge(fetchAPI));
          }
        }
      }
    },
  };
}
