// The HTTP entry point. The common request, a JSON POST of a query the gateway has answered before, is
// served here without going through yoga's Fetch-API pipeline: from the response cache when it can be,
// otherwise by executing the already-validated document (compiled by graphql-jit where that is safe,
// on graphql-js otherwise). Everything else, and anything that does not end in a clean 200 answer,
// goes to yoga, which stays the one place that produces errors, GraphiQL, subscriptions and the other
// routes. The answer is the same bytes either way (test/fast-path.test.ts compares them on a corpus).
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import { execute, type DocumentNode, type ExecutionResult, type GraphQLSchema } from 'graphql';
import { isPromise } from 'node:util/types';
import type { Context } from '../context.js';
import type { TokenRow } from '../domain/tokens/tokens.js';
import { runsCompiled, type KnownOperation, type KnownOperations } from './known-operations.js';
import { LRUCache } from 'lru-cache';
import { deepFreeze } from './kept.js';
import { getText, paramsOf, type Persisted } from './params.js';
import type { PassedOn } from './plugin.js';
import type { Lookup, ResponseCache } from './response-cache.js';

export interface RequestScope {
  requestId: string;
  started: number;
  method: string;
  path: string;
}

/** HTTP caching of answers (src/http/http-cache.ts), as yoga's side of the pipeline applies it. */
export interface HttpCaching {
  etagOf(contentType: string, body: Uint8Array): string;
  /** Whether a clean answer to this request is shared and carries an ETag. */
  etagFor(method: string | undefined, anonymous: boolean): boolean;
  /** The caching headers of a clean query answer: shared (with its ETag, when it has one) or private. */
  headers(shared: boolean, etag?: string): Record<string, string>;
  /** Whether an If-None-Match header names `etag`. */
  matches(ifNoneMatch: string | undefined, etag: string): boolean;
}

/** A finished answer to write: the same shape from yoga's size check and from this listener. */
export interface Refusal {
  status: number;
  headers: Record<string, string>;
  body: string;
}

export interface ListenerOptions {
  schema: GraphQLSchema;
  endpoint: string;
  maxBodyBytes: number;
  maxCost: number;
  operations: KnownOperations;
  cache: ResponseCache | null;
  /** The answer to a body over `maxBodyBytes`. */
  payloadTooLarge: () => Refusal;
  /** undefined when no Authorization header is sent, null when it does not carry a valid token; a promise when a token is looked up. */
  viewerFor: (authorization: string | undefined) => TokenRow | null | undefined | Promise<TokenRow | null | undefined>;
  contextFor: (viewer: TokenRow | null, requestId: string, req: IncomingMessage) => Context;
  /** Fair use, when on: admits a request (null leaves it to yoga) and charges the answer it writes. */
  meter?: Meter;
  requestIdFor: (header: string | undefined) => string;
  /** Metrics and the access-log line, as for a request yoga answers. */
  finish: (scope: RequestScope, status: number, cache: 'hit' | 'miss' | null) => void;
  /** How an eligible request was answered. */
  outcome: (result: 'cache_hit' | 'executed' | 'passed_on') => void;
  log: (line: { level: 'error'; message: string } & Record<string, unknown>) => void;
  /** yoga, as a Fetch handler (for a request whose body was read here) and as a Node listener. */
  yoga: {
    fetch: (url: string, init: RequestInit, serverContext: PassedOn) => Response | Promise<Response>;
    listener: RequestListener;
  };
  httpCache: HttpCaching;
  persisted: Persisted;
}

/** What the listener asks of fair use; the ticket is the meter's own. */
export interface Meter {
  admit(req: IncomingMessage, viewer: TokenRow | null, text: string): unknown | null;
  report(ticket: unknown, body: Uint8Array, ran?: { document: DocumentNode; operationName: string | null; data: unknown }): Uint8Array;
}

const CONTENT_LENGTH = /^\d{1,12}$/;

/** Whether the headers alone allow the fast path: a JSON POST of known length that wants a single JSON answer. */
function eligible(req: IncomingMessage, endpoint: string, maxBodyBytes: number): boolean {
  if (req.method !== 'POST' || req.url !== endpoint) return false;
  const type = req.headers['content-type'];
  if (type !== 'application/json' && type?.split(';')[0]?.trim().toLowerCase() !== 'application/json') return false;
  // A declared length must be within the limit; a chunked body is read here up to the limit.
  const length = req.headers['content-length'];
  if (length === undefined) {
    if (req.headers['transfer-encoding']?.toLowerCase() !== 'chunked') return false;
  } else if (!CONTENT_LENGTH.test(length) || Number(length) === 0 || Number(length) > maxBodyBytes) {
    return false;
  }
  return wantsOneAnswer(req);
}

