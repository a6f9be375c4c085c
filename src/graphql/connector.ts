// The Connector type, its breaking changes and certification history, and the queries that list them.
import { connectors, METRIC_LEVEL_KEYS, RELEASE_STAGE_KEYS, SUPPORT_LEVEL_KEYS, type DeploymentKey } from '../db/schema.js';
import { connectorPage, connectorPageQuery, CURSOR_COLUMNS, MAX_PAGE_SIZE, toPage } from '../domain/connectors/page.js';
import {
  availabilityOf,
  connectorBySlugQuery,
  connectorBySlugStatement,
  countConnectors,
  plannedConnectorRows,
  type ConnectorFilter,
  type ConnectorOrder,
  type ConnectorRow,
} from '../domain/connectors/store.js';
import { getTableColumns } from 'drizzle-orm';
import type { GraphQLResolveInfo } from 'graphql';
import type { Context } from '../context.js';
import { type MaybePromise, thenNow } from '../db/maybe-async.js';
import { firstRow, KeptUntilChange, keptStatement, plannedStatement, selectedColumns, selectsOnlyNodes, type PlannedRows } from '../fast-lane/index.js';
import { builder } from './builder.js';
import { column, plannedWith, readsColumns, renamedColumn } from './columns.js';
import { connectionType, type ConnectionShape } from './connection.js';
import { ConnectorFacetsRef, facetsAsOf, facetsOf } from './facets.js';
import type { ConnectorFacets } from '../domain/connectors/facets.js';
import {
  CertificationSourceEnum,
  ConnectorOrderFieldEnum,
  ConnectorTypeEnum,
  DeadlineActionEnum,
  DeploymentEnum,
  MetricLevelEnum,
  OrderDirectionEnum,
  ReleaseStageEnum,
  SupportLevelEnum,
} from './enums.js';
import { SupportAnswerRef } from './support.js';
import { connectorsAsOf, instant, rowsAsOf } from './as-of.js';
import { asOfBySlug } from '../domain/history/store.js';

const StreamScope = builder.objectRef<{ scopeType: string; impactedScopes: string[] }>('ScopedImpact').implement({
  description: 'The part of a connector a breaking change touches.',
  fields: (t) => ({
    scopeType: t.exposeString('scopeType', { description: 'What kind of scope; always "stream" today.' }),
    impactedScopes: t.exposeStringList('impactedScopes', { description: 'The names of the streams affected.' }),
  }),
});

export const BreakingChange = builder.drizzleObject('breakingChanges', {
  name: 'BreakingChange',
  description: 'A breaking change announced for a connector version, with its upgrade deadline.',
  // Only the columns of the fields asked for: each exposed field selects its own column.
  select: { columns: { id: true } },
  fields: (t) => ({
    version: t.exposeString('version', { description: 'The version that breaks, e.g. 5.0.0.' }),
    upgradeDeadline: t.expose('upgradeDeadline', {
      type: 'Date',
      description: 'The date (YYYY-MM-DD) by which users must upgrade.',
    }),
    message: t.exposeString('message', { description: 'What changes and what users must do.' }),
    migrationDocumentationUrl: t.exposeString('migrationDocumentationUrl', {
      nullable: true,
      description: 'The migration guide for this version.',
    }),
    deadlineAction: t.expose('deadlineAction', {
      type: DeadlineActionEnum,
      nullable: true,
      description: 'What happens at the deadline to connections still on an older version.',
    }),
    scopedImpact: t.field({
      type: [StreamScope],
      nullable: true,
      description: 'The streams affected, when the change does not affect the whole connector.',
      select: { columns: { scopedImpact: true } },
      resolve: (b) => b.scopedImpact,
    }),
    announcedAt: t.expose('createdAt', { type: 'DateTime', description: 'When the change was recorded here (ISO-8601, UTC).' }),
  }),
});

