// Runs an import: in one transaction, reads the stored state the plan compares with (plan.ts), and, for a
// real import the guards let through, applies the plan's steps: new connectors inserted, changed ones
// updated field by field (their revision bumped, support-level changes logged with the time they took
// effect at the source), renames recorded, connectors a registry no longer lists marked unavailable
// there, demo data removed when asked, and the import logged in import_log. Nothing is ever deleted
// but demo data. A dry run reads in a transaction that writes nothing. The same steps on both engines:
// SQLite's reads and writes here (prepared statements, answered at once), PostgreSQL's in import-pg.ts.
//
// Large imports plan in full first (guards decide before any write), then write, each pass reading the
// entries again from the file (load.ts), so memory holds the plan, not the file. Why one transaction, not
// batches: the plan stays true while it is written, a reader never sees half an import, and under WAL the
// readers go on with the state before it (commits of 2,000 or 5,000 connectors measured no better for
// the gateway's headline query, with longer worst cases and a slower import: bench/import.ts).
import { basename } from 'node:path';
import type Database from 'better-sqlite3';
import { eq } from 'drizzle-orm';
import { type Db, writerOf } from '../../db/client.js';
import { REGISTRY_DEPLOYMENTS } from './format.js';
import { importLog, type DeploymentKey, type RegistryKey, type SupportLevelKey } from '../../db/schema.js';
import { nameKey } from '../../db/name-key.js';
import { transaction } from '../../db/transaction.js';
import { AUDIT_ACTIONS, AUDIT_CODES, recordAudit } from '../audit/store.js';
import { announceImportedLevels } from '../events/announce.js';
import { recording } from '../history/recording.js';
import { analyzeRegistryTables, refreshStatistics } from './statistics.js';
import { DEMO_BREAKING_CHANGES, DEMO_EVENTS, removeDemoData, type DemoCounts } from './demo.js';
import { importingAlone, pgImportWriter, pgStoredState } from './import-pg.js';
import { itemReader, registryTime, type ImportItem, type ItemReader, type LoadedImport } from './load.js';
import {
  type Answer,
  breakingChangeRow,
  columnSqlName,
  dbValue,
  PLAN_COLUMNS,
  planImport,
  refusalMessage,
  type ImportPlan,
  type ImportReport,
  type ListedConnector,
  type PlanColumn,
  type PlanOptions,
  type RenameIdentity,
  type Step,
  type StoredAvailability,
  type StoredConnector,
  type StoredEntry,
  type StoredState,
} from './plan.js';

export interface ImportOptions extends PlanOptions {
  /** Plan only: report what the import would do and write nothing. */
  dryRun?: boolean;
  /** Who runs the import, for import_log (default `import:<file name>`). */
  actor?: string;
  /** Who runs the import, for the audit log (default: the import_log actor), e.g. `cli:<user>`. */
  auditActor?: string;
  onProgress?: (done: number, total: number) => void;
  now?: () => Date;
}

/** What an import did (or, for a dry run, would do): the plan's report, and the counts as before. */
export interface ImportSummary {
  source: string;
  /** The import_log row; null for a dry run. */
  importId: number | null;
  dryRun: boolean;
  added: number;
  updated: number;
  unchanged: number;
  levelChanges: { slug: string; from: string; to: string }[];
  /** Connectors now unavailable on one or more deployments. */
  disabled: string[];
  skipped: { entry: string; path: string; message: string }[];
  notes: string[];
  report: ImportReport;
}

/** A real import the guards refused; nothing was written. The report says what it would have done. */
export class ImportRefusedError extends Error {
  constructor(readonly report: ImportReport) {
    super(refusalMessage(report));
    this.name = 'ImportRefusedError';
  }
}

