// Configures the schema builder and nothing else; types register themselves in their own files.
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from '@pothos/core';
import DrizzlePlugin from '@pothos/plugin-drizzle';
import RelayPlugin, { encodeGlobalID } from '@pothos/plugin-relay';
import ScopeAuthPlugin from '@pothos/plugin-scope-auth';
import ZodPlugin from '@pothos/plugin-zod';
import { getTableConfig } from 'drizzle-orm/sqlite-core';
import type { GraphQLFieldResolver } from 'graphql';
import { DateResolver, DateTimeResolver, JSONResolver } from 'graphql-scalars';
import { createGraphQLError } from 'graphql-yoga';
import { hasScope, type Context } from '../context.js';
import type { Db } from '../db/client.js';
import { relations } from '../db/relations.js';
import { InputValidationError } from '../domain/errors.js';
import { canSee } from '../domain/connectors/visibility.js';
import { existingConnectorIds } from '../domain/connectors/store.js';
import { AuditPlugin } from './audit-plugin.js';

/**
 * Mutations that return a payload with `userErrors` mark themselves with
 * `extensions: { validationAsUserErrors: true }`; this plugin, placed before the zod plugin,
 * turns that field's input-validation failure into `{ userErrors }` instead of a top-level error.
 */
class ValidationAsUserErrorsPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (!fieldConfig.extensions?.validationAsUserErrors) return resolver;
    return async (parent, args, context, info) => {
      try {
        return await resolver(parent, args, context, info);
      } catch (error) {
        if (error instanceof InputValidationError) return { userErrors: error.userErrors };
        throw error;
      }
    };
  }
}

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      validationAsUserErrors: ValidationAsUserErrorsPlugin<Types>;
      syncGlobalID: SyncGlobalIDPlugin<Types>;
      audit: AuditPlugin<Types>;
    }
  }
}

const audit = 'audit' as const;
SchemaBuilder.registerPlugin(audit, AuditPlugin);

const validationAsUserErrors = 'validationAsUserErrors' as const;
SchemaBuilder.registerPlugin(validationAsUserErrors, ValidationAsUserErrorsPlugin);

/**
 * A node's `id` field marked with `extensions: { syncGlobalID: true }` is encoded synchronously from
 * the row's `id`. plugin-relay resolves every global ID through a promise, which makes graphql-js
 * complete each row of a list asynchronously: 8% of the headline page's time. Same encoding.
 */
class SyncGlobalIDPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types['Context'], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types['Context'], object> {
    if (!fieldConfig.extensions?.syncGlobalID) return resolver;
    const typename = fieldConfig.parentType;
    // A list encodes the same few thousand IDs over and over: each is encoded once (base64 of
    // `Type:id` cost more than a lookup), up to GLOBAL_IDS_KEPT per type, then the set starts again.
    const encoded = new Map<number | string, string>();
    return (parent) => {
      const id = (parent as { id: number | string }).id;
      let globalId = encoded.get(id);
      if (globalId === undefined) {
        globalId = encodeGlobalID(typename, String(id));
        if (encoded.size >= GLOBAL_IDS_KEPT) encoded.clear();
        encoded.set(id, globalId);
      }
      return globalId;
    };
  }
}

/** How many encoded global IDs a node type keeps. */
const GLOBAL_IDS_KEPT = 20_000;

const syncGlobalID = 'syncGlobalID' as const;
SchemaBuilder.registerPlugin(syncGlobalID, SyncGlobalIDPlugin);

function visibleNode(node: unknown, ctx: Context): unknown {
  if (node && typeof node === 'object' && 'organization' in node && 'definitionId' in node) {
    return canSee(ctx.visibility, (node as { organization: string | null }).organization) ? node : null;
  }
  return node ?? null;
}

/**
 * The global IDs whose connector exists, others (unknown rows, other type names) as null. plugin-drizzle's
 * loader rejects a missing row with an error, and fails every other ID of the same `nodes` batch with it;
 * an ID that names nothing is simply null.
 */
