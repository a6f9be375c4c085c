// Writes an audit row for every call of a mutation that needs a scope, whatever its file: who, what,
// on what, from where, and how it ended (succeeded, failed with a userError's code, refused by the
// scope check). Placed first among the builder's plugins, it sees the scope check's refusal too.
// The row is written in a transaction of its own after the mutation's (the plugin sees the resolver's
// result, not its transaction): a crash between the two loses the row, never the change's own event.
import { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import type { GraphQLFieldResolver } from 'graphql';
import type { Context } from '../context.js';
import { appendAudit, type AuditOutcome } from '../domain/audit/store.js';

const REFUSAL_CODES = new Set(['UNAUTHENTICATED', 'FORBIDDEN', 'TOKEN_EXPIRED']);
/** Input fields that name what a mutation acts on, in order of preference. */
const TARGET_KEYS = ['connectorSlug', 'slug', 'connectorId', 'webhookId', 'id', 'name'];
const SECRET_KEY = /secret|token|password|key$/i;
const DETAIL_MAX_CHARS = 4000;

type Payload = Record<string, unknown> & { userErrors?: { code: string; field?: string[] | null }[] };

/** The input as the detail keeps it: no secrets, no credentials in URLs, and not too long. */
function redacted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redacted);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && k !== 'idempotencyKey' ? '[redacted]' : redacted(v)]));
  }
  if (typeof value === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(value)) {
    try {
      const url = new URL(value);
      url.username = url.password = url.search = '';
      return url.toString();
    } catch {
      return value;
    }
  }
  return value;
}

function boundedDetail(detail: Record<string, unknown>): Record<string, unknown> {
  const text = JSON.stringify(detail);
  return text.length <= DETAIL_MAX_CHARS ? detail : { truncated: true, text: text.slice(0, DETAIL_MAX_CHARS) };
}

/** What the mutation acted on: the object the payload names (`connector:<slug>`, `webhook:<id>`), or the input's. */
function targetOf(input: Record<string, unknown> | undefined, payload: Payload | undefined): string | null {
  for (const [key, value] of Object.entries(payload ?? {})) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    const named = (value as { slug?: unknown; id?: unknown }).slug ?? (value as { id?: unknown }).id;
    if (typeof named === 'string' || typeof named === 'number') return `${key}:${named}`;
  }
  const key = TARGET_KEYS.find((k) => typeof input?.[k] === 'string' || typeof input?.[k] === 'number');
  return key ? String(input![key]) : null;
}

function outcomeOf(payload: Payload | undefined): { outcome: AuditOutcome; code: string | null } {
  const first = payload?.userErrors?.[0];
  if (!first) return { outcome: 'succeeded', code: null };
  return { outcome: first.code === 'FORBIDDEN' ? 'refused' : 'failed', code: first.code };
}

async function record(ctx: Context, action: string, args: Record<string, unknown>, ended: { outcome: AuditOutcome; code: string | null; payload?: Payload }) {
  const input = (args.input ?? args) as Record<string, unknown>;
  const { payload } = ended;
  await appendAudit(ctx.db, {
    actor: ctx.viewer?.name ?? null,
    action,
    target: targetOf(input, payload),
    clientAddress: ctx.clientAddress,
    outcome: ended.outcome,
    code: ended.code,
    detail: boundedDetail({
      input: redacted(input),
      ...(payload?.userErrors?.length ? { userErrors: payload.userErrors.map((e) => ({ code: e.code, field: e.field ?? null })) } : {}),
      ...(payload?.dryRun ? { dryRun: true } : {}),
      ...(payload?.replayed ? { replayed: true } : {}),
    }),
    at: ctx.now(),
  });
}

export class AuditPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    const options = fieldConfig.pothosOptions as { authScopes?: unknown };
    if (fieldConfig.parentType !== 'Mutation' || !options.authScopes) return resolver;
    const action = fieldConfig.name;
    return async (parent, args, context, info) => {
      const ctx = context as unknown as Context;
      let payload: Payload;
      try {
        payload = (await resolver(parent, args, context, info)) as Payload;
      } catch (error) {
        const code = (error as { extensions?: { code?: unknown } }).extensions?.code;
        const known = typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR';
        await record(ctx, action, args as Record<string, unknown>, { outcome: REFUSAL_CODES.has(known) ? 'refused' : 'failed', code: known });
        throw error;
      }
      await record(ctx, action, args as Record<string, unknown>, { ...outcomeOf(payload), payload });
      return payload;
    };
  }
}