export async function importConnectors(db: Db, loaded: LoadedImport, options: ImportOptions = {}): Promise<ImportSummary> {
  const startedAt = (options.now?.() ?? new Date()).toISOString();
  if (options.dryRun) {
    const plan = await reading(db, (state) => planImport(state, loaded, options));
    return summaryOf(plan.report, null);
  }
  if (db.$engine === 'sqlite') keepJournalsInMemory(writerOf(db).$client);
  let result: { plan: ImportPlan; importId: number };
  try {
    result = await transaction(db, async (tx) => {
      await importingAlone(tx);
      const plan = await planImport(storedStateOf(tx), loaded, options);
      if (plan.report.blockers.length) throw new ImportRefusedError(plan.report);
      const importId = await applyPlan(tx, plan, itemReader(loaded.items), { ...options, startedAt });
      await announceImportedLevels(tx, importId);
      return { plan, importId };
    });
  } catch (error) {
    if (error instanceof ImportRefusedError) await auditRefusal(db, error.report, options);
    throw error;
  }
  const { plan, importId } = result;
  // Fresh statistics let the planner choose an index by how many rows a filter keeps (src/db/statistics.ts).
  if (plan.report.counts.added + plan.report.counts.changed > 0) await refreshStatistics(db);
  return summaryOf(plan.report, importId);
}

/**
 * The upserts' statement journals (a trigger keeps connectors.enabled_on) stay in memory rather than in
 * temporary files: a third of a large import's time otherwise. SQLite refuses the setting inside a
 * transaction, so it is made on the writer connection between transactions and kept there.
 */
function keepJournalsInMemory(writer: Database.Database): void {
  if (writer.inTransaction) return;
  writer.pragma('temp_store = MEMORY');
}

/**
 * Runs a dry run's planning over one consistent view that writes nothing: on SQLite a read transaction
 * on the reading connection (writers carry on under WAL; the plan's reads there answer at once, so no
 * other request's statement comes between them), on PostgreSQL a transaction that writes nothing.
 */
async function reading<T>(db: Db, plan: (state: StoredState) => Promise<T>): Promise<T> {
  if (db.$engine === 'postgres') return transaction(db, (tx) => plan(pgStoredState(tx)));
  const sqlite = db.$client;
  const own = !sqlite.inTransaction;
  if (own) sqlite.prepare('begin').run();
  try {
    return await plan(storedState(sqlite));
  } finally {
    if (own && sqlite.inTransaction) sqlite.prepare('commit').run();
  }
}

const storedStateOf = (tx: Db): StoredState => (tx.$engine === 'postgres' ? pgStoredState(tx) : storedState(tx.$client));

function summaryOf(report: ImportReport, importId: number | null): ImportSummary {
  return {
    source: report.source,
    importId,
    dryRun: importId === null,
    added: report.counts.added,
    updated: report.counts.changed,
    unchanged: report.counts.unchanged,
    levelChanges: report.levelChanges.map(({ slug, from, to }) => ({ slug, from, to })),
    disabled: [...new Set(report.unavailable.map((u) => u.slug))],
    skipped: report.refused.map((r) => ({ entry: `${report.source}: ${r.entry}`, path: r.path, message: r.rule })),
    notes: report.notes,
    report,
  };
}

// ── Reading the stored state ───────────────────────────────────────────────────────────────────────

export const SELECT_CONNECTOR = `select id, definition_id as "definitionId", slug, organization, demo, ${PLAN_COLUMNS.map((c) => `${columnSqlName(c)} as "v_${c}"`).join(', ')} from connectors`;

/** A boolean column as either engine returns it (SQLite: 1 or 0). */
export const isTrue = (value: unknown): boolean => value === 1 || value === true;

export function toStored(row: Record<string, unknown> | undefined): StoredConnector | undefined {
  if (!row) return undefined;
  const values = Object.fromEntries(PLAN_COLUMNS.map((c) => [c, row[`v_${c}`]])) as Record<PlanColumn, unknown>;
  return {
    id: row.id as number,
    definitionId: row.definitionId as string,
    slug: row.slug as string,
    organization: row.organization as string | null,
    demo: isTrue(row.demo),
    values,
  };
}

/** Rows of one query about many connectors, grouped by connector. */
export function byConnector<R extends { connectorId: number }, K, V>(rows: R[], ids: number[], entry: (row: R) => [K, V]): Map<number, Map<K, V>> {
  const grouped = new Map<number, Map<K, V>>(ids.map((id) => [id, new Map()]));
  for (const row of rows) grouped.get(row.connectorId)!.set(...entry(row));
  return grouped;
}

export type AvailabilityRow = {
  connectorId: number;
  deployment: DeploymentKey;
  enabled: number | boolean;
  docker_image_tag: string | null;
  docker_repository: string | null;
};
export const availabilityOf = (r: AvailabilityRow): [DeploymentKey, StoredAvailability] => [
  r.deployment,
  { enabled: isTrue(r.enabled), dockerImageTag: r.docker_image_tag, dockerRepository: r.docker_repository },
];
export type ChangeRow = { connectorId: number; version: string } & Record<string, unknown>;
export const changeOf = ({ connectorId: _, version, ...rest }: ChangeRow): [string, Record<string, unknown>] => [version, rest];

