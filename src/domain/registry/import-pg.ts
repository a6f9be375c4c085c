// The import's reads and writes on PostgreSQL (import.ts has SQLite's and runs both). The same questions
// and rows as on SQLite, in PostgreSQL's words (jsonb instead of json_each, booleans as booleans). Reads
// are batched ahead; writes are gathered into batches of statements (src/db/batch.ts), in the order SQLite
// runs them, so the history triggers read each connector's history_context as they do there.
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { nameKey } from '../../db/name-key.js';
import { statementBatch } from '../../db/batch.js';
import { rawRows, rawRun } from '../../db/raw.js';
import type { ItemIdentity } from './load.js';
import { DEMO_BREAKING_CHANGES, DEMO_EVENTS } from './demo.js';
import { REGISTRY_DEPLOYMENTS } from './format.js';
import {
  type AvailabilityRow,
  availabilityOf,
  byConnector,
  type ChangeRow,
  changeOf,
  type DemoChangeRow,
  demoRemoval,
  type EntryRow,
  entryOf,
  type AvailabilityWrite,
  type ChangeWrite,
  type EntryWrite,
  type ImportWriter,
  toStored,
} from './import.js';
import { columnSqlName, dbValue, PLAN_COLUMNS, type ListedConnector, type StoredConnector, type StoredState } from './plan.js';
import { connectors, type RegistryKey } from '../../db/schema.js';
import { getTableColumns } from 'drizzle-orm';

/** "import" in ASCII: the advisory lock that keeps two gateways' imports from planning over each other's writes. */
const IMPORT_LOCK = 0x696d706f7274;

/**
 * On PostgreSQL (READ COMMITTED), a second import waits for the first to commit before it reads what it
 * plans over; SQLite's BEGIN IMMEDIATE already makes imports one at a time.
 */
export async function importingAlone(tx: Db): Promise<void> {
  if (tx.$engine === 'postgres') await rawRun(tx, sql`select pg_advisory_xact_lock(${sql.raw(String(IMPORT_LOCK))})`);
}

const TABLE = getTableColumns(connectors);

/** A connector column as SQLite stores it (JSON as text, booleans as 1 and 0), which the plan compares. */
function sqliteForm(column: (typeof PLAN_COLUMNS)[number], value: unknown): unknown {
  return value == null ? null : TABLE[column].mapToDriverValue(value as never);
}

const SELECT_CONNECTOR = sql.raw(
  `select id, definition_id as "definitionId", slug, organization, demo, ${PLAN_COLUMNS.map((c) => `${columnSqlName(c)} as "v_${c}"`).join(', ')} from connectors`,
);

function storedOf(row: Record<string, unknown> | undefined): StoredConnector | undefined {
  if (!row) return undefined;
  for (const c of PLAN_COLUMNS) row[`v_${c}`] = sqliteForm(c, row[`v_${c}`]);
  return toStored(row);
}

/** A list of ids or keys as one parameter: its elements as rows. */
const elements = (values: readonly (string | number)[]): SQL => sql`(select jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))`;
const ids = (values: readonly number[]): SQL => sql`(select (jsonb_array_elements_text(${JSON.stringify(values)}::jsonb))::bigint)`;

const AVAILABILITY = sql`select connector_id as "connectorId", deployment, enabled, docker_image_tag, docker_repository from connector_availability where connector_id`;
const CHANGES = sql`select connector_id as "connectorId", version, upgrade_deadline as "upgradeDeadline", message,
  migration_documentation_url as "migrationDocumentationUrl", deadline_action as "deadlineAction", scoped_impact as "scopedImpact"
  from breaking_changes where connector_id`;
// The entry as compact JSON text (the plan compares it with the file's; jsonb's own text has spaces).
const ENTRIES = sql`select e.connector_id as "connectorId", e.registry, e.entry as "text",
  e.entry #>> '{generated,source_file_info,registry_entry_generated_at}' as "generatedAt",
  coalesce(e.entry ->> 'supportLevel', case when e.entry #> '{ab_internal,isEnterprise}' = 'true'::jsonb then 'enterprise' else 'community' end) as level,
  (select l.as_of from import_log l where l.source = e.imported_from and l.started_at = e.imported_at order by l.id desc limit 1) as "asOf"
  from registry_entries e where e.connector_id`;