export const CertificationEvent = builder.drizzleObject('certificationEvents', {
  name: 'CertificationEvent',
  description: "An entry in a connector's audit log of support-level changes.",
  select: { columns: { id: true } },
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The event number, increasing over time.' }),
    fromLevel: t.expose('fromLevel', { type: SupportLevelEnum, description: 'The level before the change.' }),
    toLevel: t.expose('toLevel', { type: SupportLevelEnum, description: 'The level after the change.' }),
    actor: t.exposeString('actor', { description: 'The name of the token (or import) that made the change.' }),
    reason: t.exposeString('reason', { description: 'Why the change was made.' }),
    evidence: t.exposeString('evidence', { nullable: true, description: 'Links or notes backing the change.' }),
    source: t.expose('source', { type: CertificationSourceEnum, description: 'What made the change.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When the change was made (ISO-8601, UTC).' }),
    connector: t.relation('connector', { description: 'The connector that changed.' }),
  }),
});

/**
 * The order a connector's breaking changes load in, latest deadline first: shared by every field that
 * loads the relation, so plugin-drizzle merges them into one (see jitSafe in src/fast-lane/compiled-schema.ts).
 */
export const BREAKING_CHANGES_ORDER = { upgradeDeadline: 'desc', id: 'desc' } as const;

/** Whether `deployment` is one of the comma-separated deployments in an `enabledOn` column. */
function isEnabledOn(c: { enabledOn: string | null }, deployment: DeploymentKey): boolean {
  const on = c.enabledOn;
  if (!on) return false;
  // Asked for every connector of a page: found in place, without splitting or looking the value up.
  for (let at = on.indexOf(deployment); at >= 0; at = on.indexOf(deployment, at + 1)) {
    const end = at + deployment.length;
    if ((at === 0 || on[at - 1] === ',') && (end === on.length || on[end] === ',')) return true;
  }
  return false;
}

const ALL_CONNECTOR_COLUMNS = Object.fromEntries(Object.keys(getTableColumns(connectors)).map((k) => [k, true])) as {
  [K in keyof typeof connectors.$inferSelect]: true;
};

/** The row of a Connector, for the column fields below. */
const col = <K extends keyof ConnectorRow & string>(key: K) => column<ConnectorRow, K>(key);
const renamed = <K extends keyof ConnectorRow & string>(key: K) => renamedColumn<ConnectorRow, K>(key);

