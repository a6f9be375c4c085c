// Protections that reject hostile or oversized requests before they execute. Every rejection has a
// clear message, an `extensions.code` and an HTTP status; the limits are settings (see config.ts).
import { maxAliasesPlugin } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthPlugin } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesPlugin } from '@escape.tech/graphql-armor-max-directives';
import { maxTokensPlugin } from '@escape.tech/graphql-armor-max-tokens';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { useDisableIntrospection } from '@graphql-yoga/plugin-disable-introspection';
import type { GraphQLError } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { estimateCost } from './cost.js';

export interface Limits {
  maxDepth: number;
  maxAliases: number;
  maxTokens: number;
  maxDirectives: number;
  maxCost: number;
  maxBodyBytes: number;
  introspection: boolean;
}


export const CSRF_HEADER = 'x-graphql-csrf';

/** Gives an Armor rejection our code and a 400 status. */
const tag = (code: string) => [
  (_ctx: unknown, error: GraphQLError) => {
    (error.extensions as Record<string, unknown>).code = code;
    (error.extensions as Record<string, unknown>).http = { status: 400 };
  },
];

function jsonError(fetchAPI: { Response: typeof Response }, status: number, code: string, message: string, headers: Record<string, string> = {}) {
  return new fetchAPI.Response(JSON.stringify({ errors: [{ message, extensions: { code } }] }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}

/** The answer to a body over the size limit: the same from yoga's checks and from the Node listener. */
export function payloadTooLarge(maxBodyBytes: number) {
  return {
    status: 413,
    headers: { 'content-type': 'application/json; charset=utf-8' },
    body: JSON.stringify({ errors: [{ message: `The request body is larger than the limit of ${maxBodyBytes} bytes.`, extensions: { code: 'PAYLOAD_TOO_LARGE' } }] }),
  };
}

const ACCEPTED_TYPES = ['application/json', 'application/graphql', 'application/graphql-response+json'];

/** Size and content-type checks on the HTTP request, before anything is parsed. */
function useRequestChecks(limits: Limits, endpoint: string): Plugin {
  return {
    async onRequest({ request, url, endResponse, fetchAPI }) {
      if (url.pathname !== endpoint) return;
      // A GET query must carry this header: a link, form or <img> on another site cannot set it, so a
      // browser cannot be tricked into sending one (GraphiQL's page itself is a plain GET without a query).
      if (request.method === 'GET' && url.searchParams.has('query') && !request.headers.has(CSRF_HEADER)) {
        return endResponse(
          jsonError(fetchAPI, 403, 'CSRF_HEADER_REQUIRED', `A GET request must send the ${CSRF_HEADER} header (any value), or use POST with application/json.`),
        );
      }
      if (request.method !== 'POST') return;
      const type = (request.headers.get('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
      if (!ACCEPTED_TYPES.includes(type)) {
        return endResponse(
          jsonError(fetchAPI, 415, 'UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type || '(none)'} is not supported; send application/json.`, { accept: 'application/json' }),
        );
      }
      const tooLarge = () => {
        const answer = payloadTooLarge(limits.maxBodyBytes);
        return new fetchAPI.Response(answer.body, { status: answer.status, headers: answer.headers });
      };
      const declared = Number(request.headers.get('content-length'));
      if (Number.isFinite(declared) && declared > limits.maxBodyBytes) return endResponse(tooLarge());
      if (!request.headers.has('content-length') && request.body) {
        // A chunked body: read at most the limit from a copy, so the real parser never sees more.
        const reader = request.clone().body!.getReader();
        let seen = 0;
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          seen += value.byteLength;
          if (seen > limits.maxBodyBytes) {
            await reader.cancel();
            return endResponse(tooLarge());
          }
        }
      }
    },
  };
}

/** Rejects an operation whose estimated cost is over the budget, before it runs. */
function useCostLimit(limits: Limits): Plugin {
  return {
    onExecute({ args, setResultAndStopExecution }) {
      const cost = estimateCost(args.schema, args.document, args.operationName, (args.variableValues ?? {}) as Record<string, unknown>);
      if (cost > limits.maxCost) {
        setResultAndStopExecution({
          errors: [
            createGraphQLError(
              `The query's estimated cost is ${cost}, over the budget of ${limits.maxCost}. Ask for fewer items (a smaller \`first\`) or fewer nested lists.`,
              { extensions: { code: 'COST_LIMIT_EXCEEDED', cost, maxCost: limits.maxCost, http: { status: 400 } } },
            ),
          ],
        });
      }
    },
  };
}

/**
 * graphql-js reports request errors found while preparing execution (an unknown operation name, a
 * subscription this schema does not serve, a variable of the wrong type) without a code; give them one.
 */
function useRequestErrorCodes(): Plugin {
  return {
    onResultProcess({ result }) {
      const results = Array.isArray(result) ? result : [result];
      for (const one of results) {
        if (!one || typeof one !== 'object' || !('errors' in one) || !Array.isArray(one.errors)) continue;
        for (const error of one.errors as GraphQLError[]) {
          const extensions = error.extensions as Record<string, unknown> | undefined;
          if (extensions && !extensions.code) extensions.code = 'BAD_REQUEST';
        }
      }
    },
  };
}

export function limitPlugins(limits: Limits, endpoint: string): Plugin[] {
  const plugins: Plugin[] = [
    useRequestErrorCodes(),
    useRequestChecks(limits, endpoint),
    maxTokensPlugin({ n: limits.maxTokens, onReject: tag('TOKEN_LIMIT_EXCEEDED') }) as Plugin,
    maxDepthPlugin({ n: limits.maxDepth, flattenFragments: true, onReject: tag('DEPTH_LIMIT_EXCEEDED') }) as Plugin,
    maxAliasesPlugin({ n: limits.maxAliases, onReject: tag('ALIAS_LIMIT_EXCEEDED') }) as Plugin,
    maxDirectivesPlugin({ n: limits.maxDirectives, onReject: tag('DIRECTIVE_LIMIT_EXCEEDED') }) as Plugin,
    useCostLimit(limits),
  ];
  if (!limits.introspection) {
    plugins.push(useDisableIntrospection() as Plugin, blockFieldSuggestionsPlugin() as Plugin);
  }
  return plugins;
}