/** Rows of breaking_changes and registry_entries with their JSON as text, as SQLite gives them. */
const changeText = (r: ChangeRow): ChangeRow => ({ ...r, scopedImpact: r.scopedImpact == null ? null : JSON.stringify(r.scopedImpact) });
const entryText = (r: EntryRow): EntryRow => ({ ...r, text: JSON.stringify(r.text) });

/** How many connectors listed in a registry one read of listedIn returns (keyset pages: no cursor held open). */
const LISTED_PAGE = 1000;

/** Connectors found by a key, and the keys asked for that found none (null). */
function byKey(keys: readonly string[], found: [string, StoredConnector][]): Map<string, StoredConnector | null> {
  return new Map<string, StoredConnector | null>([...keys.map((k): [string, null] => [k, null]), ...found]);
}

/** What one window of entries will ask of the connectors they name, read in six statements. */
async function readAhead(tx: Db, items: ItemIdentity[]) {
  const definitionIds = items.map((i) => i.definitionId);
  const slugs = items.map((i) => i.slug);
  const found = (await rawRows(tx, sql`${SELECT_CONNECTOR} where definition_id in ${elements(definitionIds)}`)).map((row) => storedOf(row)!);
  const bySlug = (await rawRows(tx, sql`${SELECT_CONNECTOR} where slug in ${elements(slugs)}`)).map((row) => storedOf(row)!);
  const list = found.map((c) => c.id);
  return {
    connectors: byKey(
      definitionIds,
      found.map((c) => [c.definitionId, c]),
    ),
    slugs: byKey(
      slugs,
      bySlug.map((c) => [c.slug, c]),
    ),
    former: byKey(definitionIds, await formerAhead(tx, definitionIds)),
    availability: byConnector(await rawRows<AvailabilityRow>(tx, sql`${AVAILABILITY} in ${ids(list)}`), list, availabilityOf),
    changes: byConnector((await rawRows<ChangeRow>(tx, sql`${CHANGES} in ${ids(list)}`)).map(changeText), list, changeOf),
    entries: byConnector((await rawRows<EntryRow>(tx, sql`${ENTRIES} in ${ids(list)} order by e.connector_id, e.registry`)).map(entryText), list, entryOf),
  };
}

/** The stored state the plan reads (plan.ts), on PostgreSQL: a round trip per question, and read-ahead in batches. */
export function pgStoredState(tx: Db): StoredState {
  const one = async (where: SQL) => storedOf((await rawRows(tx, sql`${SELECT_CONNECTOR} where ${where}`))[0]);
  let ahead: Awaited<ReturnType<typeof readAhead>> | undefined;
  return {
    prefetch: async (items) => {
      ahead = await readAhead(tx, items);
    },
    connectorByDefinitionId: (id) => (ahead?.connectors.has(id) ? (ahead.connectors.get(id) ?? undefined) : one(sql`definition_id = ${id}`)),
    connectorBySlug: (slug) => (ahead?.slugs.has(slug) ? (ahead.slugs.get(slug) ?? undefined) : one(sql`slug = ${slug}`)),
    connectorByFormerDefinitionId: (id) =>
      ahead?.former.has(id)
        ? (ahead.former.get(id) ?? undefined)
        : one(sql`id = (select connector_id from connector_renames where from_definition_id = ${id} or to_definition_id = ${id} order by id desc limit 1)`),
    availability: async (id) => ahead?.availability.get(id) ?? new Map((await rawRows<AvailabilityRow>(tx, sql`${AVAILABILITY} = ${id}`)).map(availabilityOf)),
    breakingChanges: async (id) => ahead?.changes.get(id) ?? new Map((await rawRows<ChangeRow>(tx, sql`${CHANGES} = ${id}`)).map(changeText).map(changeOf)),
    entries: async (id) =>
      ahead?.entries.get(id) ?? new Map((await rawRows<EntryRow>(tx, sql`${ENTRIES} = ${id} order by e.registry`)).map(entryText).map(entryOf)),
    latestLevelChange: async (id) =>
      (
        await rawRows<{ source: string; at: string }>(
          tx,
          sql`select source, created_at as at from certification_events where connector_id = ${id} order by id desc limit 1`,
        )
      )[0],
    hasRename: async (id, r) =>
      (
        await rawRows(
          tx,
          sql`select 1 from connector_renames where connector_id = ${id} and from_definition_id = ${r.fromDefinitionId}
            and to_definition_id = ${r.toDefinitionId} and from_slug = ${r.fromSlug} and to_slug = ${r.toSlug}`,
        )
      ).length > 0,
    listedIn: (registry) => listedIn(tx, registry),
    availableCount: async () =>
      Number((await rawRows<{ n: number }>(tx, sql`select count(distinct connector_id) as n from connector_availability where enabled = true`))[0]!.n),
    demoToRemove: async (kept) =>
      demoRemoval(
        kept,
        (await rawRows<{ id: number }>(tx, sql`select id from connectors where demo = true`)).map((r) => r.id),
        await rawRows<DemoChangeRow>(tx, sql.raw(`select connector_id as id, version, demo from breaking_changes where ${DEMO_BREAKING_CHANGES}`)),
        await rawRows<{ id: number; source: string }>(tx, sql.raw(`select connector_id as id, source from certification_events where ${DEMO_EVENTS}`)),
      ),
  };
}

