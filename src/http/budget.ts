// Fair use: each caller (a token, or an anonymous caller's client address) has a budget of cost
// points that restores over time, as Shopify's calculated query costs do. A query is admitted when
// the budget holds its estimated cost (requestedQueryCost), and charged what it really returned
// (actualQueryCost); every answer reports both with the budget's state in `extensions.cost`, and one
// refused is a 429 with Retry-After. The yoga pipeline takes the estimate up front and settles after;
// the fast lane admits by the cost this body had before and charges when it answers (lanes()).
import type { IncomingMessage } from 'node:http';
import { isAsyncIterable } from '@graphql-tools/utils';
import { parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import type { TokenRow } from '../domain/tokens/tokens.js';
import { actualCost, estimateCost } from '../graphql/cost.js';
import type { ErrorCode } from '../graphql/error-codes.js';
import { CostBuckets, type BucketSettings } from './cost-buckets.js';

export interface BudgetOptions extends BucketSettings {
  /** Proxies whose X-Forwarded-For is believed: CIDRs or addresses. */
  trustedProxies: string[];
}

export interface CostReport {
  requestedQueryCost: number;
  /** null when the query was refused and did not run. */
  actualQueryCost: number | null;
  throttleStatus: { maximumAvailable: number; currentlyAvailable: number; restoreRate: number };
}

interface Caller {
  key: string;
  settings: BucketSettings;
  /** Whose answers a body's costs are remembered for (a token sees what its visibility lets it). */
  memo: string;
}

/** What one request was admitted with, and what it ran. */
interface Charge {
  caller: Caller;
  text?: string;
  requested?: number;
  /** Points taken up front (the estimate), settled against the actual cost. */
  taken: number;
  refused?: boolean;
  actual?: number;
}

/** A request's Node peer: yoga's Node adapter and the fast lane both put it in the server context as `req`. */
export type Peer = Pick<IncomingMessage, 'socket' | 'headers'> | undefined;

/** What a body cost when it was last answered: the fast lane admits by this. */
interface KnownCost {
  requested: number;
  actual: number;
}

/** Adds `extensions.cost` to a JSON answer's bytes (answers have no top-level extensions of their own). */
export function withCost(body: Uint8Array, cost: CostReport): Buffer {
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const end = bytes.lastIndexOf('}');
  if (end < 0) return bytes;
  return Buffer.concat([bytes.subarray(0, end), Buffer.from(`,"extensions":{"cost":${JSON.stringify(cost)}}}`)]);
}

export interface FairUseOptions extends BucketSettings {
  schema: GraphQLSchema;
  endpoint: string;
  /** Milliseconds, for the buckets: the app's clock. */
  clock: () => number;
  viewerOf: (request: Request) => TokenRow | null | undefined;
  /** The client address of a Node request (see client-address.ts). */
  addressOf: (req: Peer) => string | null;
}

export function createFairUse(options: FairUseOptions) {
  const buckets = new CostBuckets(options.clock);
  const { addressOf } = options;
  const known = new LRUCache<string, KnownCost>({ max: 5000 });
  const server: BucketSettings = { maximumAvailable: options.maximumAvailable, restoreRate: options.restoreRate };

  const callerOf = (viewer: TokenRow | null, req: Peer): Caller => {
    if (!viewer) return { key: `address:${addressOf(req) ?? 'unknown'}`, settings: server, memo: '' };
    const settings = viewer.costBudget ? { maximumAvailable: viewer.costBudget, restoreRate: viewer.costRestoreRate ?? server.restoreRate } : server;
    return { key: `token:${viewer.id}`, settings, memo: String(viewer.id) };
  };

  const report = (charge: Charge): CostReport => {
    const { caller } = charge;
    const actual = charge.refused ? null : (charge.actual ?? 0);
    const available =
      charge.taken !== (actual ?? 0)
        ? buckets.adjust(caller.key, charge.taken - (actual ?? 0), caller.settings)
        : buckets.available(caller.key, caller.settings);
    return {
      requestedQueryCost: charge.requested ?? 0,
      actualQueryCost: actual,
      throttleStatus: {
        maximumAvailable: caller.settings.maximumAvailable,
        currentlyAvailable: Math.floor(available),
        restoreRate: caller.settings.restoreRate,
      },
    };
  };

  /** Takes the estimate from the caller's budget; the error to answer with when it does not hold it. */
  const admit = (charge: Charge, requested: number) => {
    charge.requested = requested;
    const { settings } = charge.caller;
    if (requested > settings.maximumAvailable) {
      charge.refused = true;
      return createGraphQLError(
        `The query costs ${requested} points, more than this caller's whole budget of ${settings.maximumAvailable}: it can never run. Ask for fewer items (a smaller \`first\`) or fewer nested lists.`,
        {
          extensions: { code: 'COST_LIMIT_EXCEEDED' satisfies ErrorCode, cost: requested, maximumAvailable: settings.maximumAvailable, http: { status: 400 } },
        },
      );
    }
    const taken = buckets.take(charge.caller.key, requested, settings);
    if (taken.ok) {
      charge.taken = requested;
      return null;
    }
    charge.refused = true;
    const available = Math.floor(taken.available);
    return createGraphQLError(
      `Throttled: the query costs ${requested} points and ${available} of ${settings.maximumAvailable} are available now (${settings.restoreRate} restore each second). Retry in ${taken.retryAfterSeconds} s.`,
      {
        extensions: {
          code: 'THROTTLED' satisfies ErrorCode,
          cost: requested,
          currentlyAvailable: available,
          http: { status: 429, headers: { 'retry-after': String(taken.retryAfterSeconds) } },
        },
      },
    );
  };

  const charges = new WeakMap<Request, Charge>();
  const plugins = budgetPlugins({ ...options, charges, callerOf, admit, report, known });
  const lane = laneMeter({ callerOf, report, known, buckets });
  return { plugins, lane };
}

export type FairUse = ReturnType<typeof createFairUse>;

interface Parts {
  schema: GraphQLSchema;
  endpoint: string;
  viewerOf: (request: Request) => TokenRow | null | undefined;
  charges: WeakMap<Request, Charge>;
  callerOf: (viewer: TokenRow | null, req: Peer) => Caller;
  admit: (charge: Charge, requested: number) => ReturnType<typeof createGraphQLError> | null;
  report: (charge: Charge) => CostReport;
  known: LRUCache<string, KnownCost>;
}

/** The request's query text, operation name and variables, when its body is plain JSON. */
function paramsOf(text: string): { query: string; operationName?: string; variables?: Record<string, unknown> } | null {
  try {
    const body = JSON.parse(text) as { query?: unknown };
    return body && typeof body.query === 'string' ? (body as never) : null;
  } catch {
    return null;
  }
}

/** The cost of an answer served without running (a cache hit whose cost was not remembered). */
function costOfAnswer(schema: GraphQLSchema, text: string, answer: string): KnownCost | null {
  const params = paramsOf(text);
  if (!params) return null;
  try {
    const document = parse(params.query);
    const requested = estimateCost(schema, document, params.operationName, params.variables ?? {});
    return { requested, actual: actualCost(document, params.operationName, (JSON.parse(answer) as { data?: unknown }).data) };
  } catch {
    return null;
  }
}

/**
 * The pipeline's two plugins. `admitRemembered` (before the response cache) refuses a body whose
 * cost is remembered when the budget cannot hold it, so a cached answer is refused too; `meter`
 * (after the limits) admits by the estimate before execution, counts what the answer returned, and
 * adds the cost to the answer after the cache has kept it without.
 */
function budgetPlugins(parts: Parts): { admitRemembered: Plugin; meter: Plugin } {
  const { charges, known } = parts;
  const admitRemembered: Plugin = {
    async onRequest({ request, url, serverContext, endResponse, fetchAPI }) {
      if (url.pathname !== parts.endpoint || (request.method !== 'POST' && request.method !== 'GET')) return;
      const viewer = parts.viewerOf(request);
      if (viewer === null) return; // refused as unauthenticated, at no cost
      const charge: Charge = { caller: parts.callerOf(viewer ?? null, (serverContext as { req?: Peer }).req), taken: 0 };
      charges.set(request, charge);
      if (request.method !== 'POST') return;
      charge.text = await request.clone().text();
      const remembered = known.get(`${charge.caller.memo}\n${charge.text}`);
      const refusal = remembered && parts.admit(charge, remembered.requested);
      if (!refusal) return;
      const { http, ...extensions } = refusal.extensions as { http: { status: number; headers?: Record<string, string> } };
      endResponse(
        new fetchAPI.Response(JSON.stringify({ errors: [{ message: refusal.message, extensions }] }), {
          status: http.status,
          headers: { 'content-type': 'application/json; charset=utf-8', ...http.headers },
        }),
      );
    },
  };
  const meter: Plugin = {
    onExecute({ args, setResultAndStopExecution }) {
      const request = (args.contextValue as { request?: Request }).request;
      const charge = request && charges.get(request);
      if (!charge) return;
      if (charge.requested === undefined) {
        const refusal = parts.admit(
          charge,
          estimateCost(args.schema, args.document, args.operationName, (args.variableValues ?? {}) as Record<string, unknown>),
        );
        if (refusal) return setResultAndStopExecution({ errors: [refusal] });
      }
      return {
        onExecuteDone({ result }) {
          charge.actual = isAsyncIterable(result) ? charge.requested : actualCost(args.document, args.operationName, result.data);
        },
      };
    },
    async onResponse({ request, response, setResponse, fetchAPI }) {
      const charge = charges.get(request);
      if (!charge) return;
      charges.delete(request);
      const type = response.headers.get('content-type') ?? '';
      if (!type.includes('json')) return void parts.report(charge);
      const answer = await response.text();
      const key = charge.text === undefined ? null : `${charge.caller.memo}\n${charge.text}`;
      if (response.headers.get('x-cache') === 'hit' && charge.actual === undefined) {
        // Served from the cache: it cost what it cost when it ran.
        const cost = (key && known.get(key)) || (charge.text && costOfAnswer(parts.schema, charge.text, answer));
        if (cost) {
          charge.requested ??= cost.requested;
          charge.actual = cost.actual;
        }
      } else if (key && response.status === 200 && charge.actual !== undefined && charge.requested !== undefined) {
        known.set(key, { requested: charge.requested, actual: charge.actual });
      }
      const body = withCost(Buffer.from(answer), parts.report(charge));
      const headers = new fetchAPI.Headers(response.headers);
      headers.set('content-length', String(body.byteLength));
      setResponse(new fetchAPI.Response(body as unknown as BodyInit, { status: response.status, headers }));
    },
  };
  return { admitRemembered, meter };
}

/** What the fast lane's listener calls: admit by a remembered cost, then charge and report as it answers. */
function laneMeter(parts: Pick<Parts, 'callerOf' | 'report' | 'known'> & { buckets: CostBuckets }) {
  return {
    /** The ticket to answer with, or null to leave the request to the pipeline (unknown cost, or over budget). */
    admit(req: IncomingMessage, viewer: TokenRow | null, text: string): Charge | null {
      const caller = parts.callerOf(viewer, req);
      const cost = parts.known.get(`${caller.memo}\n${text}`);
      if (!cost || parts.buckets.available(caller.key, caller.settings) < cost.requested) return null;
      return { caller, text, requested: cost.requested, actual: cost.actual, taken: 0 };
    },
    /** Charges what the answer cost (counted again when it ran, remembered when it was cached) and adds the report. */
    report(ticket: unknown, body: Uint8Array, ran?: { document: DocumentNode; operationName: string | null; data: unknown }): Uint8Array {
      const charge = ticket as Charge;
      if (ran) charge.actual = actualCost(ran.document, ran.operationName, ran.data);
      return withCost(body, parts.report(charge));
    },
  };
}
