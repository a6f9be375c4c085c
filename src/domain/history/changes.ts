// A connector's changelog: its connector_history rows in the order they took effect at their source
// (then the order they were recorded), each with the value before it in that same order. An import of
// an older registry recorded after a newer one therefore reads in the source's order, not the import's.
import type { Db } from '../../db/client.js';
import type { DeploymentKey, HistorySourceKey } from '../../db/schema.js';
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

const CHANGES = `select * from (
    select id, field, scope, value, lag(value) over (partition by field, scope order by effective_at, id) as before,
      effective_at as effectiveAt, recorded_at as recordedAt, actor, source, import_id as importId
    from connector_history where connector_id = @id
  ) where @after is null or effectiveAt > @after or (effectiveAt = @after and id > @afterId)
  order by effectiveAt, id limit @limit`;

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
export function connectorChanges(db: Db, connectorId: number, first: number, after: string | null | undefined) {
  const cursor = after ? decodeKeysetCursor(after, ORDER_FIELD, 'asc') : null;
  const rows = db.$client.prepare(CHANGES).all({ id: connectorId, after: cursor?.v ?? null, afterId: cursor?.id ?? 0, limit: first + 1 }) as Row[];
  const versions = db.$client.prepare('select version from breaking_changes where connector_id = ?').pluck().all(connectorId) as string[];
  return pageOf(
    rows.map((r) => changeOf(r, versions)),
    first,
    after,
    (c) => encodeKeysetCursor({ f: ORDER_FIELD, d: 'asc', v: c.effectiveAt, id: c.id }),
  );
}

/** How many changes a connector has. */
export function countChanges(db: Db, connectorId: number): number {
  return db.$client.prepare('select count(*) from connector_history where connector_id = ?').pluck().get(connectorId) as number;
}

export type { HistoryColumn };