/** For each definition ID a rename recorded (as its old or new ID), the connector of its latest rename. */
async function formerAhead(tx: Db, definitionIds: readonly string[]): Promise<[string, StoredConnector][]> {
  const rows = await rawRows<{ key: string } & Record<string, unknown>>(
    tx,
    sql`select distinct on (k.key) k.key, c.id, c.definition_id as "definitionId", c.slug, c.organization, c.demo,
          ${sql.raw(PLAN_COLUMNS.map((c) => `c.${columnSqlName(c)} as "v_${c}"`).join(', '))}
        from ${elements(definitionIds)} as k(key)
        join connector_renames r on r.from_definition_id = k.key or r.to_definition_id = k.key
        join connectors c on c.id = r.connector_id
        order by k.key, r.id desc`,
  );
  return rows.map((row) => [row.key, storedOf(row)!]);
}

/** The connectors with a kept entry of `registry`, a page at a time by connector id. */
async function* listedIn(tx: Db, registry: RegistryKey): AsyncGenerator<ListedConnector> {
  const [primary, secondary] = REGISTRY_DEPLOYMENTS[registry];
  let after = 0;
  for (;;) {
    const page = await rawRows<ListedConnector>(
      tx,
      sql`select c.id, c.slug, c.definition_id as "definitionId",
          (select coalesce(jsonb_agg(jsonb_build_object('deployment', a.deployment, 'dockerImageTag', a.docker_image_tag, 'dockerRepository', a.docker_repository)), '[]'::jsonb)
             from connector_availability a where a.connector_id = c.id and a.enabled = true and a.deployment in (${primary}, ${secondary})) as enabled
        from registry_entries e join connectors c on c.id = e.connector_id where e.registry = ${registry} and c.id > ${after}
        order by c.id limit ${LISTED_PAGE}`,
    );
    yield* page;
    if (page.length < LISTED_PAGE) return;
    after = page.at(-1)!.id;
  }
}