/** No browser's cross-origin request (it needs yoga's CORS headers), and an Accept that wants one answer, not a stream. */
function wantsOneAnswer(req: IncomingMessage): boolean {
  if (req.headers.origin !== undefined) return false;
  const accept = req.headers.accept ?? '';
  return !accept.includes('text/event-stream') && !accept.includes('multipart/');
}

/** A request body already matched to a known operation, with its variables parsed and its cost estimated. */
interface KnownRequest {
  accept: string;
  /** A persisted operation: sent by id, or (with persisted operations only) as its text. */
  persisted: boolean;
  known: KnownOperation;
  variables: Readonly<Record<string, unknown>>;
  cost: number;
}

/** How many request bodies are kept matched to their operation, and how many characters of them at most. */
export const KNOWN_REQUESTS_MAX = 1000;
const KNOWN_REQUESTS_MAX_CHARS = 4 * 1024 * 1024;

/**
 * Request bodies kept matched to their known operation. Clients send the same bodies again and again:
 * the body's operation, variables (frozen: execution coerces them into objects of its own) and cost are
 * kept with it, which spares parsing the body and looking the operation up. Kept by body text; an entry
 * made for another Accept header is made again.
 */
class KnownRequests {
  private readonly requests = new LRUCache<string, KnownRequest>({
    max: KNOWN_REQUESTS_MAX,
    maxSize: KNOWN_REQUESTS_MAX_CHARS,
    sizeCalculation: (_entry, text) => text.length + 1,
  });

  constructor(
    private readonly operations: KnownOperations,
    private readonly persisted: Persisted,
  ) {}

  /** The known operation a body asks for, or null when the body is not of the plain form or not known. */
  get(accept: string, text: string): KnownRequest | null {
    const kept = this.requests.get(text);
    if (kept && kept.accept === accept) return kept;
    const params = paramsOf(text, this.persisted);
    if (!params) return null;
    const known = this.operations.get(accept, params.query, params.operationName);
    if (!known) return null;
    const variables = deepFreeze(params.variables ?? {});
    const request = { accept, persisted: params.persisted, known, variables, cost: this.operations.costOf(known, variables) };
    if (text.length <= KNOWN_REQUESTS_MAX_CHARS / 16) this.requests.set(text, request);
    return request;
  }
}

/** Hands a request whose body was already read to yoga, and writes yoga's answer. */
async function passToYoga(yoga: ListenerOptions['yoga'], req: IncomingMessage, res: ServerResponse, body: Buffer | null, passed: PassedOn): Promise<void> {
  const headers = new Headers();
  for (const [name, value] of Object.entries(req.headers)) {
    if (value === undefined || name === 'transfer-encoding' || name === 'content-length') continue;
    for (const v of Array.isArray(value) ? value : [value]) headers.append(name, v);
  }
  // The body is whole now, however it was sent.
  if (body) headers.set('content-length', String(body.byteLength));
  const init: RequestInit = body ? { method: 'POST', headers, body: body as unknown as BodyInit } : { method: req.method, headers };
  const response = await yoga.fetch(`http://${req.headers.host ?? 'localhost'}${req.url}`, init, passed);
  const bytes = Buffer.from(await response.arrayBuffer());
  const out: Record<string, string> = {};
  response.headers.forEach((value, name) => {
    out[name] = value;
  });
  out['content-length'] = String(bytes.byteLength);
  res.writeHead(response.status, out);
  res.end(bytes);
}

/** The listener: reads an eligible request's body, answers it here when it can, and passes it on otherwise. */
class Listener {
  private readonly requests: KnownRequests;

  constructor(private readonly options: ListenerOptions) {
    this.requests = new KnownRequests(options.operations, options.persisted);
  }

