// The Connector type, its breaking changes and certification history, and the queries that list them.
import { connectors, RELEASE_STAGE_KEYS, SUPPORT_LEVEL_KEYS, type DeploymentKey } from '../db/schema.js';
import { connectorPage, connectorPageQuery, CURSOR_COLUMNS, MAX_PAGE_SIZE, toPage, type ConnectorColumn } from '../domain/connectors/page.js';
import { availabilityOf, countConnectors, type ConnectorFilter, type ConnectorOrder, type ConnectorRow } from '../domain/connectors/store.js';
import { getTableColumns, sql } from 'drizzle-orm';
import { Kind, type FieldNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { Context } from '../context.js';
import { visibleSql } from '../domain/connectors/visibility.js';
import { builder, ROW_PROPERTY } from './builder.js';
import { findPlannedStatement, NOT_KEPT, plannedStatement, type PlannedRows } from './planned-statements.js';
import { literalLimit } from '../db/limit.js';
import { connectionType } from './connection.js';
import {
  CertificationSourceEnum,
  ConnectorOrderFieldEnum,
  ConnectorTypeEnum,
  DeadlineActionEnum,
  DeploymentEnum,
  OrderDirectionEnum,
  ReleaseStageEnum,
  SupportLevelEnum,
} from './enums.js';
import { SupportAnswerRef } from './support.js';

const StreamScope = builder
  .objectRef<{ scopeType: string; impactedScopes: string[] }>('ScopedImpact')
  .implement({
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
    upgradeDeadline: t.exposeString('upgradeDeadline', {
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
    announcedAt: t.exposeString('createdAt', { description: 'When the change was recorded here (ISO-8601, UTC).' }),
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
    createdAt: t.exposeString('createdAt', { description: 'When the change was made (ISO-8601, UTC).' }),
    connector: t.relation('connector', { description: 'The connector that changed.' }),
  }),
});

/**
 * The order a connector's breaking changes load in, latest deadline first: shared by every field that
 * loads the relation, so plugin-drizzle merges them into one (see jitSafe in operations.ts).
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

// Scalar columns are resolved from the row directly rather than with t.expose*: an exposed column goes
// through plugin-drizzle's per-field loader check, which costs ~2 µs a field, and the type's default
// selection loads every column anyway (in-process, 50 connectors × 10 fields: 1.9 ms before, 1.2 ms after).
export const Connector = builder.drizzleNode('connectors', {
  name: 'Connector',
  description: 'A data connector: a source that reads from a system or a destination that writes to one.',
  id: { column: (c) => c.id, description: 'The global ID, for `node(id:)` and `certifyConnector`.', extensions: { syncGlobalID: true } },
  // Every column, the deployments it is enabled on (`enabled_on`, what availableOn and support read)
  // included, is part of the type's own selection, so those fields need no per-field planning. The
  // deployments are a comma-separated column kept by triggers: a JSON array of availability rows per
  // connector cost twice as much to build and parse, a group_concat subquery per row ~1 µs a row.
  select: { columns: ALL_CONNECTOR_COLUMNS },
  fields: (t) => ({
    definitionId: t.string({ resolve: (c) => c.definitionId, extensions: ROW_PROPERTY, description: "Airbyte's definition UUID." }),
    slug: t.string({ resolve: (c) => c.slug, extensions: ROW_PROPERTY, description: 'The unique short name, e.g. source-postgres.' }),
    name: t.string({ resolve: (c) => c.name, extensions: ROW_PROPERTY, description: 'Display name.' }),
    type: t.field({ type: ConnectorTypeEnum, resolve: (c) => c.type, extensions: ROW_PROPERTY, description: 'Source or destination.' }),
    supportLevel: t.field({ type: SupportLevelEnum, resolve: (c) => c.supportLevel, extensions: ROW_PROPERTY, description: 'Who maintains it and how it is supported.' }),
    releaseStage: t.field({
      type: ReleaseStageEnum,
      resolve: (c) => c.releaseStage,
      extensions: ROW_PROPERTY,
      nullable: true,
      description: 'The older maturity label from the registry.',
    }),
    dockerRepository: t.string({ resolve: (c) => c.dockerRepository, extensions: ROW_PROPERTY, description: 'The image repository, e.g. airbyte/source-postgres.' }),
    dockerImageTag: t.string({ resolve: (c) => c.dockerImageTag, extensions: ROW_PROPERTY, description: 'The current image tag (version).' }),
    documentationUrl: t.string({ resolve: (c) => c.documentationUrl, extensions: ROW_PROPERTY, nullable: true, description: 'The documentation page.' }),
    iconUrl: t.string({ resolve: (c) => c.iconUrl, extensions: ROW_PROPERTY, nullable: true, description: 'The icon.' }),
    language: t.string({ resolve: (c) => c.language, extensions: ROW_PROPERTY, nullable: true, description: 'Implementation language, e.g. python, java, manifest-only.' }),
    license: t.string({ resolve: (c) => c.license, extensions: ROW_PROPERTY, nullable: true, description: 'The license, e.g. ELv2, MIT.' }),
    subtype: t.string({ resolve: (c) => c.subtype, extensions: ROW_PROPERTY, nullable: true, description: 'Kind of system, e.g. api, database, file.' }),
    tags: t.stringList({ resolve: (c) => c.tags, extensions: ROW_PROPERTY, description: 'Registry tags, e.g. language:python, cdk:low-code.' }),
    releaseDate: t.string({ resolve: (c) => c.releaseDate, extensions: ROW_PROPERTY, nullable: true, description: 'First release date (YYYY-MM-DD).' }),
    internalSupportLevel: t.int({
      resolve: (c) => c.internalSl,
      nullable: true,
      description: "Airbyte's internal support level (ab_internal.sl: 0, 100, 200, 300).",
    }),
    internalQualityLevel: t.int({
      resolve: (c) => c.internalQl,
      nullable: true,
      description: "Airbyte's internal quality level (ab_internal.ql: 0 to 600).",
    }),
    availableOn: t.field({
      type: [DeploymentEnum],
      description: 'The deployments where the connector is available, in display order.',
      resolve: (c, _args, ctx) => ctx.catalog.deployments.map((d) => d.key).filter((d) => isEnabledOn(c, d)),
    }),
    support: t.field({
      type: SupportAnswerRef,
      description: 'The support this connector gets on a deployment.',
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
    }),
    certificationHistory: t.relation('certificationEvents', {
      description: 'Support-level changes, newest first.',
      query: { orderBy: { id: 'desc' } },
    }),
    revision: t.int({
      resolve: (c) => c.revision,
      extensions: ROW_PROPERTY,
      description: 'Bumped on every change; pass it as expectedRevision to refuse a change to a connector you read earlier.',
    }),
    createdAt: t.string({ resolve: (c) => c.createdAt, extensions: ROW_PROPERTY, description: 'When the connector was added (ISO-8601, UTC).' }),
    updatedAt: t.string({ resolve: (c) => c.updatedAt, extensions: ROW_PROPERTY, description: 'When the connector last changed (ISO-8601, UTC).' }),
  }),
});

/** The kept statement of `connector(slug:)`: one connector row (with what the plan loads) or none. */
interface ConnectorBySlug {
  execute(values: { slug: string }): { sync(): unknown[] };
}

function firstRow(statement: ConnectorBySlug, slug: string): unknown {
  return statement.execute({ slug }).sync()[0] ?? null;
}

/**
 * The columns each Connector field reads, for the fields that read nothing but their own row. A list
 * whose nodes select only these is read with just those columns (src/domain/connectors/page.ts:
 * connectorPage); a field missing here (a relation, supportState) sends the list through
 * plugin-drizzle's planner instead.
 */
const ROW_FIELDS: Record<string, readonly ConnectorColumn[]> = {
  __typename: [],
  id: ['id'],
  definitionId: ['definitionId'],
  slug: ['slug'],
  name: ['name'],
  type: ['type'],
  supportLevel: ['supportLevel'],
  releaseStage: ['releaseStage'],
  dockerRepository: ['dockerRepository'],
  dockerImageTag: ['dockerImageTag'],
  documentationUrl: ['documentationUrl'],
  iconUrl: ['iconUrl'],
  language: ['language'],
  license: ['license'],
  subtype: ['subtype'],
  tags: ['tags'],
  releaseDate: ['releaseDate'],
  internalSupportLevel: ['internalSl'],
  internalQualityLevel: ['internalQl'],
  availableOn: ['enabledOn'],
  support: ['supportLevel', 'enabledOn'],
  revision: ['revision'],
  createdAt: ['createdAt'],
  updatedAt: ['updatedAt'],
};

/**
 * Fields of a connector whose data plugin-drizzle's plan loads beside the row (relations, `select`
 * fields), with the columns of the row they read themselves.
 */
const PLANNED_FIELDS: Record<string, readonly ConnectorColumn[]> = {
  breakingChanges: [],
  certificationHistory: [],
  supportState: ['dockerImageTag'],
};

/** The fields of a connector a detail can read from its planned row. */
const DETAIL_FIELDS = { ...ROW_FIELDS, ...PLANNED_FIELDS };

/**
 * The columns a selection of connectors reads, starting at a connection's selection or at a
 * connector's own, or null when some field is not one of `fields` (it may need any column).
 * Directives are not evaluated: a field under `@include(if: false)` still counts. The answer depends
 * only on the document, so it is worked out once per field node (when the field is asked once).
 */
function selectedColumns(info: GraphQLResolveInfo, start: 'connection' | 'node', fields: Record<string, readonly ConnectorColumn[]>): ReadonlySet<ConnectorColumn> | null {
  const single = info.fieldNodes.length === 1 ? info.fieldNodes[0]! : null;
  let known = columnsByField.get(fields);
  if (!known) columnsByField.set(fields, (known = new WeakMap()));
  if (single && known.has(single)) return known.get(single)!;
  const columns = new Set<ConnectorColumn>();
  const all = info.fieldNodes.every((node) => visitColumns(node.selectionSet, start, info.fragments, fields, columns));
  const result = all ? columns : null;
  if (single) known.set(single, result);
  return result;
}

const columnsByField = new WeakMap<object, WeakMap<FieldNode, ReadonlySet<ConnectorColumn> | null>>();

/** Adds the columns read beneath `set` (at `level` of a connection) to `columns`; false when a field is not one of `fields`. */
function visitColumns(
  set: SelectionSetNode | undefined,
  level: 'connection' | 'edge' | 'node',
  fragments: GraphQLResolveInfo['fragments'],
  fields: Record<string, readonly ConnectorColumn[]>,
  columns: Set<ConnectorColumn>,
): boolean {
  for (const selection of set?.selections ?? []) {
    if (selection.kind === Kind.FRAGMENT_SPREAD) {
      const fragment = fragments[selection.name.value];
      if (!fragment || !visitColumns(fragment.selectionSet, level, fragments, fields, columns)) return false;
    } else if (selection.kind === Kind.INLINE_FRAGMENT) {
      if (!visitColumns(selection.selectionSet, level, fragments, fields, columns)) return false;
    } else if (level === 'connection') {
      if (selection.name.value === 'edges' && !visitColumns(selection.selectionSet, 'edge', fragments, fields, columns)) return false;
    } else if (level === 'edge') {
      if (selection.name.value === 'node' && !visitColumns(selection.selectionSet, 'node', fragments, fields, columns)) return false;
    } else {
      const read = fields[selection.name.value];
      if (!read) return false;
      for (const column of read) columns.add(column);
    }
  }
  return true;
}

/** The columns the nodes of a connection selection read, or null when some field needs more than its row. */
function rowColumns(info: GraphQLResolveInfo): ReadonlySet<ConnectorColumn> | null {
  return selectedColumns(info, 'connection', ROW_FIELDS);
}

/**
 * The connector columns a planned `connector(slug:)` selection reads (the id always), or null for
 * all of them. The type's own selection is every column, so that its fields need no planning; a
 * detail that asks for five of them reads five (and SQLite, better-sqlite3 and drizzle handle five).
 */
function detailColumns(info: GraphQLResolveInfo): Record<string, true> | null {
  const columns = selectedColumns(info, 'node', DETAIL_FIELDS);
  return columns && Object.fromEntries(['id', ...columns].map((c) => [c, true]));
}

/** A connector row from a mutation, with its deployments read now (a row returned by an insert predates its availability rows). */
export function connectorForPayload(ctx: Context, row: ConnectorRow | null | undefined) {
  if (!row) return null;
  const on = availabilityOf(ctx.db, row.id).filter((a) => a.enabled).map((a) => a.deployment);
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
  }),
});

