// Persisted operations (trusted documents): the operations in persisted-documents.json, which
// `npm run persisted:generate` writes with GraphQL Code Generator's client preset, served by id. A
// client sends `documentId` (the manifest's key, "sha256:<hex>") in a JSON body or a GET query string,
// or Apollo's `extensions.persistedQuery.sha256Hash` (the bare hex), instead of the document's text.
// With `only`, a document's text is refused unless an admin token sends it.
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import manifest from './persisted-documents.json' with { type: 'json' };

export const PERSISTED_DOCUMENTS: ReadonlyMap<string, string> = new Map(Object.entries(manifest));

const ID_PREFIX = 'sha256:';

/** The persisted document an id names, or undefined. */
export function persistedDocument(id: string): string | undefined {
  return PERSISTED_DOCUMENTS.get(id);
}

/** The id in Apollo's persisted-query extension (`{ version: 1, sha256Hash }`), as a manifest key; else null. */
export function apqId(extensions: unknown): string | null {
  const persisted = (extensions as { persistedQuery?: { version?: unknown; sha256Hash?: unknown } } | null | undefined)?.persistedQuery;
  return persisted?.version === 1 && typeof persisted.sha256Hash === 'string' ? ID_PREFIX + persisted.sha256Hash : null;
}

/** The persisted-operation id a request carries: `documentId` in the body or the query string, or the APQ extension. */
function idOf(params: GraphQLParams, request: Request): string | null {
  const inBody = (params as { documentId?: unknown }).documentId;
  if (typeof inBody === 'string') return inBody;
  if (request.method === 'GET') {
    const inQuery = new URL(request.url).searchParams.get('documentId');
    if (inQuery) return inQuery;
  }
  return apqId(params.extensions);
}

const refusal = (status: number, code: string, message: string) => () => createGraphQLError(message, { extensions: { code, http: { status } } });

export interface PersistedOptions {
  /** Refuse a document's text: only persisted operations run. */
  only: boolean;
  /** Who may still send a document's text when `only` is on. */
  maySendText: (request: Request) => boolean;
}

/** yoga's persisted-operations plugin over the manifest. Without `only`, a request with neither text nor id gets yoga's own answer. */
export function persistedOperationsPlugin(options: PersistedOptions): Plugin {
  const inner = usePersistedOperations({
    getPersistedOperation: (id) => persistedDocument(id) ?? null,
    allowArbitraryOperations: options.only ? options.maySendText : true,
    extractPersistedOperationId: idOf,
    customErrors: {
      notFound: ({ params, request }) =>
        createGraphQLError(
          `No persisted operation has the id ${JSON.stringify(String(idOf(params, request)).slice(0, 80))}; the ids are the keys of persisted-documents.json.`,
          { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } } },
        ),
      keyNotFound: refusal(
        400,
        'PERSISTED_QUERY_ID_REQUIRED',
        'Send a persisted operation: documentId (a key of persisted-documents.json) or extensions.persistedQuery.',
      ),
      persistedQueryOnly: refusal(
        403,
        'PERSISTED_QUERY_ONLY',
        'This gateway runs only persisted operations: send documentId (a key of persisted-documents.json) instead of the query text.',
      ),
    },
  });
  return {
    ...inner,
    onParams(payload) {
      if (!options.only && payload.params.query == null && idOf(payload.params, payload.request) == null) return;
      return inner.onParams?.(payload);
    },
  } as Plugin;
}
