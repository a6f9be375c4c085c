// The graphql-sse protocol on its own endpoint, for the graphql-sse client in both of its modes (a
// stream per operation, or one reserved stream carrying many). Each operation runs through yoga's
// envelop pipeline, as on /graphql: the same context (so the same token rules), the same document
// limits, cost budget and masked errors. A request error (a bad token, an invalid document, a limit)
// comes as the operation's only result with the code /graphql gives it, so a client reports it at
// once instead of retrying the connection; only a mutation over GET is refused at the HTTP level (405).
import { randomUUID } from 'node:crypto';
import { type ExecutionArgs, type ExecutionResult, getOperationAST, GraphQLError } from 'graphql';
import { createHandler, type RequestContext } from 'graphql-sse/lib/use/fetch';
import type { Plugin, YogaServerInstance } from 'graphql-yoga';
import type { ErrorCode } from '../graphql/error-codes.js';

export const STREAM_ENDPOINT = '/graphql/stream';
const TOKEN_HEADER = 'x-graphql-event-stream-token';

export interface StreamOptions {
  endpoint?: string;
  /** Streams reserved (single-connection mode) and not yet opened, at most; more are refused with 503. */
  maxPendingStreams?: number;
  /** How long a reserved stream may wait to be opened before it is closed, in milliseconds. */
  pendingStreamMs?: number;
  /** Masks an unexpected error (it is logged with the request id), as yoga's pipeline does. */
  maskError: (error: unknown) => Error;
}

type Handler = (request: Request) => Promise<Response>;
type Refusal = [string, ResponseInit];

/** A result as a client sees it: every error coded, without the HTTP hints yoga keeps in `extensions.http`. */
export function published(result: ExecutionResult): ExecutionResult {
  if (!result.errors?.length) return result;
  const errors = result.errors.map((error) => {
    const { http: _http, ...extensions } = error.extensions ?? {};
    const { message, locations, path } = error;
    return { message, locations, path, extensions: { ...extensions, code: extensions.code ?? 'BAD_REQUEST' } };
  });
  return { ...result, errors: errors as never };
}

/** A request error as the result of its operation (`data` left undefined: graphql-sse takes only results that have the key). */
function failed(errors: readonly GraphQLError[]): ExecutionResult {
  return published({ data: undefined, errors });
}

function refusal(error: GraphQLError): Refusal | null {
  const http = error.extensions.http as { status?: number; headers?: Record<string, string> } | undefined;
  if (http?.status !== 405) return null;
  const { http: _http, ...extensions } = error.extensions;
  return [
    JSON.stringify({ errors: [{ message: error.message, extensions }] }),
    { status: 405, headers: { 'content-type': 'application/json; charset=utf-8', ...http.headers } },
  ];
}

/**
 * Runs one operation through yoga's pipeline (parse, validate, context, then execute or subscribe). A
 * request error becomes the operation's result; a mutation over GET, a 405 answer.
 */
async function prepare(yoga: YogaServerInstance<Record<string, never>, Record<string, unknown>>, request: Request, params: object) {
  const enveloped = yoga.getEnveloped({ request, params } as never);
  const { query, variables, operationName } = params as { query: string; variables?: Record<string, unknown>; operationName?: string };
  try {
    const document = enveloped.parse(query);
    const errors = enveloped.validate(enveloped.schema, document);
    if (errors.length > 0) return failed(errors);
    const contextValue = await enveloped.contextFactory();
    const args: ExecutionArgs = { schema: enveloped.schema, document, contextValue, variableValues: variables, operationName };
    const subscription = getOperationAST(document, operationName)?.operation === 'subscription';
    return (subscription ? enveloped.subscribe(args) : enveloped.execute(args)) as Promise<ExecutionResult>;
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return refusal(error) ?? failed([error]);
  }
}

/** Reserved streams not yet opened, closed when they wait too long: nothing piles up for a client that never comes. */
class PendingStreams {
  private readonly reserved = new Map<string, NodeJS.Timeout>();