/**
 * The stored state as plan.ts reads it, one connector at a time, with statements prepared once per import.
 * What prefetch read ahead (a few hundred connectors in four statements) answers first: one statement per
 * question and connector took half a large re-import's planning.
 */
function storedState(sqlite: Database.Database): StoredState {
  const one = (where: string) => {
    const statement = sqlite.prepare(`${SELECT_CONNECTOR} where ${where}`);
    return (...args: unknown[]) => toStored(statement.get(...args) as Record<string, unknown> | undefined);
  };
  const inList = 'in (select value from json_each(?))';
  const former = sqlite
    .prepare('select connector_id from connector_renames where from_definition_id = ? or to_definition_id = ? order by id desc limit 1')
    .pluck();
  const byId = one('id = ?');
  const byDefinitionId = one('definition_id = ?');
  const connectorsAhead = sqlite.prepare(`${SELECT_CONNECTOR} where definition_id ${inList}`);
  const AVAILABILITY =
    'select connector_id as connectorId, deployment, enabled, docker_image_tag, docker_repository from connector_availability where connector_id';
  const availability = sqlite.prepare(`${AVAILABILITY} = ?`);
  const availabilityAhead = sqlite.prepare(`${AVAILABILITY} ${inList}`);
  const CHANGES =
    'select connector_id as connectorId, version, upgrade_deadline as upgradeDeadline, message, migration_documentation_url as migrationDocumentationUrl, deadline_action as deadlineAction, scoped_impact as scopedImpact from breaking_changes where connector_id';
  const changes = sqlite.prepare(`${CHANGES} = ?`);
  const changesAhead = sqlite.prepare(`${CHANGES} ${inList}`);
  const entries = storedEntries(sqlite);
  const latest = sqlite.prepare('select source, created_at as at from certification_events where connector_id = ? order by id desc limit 1');
  const rename = sqlite
    .prepare('select 1 from connector_renames where connector_id = ? and from_definition_id = ? and to_definition_id = ? and from_slug = ? and to_slug = ?')
    .pluck();
  // Read ahead: a connector by definition ID (null: there is none), and the rest by connector id.
  let ahead = {
    connectors: new Map<string, StoredConnector | null>(),
    availability: new Map<number, Map<DeploymentKey, StoredAvailability>>(),
    changes: new Map<number, Map<string, Record<string, unknown>>>(),
    entries: new Map<number, Map<RegistryKey, StoredEntry>>(),
  };
  return {
    prefetch: (items) => {
      const definitionIds = items.map((i) => i.definitionId);
      const found = (connectorsAhead.all(JSON.stringify(definitionIds)) as Record<string, unknown>[]).map((row) => toStored(row)!);
      const ids = found.map((c) => c.id);
      const idList = JSON.stringify(ids);
      ahead = {
        connectors: new Map<string, StoredConnector | null>([
          ...definitionIds.map((id): [string, null] => [id, null]),
          ...found.map((c): [string, StoredConnector] => [c.definitionId, c]),
        ]),
        availability: byConnector(availabilityAhead.all(idList) as AvailabilityRow[], ids, availabilityOf),
        changes: byConnector(changesAhead.all(idList) as ChangeRow[], ids, changeOf),
        entries: entries.ahead(ids),
      };
    },
    connectorByDefinitionId: (id) => (ahead.connectors.has(id) ? (ahead.connectors.get(id) ?? undefined) : byDefinitionId(id)),
    connectorBySlug: one('slug = ?'),
    connectorByFormerDefinitionId: (id) => {
      const connectorId = former.get(id, id) as number | undefined;
      return connectorId === undefined ? undefined : byId(connectorId);
    },
    availability: (id) => ahead.availability.get(id) ?? new Map((availability.all(id) as AvailabilityRow[]).map(availabilityOf)),
    breakingChanges: (id) => ahead.changes.get(id) ?? new Map((changes.all(id) as ChangeRow[]).map(changeOf)),
    entries: (id) => ahead.entries.get(id) ?? entries.one(id),
    latestLevelChange: (id) => latest.get(id) as { source: string; at: string } | undefined,
    hasRename: (id, r) => rename.get(id, r.fromDefinitionId, r.toDefinitionId, r.fromSlug, r.toSlug) !== undefined,
    listedIn: listedIn(sqlite),
    availableCount: () => sqlite.prepare('select count(distinct connector_id) from connector_availability where enabled = 1').pluck().get() as number,
    demoToRemove: demoToRemove(sqlite),
  };
}

