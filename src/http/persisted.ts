// Persisted operations (trusted documents): the operations in persisted-documents.json, which
// `npm run persisted:generate` writes with GraphQL Code Generator's client preset, served by id. A
// client sends `documentId` (the manifest's key, "sha256:<hex>") in a JSON body or a GET query string,
// or Apollo's `extensions.persistedQuery.sha256Hash` (the bare hex), instead of the document's text.
// With `only`, a document's text runs only when it is a persisted one (the same operation, however it is
// spaced, commented or ordered) or an admin token sends it.
import { createHash } from 'node:crypto';
import { printExecutableGraphQLDocument } from '@graphql-tools/documents';
import { usePersistedOperations } from '@graphql-yoga/plugin-persisted-operations';
import { parse } from 'graphql';
import { createGraphQLError, type GraphQLParams, type Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import manifest from './persisted-documents.json' with { type: 'json' };

export const PERSISTED_DOCUMENTS: ReadonlyMap<string, string> = new Map(Object.entries(manifest));

const ID_PREFIX = 'sha256:';

/** The persisted document an id names, or undefined. */
export function persistedDocument(id: string): string | undefined {
  return PERSISTED_DOCUMENTS.get(id);
}

/**
 * A document's id as the client preset makes it: "sha256:" and the hex SHA-256 of its canonical print (the
 * printer the preset uses: no comments or extra spaces, fields and arguments in order). Throws on a syntax error.
 */
export function documentIdOf(text: string): string {
  return ID_PREFIX + createHash('sha256').update(canonicalText(text)).digest('hex');
}

/** A document's text as the client preset prints it into the manifest. */
export function canonicalText(text: string): string {
  return printExecutableGraphQLDocument(parse(text));
}

/** Texts already judged: their persisted operation's id, or false. */
const textIds = new LRUCache<string, string | false>({ max: 1000, maxSize: 4 * 1024 * 1024, sizeCalculation: (_id, text) => text.length + 1 });

/** The id of the persisted operation a document's text is, or null (also for a text that does not parse). */
export function persistedIdOfText(text: string): string | null {
  let id = textIds.get(text);
  if (id === undefined) {
    try {
      const found = documentIdOf(text);
      id = PERSISTED_DOCUMENTS.has(found) ? found : false;
    } catch {
      id = false;
    }
    if (text.length <= 64 * 1024) textIds.set(text, id);
  }
  return id || null;
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

/**
 * yoga's persisted-operations plugin over the manifest. A text is judged here first: with `only`, it runs when
 * it is a persisted operation's or `maySendText`; without, a request with neither text nor id gets yoga's answer.
 */
export function persistedOperationsPlugin(options: PersistedOptions): Plugin {
  const inner = usePersistedOperations({
    getPersistedOperation: (id) => persistedDocument(id) ?? null,
    allowArbitraryOperations: true,
    extractPersistedOperationId: idOf,
    customErrors: {
      notFound: ({ params, request }) =>
        createGraphQLError(
          `No persisted operation has the id ${JSON.stringify(String(idOf(params, request)))}; the ids are the keys of persisted-documents.json.`,
          { extensions: { code: 'PERSISTED_QUERY_NOT_FOUND', http: { status: 400 } } },
        ),
      keyNotFound: refusal(
        400,
        'PERSISTED_QUERY_ID_REQUIRED',
        'Send a persisted operation: documentId (a key of persisted-documents.json) or extensions.persistedQuery.',
      ),
    },
  });
  const notPersisted = refusal(
    403,
    'PERSISTED_QUERY_ONLY',
    'This gateway runs only persisted operations: send documentId (a key of persisted-documents.json), or the text of a persisted operation.',
  );
  return {
    ...inner,
    onParams(payload) {
      const { params, request } = payload;
      if (typeof params.query === 'string') {
        if (options.only && !options.maySendText(request) && persistedIdOfText(params.query) === null) throw notPersisted();
      } else if (!options.only && idOf(params, request) == null) {
        return;
      }
      return inner.onParams?.(payload);
    },
  } as Plugin;
}