  handle(req: IncomingMessage, res: ServerResponse): void {
    const { maxBodyBytes } = this.options;
    const get = req.method === 'GET' && wantsOneAnswer(req) ? getText(req.url ?? '', this.options.endpoint) : null;
    if (get !== null) {
      this.respond(req, res, get, null, performance.now());
      return;
    }
    if (!eligible(req, this.options.endpoint, maxBodyBytes)) {
      this.options.yoga.listener(req, res);
      return;
    }
    const started = performance.now();
    let first: Buffer | null = null;
    let more: Buffer[] | null = null;
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      if (refused) return;
      size += chunk.byteLength;
      if (size > maxBodyBytes) {
        refused = true;
        this.refuse(req, res, started);
      } else if (first === null) {
        first = chunk;
      } else {
        (more ??= [first]).push(chunk);
      }
    });
    req.on('end', () => {
      if (refused) return;
      const body = more ? Buffer.concat(more) : (first ?? Buffer.alloc(0));
      this.respond(req, res, body.toString('utf8'), body, started);
    });
  }

  /** Answers a request whose body has been read whole (`text`: the body, or a GET's text; `body`: null for a GET). */
  private respond(req: IncomingMessage, res: ServerResponse, text: string, body: Buffer | null, started: number): void {
    const passed: PassedOn = { req };
    let answered: boolean | Promise<boolean>;
    try {
      answered = this.answer(req, res, text, started, passed);
    } catch (error) {
      this.fail(res, error);
      return;
    }
    if (answered === true) return;
    if (answered === false) {
      this.passOn(req, res, body, passed);
      return;
    }
    answered.then(
      (yes) => {
        if (!yes) this.passOn(req, res, body, passed);
      },
      (error: unknown) => this.fail(res, error),
    );
  }

  /**
   * Answers from the cache or by executing a known operation; false when yoga must answer instead.
   * Synchronous whenever execution is (every resolver of a compiled list or detail is): a request is
   * then read, run, serialized and written in one go, as a hand-written endpoint would. Awaiting the
   * result instead let every request read in the same turn of the event loop run first and wait with
   * its whole result in memory, for the young-generation collector to copy.
   */
  private answer(req: IncomingMessage, res: ServerResponse, text: string, started: number, passed: PassedOn): boolean | Promise<boolean> {
    const viewer = this.options.viewerFor(req.headers.authorization);
    // A token is looked up in the database; if that fails, yoga answers (with the masked error).
    if (isPromise(viewer))
      return viewer.then(
        (v) => this.answerAs(v, req, res, text, started, passed),
        () => false,
      );
    return this.answerAs(viewer, req, res, text, started, passed);
  }

  private answerAs(viewer: TokenRow | null | undefined, req: IncomingMessage, res: ServerResponse, text: string, started: number, passed: PassedOn) {
    const { options } = this;
    if (viewer === null) return false; // a bad token: yoga answers 401
    const ticket = options.meter ? options.meter.admit(req, viewer ?? null, text) : undefined;
    if (ticket === null) return false; // its cost unknown here, or over budget: yoga answers
    const accept = req.headers.accept ?? '';
    if (!this.mayAnswer(viewer, accept, text)) return false;
    const scope = this.scopeOf(req, started);
    const lookup = options.cache?.lookup(viewer ?? null, accept, text);
    // Passed on, the request takes its lookup along: yoga's side of the cache does not look again.
    passed.lookup = lookup;
    if (lookup?.hit) {
      options.outcome('cache_hit');
      const hit = lookup.hit;
      // The ETag names the answer's data; the cost report a caller gets beside it is its own.
      const body = ticket === undefined ? hit.body : options.meter!.report(ticket, hit.body);
      this.send(
        req,
        res,
        scope,
        hit.contentType,
        body,
        'hit',
        this.cachingHeaders(req, () => options.cache!.etagOf(hit)),
      );
      return true;
    }
    const request = this.requests.get(accept, text);
    if (!request || request.cost > options.maxCost) return false;
    const { known, variables } = request;
    const contextValue = options.contextFor(viewer ?? null, scope.requestId, req);
    const result = runsCompiled(known, variables)
      ? known.compiled!.query(undefined, contextValue, variables)
      : execute({ schema: options.schema, document: known.document, operationName: known.operationName, variableValues: variables, contextValue });
    if (!isPromise(result)) return this.complete(req, res, scope, known, lookup, result as ExecutionResult, ticket);
    return (result as Promise<ExecutionResult>).then((done) => this.complete(req, res, scope, known, lookup, done, ticket));
  }

  /** Writes an executed answer (and keeps it in the cache); false when it has errors, which yoga answers. */
  private complete(
    req: IncomingMessage,
    res: ServerResponse,
    scope: RequestScope,
    known: KnownOperation,
    lookup: Lookup | undefined,
    done: ExecutionResult,
    ticket: unknown,
  ): boolean {
    // yoga answers anything with an error, so every error keeps one shape, code and status.
    if (done.errors?.length) return false;
    // Encoded once, and only when something needs the bytes (the cache, the ETag, fair use): otherwise the
    // text is written as it is, in one go with the headers.
    const text = JSON.stringify(done);
    let bytes: Buffer | undefined;
    const body = () => (bytes ??= Buffer.from(text));
    let etag: string | undefined;
    const caching = this.cachingHeaders(req, () => (etag = this.options.httpCache.etagOf(known.contentType, body())));
    if (lookup) this.options.cache!.store(lookup, body(), known.contentType, etag);
    this.options.outcome('executed');
    const answer =
      ticket === undefined
        ? (bytes ?? text)
        : this.options.meter!.report(ticket, body(), { document: known.document, operationName: known.operationName, data: done.data });
    this.send(req, res, scope, known.contentType, answer, lookup ? 'miss' : null, caching);
    return true;
  }

  /** With persisted operations only, a text that is not a persisted operation is yoga's to refuse (or to allow an admin). */
  private mayAnswer(viewer: TokenRow | undefined, accept: string, text: string): boolean {
    const { persisted } = this.options;
    if (!persisted.only || persisted.maySendText(viewer)) return true;
    return this.requests.get(accept, text)?.persisted === true;
  }

  /** The caching headers of a clean query answer: shared only for a caller without an Authorization header; the ETag hashed only when it is sent. */
  private cachingHeaders(req: IncomingMessage, etag: () => string): Record<string, string> {
    const { httpCache } = this.options;
    const anonymous = req.headers.authorization === undefined;
    return httpCache.headers(anonymous, httpCache.etagFor(req.method, anonymous) ? etag() : undefined);
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    scope: RequestScope,
    contentType: string,
    body: string | Uint8Array,
    cached: 'hit' | 'miss' | null,
    caching: Record<string, string>,
  ): void {
    const headers: Record<string, string | number> = {
      'content-type': contentType,
      'content-length': typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength,
      'x-request-id': scope.requestId,
      ...caching,
    };
    if (cached) headers['x-cache'] = cached;
    // A GET that names the answer's ETag (src/http/http-cache.ts answers yoga's alike).
    if (req.method === 'GET' && caching.etag && this.options.httpCache.matches(req.headers['if-none-match'], caching.etag)) {
      delete headers['content-type'];
      delete headers['content-length'];
      res.writeHead(304, headers);
      res.end();
      this.options.finish(scope, 304, cached);
      return;
    }
    res.writeHead(200, headers);
    res.end(body);
    this.options.finish(scope, 200, cached);
  }

  private passOn(req: IncomingMessage, res: ServerResponse, body: Buffer | null, passed: PassedOn): void {
    this.options.outcome('passed_on');
    passToYoga(this.options.yoga, req, res, body, passed).catch((error: unknown) => this.fail(res, error));
  }

  /** Only a bug gets here (yoga masks resolver errors itself); never leave the client hanging. */
  private fail(res: ServerResponse, error: unknown): void {
    this.options.log({ level: 'error', message: 'unexpected error', error: String(error), stack: error instanceof Error ? error.stack : undefined });
    if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json; charset=utf-8' });
    res.end('{"errors":[{"message":"Unexpected error.","extensions":{"code":"INTERNAL_SERVER_ERROR"}}]}');
  }

  /** A chunked body past the limit: answer now and close the connection rather than read on. */
  private refuse(req: IncomingMessage, res: ServerResponse, started: number): void {
    const refusal = this.options.payloadTooLarge();
    res.writeHead(refusal.status, { ...refusal.headers, connection: 'close' });
    res.end(refusal.body, () => req.destroy());
    this.options.finish(this.scopeOf(req, started), 413, null);
  }

  /** What the access log and metrics record of a request read here. */
  private scopeOf(req: IncomingMessage, started: number): RequestScope {
    return {
      requestId: this.options.requestIdFor(req.headers['x-request-id'] as string | undefined),
      started,
      method: req.method ?? 'POST',
      path: this.options.endpoint,
    };
  }
}

export function createListener(options: ListenerOptions): RequestListener {
  const listener = new Listener(options);
  return (req, res) => listener.handle(req, res);
}