// Scalar columns are resolved from the row directly rather than with t.expose*: an exposed column goes
// through plugin-drizzle's per-field loader check, and the type's own selection loads every column anyway.
export const Connector = builder.drizzleNode('connectors', {
  name: 'Connector',
  description: 'A data connector: a source that reads from a system or a destination that writes to one.',
  id: {
    column: (c) => c.id,
    description: 'The global ID, for `node(id:)` and `certifyConnector`.',
    extensions: { syncGlobalID: true, ...readsColumns('id') },
  },
  // Every column, the deployments it is enabled on (`enabled_on`, what availableOn and support read)
  // included, is part of the type's own selection, so those fields need no per-field planning. The
  // deployments are a comma-separated column kept by triggers: cheaper to read than a JSON array of
  // availability rows or a group_concat subquery per row.
  select: { columns: ALL_CONNECTOR_COLUMNS },
  fields: (t) => ({
    definitionId: t.string({ ...col('definitionId'), description: "Airbyte's definition UUID." }),
    slug: t.string({ ...col('slug'), description: 'The unique short name, e.g. source-postgres.' }),
    name: t.string({ ...col('name'), description: 'Display name.' }),
    type: t.field({ type: ConnectorTypeEnum, ...col('type'), description: 'Source or destination.' }),
    supportLevel: t.field({ type: SupportLevelEnum, ...col('supportLevel'), description: 'Who maintains it and how it is supported.' }),
    releaseStage: t.field({
      type: ReleaseStageEnum,
      ...col('releaseStage'),
      nullable: true,
      description: 'The older maturity label from the registry.',
    }),
    dockerRepository: t.string({
      ...col('dockerRepository'),
      description:
        "The image repository of the OSS default, e.g. airbyte/source-postgres: what the OSS registry lists (the cloud registry's, for a connector only Cloud lists). A deployment may run another image, e.g. airbyte/destination-postgres-strict-encrypt on Cloud: see `availability`.",
    }),
    dockerImageTag: t.string({
      ...col('dockerImageTag'),
      description:
        "The OSS default version (image tag): what the OSS registry lists (the cloud registry's, for a connector only Cloud lists). A deployment may pin another version: see `availability`.",
    }),
    documentationUrl: t.string({ ...col('documentationUrl'), nullable: true, description: 'The documentation page.' }),
    iconUrl: t.string({ ...col('iconUrl'), nullable: true, description: 'The icon.' }),
    language: t.string({ ...col('language'), nullable: true, description: 'Implementation language, e.g. python, java, manifest-only.' }),
    license: t.string({ ...col('license'), nullable: true, description: 'The license, e.g. ELv2, MIT.' }),
    subtype: t.string({ ...col('subtype'), nullable: true, description: 'Kind of system, e.g. api, database, file.' }),
    tags: t.stringList({ ...col('tags'), description: 'Registry tags, e.g. language:python, cdk:low-code.' }),
    releaseDate: t.field({ type: 'Date', ...col('releaseDate'), nullable: true, description: 'First release date (YYYY-MM-DD).' }),
    internalSupportLevel: t.int({
      ...renamed('internalSl'),
      nullable: true,
      description: "Airbyte's internal support level (ab_internal.sl: 0, 100, 200, 300).",
    }),
    internalQualityLevel: t.int({
      ...renamed('internalQl'),
      nullable: true,
      description: "Airbyte's internal quality level (ab_internal.ql: 0 to 600).",
    }),
    maxSecondsBetweenMessages: t.int({
      ...col('maxSecondsBetweenMessages'),
      nullable: true,
      description:
        "A source's heartbeat limit from the registry (maxSecondsBetweenMessages): the most seconds it may go without a message before the platform fails the sync; null when the registry sets none and the platform default applies.",
    }),
    availableOn: t.field({
      type: [DeploymentEnum],
      description: 'The deployments where the connector is available, in display order.',
      extensions: readsColumns('enabledOn'),
      resolve: (c, _args, ctx) => ctx.catalog.deployments.map((d) => d.key).filter((d) => isEnabledOn(c, d)),
    }),
    support: t.field({
      type: SupportAnswerRef,
      description: 'The support this connector gets on a deployment.',
      extensions: readsColumns('supportLevel', 'enabledOn'),
      args: {
        deployment: t.arg({ type: DeploymentEnum, required: true, description: 'The deployment to ask about.' }),
        premiumSupport: t.arg.boolean({
          required: true,
          defaultValue: true,
          description: 'Whether the customer has Premium Support in the contract.',
        }),
      },
      resolve: (c, args, ctx) =>
        ctx.catalog.answer({
          supportLevel: c.supportLevel,
          deployment: args.deployment,
          available: isEnabledOn(c, args.deployment),
          premiumSupport: args.premiumSupport,
        }),
    }),
    breakingChanges: t.relation('breakingChanges', {
      description: 'Announced breaking changes, latest deadline first.',
      query: { orderBy: BREAKING_CHANGES_ORDER },
      extensions: plannedWith(),
    }),
    certificationHistory: t.relation('certificationEvents', {
      description: 'Support-level changes, newest first.',
      query: { orderBy: { id: 'desc' } },
      extensions: plannedWith(),
    }),
    revision: t.int({
      ...col('revision'),
      description: 'Bumped on every change; pass it as expectedRevision to refuse a change to a connector you read earlier.',
    }),
    createdAt: t.field({ type: 'DateTime', ...col('createdAt'), description: 'When the connector was added (ISO-8601, UTC).' }),
    updatedAt: t.field({ type: 'DateTime', ...col('updatedAt'), description: 'When the connector last changed (ISO-8601, UTC).' }),
  }),
});

/** `connector(slug:, asOf:)`: the planned row of the connector that had the slug at `at`, as it was then. */
async function connectorAsOf(ctx: Context, slug: string, at: string, plan: (id: number) => object) {
  const state = await asOfBySlug(ctx.db, slug, at, ctx.visibility);
  if (!state) return null;
  const rows = await rowsAsOf(ctx, [state.id], at, () => plannedConnectorRows(ctx.db, plan(state.id)) as never);
  return rows[0] ?? null;
}