export const ConnectorOrderInput = builder.inputType('ConnectorOrder', {
  description: 'How to sort a connector list.',
  fields: (t) => ({
    field: t.field({ type: ConnectorOrderFieldEnum, required: true, description: 'What to sort by.' }),
    direction: t.field({ type: OrderDirectionEnum, required: true, defaultValue: 'asc', description: 'Which way.' }),
  }),
});

/** How a page counts the connectors its filter matches, when totalCount is asked. */
function counter(filter: ConnectorFilter | null | undefined): (c: Context) => number {
  // Returned unnamed: tsx names a function bound to a name with a defineProperty call each time one is made.
  return (c) => countConnectors(c.db, filter, c.catalog, c.visibility);
}

const ConnectorConnection = connectionType('Connector', Connector, 'connector');

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
    },
    resolve: (_root, args, ctx, info) => {
      const order = (args.orderBy as ConnectorOrder | null | undefined) ?? null;
      const filter = args.filter as ConnectorFilter | null | undefined;
      const input = { db: ctx.db, filter, order, first: args.first, after: args.after, catalog: ctx.catalog, visibility: ctx.visibility };
      // Nodes that read only their own row: just the columns they select (the headline page reads 12
      // of 22, which halves the SQL time), without the planner. Otherwise plugin-drizzle plans the
      // whole selection, relations included, into the same single statement.
      const columns = rowColumns(info);
      const rows = (
        columns
          ? connectorPage({ ...input, columns })
          : ctx.db.query.connectors
              .findMany(
                t.drizzleQueryFromInfo('connectors', {
                  context: ctx,
                  info,
                  path: ['edges', 'node'],
                  // The columns the cursor needs, whatever the client selected.
                  columns: CURSOR_COLUMNS,
                  ...connectorPageQuery(input),
                } as never),
              )
              .sync()
      ) as unknown as ({ id: number } & Record<string, unknown>)[];
      return {
        ...toPage(rows, { first: args.first, after: args.after, order }),
        count: counter(filter),
      };
    },
  }),
  connector: t.drizzleField({
    type: 'connectors',
    nullable: true,
    description: 'One connector by slug, or null when there is none.',
    args: { slug: t.arg.string({ required: true, description: 'The slug, e.g. source-postgres.' }) },
    extensions: {
      // A compiled operation answers from the kept statement without planning again.
      plannedRows: {
        kept: (_root, args, ctx, info) => {
          const statement = findPlannedStatement<ConnectorBySlug>(ctx.db, info, 'slug', [ctx.visibility]);
          return statement ? firstRow(statement, args.slug as string) : NOT_KEPT;
        },
      } satisfies PlannedRows,
    },
    resolve: (query, _root, args, ctx, info) => {
      // plugin-drizzle plans the selection (and records how to map the row) on every request; the
      // statement built from that plan is the same for the same document, so it is kept with it, the
      // slug left as a placeholder. findMany with a literal limit: findFirst binds `limit 1`, which
      // makes SQLite compile the statement again on every run (src/db/limit.ts).
      const config = query({ where: { slug: sql.placeholder('slug'), RAW: (t) => visibleSql(t, ctx.visibility) ?? sql`1` }, limit: literalLimit(1) as never });
      const statement = plannedStatement(ctx.db, info, 'slug', [ctx.visibility], () => {
        const columns = detailColumns(info);
        return ctx.db.query.connectors.findMany((columns ? { ...config, columns } : config) as never).prepare();
      });
      return firstRow(statement, args.slug) as never;
    },
  }),
}));