export type EntryRow = { connectorId: number; registry: RegistryKey; text: string; generatedAt: unknown; level: SupportLevelKey; asOf: string | null };

export const entryOf = (r: EntryRow): [RegistryKey, StoredEntry] => {
  const generated = registryTime(r.generatedAt);
  const at = generated ? { at: generated, day: false } : r.asOf ? { at: `${r.asOf}T00:00:00.000Z`, day: true } : null;
  return [r.registry, { text: r.text, at, level: r.level }];
};

/**
 * A connector's kept entries with the time each speaks for: the registry's generation time, or for an
 * entry that has none (built from metadata.yaml), the --as-of date of the import that wrote it.
 */
function storedEntries(sqlite: Database.Database) {
  const ENTRIES = `select e.connector_id as connectorId, e.registry, e.entry as text,
       json_extract(e.entry, '$.generated.source_file_info.registry_entry_generated_at') as generatedAt,
       coalesce(json_extract(e.entry, '$.supportLevel'), case when json_extract(e.entry, '$.ab_internal.isEnterprise') then 'enterprise' else 'community' end) as level,
       (select l.as_of from import_log l where l.source = e.imported_from and l.started_at = e.imported_at order by l.id desc limit 1) as asOf
     from registry_entries e where e.connector_id`;
  type Row = EntryRow;
  const one = sqlite.prepare(`${ENTRIES} = ? order by e.registry`);
  const many = sqlite.prepare(`${ENTRIES} in (select value from json_each(?)) order by e.connector_id, e.registry`);
  return {
    one: (id: number): Map<RegistryKey, StoredEntry> => new Map((one.all(id) as Row[]).map(entryOf)),
    ahead: (ids: number[]) => byConnector(many.all(JSON.stringify(ids)) as Row[], ids, entryOf),
  };
}

function listedIn(sqlite: Database.Database): StoredState['listedIn'] {
  const statement = sqlite.prepare(
    `select c.id, c.slug, c.definition_id as definitionId,
       (select json_group_array(json_object('deployment', a.deployment, 'dockerImageTag', a.docker_image_tag, 'dockerRepository', a.docker_repository))
          from connector_availability a where a.connector_id = c.id and a.enabled = 1 and a.deployment in (?, ?)) as enabled
     from registry_entries e join connectors c on c.id = e.connector_id where e.registry = ? order by c.id`,
  );
  return function* (registry) {
    for (const row of statement.iterate(...REGISTRY_DEPLOYMENTS[registry], registry) as Iterable<Omit<ListedConnector, 'enabled'> & { enabled: string }>) {
      yield { ...row, enabled: JSON.parse(row.enabled) as ListedConnector['enabled'] };
    }
  };
}

/** What removeDemoData (demo.ts) would remove once the kept connectors, and their entries' breaking-change versions, are no longer demo. */
function demoToRemove(sqlite: Database.Database): StoredState['demoToRemove'] {
  return (kept) =>
    demoRemoval(
      kept,
      sqlite.prepare('select id from connectors where demo = true').pluck().all() as number[],
      sqlite.prepare(`select connector_id as id, version, demo from breaking_changes where ${DEMO_BREAKING_CHANGES}`).all() as DemoChangeRow[],
      sqlite.prepare(`select connector_id as id, source from certification_events where ${DEMO_EVENTS}`).all() as { id: number; source: string }[],
    );
}

export type DemoChangeRow = { id: number; version: string; demo: number | boolean };

/** Counts what removeDemoData would remove, from the demo rows as they are now. */
export function demoRemoval(
  kept: ReadonlyMap<number, ReadonlySet<string>>,
  demoConnectors: number[],
  changes: DemoChangeRow[],
  events: { id: number; source: string }[],
): DemoCounts {
  const gone = new Set(demoConnectors.filter((id) => !kept.has(id)));
  return {
    connectors: gone.size,
    breakingChanges: changes.filter((c) => gone.has(c.id) || (isTrue(c.demo) && !kept.get(c.id)?.has(c.version))).length,
    events: events.filter((e) => gone.has(e.id) || e.source === 'seed').length,
  };
}