/** The connector columns a `connector(slug:)` selection reads (the id always), or null for all of them. */
function detailColumns(info: GraphQLResolveInfo): Record<string, true> | null {
  const columns = selectedColumns(info, 'node', true);
  return columns && Object.fromEntries(['id', ...columns].map((c) => [c, true]));
}

/** A connector row from a mutation, with its deployments read now (a row returned by an insert predates its availability rows). */
export async function connectorForPayload(ctx: Context, row: ConnectorRow | null | undefined) {
  if (!row) return null;
  const on = (await availabilityOf(ctx.db, row.id)).filter((a) => a.enabled).map((a) => a.deployment);
  return { ...row, enabledOn: on.length ? on.join(',') : null };
}

export const ConnectorFilterInput = builder.inputType('ConnectorFilter', {
  description: 'Narrows a connector list. Every given condition must hold.',
  fields: (t) => ({
    type: t.field({ type: ConnectorTypeEnum, description: 'Only sources or only destinations.' }),
    supportLevels: t.field({
      type: [SupportLevelEnum],
      description: 'Only these support levels.',
      validate: { maxLength: SUPPORT_LEVEL_KEYS.length },
    }),
    supportedOn: t.field({ type: DeploymentEnum, description: 'Only connectors available on this deployment.' }),
    withSla: t.boolean({
      description:
        'With supportedOn: true keeps connectors whose policy there offers an official SLA (with Premium Support), false the others. Without supportedOn: an SLA on any deployment where the connector is available.',
    }),
    releaseStages: t.field({
      type: [ReleaseStageEnum],
      description: 'Only these release stages.',
      validate: { maxLength: RELEASE_STAGE_KEYS.length },
    }),
    search: t.string({ description: 'Part of the name or slug, case-insensitive.', validate: { maxLength: 200 } }),
    language: t.string({ description: 'Only this implementation language, e.g. python.', validate: { maxLength: 100 } }),
    usage: t.field({
      type: [MetricLevelEnum],
      description: 'Only these usage levels over all platforms (Connector.usage); connectors without a figure match none.',
      validate: { maxLength: METRIC_LEVEL_KEYS.length },
    }),
    syncSuccessRate: t.field({
      type: [MetricLevelEnum],
      description: 'Only these sync success rates over all platforms (Connector.syncSuccessRate); connectors without a figure match none.',
      validate: { maxLength: METRIC_LEVEL_KEYS.length },
    }),
  }),
});

export const ConnectorOrderInput = builder.inputType('ConnectorOrder', {
  description: 'How to sort a connector list.',
  fields: (t) => ({
    field: t.field({ type: ConnectorOrderFieldEnum, required: true, description: 'What to sort by.' }),
    direction: t.field({ type: OrderDirectionEnum, required: true, defaultValue: 'asc', description: 'Which way.' }),
  }),
});

const ASOF_DESCRIPTION =
  "As of this instant (ISO-8601): every field as it was then, by when each change took effect at its source (a registry entry's generation time, an import's --as-of date, an API change's time); connectors that did not exist then are left out. Omitted: now.";

/** Counts are kept until the database changes: a count reads every matching row, and a page asks for it each time. */
const counts = new KeptUntilChange<number>(1000);

/** How a page counts the connectors its filter matches, when totalCount is asked. */
function counter(filter: ConnectorFilter | null | undefined): (c: Context) => MaybePromise<number> {
  return (c) => counts.get(c.db, JSON.stringify([filter ?? null, c.visibility]), () => countConnectors(c.db, filter, c.catalog, c.visibility));
}

/** Built page statements kept per policy catalog (a page read again skips building its SQL). */
const KEPT_PAGES_MAX = 500;

const ConnectorConnection = connectionType<ConnectionShape & { facets: (ctx: Context) => MaybePromise<ConnectorFacets> }>('Connector', Connector, 'connector');

builder.objectField(ConnectorConnection, 'facets', (t) =>
  t.field({
    type: ConnectorFacetsRef,
    description:
      "Counts for filter chips: how many connectors each support level, deployment, type, SLA and language would give, under the list's other conditions. With `asOf`: counted over the catalog as it was then.",
    resolve: (c, _args, ctx) => c.facets(ctx),
  }),
);

