// The GraphQL parameters of a request the listener may answer: a JSON body, or the query string of a GET of a
// persisted operation. A body names its document by text (`query`) or by a persisted operation's id
// (`documentId`, or Apollo's `extensions.persistedQuery`); anything else is left to yoga.
import type { TokenRow } from '../domain/tokens/tokens.js';

/** Persisted operations (src/http/persisted.ts): the document behind an id, and whether only they may run. */
export interface Persisted {
  documentFor(id: string): string | undefined;
  /** The id in Apollo's persisted-query extension, or null. */
  apqId(extensions: unknown): string | null;
  /** The id of the persisted operation a document's text is (however spaced or ordered), or null. */
  idOfText(text: string): string | null;
  /** Only persisted operations run: a document's text is yoga's to refuse (or allow, see maySendText). */
  only: boolean;
  /** Whether this caller may send a document's text when `only` is on. */
  maySendText(viewer: TokenRow | undefined): boolean;
}

export interface Params {
  query: string;
  operationName: string | null;
  variables: Record<string, unknown> | null;
  /** A persisted operation: sent by id, or (with persisted operations only) as its text. */
  persisted: boolean;
}

const PARAM_NAMES = new Set(['query', 'documentId', 'operationName', 'variables', 'extensions']);

/** Whether `extensions` asks for nothing but, at most, the persisted operation `id` names. */
function plainExtensions(extensions: unknown, id: string | null, persisted: Persisted): boolean {
  // Some clients always send `extensions`; an empty one asks for nothing, anything else in it is yoga's.
  if (extensions == null) return true;
  if (typeof extensions !== 'object') return false;
  const keys = Object.keys(extensions);
  return keys.length === 0 || (keys.length === 1 && id !== null && persisted.apqId(extensions) === id);
}

/**
 * The text a body asks to run: its `query`, or the persisted operation its `documentId` or APQ extension
 * names. Null for a body with both, neither, or an unknown id: yoga answers those.
 */
function documentOf(body: Record<string, unknown>, persisted: Persisted): { query: string; persisted: boolean } | null {
  const { query, documentId, extensions } = body;
  if (typeof query === 'string') {
    if (documentId !== undefined || !plainExtensions(extensions, null, persisted)) return null;
    // Judged only when it matters: it parses the text once more.
    return { query, persisted: persisted.only && persisted.idOfText(query) !== null };
  }
  if (query !== undefined) return null;
  const id = documentId === undefined ? persisted.apqId(extensions) : typeof documentId === 'string' ? documentId : null;
  if (id === null || !plainExtensions(extensions, documentId === undefined ? id : null, persisted)) return null;
  const text = persisted.documentFor(id);
  return text === undefined ? null : { query: text, persisted: true };
}

/** How the text of a GET starts: the listener and yoga's side of the response cache key a GET by it and its query string. */
export const GET_PREFIX = 'GET ';

/**
 * The text of a GET the listener may answer: one at `endpoint` with a query string that sends no `query`
 * (a document's text over GET needs yoga's CSRF check), normalized as a URL parser does. Else null.
 */
export function getText(url: string, endpoint: string): string | null {
  if (!url.startsWith(`${endpoint}?`)) return null;
  const { search } = new URL(url, 'http://localhost');
  return new URLSearchParams(search).has('query') ? null : `${GET_PREFIX}${search}`;
}

/** A GET's parameters as a body: variables and extensions are JSON, as yoga reads them. */
function queryStringBody(search: string): Record<string, unknown> {
  const body: Record<string, unknown> = {};
  for (const [key, value] of new URLSearchParams(search)) {
    // A repeated parameter is yoga's to read.
    if (key in body) throw new Error(`repeated ${key}`);
    body[key] = key === 'variables' || key === 'extensions' ? JSON.parse(value) : value;
  }
  return body;
}

/** The request's GraphQL parameters (of a JSON body or a GET's text), when they are of the plain form; null sends the request to yoga. */
export function paramsOf(text: string, persisted: Persisted): Params | null {
  let body: unknown;
  try {
    body = text.startsWith(GET_PREFIX) ? queryStringBody(text.slice(GET_PREFIX.length)) : JSON.parse(text);
  } catch {
    return null;
  }
  if (!body || typeof body !== 'object' || Array.isArray(body)) return null;
  for (const key in body) if (!PARAM_NAMES.has(key)) return null;
  const { operationName, variables } = body as Record<string, unknown>;
  const document = documentOf(body as Record<string, unknown>, persisted);
  if (!document) return null;
  if (operationName != null && typeof operationName !== 'string') return null;
  if (variables != null && (typeof variables !== 'object' || Array.isArray(variables))) return null;
  return {
    query: document.query,
    operationName: (operationName as string | null | undefined) ?? null,
    variables: (variables as Record<string, unknown> | null | undefined) ?? null,
    persisted: document.persisted,
  };
}