const NOW = sql`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

/** A connector's availability rows, in one statement. */
const upsertAvailability = (id: number, rows: AvailabilityWrite[]): SQL =>
  sql`insert into connector_availability (connector_id, deployment, enabled, docker_image_tag, docker_repository)
    values ${sql.join(
      rows.map((a) => sql`(${id}, ${a.deployment}, ${a.enabled}, ${a.dockerImageTag}, ${a.dockerRepository})`),
      sql`, `,
    )}
    on conflict (connector_id, deployment) do update set enabled = excluded.enabled, docker_image_tag = excluded.docker_image_tag,
      docker_repository = excluded.docker_repository`;

/** A connector's breaking changes, in one statement. */
const upsertBreakingChanges = (id: number, rows: ChangeWrite[]): SQL =>
  sql`insert into breaking_changes (connector_id, version, upgrade_deadline, message, migration_documentation_url, deadline_action, scoped_impact)
    values ${sql.join(
      rows.map(
        (b) => sql`(${id}, ${b.version}, ${b.upgradeDeadline}, ${b.message}, ${b.migrationDocumentationUrl}, ${b.deadlineAction}, ${b.scopedImpact}::jsonb)`,
      ),
      sql`, `,
    )}
    on conflict (connector_id, version) do update set upgrade_deadline = excluded.upgrade_deadline, message = excluded.message,
      migration_documentation_url = excluded.migration_documentation_url, deadline_action = excluded.deadline_action,
      scoped_impact = excluded.scoped_impact, demo = false`;

/** A connector's kept registry entries, in one statement. */
const upsertEntries = (id: number, rows: EntryWrite[], source: string, importedAt: string): SQL =>
  sql`insert into registry_entries (connector_id, registry, entry, imported_from, imported_at)
    values ${sql.join(
      rows.map((e) => sql`(${id}, ${e.registry}, ${e.text}::jsonb, ${source}, ${importedAt})`),
      sql`, `,
    )}
    on conflict (connector_id, registry) do update set entry = excluded.entry, imported_from = excluded.imported_from,
      imported_at = excluded.imported_at`;

/**
 * The import's writes on PostgreSQL. Each connector's rows of one table go in one statement, and the
 * statements are gathered and sent together, in order, a batch per round trip (the simple query protocol
 * takes several statements, but no parameters: the values are inlined as quoted literals). New connectors'
 * ids come from their sequence ahead of the writes (reserveIds), so nothing waits for an answer.
 */
export function pgImportWriter(tx: Db): ImportWriter & { reserveIds(count: number): Promise<void> } {
  const batch = statementBatch(tx);
  const run = (query: SQL) => batch.add(query);
  let ids: number[] = [];
  const columnList = sql.raw(PLAN_COLUMNS.map(columnSqlName).join(', '));
  return {
    effective: (at) => run(sql`update history_context set effective_at = ${at} where id = 1`),
    reserveIds: async (count) => {
      if (count <= 0) return;
      const rows = await rawRows<{ id: number }>(
        tx,
        sql`select nextval(pg_get_serial_sequence('connectors', 'id')) as id from generate_series(1, ${count}) order by 1`,
      );
      ids = rows.map((r) => Number(r.id));
    },
    insertConnector: async (item) => {
      const id = ids.shift();
      if (id === undefined) throw new Error('an import inserted more connectors than its plan reserved ids for');
      const values = sql.join(
        PLAN_COLUMNS.map((c) => sql`${dbValue(c, item)}`),
        sql`, `,
      );
      await run(
        sql`insert into connectors (id, definition_id, ${columnList}, name_key) values (${id}, ${item.definitionId}, ${values}, ${nameKey(item.name)})`,
      );
      return id;
    },
    setColumns: (id, changed, item) => {
      const sets = changed.map((c) => sql`${sql.raw(columnSqlName(c))} = ${dbValue(c, item)}`);
      if (changed.includes('name')) sets.push(sql`name_key = ${nameKey(item.name)}`);
      return run(sql`update connectors set ${sql.join(sets, sql`, `)} where id = ${id}`);
    },
    setDefinitionId: (id, definitionId) => run(sql`update connectors set definition_id = ${definitionId} where id = ${id}`),
    levelEvent: (id, level, actor, reason, importId) =>
      run(sql`insert into certification_events (connector_id, from_level, to_level, actor, reason, evidence, source, effective_at, import_id)
        values (${id}, ${level.from}, ${level.to}, ${actor}, ${reason}, null, 'import', ${level.effectiveAt}, ${importId})`),
    undemo: async (id, versions) => {
      await run(sql`update connectors set demo = false where id = ${id} and demo = true`);
      await run(sql`update breaking_changes set demo = false where connector_id = ${id} and demo = true and version in ${elements(versions)}`);
    },
    rename: (id, r, importId) =>
      run(sql`insert into connector_renames (connector_id, from_definition_id, to_definition_id, from_slug, to_slug, registry, import_id)
        values (${id}, ${r.fromDefinitionId}, ${r.toDefinitionId}, ${r.fromSlug}, ${r.toSlug}, ${r.registry}, ${importId})`),
    availability: (id, rows) => run(upsertAvailability(id, rows)),
    breakingChanges: (id, rows) => run(upsertBreakingChanges(id, rows)),
    entries: (id, rows, source, importedAt) => run(upsertEntries(id, rows, source, importedAt)),
    bump: (id) => run(sql`update connectors set revision = revision + 1, updated_at = ${NOW} where id = ${id}`),
    flush: () => batch.flush(),
  };
}
