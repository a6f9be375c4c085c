// The PostgreSQL tables, derived from the SQLite declaration in schema.ts (one declaration, two engines):
// every column, default, key, index and check comes from there, mapped below. Only what is SQLite-specific
// SQL is declared here, as a named exception; anything else SQLite-specific makes the derivation throw.
// drizzle-kit reads this file for migrations-pg/ (drizzle.pg.config.ts); the enabled_on triggers are the
// custom migration beside it.
import { Column, is, SQL, StringChunk, sql } from 'drizzle-orm';
import {
  bigint,
  boolean,
  check,
  foreignKey,
  index,
  integer,
  jsonb,
  type PgColumn,
  type PgColumnBuilder,
  type PgTable,
  pgTable,
  primaryKey,
  text,
  unique,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import { getTableConfig, type SQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import * as sqlite from './schema.js';

/** The export names of schema.ts's tables. */
export type TableKey = { [K in keyof typeof sqlite]: (typeof sqlite)[K] extends SQLiteTable ? K : never }[keyof typeof sqlite];

/** Every table schema.ts exports: a new one is derived without being listed here. */
const SQLITE_TABLES = Object.fromEntries(Object.entries(sqlite).filter(([, value]) => is(value, SQLiteTable))) as unknown as Record<TableKey, SQLiteTable>;

/**
 * SQLite SQL defaults and their PostgreSQL equivalent, by the SQLite text. The ISO-8601 UTC timestamp with
 * milliseconds stays text on PostgreSQL: the same value on both engines, sorted and compared as text, put in
 * cursors as is.
 */
export const PG_SQL_DEFAULTS: Record<string, string> = {
  "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))": `(to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))`,
};

/**
 * Columns whose values grow without bound: every autoincrement id and every column that references one.
 * They become bigint (SQLite's integer is 64-bit); other integers are bounded quantities and stay integer.
 */
function isIdColumn(table: SQLiteTable, column: SQLiteColumn): boolean {
  if ((column as { autoIncrement?: boolean }).autoIncrement) return true;
  for (const fk of getTableConfig(table).foreignKeys) {
    const ref = fk.reference();
    const at = ref.columns.findIndex((c) => c.name === column.name);
    if (at >= 0 && isIdColumn(ref.foreignTable, ref.foreignColumns[at] as SQLiteColumn)) return true;
  }
  return false;
}

/** The pg-core builder for one SQLite column: type, nullability, default, primary key, uniqueness. */
function pgColumn(source: SQLiteTable, column: SQLiteColumn): PgColumnBuilder {
  const table = getTableConfig(source).name;
  const id = isIdColumn(source, column);
  let b: any;
  switch (column.columnType) {
    case 'SQLiteText':
      b = text(column.name);
      break;
    case 'SQLiteTextJson':
      b = jsonb(column.name);
      break;
    case 'SQLiteBoolean':
      b = boolean(column.name);
      break;
    case 'SQLiteInteger':
      b = id ? bigint(column.name, { mode: 'number' }) : integer(column.name);
      break;
    default:
      throw new Error(`pg-schema: no PostgreSQL type for ${table}.${column.name} (${column.columnType})`);
  }
  if ((column as { autoIncrement?: boolean }).autoIncrement) b = b.generatedByDefaultAsIdentity();
  if (column.primary) b = b.primaryKey();
  else if (column.notNull) b = b.notNull();
  if (column.default instanceof SQL) {
    const text = sqlText(column.default);
    const pg = PG_SQL_DEFAULTS[text];
    if (!pg) throw new Error(`pg-schema: no PostgreSQL equivalent declared for the default of ${table}.${column.name}: ${text}`);
    b = b.default(sql.raw(pg));
  } else if (column.default !== undefined) b = b.default(column.default);
  if (column.isUnique) b = b.unique(column.uniqueName);
  return b as PgColumnBuilder;
}

/** The text of a SQL object made of string chunks only (a default): anything else is not a constant. */
function sqlText(value: SQL): string {
  return value.queryChunks
    .map((chunk) => {
      if (chunk instanceof StringChunk) return chunk.value;
      if (chunk instanceof SQL) return sqlText(chunk);
      throw new Error(`pg-schema: a SQL default with a parameter or column (${String(chunk)})`);
    })
    .join('');
}

/**
 * The SQLite SQL of a check or an index expression with its columns swapped for the PostgreSQL table's:
 * the rest (case, in-lists, comparisons) is the same SQL on both engines.
 */
function onPg(value: SQL, columns: Record<string, PgColumn>): SQL {
  const chunks = value.queryChunks.map((chunk): unknown => {
    if (chunk instanceof SQL) return onPg(chunk, columns);
    if (chunk instanceof Column) {
      const column = columns[chunk.name];
      if (!column) throw new Error(`pg-schema: ${chunk.name} is not a column of the PostgreSQL table`);
      return column;
    }
    if (chunk instanceof StringChunk || typeof chunk === 'string') return chunk;
    throw new Error(`pg-schema: SQL with a parameter cannot be moved to PostgreSQL (${String(chunk)})`);
  });
  return new SQL(chunks as SQL['queryChunks']);
}

function byName(table: PgTable): Record<string, PgColumn> {
  return Object.fromEntries(Object.values(table).map((c) => [(c as PgColumn).name, c as PgColumn])) as Record<string, PgColumn>;
}

/** Keys, indexes, checks and foreign keys of a SQLite table, built on the PostgreSQL one. */
function extras(source: SQLiteTable, table: PgTable, tables: Record<string, PgTable>) {
  const config = getTableConfig(source);
  const columns = byName(table);
  const cols = (list: readonly { name: string }[]) => list.map((c) => columns[c.name]!) as [PgColumn, ...PgColumn[]];
  const keyOf = (c: Column | SQL) => (c instanceof SQL ? onPg(c, columns) : columns[c.name]!);
  return [
    ...config.primaryKeys.map((pk) => primaryKey({ columns: cols(pk.columns) })),
    ...config.uniqueConstraints.map((u) => unique(u.name).on(...cols(u.columns))),
    ...config.indexes.map(({ config: ix }) => {
      if (ix.where) throw new Error(`pg-schema: partial index ${ix.name} needs a declared PostgreSQL form`);
      const keys = ix.columns.map((c) => keyOf(c as Column | SQL)) as [PgColumn | SQL, ...(PgColumn | SQL)[]];
      return (ix.unique ? uniqueIndex(ix.name) : index(ix.name)).on(...keys);
    }),
    ...config.checks.map((c) => check(c.name, onPg(c.value, columns))),
    ...config.foreignKeys.map((fk) => {
      const ref = fk.reference();
      const target = tables[getTableConfig(ref.foreignTable).name]!;
      const targetColumns = byName(target);
      const built = foreignKey({
        columns: cols(ref.columns),
        foreignColumns: ref.foreignColumns.map((c) => targetColumns[c.name]!) as [PgColumn, ...PgColumn[]],
      });
      if (fk.onDelete) built.onDelete(fk.onDelete);
      if (fk.onUpdate) built.onUpdate(fk.onUpdate);
      return built;
    }),
  ];
}

/** PostgreSQL tables for SQLite ones, by the same keys; throws on SQLite SQL without a declared equivalent. */
export function derivePgTables<K extends string>(sources: Record<K, SQLiteTable>): Record<K, PgTable> {
  const byTableName: Record<string, PgTable> = {};
  const out = {} as Record<K, PgTable>;
  for (const [key, source] of Object.entries(sources) as [K, SQLiteTable][]) {
    const config = getTableConfig(source);
    // Keyed by the SQLite property names, so a query written for one engine names the same fields on the other.
    const columnKeys = Object.entries(source).filter(([, c]) => c instanceof Column) as [string, SQLiteColumn][];
    const builders = Object.fromEntries(columnKeys.map(([prop, c]) => [prop, pgColumn(source, c)]));
    // The extra config runs when drizzle reads the table, after every table exists: foreign keys can point forward.
    const table = pgTable(config.name, builders, (t) => extras(source, t as unknown as PgTable, byTableName)) as unknown as PgTable;
    byTableName[config.name] = table;
    out[key] = table;
  }
  return out;
}

/**
 * Every table, by the export name it has in schema.ts. Rows read through these have the same JavaScript
 * shapes as the SQLite tables' (`InferSelectModel<typeof sqlite.connectors>`): text, number, boolean, JSON.
 */
export const pgTables = derivePgTables(SQLITE_TABLES);

// drizzle-kit reads the module's exports, one per table; the parity test (test/pg-schema.test.ts) fails when
// a table of schema.ts is missing here, because migrations-pg/ then lacks it.
export const {
  supportLevels,
  deployments,
  slaTiers,
  supportPolicies,
  connectors,
  connectorAvailability,
  breakingChanges,
  certificationEvents,
  apiTokens,
  registryEntries,
  idempotencyKeys,
  webhooks,
  webhookDeliveries,
  importLog,
  connectorRenames,
  auditLog,
  connectorHistory,
  connectorHistoryHorizon,
  historyContext,
  outbox,
} = pgTables;