builder.queryFields((t) => ({
  connectors: t.field({
    // The nodes are the rows of plugin-drizzle's plan of this field whenever a field beneath needs one
    // (a lean page is read only when none does).
    extensions: { plannedRows: {} satisfies PlannedRows },
    type: ConnectorConnection,
    description:
      'Connectors matching a filter, a page at a time. Example: `connectors(filter: {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true}, first: 100)` lists every connector with an official SLA on Self-Managed Enterprise.',
    args: {
      filter: t.arg({ type: ConnectorFilterInput, description: 'Which connectors.' }),
      orderBy: t.arg({ type: ConnectorOrderInput, description: 'Sort order; by name by default.' }),
      first: t.arg.int({
        required: true,
        description: `How many connectors to return, 1 to ${MAX_PAGE_SIZE}.`,
        validate: {
          int: true,
          min: [1, { message: 'must be at least 1' }],
          max: [MAX_PAGE_SIZE, { message: `must be at most ${MAX_PAGE_SIZE}` }],
        },
      }),
      after: t.arg.string({ description: 'A cursor from a previous page: return the connectors after it.' }),
      asOf: t.arg({ type: 'DateTime', description: ASOF_DESCRIPTION }),
    },
    resolve: (_root, args, ctx, info) => {
      const order = (args.orderBy as ConnectorOrder | null | undefined) ?? null;
      const filter = args.filter as ConnectorFilter | null | undefined;
      if (args.asOf) {
        const plan = (options: object) => t.drizzleQueryFromInfo('connectors', { context: ctx, info, path: ['edges', 'node'], ...options } as never) as object;
        const at = instant(args.asOf);
        const page = connectorsAsOf(ctx, { filter, order, first: args.first, after: args.after, at }, plan);
        return thenNow(page, (p) => ({ ...p, facets: facetsAsOf(filter, at) }));
      }
      const input = { db: ctx.db, filter, order, first: args.first, after: args.after, catalog: ctx.catalog, visibility: ctx.visibility };
      // Nodes that read only their own row: just the columns they select, without the planner.
      // Otherwise plugin-drizzle plans the whole selection, relations included, into one statement.
      const columns = selectedColumns(info, 'connection', false);
      const rows = columns
        ? connectorPage({ ...input, columns, cursors: !selectsOnlyNodes(info) }, (key, build) => keptStatement(ctx.db, ctx.catalog, key, KEPT_PAGES_MAX, build))
        : plannedConnectorRows(
            ctx.db,
            t.drizzleQueryFromInfo('connectors', {
              context: ctx,
              info,
              path: ['edges', 'node'],
              // The columns the cursor needs, whatever the client selected.
              columns: CURSOR_COLUMNS,
              ...connectorPageQuery(input),
            } as never),
          );
      // Synchronous on SQLite: the fast lane answers such a page in one go.
      return thenNow(rows, (read) => ({
        ...toPage(read, { first: args.first, after: args.after, order }),
        count: counter(filter),
        facets: facetsOf(filter),
      }));
    },
  }),
  connector: t.drizzleField({
    type: 'connectors',
    nullable: true,
    description: 'One connector by slug, or null when there is none.',
    args: {
      slug: t.arg.string({ required: true, description: 'The slug, e.g. source-postgres.' }),
      asOf: t.arg({ type: 'DateTime', description: `${ASOF_DESCRIPTION} Null when no connector had the slug then.` }),
    },
    // A compiled operation answers from the statement kept below without planning again.
    extensions: { plannedRows: { keptBy: 'slug' } satisfies PlannedRows },
    resolve: (query, _root, args, ctx, info) => {
      if (args.asOf) return connectorAsOf(ctx, args.slug, instant(args.asOf), (id) => query({ where: { id } })) as never;
      // plugin-drizzle plans the selection (and records how to map the row) on every request; the
      // statement built from that plan is the same for the same document, so it is kept with it.
      const config = query(connectorBySlugQuery(ctx.visibility));
      const statement = plannedStatement(ctx, info, 'slug', () => connectorBySlugStatement(ctx.db, config, detailColumns(info)));
      return firstRow(statement, 'slug', args.slug) as never;
    },
  }),
}));
