// A connector as of an instant, from connector_history: for each field, the latest row that took effect
// at or before it (ties: the one recorded last), a connector's creation being one snapshot row of all its
// columns. The list reads the fields its filter and order need with two index seeks each (the latest change,
// the snapshot), through the same filter SQL as the current list (connectorFilterSql); the page's
// connectors are then read whole.
import { and, asc, eq, getTableColumns, inArray, lte, or, sql, type Column, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import type { Db, Engine } from '../../db/client.js';
import { rawRow, rawRows } from '../../db/raw.js';
import { NAME_KEY_FUNCTION, nameKey } from '../../db/name-key.js';
import { literalLimit } from '../../db/limit.js';
import {
  breakingChanges,
  certificationEvents,
  connectorAvailability,
  connectorHistory,
  connectorRenames,
  connectors,
  DEPLOYMENT_KEYS,
  type DeploymentKey,
} from '../../db/schema.js';
import { afterOrderCursorSql, type ConnectorPageInput, decodeCursor, DEFAULT_ORDER, orderExpression, tieColumn } from '../connectors/page.js';
import {
  connectorFilterSql,
  findConnectorBySlug,
  type ConnectorColumns,
  type ConnectorFilter,
  type ConnectorRow,
  type FacetGroup,
} from '../connectors/store.js';
import { canSee, type Visibility } from '../connectors/visibility.js';
import type { PolicyCatalog } from '../support/policy.js';

/**
 * The connector columns the history triggers record (migration 20261130125451_history_triggers), by
 * their key. Every other column is derived or bookkeeping: id, demo, createdAt, updatedAt, revision,
 * enabledOn, nameKey (nameKey(name)). A new column is recorded once a migration adds it to the triggers and it is listed here.
 */
export const HISTORY_COLUMNS = [
  'slug',
  'definitionId',
  'name',
  'type',
  'supportLevel',
  'releaseStage',
  'dockerRepository',
  'dockerImageTag',
  'documentationUrl',
  'iconUrl',
  'language',
  'license',
  'subtype',
  'tags',
  'releaseDate',
  'internalSl',
  'internalQl',
  'maxSecondsBetweenMessages',
  'usage',
  'syncSuccessRate',
  'organization',
] as const satisfies readonly (keyof ConnectorRow)[];
export type HistoryColumn = (typeof HISTORY_COLUMNS)[number];

const TABLE = getTableColumns(connectors) as Record<string, Column>;

/** A recorded value (text, as connector_history stores it) as the connector row holds it. */
export function decodeValue(column: HistoryColumn, value: string | number | null): unknown {
  if (value == null) return null;
  const c = TABLE[column]!;
  if (c.columnType === 'SQLiteInteger') return Number(value);
  // drizzle decodes a JSON column in its own statements, not in mapFromDriverValue.
  if (c.columnType === 'SQLiteTextJson') return JSON.parse(String(value));
  return c.mapFromDriverValue(value);
}

/** What the creation snapshot `s.value` holds at `path` (keys), as text, on `db`'s engine. */
function snapshotAt(engine: Engine, path: readonly string[]): SQL {
  if (engine === 'postgres') {
    // Only 'created' rows hold JSON, hence the guarded cast.
    return sql`((case when s.field = 'created' then s.value::jsonb end) #>> ${`{${path.join(',')}}`}::text[])`;
  }
  return sql`json_extract(s.value, ${`$.${path.join('.')}`})`;
}

/**
 * The value of `field` (in `scope`) for connector `id` as of `at`: the later of its latest change row by
 * then and what its creation snapshot (the 'created' row, a JSON object) holds at `path`. Two seeks on
 * connector_history_asof_idx.
 */
const latestAt = (engine: Engine, id: SQL, field: string, scope: string, path: readonly string[], at: string) =>
  sql`(select value from (select * from (select v.value as value, v.effective_at as e, v.id as i from connector_history v
      where v.connector_id = ${id} and v.field = ${field} and v.scope = ${scope} and v.effective_at <= ${at} order by v.effective_at desc, v.id desc limit 1) latest
    union all select ${snapshotAt(engine, path)}, s.effective_at, s.id from connector_history s
      where s.connector_id = ${id} and s.field = 'created' and s.scope = '' and s.effective_at <= ${at}) candidates order by e desc, i desc limit 1)`;

const columnAt = (engine: Engine, id: SQL, field: HistoryColumn, at: string) => latestAt(engine, id, field, '', [field], at);

/** Whether connector `id` was enabled on deployment `d` at `at` (a change row holds '1', the snapshot 1). */
const enabledOnDeploymentAt = (engine: Engine, id: SQL, d: DeploymentKey, at: string) =>
  sql`cast(${latestAt(engine, id, 'enabled', d, ['availability', d, 'enabled'], at)} as text) = '1'`;

/**
 * name_key as of `at` for a connector read from its history. SQLite computes it from the name then, with
 * the function openDatabase registers; PostgreSQL has no such function, so there a name unchanged since
 * keeps today's key and a name changed since sorts by its lower case (close to, not exactly, nameKey).
 */
function nameKeyAt(engine: Engine, id: SQL, at: string): SQL {
  const name = columnAt(engine, id, 'name', at);
  if (engine === 'postgres') return sql`(select case when n.name = c.name then c.name_key else lower(n.name) end from (select ${name} as name) n)`;
  return sql`${sql.raw(NAME_KEY_FUNCTION)}(${name})`;
}

/**
 * The as-of table "h": the columns a filter or an order reads, as they were at `at`, for the connectors
 * that existed then. A connector whose changes all took effect by `at`, recorded in effective order, is
 * its current row ("fresh": no history read); the others are read from their history.
 */
function asOfTable(engine: Engine, at: string, withEnabledOn = false): SQL {
  const id = sql`c.id`;
  const fresh = sql`(z.last_effective_at <= ${at} and not z.disordered)`;
  const col = (key: HistoryColumn) => {
    const name = sql.identifier(TABLE[key]!.name);
    return sql`case when ${fresh} then c.${name} else ${columnAt(engine, id, key, at)} end as ${name}`;
  };
  const read = ['type', 'supportLevel', 'releaseStage', 'name', 'slug', 'language', 'organization', 'releaseDate', 'usage', 'syncSuccessRate'] as const;
  // Name order reads name_key: computed from the name as it was.
  const key = sql`case when ${fresh} then c.name_key else ${nameKeyAt(engine, id, at)} end as name_key`;
  const columns = [...read.map(col), key];
  if (withEnabledOn) columns.push(sql`case when ${fresh} then c.enabled_on else ${enabledOnAt(engine, id, at)} end as enabled_on`);
  return sql`(select c.id as id, ${fresh} as fresh, ${sql.join(columns, sql`, `)},
    case when ${fresh} then z.last_effective_at else (select max(v.effective_at) from connector_history v where v.connector_id = c.id and v.effective_at <= ${at}) end as updated_at
    from ${connectors} c join connector_history_horizon z on z.connector_id = c.id
    where ${fresh} or exists (select 1 from connector_history v where v.connector_id = c.id and v.field = 'created' and v.scope = '' and v.effective_at <= ${at})) as "h"`;
}

/** enabled_on as of `at`: the deployments then enabled, comma-separated in key order, or null. One seek each. */
function enabledOnAt(engine: Engine, id: SQL, at: string): SQL {
  const each = [...DEPLOYMENT_KEYS].sort().map((d) => sql`case when ${enabledOnDeploymentAt(engine, id, d, at)} then ${`${d},`} else '' end`);
  return sql`nullif(rtrim(${sql.join(each, sql` || `)}, ','), '')`;
}

// The as-of table's columns bear the connectors table's names, so the filter and order SQL apply to it unchanged.
const h = alias(connectors, 'h') as unknown as typeof connectors;

/** "Enabled on one of these deployments" as of `at`: a fresh connector's availability rows, else one seek per deployment. */
const enabledAt =
  (engine: Engine, at: string) =>
  (t: ConnectorColumns, deployments: readonly DeploymentKey[]): SQL => {
    const list = sql.join(
      deployments.map((d) => sql`${d}`),
      sql`, `,
    );
    const then = sql.join(
      deployments.map((d) => enabledOnDeploymentAt(engine, sql`${t.id}`, d, at)),
      sql` or `,
    );
    return sql`(case when "h"."fresh" then exists (select 1 from ${connectorAvailability} a where a.connector_id = ${t.id} and a.enabled = true and a.deployment in (${list})) else (${then}) end)`;
  };

/** A page of connectors as of the instant `at`. */
export interface AsOfPageInput extends ConnectorPageInput {
  at: string;
}

/** The row ids of one page as of `at` (one more than asked), with the values their cursors are made of. */
export async function asOfPageRows(input: AsOfPageInput): Promise<{ id: number; name: string; slug: string; updatedAt: string; releaseDate: string | null }[]> {
  const { db } = input;
  const order = input.order ?? DEFAULT_ORDER;
  const cursor = input.after ? decodeCursor(input.after, order) : null;
  const desc = order.direction === 'desc';
  const expr = orderExpression(h, order);
  const where = and(
    connectorFilterSql(h, input.filter, input.catalog, input.visibility, enabledAt(db.$engine, input.at)),
    cursor ? afterOrderCursorSql(h, order, cursor, desc) : undefined,
  );
  const dir = desc ? sql`desc` : sql`asc`;
  return rawRows(
    db,
    sql`select h.id as id, h.name as name, h.slug as slug, h.updated_at as "updatedAt", h.release_date as "releaseDate" from ${asOfTable(db.$engine, input.at)}
      where ${where ?? sql`true`} order by ${expr} ${dir}, ${tieColumn(h, order)} ${dir}, h.id ${dir} limit ${literalLimit(input.first + 1)}`,
  );
}

/** How many connectors matched a filter as of `at`. */
export async function countAsOf(
  db: Db,
  at: string,
  filter: ConnectorFilter | null | undefined,
  catalog: PolicyCatalog,
  visibility: Visibility,
): Promise<number> {
  const where = connectorFilterSql(h, filter, catalog, visibility, enabledAt(db.$engine, at));
  const row = await rawRow<{ n: number }>(db, sql`select count(*) as n from ${asOfTable(db.$engine, at)} where ${where ?? sql`true`}`);
  return Number(row?.n ?? 0);
}

/** The facets' grouped counts (facetGroups) as of `at`: one statement over the as-of table. */
export async function facetGroupsAsOf(
  db: Db,
  at: string,
  filter: ConnectorFilter | null | undefined,
  catalog: PolicyCatalog,
  visibility: Visibility,
): Promise<FacetGroup[]> {
  const where = connectorFilterSql(h, filter, catalog, visibility, enabledAt(db.$engine, at));
  const rows = await rawRows<FacetGroup>(
    db,
    sql`select h.type as type, h.support_level as "supportLevel", h.language as language, h.enabled_on as "enabledOn", count(*) as count
      from ${asOfTable(db.$engine, at, true)} where ${where ?? sql`true`} group by h.type, h.support_level, h.language, h.enabled_on`,
  );
  return rows.map((r) => ({ ...r, count: Number(r.count) }));
}

export interface AvailabilityAsOf {
  enabled: boolean;
  dockerImageTag: string | null;
  dockerRepository: string | null;
}

/** A breaking change as recorded (the trigger's json_object). */
export interface BreakingChangeAsOf {
  upgradeDeadline: string;
  message: string;
  migrationDocumentationUrl: string | null;
  deadlineAction: string | null;
  scopedImpact: unknown;
}

/** A connector as of an instant. */
export interface AsOfState {
  id: number;
  columns: Record<HistoryColumn, unknown>;
  /** nameKey of the name as of then: what name order and its cursors read. */
  nameKey: string;
  enabledOn: string | null;
  availability: Map<DeploymentKey, AvailabilityAsOf>;
  breakingChanges: Map<string, BreakingChangeAsOf>;
  updatedAt: string;
}

type HistoryRow = { connectorId: number; field: string; scope: string; value: string | null; effectiveAt: string };

/** The connectors of `ids` as of `at` (those that existed then), each folded from its history up to then. */
export async function asOfStates(db: Db, ids: readonly number[], at: string): Promise<Map<number, AsOfState>> {
  const rows: HistoryRow[] = ids.length
    ? await db
        .select({
          connectorId: connectorHistory.connectorId,
          field: connectorHistory.field,
          scope: connectorHistory.scope,
          value: connectorHistory.value,
          effectiveAt: connectorHistory.effectiveAt,
        })
        .from(connectorHistory)
        .where(and(inArray(connectorHistory.connectorId, [...ids]), lte(connectorHistory.effectiveAt, at)))
        .orderBy(asc(connectorHistory.connectorId), asc(connectorHistory.effectiveAt), asc(connectorHistory.id))
    : [];
  const states = new Map<number, AsOfState & { created: boolean }>();
  for (const r of rows) {
    let s = states.get(r.connectorId);
    if (!s) {
      s = {
        id: r.connectorId,
        created: false,
        columns: {} as AsOfState['columns'],
        nameKey: '',
        enabledOn: null,
        availability: new Map(),
        breakingChanges: new Map(),
        updatedAt: r.effectiveAt,
      };
      states.set(r.connectorId, s);
    }
    s.updatedAt = r.effectiveAt;
    apply(s, r);
  }
  const found = new Map<number, AsOfState>();
  for (const [id, { created, ...s }] of states) {
    if (!created) continue;
    for (const c of HISTORY_COLUMNS) s.columns[c] = decodeValue(c, (s.columns[c] as string | null | undefined) ?? null);
    s.nameKey = nameKey(String(s.columns.name ?? ''));
    const on = [...s.availability].filter(([, a]) => a.enabled).map(([d]) => d);
    s.enabledOn = on.length ? on.sort().join(',') : null;
    found.set(id, s);
  }
  return found;
}

/** A deployment's availability as the creation snapshot holds it. */
type SnapshotAvailability = { enabled: number; dockerImageTag: string | null; dockerRepository: string | null };

function apply(s: AsOfState & { created: boolean }, r: HistoryRow): void {
  if (r.field === 'created') {
    s.created = true;
    // The snapshot: every recorded column as it was written, and the availability written with it.
    const { availability, ...columns } = JSON.parse(r.value ?? '{}') as { availability?: Record<string, SnapshotAvailability> };
    Object.assign(s.columns, columns);
    for (const [d, a] of Object.entries(availability ?? {})) {
      s.availability.set(d as DeploymentKey, { enabled: Number(a.enabled) === 1, dockerImageTag: a.dockerImageTag, dockerRepository: a.dockerRepository });
    }
  } else if (r.field === 'breakingChange') {
    if (r.value == null) s.breakingChanges.delete(r.scope);
    else s.breakingChanges.set(r.scope, JSON.parse(r.value) as BreakingChangeAsOf);
  } else if (r.scope !== '') {
    const deployment = r.scope as DeploymentKey;
    const a = s.availability.get(deployment) ?? { enabled: false, dockerImageTag: null, dockerRepository: null };
    if (r.field === 'enabled') a.enabled = String(r.value) === '1';
    else if (r.field === 'dockerImageTag' || r.field === 'dockerRepository') a[r.field] = r.value;
    s.availability.set(deployment, a);
  } else {
    // Decoded once the fold is done.
    (s.columns as Record<string, unknown>)[r.field] = r.value;
  }
}

/**
 * The connector that had `slug` at `at` and that the caller may see, or undefined: the one holding the
 * slug now, or one recorded as renamed from or to it, whichever had it then.
 */
export async function asOfBySlug(db: Db, slug: string, at: string, visibility: Visibility): Promise<AsOfState | undefined> {
  const ids = new Set<number>();
  const now = await findConnectorBySlug(db, slug);
  if (now) ids.add(now.id);
  const renamed = await db
    .select({ id: connectorRenames.connectorId })
    .from(connectorRenames)
    .where(or(eq(connectorRenames.fromSlug, slug), eq(connectorRenames.toSlug, slug)));
  for (const r of renamed) ids.add(r.id);
  for (const state of (await asOfStates(db, [...ids], at)).values()) {
    if (state.columns.slug === slug && canSee(visibility, state.columns.organization as string | null)) return state;
  }
  return undefined;
}

/** Which of these certification events had taken effect by `at`. */
export async function eventIdsAsOf(db: Db, connectorIds: readonly number[], at: string): Promise<Set<number>> {
  if (!connectorIds.length) return new Set();
  const rows = await db
    .select({ id: certificationEvents.id })
    .from(certificationEvents)
    .where(
      and(
        inArray(certificationEvents.connectorId, [...connectorIds]),
        lte(sql`coalesce(${certificationEvents.effectiveAt}, ${certificationEvents.createdAt})`, at),
      ),
    );
  return new Set(rows.map((r) => r.id));
}

/** The version of each breaking change of these connectors, by row id. */
export async function breakingChangeVersions(db: Db, connectorIds: readonly number[]): Promise<Map<number, string>> {
  if (!connectorIds.length) return new Map();
  const rows = await db
    .select({ id: breakingChanges.id, version: breakingChanges.version })
    .from(breakingChanges)
    .where(inArray(breakingChanges.connectorId, [...connectorIds]));
  return new Map(rows.map((r) => [r.id, r.version]));
}