// ── Writing ────────────────────────────────────────────────────────────────────────────────────────

interface Run extends ImportOptions {
  startedAt: string;
}

/** An availability row, a breaking change, a kept entry: as the writers take them. */
export type AvailabilityWrite = { deployment: DeploymentKey } & StoredAvailability;
export type ChangeWrite = { version: string } & ReturnType<typeof breakingChangeRow>;
export type EntryWrite = { registry: RegistryKey; text: string };

/**
 * The writes an import makes, one connector at a time: SQLite's are prepared statements run at once, row
 * by row; PostgreSQL's (import-pg.ts) send each connector's rows of one table in one statement.
 */
export interface ImportWriter {
  /** When the next changes took effect at their source, for the history triggers (history_context). */
  effective(at: string | null): Answer<void>;
  insertConnector(item: ImportItem): Answer<number>;
  setColumns(id: number, columns: PlanColumn[], item: ImportItem): Answer<void>;
  setDefinitionId(id: number, definitionId: string): Answer<void>;
  levelEvent(id: number, level: NonNullable<Step['level']>, actor: string, reason: string, importId: number): Answer<void>;
  /** The connector, and the breaking changes of these versions, are real data from now on. */
  undemo(id: number, versions: string[]): Answer<void>;
  rename(id: number, r: RenameIdentity & { registry: RegistryKey | null }, importId: number): Answer<void>;
  availability(id: number, rows: AvailabilityWrite[]): Answer<void>;
  breakingChanges(id: number, rows: ChangeWrite[]): Answer<void>;
  /** imported_at is the import's start, which is how a kept entry finds its import's --as-of (storedEntries). */
  entries(id: number, rows: EntryWrite[], source: string, importedAt: string): Answer<void>;
  /** A new revision of a changed connector. */
  bump(id: number): Answer<void>;
  /** Writes what the writer still holds (PostgreSQL's gathers statements into batches). */
  flush(): Answer<void>;
}

