// Writes a loaded import into the database in one IMMEDIATE transaction: adds new connectors, updates
// changed ones (bumping their revision, logging support-level changes), leaves unchanged ones alone,
// and marks connectors that a registry no longer lists as unavailable there. Nothing is ever deleted.
import { basename } from 'node:path';
import { getTableColumns, type Column as DrizzleColumn } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { connectors, type DeploymentKey, type RegistryKey } from '../../db/schema.js';
import type { BreakingChangeInput } from '../connectors/input.js';
import { IMPORTED_COLUMNS, REGISTRY_DEPLOYMENTS } from './format.js';
import type { ImportItem, LoadedImport } from './load.js';
import { analyze } from '../../db/statistics.js';

export interface ImportSummary {
  source: string;
  added: number;
  updated: number;
  unchanged: number;
  levelChanges: { slug: string; from: string; to: string }[];
  /** Connectors this import's registries no longer list, now unavailable on their deployments. */
  disabled: string[];
  skipped: { entry: string; path: string; message: string }[];
  notes: string[];
}

export class ImportConflictError extends Error {}

// The columns an import writes (format.ts declares them), less the definition ID it finds a connector by;
// their SQL names and stored forms come from the table.
const COLUMNS = IMPORTED_COLUMNS.filter((c) => c !== 'definitionId');
type Column = (typeof COLUMNS)[number];
const TABLE: Record<Column, DrizzleColumn> = getTableColumns(connectors);
const SQL_NAME = (column: Column) => TABLE[column].name;

interface ExistingConnector {
  id: number;
  organization: string | null;
  values: Record<Column, unknown>;
}

/** A column's value as SQLite stores it (a JSON column as its text), to write or compare with what is there. */
function dbValue(column: Column, item: ImportItem): unknown {
  const value = item[column];
  return value == null ? null : TABLE[column].mapToDriverValue(value);
}

function bcRow(b: BreakingChangeInput) {
  return {
    upgradeDeadline: b.upgradeDeadline,
    message: b.message,
    migrationDocumentationUrl: b.migrationDocumentationUrl ?? null,
    deadlineAction: b.deadlineAction ?? null,
    scopedImpact: b.scopedImpact ? JSON.stringify(b.scopedImpact) : null,
  };
}