async function presentIds<T extends { id: string; typename: string }>(ctx: Context, ids: readonly T[]): Promise<(T | null)[]> {
  const rowIds = ids.map((g) => (g.typename === 'Connector' && /^\d{1,15}$/.test(g.id) ? Number(g.id) : null));
  const present = await existingConnectorIds(
    ctx.db,
    rowIds.filter((id): id is number => id !== null),
  );
  return ids.map((g, i) => (rowIds[i] !== null && present.has(rowIds[i]!) ? g : null));
}

export interface PothosTypes {
  Context: Context;
  DrizzleRelations: typeof relations;
  DefaultFieldNullability: false;
  AuthScopes: { certify: boolean; publish: boolean; import: boolean; admin: boolean };
  Scalars: {
    ID: { Input: string; Output: string | number };
    DateTime: { Input: Date; Output: Date | string };
    Date: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}

export const builder = new SchemaBuilder<PothosTypes>({
  // Fields are non-null unless they say otherwise: clients get precise types.
  defaultFieldNullability: false,
  // Order matters: the audit row is written around everything (a refusal included), scope checks run
  // next (nothing is validated or read for a refused caller), then validation failures become
  // userErrors, then the rest.
  plugins: [audit, ScopeAuthPlugin, validationAsUserErrors, RelayPlugin, ZodPlugin, DrizzlePlugin, syncGlobalID],
  drizzle: {
    client: (ctx: Context): Db => ctx.db,
    getTableConfig,
    relations,
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    idFieldOptions: { description: 'The global ID, for `node(id:)`.' },
    // A node lookup goes around the list filters, so it applies the same visibility rule itself:
    // a private connector of another organization is null, as if it did not exist.
    nodeQueryOptions: {
      description: 'Fetches any object that has a global ID; null when there is none you may see.',
      args: { id: { description: 'A global ID, as returned by an `id` field.' } },
      resolve: async (_root, args, ctx, _info, resolveNode) => {
        const [id] = await presentIds(ctx, [args.id]);
        return id ? visibleNode(await resolveNode(id), ctx) : null;
      },
    },
    nodesQueryOptions: {
      description: 'Fetches several objects by their global IDs, in order; null for each you may not see.',
      args: { ids: { description: 'Global IDs, as returned by `id` fields.' } },
      resolve: async (_root, args, ctx, _info, resolveNodes) => {
        // plugin-relay's resolveNodes loads args.ids whatever it is passed, so the narrowing goes there.
        const ids = (await presentIds(ctx, args.ids)) as typeof args.ids;
        (args as { ids: typeof ids }).ids = ids;
        return (await resolveNodes(ids)).map((n) => visibleNode(n, ctx));
      },
    },
    nodeTypeOptions: { description: 'An object with a global ID that `node` can fetch again.' },
    pageInfoTypeOptions: { description: 'Where a page sits in a connection, for fetching the next one.' },
    hasNextPageFieldOptions: { description: 'Whether more items follow this page.' },
    hasPreviousPageFieldOptions: { description: 'Whether items come before this page (true when `after` was given).' },
    startCursorFieldOptions: { description: 'The cursor of the first item of the page; null when the page is empty.' },
    endCursorFieldOptions: { description: 'The cursor of the last item; pass it as `after` for the next page.' },
  },
  zod: {
    validationError: (error) => InputValidationError.fromZod(error),
  },
  scopeAuth: {
    authScopes: (ctx) => ({
      certify: hasScope(ctx, 'certify'),
      publish: hasScope(ctx, 'publish'),
      import: hasScope(ctx, 'import'),
      admin: hasScope(ctx, 'admin'),
    }),
    unauthorizedError: (_parent, ctx, info) =>
      ctx.viewer
        ? createGraphQLError(`This token lacks the scope that ${info.fieldName} needs.`, {
            extensions: { code: 'FORBIDDEN', http: { status: 403 } },
          })
        : createGraphQLError(`${info.fieldName} needs an API token: send Authorization: Bearer <token>.`, {
            extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } },
          }),
  },
});

// Timestamps are stored as ISO-8601 text and dates as YYYY-MM-DD: both serialize unchanged.
builder.addScalarType('DateTime', DateTimeResolver, {});
builder.addScalarType('Date', DateResolver, {});
builder.addScalarType('JSON', JSONResolver, {});

builder.queryType({ description: 'Read the connector registry and its support policy.' });
builder.mutationType({ description: 'Change the registry. Every mutation needs an API token with the right scope.' });