function sqliteWriter(sqlite: Database.Database): ImportWriter {
  const columns = PLAN_COLUMNS.map(columnSqlName);
  // name_key goes with the name: last in the insert, and set by the name's update (nameKey, src/db/name-key.ts).
  const insertConnector = sqlite.prepare(
    `insert into connectors (definition_id, ${columns.join(', ')}, name_key) values (?, ${columns.map(() => '?').join(', ')}, ?)`,
  );
  const updateColumn = new Map(PLAN_COLUMNS.map((c) => [c, sqlite.prepare(`update connectors set ${columnSqlName(c)} = ? where id = ?`)]));
  const updateName = sqlite.prepare('update connectors set name = ?, name_key = ? where id = ?');
  const setDefinitionId = sqlite.prepare('update connectors set definition_id = ? where id = ?');
  const undemo = sqlite.prepare('update connectors set demo = 0 where id = ? and demo = 1');
  const undemoChanges = sqlite.prepare(
    'update breaking_changes set demo = 0 where connector_id = ? and demo = 1 and version in (select value from json_each(?))',
  );
  const upsertAvailability = sqlite.prepare(
    `insert into connector_availability (connector_id, deployment, enabled, docker_image_tag, docker_repository) values (?, ?, ?, ?, ?)
     on conflict (connector_id, deployment) do update set enabled = excluded.enabled, docker_image_tag = excluded.docker_image_tag, docker_repository = excluded.docker_repository`,
  );
  const upsertChange = sqlite.prepare(
    `insert into breaking_changes (connector_id, version, upgrade_deadline, message, migration_documentation_url, deadline_action, scoped_impact) values (?, ?, ?, ?, ?, ?, ?)
     on conflict (connector_id, version) do update set upgrade_deadline = excluded.upgrade_deadline, message = excluded.message,
     migration_documentation_url = excluded.migration_documentation_url, deadline_action = excluded.deadline_action, scoped_impact = excluded.scoped_impact, demo = 0`,
  );
  const upsertEntry = sqlite.prepare(
    `insert into registry_entries (connector_id, registry, entry, imported_from, imported_at) values (?, ?, ?, ?, ?)
     on conflict (connector_id, registry) do update set entry = excluded.entry, imported_from = excluded.imported_from, imported_at = excluded.imported_at`,
  );
  const bump = sqlite.prepare(`update connectors set revision = revision + 1, updated_at = strftime('%Y-%m-%dT%H:%M:%fZ', 'now') where id = ?`);
  const insertEvent = sqlite.prepare(
    `insert into certification_events (connector_id, from_level, to_level, actor, reason, evidence, source, effective_at, import_id) values (?, ?, ?, ?, ?, null, 'import', ?, ?)`,
  );
  const insertRename = sqlite.prepare(
    `insert into connector_renames (connector_id, from_definition_id, to_definition_id, from_slug, to_slug, registry, import_id) values (?, ?, ?, ?, ?, ?, ?)`,
  );
  const effective = sqlite.prepare('update history_context set effective_at = ? where id = 1');
  return {
    effective: (at) => void effective.run(at),
    insertConnector: (item) => Number(insertConnector.run(item.definitionId, ...PLAN_COLUMNS.map((c) => dbValue(c, item)), nameKey(item.name)).lastInsertRowid),
    setColumns: (id, changed, item) => {
      for (const column of changed) {
        if (column === 'name') updateName.run(item.name, nameKey(item.name), id);
        else updateColumn.get(column)!.run(dbValue(column, item), id);
      }
    },
    setDefinitionId: (id, definitionId) => void setDefinitionId.run(definitionId, id),
    levelEvent: (id, level, actor, reason, importId) => void insertEvent.run(id, level.from, level.to, actor, reason, level.effectiveAt, importId),
    undemo: (id, versions) => {
      undemo.run(id);
      undemoChanges.run(id, JSON.stringify(versions));
    },
    rename: (id, r, importId) => void insertRename.run(id, r.fromDefinitionId, r.toDefinitionId, r.fromSlug, r.toSlug, r.registry, importId),
    availability: (id, rows) => {
      for (const a of rows) upsertAvailability.run(id, a.deployment, a.enabled ? 1 : 0, a.dockerImageTag, a.dockerRepository);
    },
    breakingChanges: (id, rows) => {
      for (const b of rows) upsertChange.run(id, b.version, b.upgradeDeadline, b.message, b.migrationDocumentationUrl, b.deadlineAction, b.scopedImpact);
    },
    entries: (id, rows, source, importedAt) => {
      for (const e of rows) upsertEntry.run(id, e.registry, e.text, source, importedAt);
    },
    bump: (id) => void bump.run(id),
    flush: () => undefined,
  };
}

/** PostgreSQL's writer, with an id reserved for each connector the plan adds. */
async function pgWriter(tx: Db, plan: ImportPlan): Promise<ImportWriter> {
  const w = pgImportWriter(tx);
  await w.reserveIds(plan.steps.filter((s) => s.connectorId === undefined).length);
  return w;
}

async function applyPlan(tx: Db, plan: ImportPlan, items: ItemReader, run: Run): Promise<number> {
  const w = tx.$engine === 'postgres' ? await pgWriter(tx, plan) : sqliteWriter(tx.$client);
  const r = plan.report;
  const actor = run.actor ?? `import:${basename(r.source)}`;
  const [{ id: importId }] = (await tx
    .insert(importLog)
    .values({
      actor,
      source: r.source,
      contentHash: r.contentHash,
      registries: r.registries,
      asOf: r.asOf,
      forced: r.forced,
      summary: {},
      startedAt: run.startedAt,
    })
    .returning({ id: importLog.id })) as [{ id: number }];
  const total = plan.steps.length;
  const at = { importId, source: r.source, startedAt: run.startedAt };
  // The history records each connector's changes as taking effect when its entry was generated (else the
  // --as-of date, else when the import began); what the file no longer lists, as of the --as-of date or the start.
  const asOf = r.asOf ? `${r.asOf}T00:00:00.000Z` : run.startedAt;
  await recording(tx, { actor, source: 'import', importId, effectiveAt: asOf }, async () => {
    let effectiveAt: string | null = asOf;
    for (let i = 0; i < total; i++) {
      const step = plan.steps[i]!;
      const item = items.item(step.index);
      const when = item.generatedAt ?? asOf;
      if (when !== effectiveAt) await w.effective((effectiveAt = when));
      await applyStep(w, step, item, at);
      const done = i + 1;
      // As the tables grow several times over, PostgreSQL's plans are made again from their new size.
      if (tx.$engine === 'postgres' && done >= 256 && (done & (done - 1)) === 0) {
        await w.flush();
        await analyzeRegistryTables(tx);
      }
      if (run.onProgress && (done % 1000 === 0 || done === total)) run.onProgress(done, total);
    }
    if (effectiveAt !== asOf) await w.effective(asOf);
    await disableUnlisted(w, plan);
    await w.flush();
  });
  const demoRemoved = run.removeDemo ? await removeDemoData(tx) : null;
  await tx
    .update(importLog)
    .set({ summary: logSummary(r, demoRemoved), finishedAt: new Date().toISOString() })
    .where(eq(importLog.id, importId));
  await recordAudit(tx, {
    actor: run.auditActor ?? actor,
    action: AUDIT_ACTIONS.registryImport,
    target: r.source,
    outcome: 'succeeded',
    detail: { registries: r.registries, contentHash: r.contentHash, forced: r.forced, counts: r.counts },
    importId,
    at: new Date(run.startedAt),
  });
  return importId;
}

