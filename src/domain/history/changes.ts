// A connector's changelog: its connector_history rows in the order they took effect at their source
// (then the order they were recorded), each with the value before it in that same order. An import of
// an older registry recorded after a newer one therefore reads in the source's order, not the import's.
import { eq, sql, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { literalLimit } from '../../db/limit.js';
import { rawRow, rawRows } from '../../db/raw.js';
import { breakingChanges, DEPLOYMENT_KEYS, type DeploymentKey, type HistorySourceKey } from '../../db/schema.js';
import { decodeKeysetCursor, encodeKeysetCursor, pageOf } from '../connectors/page.js';
import { compareVersions } from '../lifecycle/breaking-changes.js';
import { HISTORY_COLUMNS, type HistoryColumn } from './store.js';

/** What a change changed: a connector column, its creation, a deployment's availability or image, a breaking change. */
export const CHANGE_FIELDS = [
  'created',
  ...HISTORY_COLUMNS,
  'deploymentEnabled',
  'deploymentDockerImageTag',
  'deploymentDockerRepository',
  'breakingChange',
] as const;
export type ChangeField = (typeof CHANGE_FIELDS)[number];

export interface ConnectorChange {
  id: number;
  field: ChangeField;
  /** The deployment of an availability change. */
  deployment: DeploymentKey | null;
  /** The version of a breaking change. */
  version: string | null;
  /** The value before, in effective order; a breaking change's upgrade deadline (null: none announced). */
  from: string | null;
  to: string | null;
  effectiveAt: string;
  recordedAt: string;
  actor: string | null;
  source: HistorySourceKey;
  importId: number | null;
  /** A breaking change announced, or a version (image tag) moved past one. */
  breaking: boolean;
}

type Row = {
  id: number;
  field: string;
  scope: string;
  value: string | null;
  before: string | null;
  effectiveAt: string;
  recordedAt: string;
  actor: string | null;
  source: HistorySourceKey;
  importId: number | null;
};

const ORDER_FIELD = 'effectiveAt';

/**
 * A connector's rows with its creation snapshot spread out: the 'created' row itself, one row per column
 * it set (ranked in HISTORY_COLUMNS order), and per deployment written with it `enabled` and the pinned
 * image and version. `seq` orders them and keys the cursor: row id × 64 + rank.
 */
const RANK = sql.raw(HISTORY_COLUMNS.map((c, i) => `when '${c}' then ${i + 1}`).join(' '));
const DEPLOYMENT_RANK = sql.raw(DEPLOYMENT_KEYS.map((d, i) => `when '${d}' then ${HISTORY_COLUMNS.length + 1 + 3 * i}`).join(' '));
const AVAILABILITY_FIELDS = sql.raw(`select 'enabled' as field, 0 as k union all select 'dockerImageTag', 1 union all select 'dockerRepository', 2`);

/**
 * The snapshot's JSON taken apart, per engine: its columns (`j`: key, value as text or number) and its
 * deployments (`d`: key, and `field` of each deployment's object). The snapshot holds strings, numbers
 * and nulls, which both engines give back as the same text once String()ed.
 */
function snapshotSql(db: Db) {
  if (db.$engine === 'postgres') {
    // The cast is guarded: only 'created' rows hold JSON.
    const snapshot = sql.raw(`(case when h.field = 'created' then h.value::jsonb end)`);
    return {
      columns: sql`jsonb_each_text(${snapshot}) j`,
      deployments: sql`jsonb_each(${snapshot} -> 'availability') d`,
      deploymentField: sql.raw(`(d.value ->> f.field)`),
    };
  }
  return {
    columns: sql.raw('json_each(h.value) j'),
    deployments: sql.raw(`json_each(h.value, '$.availability') d`),
    deploymentField: sql.raw(`json_extract(d.value, '$.' || f.field)`),
  };
}

/**
 * A connector's rows with its creation snapshot spread out: the 'created' row itself, one row per column
 * it set (ranked in HISTORY_COLUMNS order), and per deployment written with it `enabled` and the pinned
 * image and version. `seq` orders them and keys the cursor: row id × 64 + rank.
 */
function spreadSql(db: Db, id: number): SQL {
  const { columns, deployments, deploymentField } = snapshotSql(db);
  return sql`select id * 64 as seq, field, scope, value, effective_at, recorded_at, actor, source, import_id
    from connector_history where connector_id = ${id} and field != 'created'
  union all select id * 64, 'created', '', '1', effective_at, recorded_at, actor, source, import_id
    from connector_history where connector_id = ${id} and field = 'created'
  union all select h.id * 64 + (case j.key ${RANK} end), j.key, '', j.value, h.effective_at, h.recorded_at, h.actor, h.source, h.import_id
    from connector_history h, ${columns}
    where h.connector_id = ${id} and h.field = 'created' and j.key != 'availability' and j.value is not null
  union all select h.id * 64 + (case d.key ${DEPLOYMENT_RANK} end) + f.k, f.field, d.key, ${deploymentField},
      h.effective_at, h.recorded_at, h.actor, h.source, h.import_id
    from connector_history h, ${deployments}, (${AVAILABILITY_FIELDS}) f
    where h.connector_id = ${id} and h.field = 'created' and (f.field = 'enabled' or ${deploymentField} is not null)`;
}

/** One page of changes after the cursor; column names quoted, as PostgreSQL folds unquoted ones to lower case. */
function changesSql(db: Db, id: number, cursor: { v: string; id: number } | null, limit: number): SQL {
  const after = cursor ? sql`where "effectiveAt" > ${cursor.v} or ("effectiveAt" = ${cursor.v} and id > ${cursor.id})` : sql``;
  return sql`select * from (
    select seq as id, field, scope, value, lag(value) over (partition by field, scope order by effective_at, seq) as before,
      effective_at as "effectiveAt", recorded_at as "recordedAt", actor, source, import_id as "importId"
    from (${spreadSql(db, id)}) spread
  ) changes ${after}
  order by "effectiveAt", id limit ${literalLimit(limit)}`;
}

const deadline = (value: string | null) => (value == null ? null : ((JSON.parse(value) as { upgradeDeadline?: string }).upgradeDeadline ?? null));

function changeOf(r: Row, breakingVersions: readonly string[]): ConnectorChange {
  const scoped = r.scope !== '' && r.field !== 'breakingChange';
  const field = (scoped ? `deployment${r.field[0]!.toUpperCase()}${r.field.slice(1)}` : r.field) as ChangeField;
  const isChange = field === 'breakingChange';
  const from = isChange ? deadline(r.before) : r.before == null ? null : String(r.before);
  const to = isChange ? deadline(r.value) : r.value == null ? null : String(r.value);
  const versionMove = (field === 'dockerImageTag' || field === 'deploymentDockerImageTag') && from != null && to != null;
  const crosses = versionMove && breakingVersions.some((v) => compareVersions(v, from) > 0 && compareVersions(v, to) <= 0);
  return {
    id: r.id,
    field,
    deployment: scoped ? (r.scope as DeploymentKey) : null,
    version: isChange ? r.scope : null,
    from,
    to,
    effectiveAt: r.effectiveAt,
    recordedAt: r.recordedAt,
    actor: r.actor,
    source: r.source,
    importId: r.importId,
    breaking: (isChange && to != null) || crosses,
  };
}

/** One page of a connector's changes, in effective order. */
export async function connectorChanges(db: Db, connectorId: number, first: number, after: string | null | undefined) {
  const cursor = after ? decodeKeysetCursor(after, ORDER_FIELD, 'asc') : null;
  const rows = await rawRows<Row>(db, changesSql(db, connectorId, cursor ? { v: String(cursor.v), id: cursor.id } : null, first + 1));
  const found = await db.select({ version: breakingChanges.version }).from(breakingChanges).where(eq(breakingChanges.connectorId, connectorId));
  const versions = found.map((r) => r.version);
  return pageOf(
    rows.map((r) => changeOf(r, versions)),
    first,
    after,
    (c) => encodeKeysetCursor({ f: ORDER_FIELD, d: 'asc', v: c.effectiveAt, id: c.id }),
  );
}

/** How many changes a connector has. */
export async function countChanges(db: Db, connectorId: number): Promise<number> {
  const row = await rawRow<{ n: number }>(db, sql`select count(*) as n from (${spreadSql(db, connectorId)}) spread`);
  return Number(row?.n ?? 0);
}

export type { HistoryColumn };