  constructor(
    private readonly max: number,
    private readonly waitMs: number,
    private readonly close: (token: string) => void,
  ) {}

  get full(): boolean {
    return this.reserved.size >= this.max;
  }

  reserve(token: string): void {
    const timer = setTimeout(() => {
      this.reserved.delete(token);
      this.close(token);
    }, this.waitMs);
    timer.unref();
    this.reserved.set(token, timer);
  }

  opened(token: string): void {
    clearTimeout(this.reserved.get(token));
    this.reserved.delete(token);
  }
}

// Declared in src/graphql/error-codes.ts like every request error; any other refusal is a BAD_REQUEST.
const CODES: Record<number, ErrorCode> = {
  400: 'BAD_REQUEST',
  404: 'STREAM_NOT_FOUND',
  405: 'BAD_REQUEST',
  409: 'STREAM_CONFLICT',
  415: 'UNSUPPORTED_MEDIA_TYPE',
};

/** graphql-sse's own refusals (no stream, a missing operation id, a method) with a code, as every error here has. */
async function coded(response: Response): Promise<Response> {
  if (response.status < 400) return response;
  const code = CODES[response.status] ?? 'BAD_REQUEST';
  const text = await response.text();
  let errors: { message: string; extensions?: Record<string, unknown> }[] = [];
  try {
    errors = (JSON.parse(text) as { errors: typeof errors }).errors;
  } catch {
    errors = [{ message: response.statusText || `The request was refused (${response.status}).` }];
  }
  const allow = response.headers.get('allow');
  return json(
    response.status,
    code,
    '',
    allow ? { allow } : {},
    errors.map((e) => ({ ...e, extensions: { code, ...e.extensions } })),
  );
}

const json = (status: number, code: string, message: string, headers: Record<string, string> = {}, errors = [{ message, extensions: { code } }]) =>
  new Response(JSON.stringify({ errors }), {
    status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });

export function streamPlugin(options: StreamOptions): Plugin {
  const endpoint = options.endpoint ?? STREAM_ENDPOINT;
  let handler: Handler | undefined;
  const origin = 'http://localhost';
  // Opening a reserved stream with a request that has already gone away disposes of it in graphql-sse.
  const pending = new PendingStreams(options.maxPendingStreams ?? 1000, options.pendingStreamMs ?? 30_000, (token) => {
    handler?.(new Request(`${origin}${endpoint}`, { headers: { accept: 'text/event-stream', [TOKEN_HEADER]: token }, signal: AbortSignal.abort() })).catch(
      () => {},
    );
  });
  return {
    onYogaInit({ yoga }) {
      handler = createHandler(
        {
          // A reserved stream's token is its only key: random, and told only to the client that asked.
          authenticate: (req) => req.headers.get(TOKEN_HEADER) || new URL(req.url, origin).searchParams.get('token') || randomUUID(),
          onSubscribe: (req, params) => prepare(yoga as never, req.raw, params) as never,
          onNext: (_ctx, _req, result) => published(result as ExecutionResult) as never,
        },
        yoga.fetchAPI as unknown as RequestContext,
      );
    },
    async onRequest({ request, url, endResponse }) {
      if (url.pathname !== endpoint || !handler) return;
      const token = request.headers.get(TOKEN_HEADER) ?? url.searchParams.get('token');
      if (request.method === 'PUT' && pending.full) {
        return endResponse(
          json(503, 'TOO_MANY_STREAMS' satisfies ErrorCode, 'Too many streams are reserved and not yet opened; try again shortly.', { 'retry-after': '5' }),
        );
      }
      let response: Response;
      try {
        response = await handler(request);
      } catch (error) {
        const masked = options.maskError(error) as GraphQLError;
        return endResponse(json(500, String(masked.extensions?.code ?? 'INTERNAL_SERVER_ERROR'), masked.message));
      }
      if (request.method === 'PUT' && response.status === 201) pending.reserve(await response.clone().text());
      else if (token && response.headers.get('content-type')?.startsWith('text/event-stream')) pending.opened(token);
      endResponse(await coded(response));
    },
  };
}
