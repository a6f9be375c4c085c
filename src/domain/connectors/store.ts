// Reads and writes of connectors. Every filter a client can ask for is turned into SQL here, once,
// so the list and its totalCount can never disagree.
import { and, count, eq, inArray, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { literalLimit } from '../../db/limit.js';
import { type MaybePromise, readNow, thenNow } from '../../db/maybe-async.js';
import { nameKey } from '../../db/name-key.js';
import {
  breakingChanges,
  connectorAvailability,
  connectors,
  type ConnectorTypeKey,
  type DeploymentKey,
  type MetricLevelKey,
  type ReleaseStageKey,
  type SupportLevelKey,
} from '../../db/schema.js';
import type { PolicyCatalog } from '../support/policy.js';
import { userError, type UserError } from '../errors.js';
import { canSee, visibleSql, type Visibility } from './visibility.js';
import { connectorSeedSchema, type ConnectorSeed } from './input.js';

export type ConnectorRow = typeof connectors.$inferSelect;
export type AvailabilityRow = typeof connectorAvailability.$inferSelect;

export interface ConnectorFilter {
  type?: ConnectorTypeKey | null;
  supportLevels?: readonly SupportLevelKey[] | null;
  supportedOn?: DeploymentKey | null;
  withSla?: boolean | null;
  releaseStages?: readonly ReleaseStageKey[] | null;
  search?: string | null;
  language?: string | null;
  usage?: readonly MetricLevelKey[] | null;
  syncSuccessRate?: readonly MetricLevelKey[] | null;
}

export const CONNECTOR_ORDER_FIELDS = ['name', 'slug', 'updatedAt', 'releaseDate', 'usage', 'syncSuccessRate'] as const;
export type ConnectorOrderField = (typeof CONNECTOR_ORDER_FIELDS)[number];
export interface ConnectorOrder {
  field: ConnectorOrderField;
  direction: 'asc' | 'desc';
}

/** The columns a filter reads; the real table or the alias drizzle's relational queries use. */
export type ConnectorColumns = Pick<
  typeof connectors,
  'id' | 'type' | 'supportLevel' | 'releaseStage' | 'name' | 'slug' | 'language' | 'organization' | 'usage' | 'syncSuccessRate'
>;

/** The condition "enabled on one of these deployments" for a row of `t`; an as-of read has its own (src/domain/history). */
export type AvailableOn = (t: ConnectorColumns, deployments: readonly DeploymentKey[]) => SQL;

const sqlList = (values: readonly string[]) =>
  sql.join(
    values.map((v) => sql`${v}`),
    sql`, `,
  );

function availableOnRows(t: ConnectorColumns, deployments: readonly DeploymentKey[]): SQL {
  return sql`exists (select 1 from ${connectorAvailability} where ${connectorAvailability.connectorId} = ${t.id} and ${connectorAvailability.enabled} = true and ${connectorAvailability.deployment} in (${sqlList(deployments)}))`;
}

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The SQL condition for a connector filter, or undefined when it filters nothing. */
export function connectorFilterSql(
  t: ConnectorColumns,
  filter: ConnectorFilter | null | undefined,
  catalog: PolicyCatalog,
  visibility: Visibility,
  availableOn: AvailableOn = availableOnRows,
): SQL | undefined {
  const parts: SQL[] = [];
  const visible = visibleSql(t, visibility);
  if (visible) parts.push(visible);
  if (!filter) return parts.length ? and(...parts) : undefined;
  if (filter.type) parts.push(sql`${t.type} = ${filter.type}`);
  if (filter.supportLevels) {
    parts.push(filter.supportLevels.length ? sql`${t.supportLevel} in (${sqlList(filter.supportLevels)})` : sql`false`);
  }
  if (filter.releaseStages) {
    parts.push(filter.releaseStages.length ? sql`${t.releaseStage} in (${sqlList(filter.releaseStages)})` : sql`false`);
  }
  if (filter.language) parts.push(sql`${t.language} = ${filter.language}`);
  // The figures over all platforms (the columns); connectors without a figure match no level.
  if (filter.usage) parts.push(filter.usage.length ? sql`${t.usage} in (${sqlList(filter.usage)})` : sql`false`);
  if (filter.syncSuccessRate) parts.push(filter.syncSuccessRate.length ? sql`${t.syncSuccessRate} in (${sqlList(filter.syncSuccessRate)})` : sql`false`);
  if (filter.search) {
    const pattern = `%${escapeLike(filter.search.toLowerCase())}%`;
    // Both sides lowered: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    parts.push(sql`(lower(${t.name}) like ${pattern} escape '\\' or lower(${t.slug}) like ${pattern} escape '\\')`);
  }
  if (filter.supportedOn) {
    parts.push(availableOn(t, [filter.supportedOn]));
    if (filter.withSla != null) {
      // Whether an SLA is offered depends only on (level, deployment), so it is a condition on the level.
      const levels = catalog.levelsWithSla(filter.supportedOn);
      const inLevels = levels.length ? sql`${t.supportLevel} in (${sqlList(levels)})` : sql`false`;
      parts.push(filter.withSla ? inLevels : sql`not (${inLevels})`);
    }
  } else if (filter.withSla != null) {
    // Without a deployment: an SLA on at least one deployment where the connector is available.
    const anywhere = catalog.levels
      .map((level) => ({
        level: level.key,
        on: catalog.deployments.map((d) => d.key).filter((d) => catalog.offersSla(level.key, d)),
      }))
      .filter((x) => x.on.length > 0)
      .map((x) => sql`(${t.supportLevel} = ${x.level} and ${availableOn(t, x.on)})`);
    const some = anywhere.length ? sql`(${sql.join(anywhere, sql` or `)})` : sql`false`;
    parts.push(filter.withSla ? some : sql`not ${some}`);
  }
  return parts.length ? and(...parts) : undefined;
}

/**
 * How many connectors match (every matching row is read: callers keep the answer while nothing changes).
 * Synchronous on SQLite, where the fast lane answers in one go (src/db/maybe-async.ts).
 */
export function countConnectors(db: Db, filter: ConnectorFilter | null | undefined, catalog: PolicyCatalog, visibility: Visibility): MaybePromise<number> {
  const query = db
    .select({ n: count() })
    .from(connectors)
    .where(connectorFilterSql(connectors, filter, catalog, visibility));
  return thenNow(
    readNow(db, query, () => query.all()),
    (rows) => rows[0]?.n ?? 0,
  );
}

/** How many connectors share a type, support level, language and set of enabled deployments. */
export interface FacetGroup {
  type: ConnectorTypeKey;
  supportLevel: SupportLevelKey;
  language: string | null;
  enabledOn: string | null;
  count: number;
}

/**
 * The connectors matching `filter`, counted by the four columns facets read: one statement whatever the
 * facets asked (facets.ts sums them). Every matching row is read: callers keep the answer while nothing changes.
 */
export function facetGroups(db: Db, filter: ConnectorFilter | null | undefined, catalog: PolicyCatalog, visibility: Visibility): MaybePromise<FacetGroup[]> {
  const query = db
    .select({
      type: connectors.type,
      supportLevel: connectors.supportLevel,
      language: connectors.language,
      enabledOn: connectors.enabledOn,
      count: count(),
    })
    .from(connectors)
    .where(connectorFilterSql(connectors, filter, catalog, visibility))
    .groupBy(connectors.type, connectors.supportLevel, connectors.language, connectors.enabledOn);
  return readNow(db, query, () => query.all());
}

/**
 * The query options of `connector(slug:)`: the connector whose slug is bound as the `slug` placeholder,
 * if the caller may see it. A literal limit: a bound one makes SQLite plan the statement again on every
 * run (src/db/limit.ts).
 */
export function connectorBySlugQuery(visibility: Visibility) {
  return { where: { slug: sql.placeholder('slug'), RAW: (t: typeof connectors) => visibleSql(t, visibility) ?? sql`true` }, limit: literalLimit(1) as never };
}

/** The prepared statement for `query` (connectorBySlugQuery, as a planner extended it), reading only `columns` when given; run it with runPrepared. */
export function connectorBySlugStatement(db: Db, query: object, columns: Record<string, true> | null) {
  return db.query.connectors.findMany((columns ? { ...query, columns } : query) as never).prepare();
}

export async function findConnectorBySlug(db: Db, slug: string): Promise<ConnectorRow | undefined> {
  return (await db.select().from(connectors).where(eq(connectors.slug, slug)).limit(1))[0];
}

export async function findConnectorById(db: Db, id: number): Promise<ConnectorRow | undefined> {
  return (await db.select().from(connectors).where(eq(connectors.id, id)).limit(1))[0];
}

/** Inserts one connector with its availability and breaking changes. Call inside a transaction, with its `tx`. */
export async function insertConnector(db: Db, input: ConnectorSeed): Promise<ConnectorRow> {
  const { availability, breakingChanges: changes, ...columns } = connectorSeedSchema.parse(input);
  // The parsed seed holds every column but the managed ones (input.ts), so all of them are written.
  const [row] = await db
    .insert(connectors)
    .values({ ...columns, nameKey: nameKey(columns.name) })
    .returning();
  if (!row) throw new Error(`the insert of connector ${columns.slug} returned no row`);
  if (availability.length) {
    await db.insert(connectorAvailability).values(
      availability.map((a) => ({
        connectorId: row.id,
        deployment: a.deployment,
        enabled: a.enabled,
        dockerImageTag: a.dockerImageTag ?? null,
        dockerRepository: a.dockerRepository ?? null,
      })),
    );
  }
  if (changes.length) {
    await db.insert(breakingChanges).values(
      changes.map((b) => ({
        connectorId: row.id,
        version: b.version,
        upgradeDeadline: b.upgradeDeadline,
        message: b.message,
        migrationDocumentationUrl: b.migrationDocumentationUrl ?? (row.documentationUrl ? `${row.documentationUrl}-migrations#${b.version}` : null),
        deadlineAction: b.deadlineAction ?? null,
        scopedImpact: b.scopedImpact ?? null,
        // A demo connector's breaking changes are demo data too.
        demo: row.demo,
      })),
    );
  }
  return row;
}

/** Which of these connector row ids exist. */
export async function existingConnectorIds(db: Db, ids: number[]): Promise<Set<number>> {
  if (ids.length === 0) return new Set();
  const rows = await db
    .select({ id: connectors.id })
    .from(connectors)
    .where(inArray(connectors.id, [...new Set(ids)]));
  return new Set(rows.map((r) => r.id));
}

export async function availabilityOf(db: Db, connectorId: number): Promise<AvailabilityRow[]> {
  return db.select().from(connectorAvailability).where(eq(connectorAvailability.connectorId, connectorId)).orderBy(connectorAvailability.deployment);
}

/** How a mutation names its connector: by slug or by row id (decoded from the global ID), exactly one. */
export interface ConnectorRef {
  connectorSlug?: string | null;
  connectorId?: number | null;
}

/** Finds the connector a mutation input names, or the NOT_FOUND userError to return. */
export async function resolveConnectorRef(
  db: Db,
  ref: ConnectorRef,
  visibility: Visibility,
): Promise<{ connector: ConnectorRow; field: string[] } | { error: UserError; field: string[] }> {
  const bySlug = ref.connectorSlug != null;
  const field = ['input', bySlug ? 'connectorSlug' : 'connectorId'];
  const connector = bySlug ? await findConnectorBySlug(db, ref.connectorSlug!) : await findConnectorById(db, ref.connectorId ?? 0);
  // A connector the caller may not see is reported exactly like one that does not exist.
  if (connector && canSee(visibility, connector.organization)) return { connector, field };
  const what = bySlug ? `slug "${ref.connectorSlug}"` : `id ${ref.connectorId}`;
  return { error: userError('NOT_FOUND', field, `No connector has the ${what}.`), field };
}

/** The current time as the engine writes timestamps: ISO-8601 UTC text with milliseconds. */
export function nowIsoSql(db: Db): SQL {
  return db.$engine === 'postgres' ? sql`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))`;
}

/** Bumps a connector's revision and update time; returns the row as it now is. Call inside a transaction, with its `tx`. */
export async function touchConnector(db: Db, id: number, set: Partial<typeof connectors.$inferInsert> = {}): Promise<ConnectorRow> {
  const [row] = await db
    .update(connectors)
    .set({ ...set, revision: sql`${connectors.revision} + 1`, updatedAt: nowIsoSql(db) })
    .where(eq(connectors.id, id))
    .returning();
  if (!row) throw new Error(`connector ${id} vanished inside its own transaction`);
  return row;
}

type PlannedRow = { id: number } & Record<string, unknown>;

/** The rows of a connector page for query options a planner built from connectorPageQuery; synchronous on SQLite. */
export function plannedConnectorRows(db: Db, query: object): MaybePromise<PlannedRow[]> {
  const rows = db.query.connectors.findMany(query as never);
  return readNow(db, rows as unknown as PromiseLike<PlannedRow[]>, () => rows.sync() as unknown as PlannedRow[]);
}

/** Whether a connector is enabled on a deployment, and the image and version it runs there. */
export interface DeploymentAvailability {
  deployment: DeploymentKey;
  enabled: boolean;
  dockerRepository: string;
  dockerImageTag: string;
}

type Image = Pick<ConnectorRow, 'dockerRepository' | 'dockerImageTag'>;

/**
 * The image and version a deployment runs: the ones its registry pins (registryOverrides, the cloud
 * registry's entry), each falling back to the connector's own (the OSS default) where it pins none.
 */
export function deploymentImage(connector: Image, pinned: { dockerRepository: string | null; dockerImageTag: string | null } | undefined): Image {
  return {
    dockerRepository: pinned?.dockerRepository ?? connector.dockerRepository,
    dockerImageTag: pinned?.dockerImageTag ?? connector.dockerImageTag,
  };
}

/** Every deployment of `order` (display order), with the connector's availability row there; no row is not enabled. */
export function availabilityByDeployment(
  connector: Image,
  rows: readonly Pick<AvailabilityRow, 'deployment' | 'enabled' | 'dockerRepository' | 'dockerImageTag'>[],
  order: readonly DeploymentKey[],
): DeploymentAvailability[] {
  return order.map((deployment) => {
    const row = rows.find((r) => r.deployment === deployment);
    return { deployment, enabled: row?.enabled ?? false, ...deploymentImage(connector, row) };
  });
}

/** What differingConnectors reads: two deployments, who asks, the levels supported differently, and where a page starts. */
export interface DifferingConnectorsQuery {
  a: DeploymentKey;
  b: DeploymentKey;
  visibility: Visibility;
  /** The support levels whose support differs between a and b (compareOn's rule, from the policy). */
  levels: readonly SupportLevelKey[];
  /** Name order position to continue after. */
  after: { nameKey: string; slug: string } | null;
  /** At most this many; null for all. */
  limit: number | null;
}

/** One deployment's availability rows, joined as one side of a comparison (a subquery: drizzle names it alike on both engines). */
function sideOf(db: Db, deployment: DeploymentKey, name: 'side_a' | 'side_b') {
  return db.select().from(connectorAvailability).where(eq(connectorAvailability.deployment, deployment)).as(name);
}
type Side = ReturnType<typeof sideOf>;

/** A side's columns, selected as one nested object (null where the connector has no row there). */
const sideColumns = (s: Side) => ({
  connectorId: s.connectorId,
  deployment: s.deployment,
  enabled: s.enabled,
  dockerImageTag: s.dockerImageTag,
  dockerRepository: s.dockerRepository,
});

/** The condition of differencesOf (deployment-diff.ts) in SQL, over a connector joined to its rows on both sides. */
function differsSql(q: DifferingConnectorsQuery, a: Side, b: Side): SQL {
  const onA = sql`coalesce(${a.enabled}, false)`;
  const onB = sql`coalesce(${b.enabled}, false)`;
  const image = (s: Side) =>
    sql`coalesce(${s.dockerRepository}, ${connectors.dockerRepository}) || ':' || coalesce(${s.dockerImageTag}, ${connectors.dockerImageTag})`;
  const support = q.levels.length ? sql` or ${connectors.supportLevel} in (${sqlList(q.levels)})` : sql``;
  return sql`(${onA} != ${onB} or (${onA} and ${onB} and (${image(a)} != ${image(b)}${support})))`;
}

/** Connectors joined to their availability on q.a and q.b, and the condition that they differ (after q.after). */
function differing(db: Db, q: DifferingConnectorsQuery) {
  const a = sideOf(db, q.a, 'side_a');
  const b = sideOf(db, q.b, 'side_b');
  const after = q.after
    ? sql`(${connectors.nameKey} > ${q.after.nameKey} or (${connectors.nameKey} = ${q.after.nameKey} and ${connectors.slug} > ${q.after.slug}))`
    : undefined;
  return { a, b, where: and(visibleSql(connectors, q.visibility), differsSql(q, a, b), after) };
}

/** The connectors that differ between two deployments, in name order, with their availability rows on both. */
export async function differingConnectors(db: Db, q: DifferingConnectorsQuery): Promise<{ connector: ConnectorRow; availability: AvailabilityRow[] }[]> {
  const { a, b, where } = differing(db, q);
  const query = db
    .select({ connector: connectors, a: sideColumns(a), b: sideColumns(b) })
    .from(connectors)
    .leftJoin(a, eq(a.connectorId, connectors.id))
    .leftJoin(b, eq(b.connectorId, connectors.id))
    .where(where)
    .orderBy(connectors.nameKey, connectors.slug);
  const rows = q.limit == null ? await query : await query.limit(literalLimit(q.limit) as never);
  return rows.map((r) => ({ connector: r.connector, availability: [r.a, r.b].filter((x): x is AvailabilityRow => x != null) }));
}

/** How many connectors differ between two deployments. */
export async function countDifferingConnectors(db: Db, q: Omit<DifferingConnectorsQuery, 'after' | 'limit'>): Promise<number> {
  const { a, b, where } = differing(db, { ...q, after: null, limit: null });
  const [row] = await db
    .select({ n: count() })
    .from(connectors)
    .leftJoin(a, eq(a.connectorId, connectors.id))
    .leftJoin(b, eq(b.connectorId, connectors.id))
    .where(where);
  return row?.n ?? 0;
}

export type BreakingChangeRecord = typeof breakingChanges.$inferSelect;

/** The breaking changes of these connectors, by connector id. */
export async function breakingChangesOf(db: Db, ids: readonly number[]): Promise<Map<number, BreakingChangeRecord[]>> {
  const byConnector = new Map<number, BreakingChangeRecord[]>();
  if (!ids.length) return byConnector;
  const rows = await db
    .select()
    .from(breakingChanges)
    .where(inArray(breakingChanges.connectorId, [...new Set(ids)]))
    .orderBy(breakingChanges.id);
  for (const row of rows) {
    const list = byConnector.get(row.connectorId);
    if (list) list.push(row);
    else byConnector.set(row.connectorId, [row]);
  }
  return byConnector;
}