/** A real import the guards refused writes nothing but its audit row. */
async function auditRefusal(db: Db, r: ImportReport, options: ImportOptions): Promise<void> {
  await transaction(db, async (tx) => {
    await recordAudit(tx, {
      actor: options.auditActor ?? options.actor ?? `import:${basename(r.source)}`,
      action: AUDIT_ACTIONS.registryImport,
      target: r.source,
      outcome: 'refused',
      code: AUDIT_CODES.importRefused,
      detail: { registries: r.registries, contentHash: r.contentHash, blockers: r.blockers },
      at: options.now?.(),
    });
  });
}

/** What the file no longer lists where it speaks for: disabled there, a new revision of each connector. */
async function disableUnlisted(w: ImportWriter, plan: ImportPlan): Promise<void> {
  for (const off of plan.disable) {
    await w.availability(
      off.connectorId,
      off.rows.map((row) => ({ ...row, enabled: false })),
    );
    await w.bump(off.connectorId);
  }
}

async function applyStep(w: ImportWriter, step: Step, item: ImportItem, at: { importId: number; source: string; startedAt: string }): Promise<void> {
  let id = step.connectorId;
  // A new connector gets everything its item gives; a stored one what the plan found changed.
  const availability = id === undefined ? (Object.keys(item.availability) as DeploymentKey[]) : step.availability;
  const breakingChanges = id === undefined ? item.breakingChanges.map((b) => b.version) : step.breakingChanges;
  const entries = id === undefined ? (Object.keys(item.entries) as RegistryKey[]) : step.entries;
  if (id === undefined) {
    id = await w.insertConnector(item);
  } else {
    if (step.definitionId) await w.setDefinitionId(id, step.definitionId);
    if (step.columns.length) await w.setColumns(id, step.columns, item);
    if (step.level) await w.levelEvent(id, step.level, `import:${basename(at.source)}`, `The support level is ${step.level.to} in ${at.source}.`, at.importId);
    if (step.undemo)
      await w.undemo(
        id,
        item.breakingChanges.map((b) => b.version),
      );
    if (step.rename) await w.rename(id, step.rename, at.importId);
  }
  if (availability.length)
    await w.availability(
      id,
      availability.map((deployment) => ({ deployment, ...item.availability[deployment]! })),
    );
  if (breakingChanges.length) {
    await w.breakingChanges(
      id,
      breakingChanges.map((version) => ({ version, ...breakingChangeRow(item.breakingChanges.find((c) => c.version === version)!) })),
    );
  }
  if (entries.length)
    await w.entries(
      id,
      entries.map((registry) => ({ registry, text: JSON.stringify(item.entries[registry]) })),
      at.source,
      at.startedAt,
    );
  if (step.bump) await w.bump(id);
}

/** What import_log keeps of a report: the counts, and what an operator must be able to find later. */
function logSummary(r: ImportReport, demoRemoved: DemoCounts | null): Record<string, unknown> {
  return {
    counts: r.counts,
    levelChanges: r.levelChanges,
    unavailable: r.unavailable,
    renames: r.renames,
    refused: r.refused,
    conflicts: r.conflicts,
    absence: r.absence,
    demoRemoved,
    notes: r.notes,
  };
}