export function importConnectors(
  db: Db,
  loaded: LoadedImport,
  options: { onProgress?: (done: number, total: number) => void } = {},
): ImportSummary {
  const sqlite = db.$client;
  const summary: ImportSummary = {
    source: loaded.source,
    added: 0,
    updated: 0,
    unchanged: 0,
    levelChanges: [],
    disabled: [],
    skipped: loaded.problems.map((p) => ({ entry: `${p.file}: ${p.entry}`, path: p.path, message: p.message })),
    notes: loaded.notes,
  };
  const actor = `import:${basename(loaded.source)}`;

  const run = sqlite.transaction(() => {
    // Read what is there once; compare in memory; write only differences.
    const existing = new Map<string, ExistingConnector>();
    const slugOwner = new Map<string, string>();
    const selectColumns = COLUMNS.map((c) => `${SQL_NAME(c)} as "${c}"`).join(', ');
    for (const row of sqlite.prepare(`select id, definition_id, organization, ${selectColumns} from connectors`).iterate() as Iterable<Record<string, unknown>>) {
      const { id, definition_id, organization, ...values } = row;
      existing.set(definition_id as string, { id: id as number, organization: organization as string | null, values: values as Record<Column, unknown> });
      slugOwner.set(values.slug as string, definition_id as string);
    }
    const availability = new Map<number, Map<DeploymentKey, { enabled: number; docker_image_tag: string | null; docker_repository: string | null }>>();
    for (const row of sqlite.prepare('select connector_id, deployment, enabled, docker_image_tag, docker_repository from connector_availability').iterate() as Iterable<any>) {
      let m = availability.get(row.connector_id);
      if (!m) availability.set(row.connector_id, (m = new Map()));
      m.set(row.deployment, row);
    }
    const changes = new Map<number, Map<string, Record<string, unknown>>>();
    for (const row of sqlite.prepare('select connector_id, version, upgrade_deadline as upgradeDeadline, message, migration_documentation_url as migrationDocumentationUrl, deadline_action as deadlineAction, scoped_impact as scopedImpact from breaking_changes').iterate() as Iterable<any>) {
      let m = changes.get(row.connector_id);
      if (!m) changes.set(row.connector_id, (m = new Map()));
      const { connector_id, version, ...rest } = row;
      m.set(version, rest);
    }
    const entries = new Map<string, string>();
    for (const row of sqlite.prepare('select connector_id, registry, entry from registry_entries').iterate() as Iterable<any>) {
      entries.set(`${row.connector_id}/${row.registry}`, row.entry);
    }

    const insertConnector = sqlite.prepare(
      `insert into connectors (definition_id, ${COLUMNS.map(SQL_NAME).join(', ')}) values (?, ${COLUMNS.map(() => '?').join(', ')}) returning id`,
    );
    const upsertAvailability = sqlite.prepare(
      `insert into connector_availability (connector_id, deployment, enabled, docker_image_tag, docker_repository) values (?, ?, ?, ?, ?)
       on conflict (connector_id, deployment) do update set enabled = excluded.enabled, docker_image_tag = excluded.docker_image_tag, docker_repository = excluded.docker_repository`,
    );
    const upsertChange = sqlite.prepare(
      `insert into breaking_changes (connector_id, version, upgrade_deadline, message, migration_documentation_url, deadline_action, scoped_impact) values (?, ?, ?, ?, ?, ?, ?)
       on conflict (connector_id, version) do update set upgrade_deadline = excluded.upgrade_deadline, message = excluded.message,
       migration_documentation_url = excluded.migration_documentation_url, deadline_action = excluded.deadline_action, scoped_impact = excluded.scoped_impact`,
    );
    const upsertEntry = sqlite.prepare(
      `insert into registry_entries (connector_id, registry, entry, imported_from) values (?, ?, ?, ?)
       on conflict (connector_id, registry) do update set entry = excluded.entry, imported_from = excluded.imported_from, imported_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`,
    );
    const bump = sqlite.prepare(`update connectors set revision = revision + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where id = ?`);
    const insertEvent = sqlite.prepare(
      `insert into certification_events (connector_id, from_level, to_level, actor, reason, evidence, source) values (?, ?, ?, ?, ?, ?, 'import')`,
    );
    const updateColumn = new Map(COLUMNS.map((c) => [c, sqlite.prepare(`update connectors set ${SQL_NAME(c)} = ? where id = ?`)]));

    const seen = new Set<string>();
    let done = 0;
    for (const item of loaded.items) {
      seen.add(item.definitionId);
      const found = existing.get(item.definitionId);
      const owner = slugOwner.get(item.slug);
      if (owner && owner !== item.definitionId) {
        throw new ImportConflictError(`${loaded.source}: ${item.label}: slug ${item.slug} already belongs to the connector with definition ID ${owner}`);
      }
      if (found?.organization) {
        throw new ImportConflictError(`${loaded.source}: ${item.label}: definition ID ${item.definitionId} belongs to a custom connector of ${found.organization}`);
      }
      let id: number;
      let changed = false;
      if (!found) {
        id = (insertConnector.get(item.definitionId, ...COLUMNS.map((c) => dbValue(c, item))) as { id: number }).id;
        slugOwner.set(item.slug, item.definitionId);
        summary.added++;
      } else {
        id = found.id;
        const owns =
          item.ownsColumns === true ||
          (item.ownsColumns === 'unless-in-oss' && !entries.has(`${id}/oss`));
        if (owns) {
          for (const column of COLUMNS) {
            const next = dbValue(column, item);
            if (found.values[column] !== next) {
              updateColumn.get(column)!.run(next, id);
              changed = true;
            }
          }
          const from = found.values.supportLevel as string;
          if (from !== item.supportLevel) {
            insertEvent.run(id, from, item.supportLevel, actor, `The support level is ${item.supportLevel} in ${loaded.source}.`, null);
            summary.levelChanges.push({ slug: item.slug, from, to: item.supportLevel });
          }
        }
      }
      const current = availability.get(id);
      for (const [deployment, a] of Object.entries(item.availability) as [DeploymentKey, NonNullable<ImportItem['availability'][DeploymentKey]>][]) {
        const before = current?.get(deployment);
        const enabled = a.enabled ? 1 : 0;
        if (!before || before.enabled !== enabled || before.docker_image_tag !== a.dockerImageTag || before.docker_repository !== a.dockerRepository) {
          upsertAvailability.run(id, deployment, enabled, a.dockerImageTag, a.dockerRepository);
          changed ||= !!found;
        }
      }
      const knownChanges = changes.get(id);
      for (const b of item.breakingChanges) {
        const next = bcRow(b);
        const before = knownChanges?.get(b.version);
        if (!before || Object.keys(next).some((k) => before[k] !== next[k as keyof typeof next])) {
          upsertChange.run(id, b.version, next.upgradeDeadline, next.message, next.migrationDocumentationUrl, next.deadlineAction, next.scopedImpact);
          changed ||= !!found;
        }
      }
      for (const [registry, entry] of Object.entries(item.entries) as [RegistryKey, Record<string, unknown>][]) {
        const text = JSON.stringify(entry);
        if (entries.get(`${id}/${registry}`) !== text) {
          upsertEntry.run(id, registry, text, loaded.source);
          changed ||= !!found;
        }
      }
      if (found) {
        if (changed) {
          bump.run(id);
          summary.updated++;
        } else summary.unchanged++;
      }
      done++;
      if (options.onProgress && (done % 1000 === 0 || done === loaded.items.length)) options.onProgress(done, loaded.items.length);
    }

    // Connectors a registry used to list and no longer does: unavailable there, kept otherwise.
    for (const registry of loaded.registries) {
      const deployments = REGISTRY_DEPLOYMENTS[registry];
      const rows = sqlite
        .prepare(
          `select c.id, c.slug, c.definition_id from registry_entries e join connectors c on c.id = e.connector_id where e.registry = ?`,
        )
        .all(registry) as { id: number; slug: string; definition_id: string }[];
      for (const row of rows) {
        if (seen.has(row.definition_id)) continue;
        const current = availability.get(row.id);
        const live = deployments.filter((d) => current?.get(d)?.enabled);
        if (!live.length) continue;
        for (const d of live) upsertAvailability.run(row.id, d, 0, current?.get(d)?.docker_image_tag ?? null, current?.get(d)?.docker_repository ?? null);
        bump.run(row.id);
        summary.disabled.push(row.slug);
      }
    }
  });
  run.immediate();
  // Fresh statistics let SQLite choose an index by how many rows a filter keeps (src/db/statistics.ts).
  // Cheap next to the import itself.
  if (summary.added + summary.updated > 0) analyze(sqlite, 'full');
  return summary;
}
