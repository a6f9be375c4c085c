// Rows of a drizzle query read back as one JSON text. better-sqlite3 builds every row through V8's API
// a value at a time; SQLite can write the same rows as one JSON array, which V8's JSON.parse turns into
// arrays faster (figures in bench/RESULTS.md). Only for
// plain text and integer columns, which JSON carries exactly (integers within 2^53, as row ids and
// levels are) and drizzle passes through unchanged; anything else (a json-mode column, a timestamp)
// is left to drizzle's own statement, which decodes it.
import { sql, type Column, type SQLWrapper } from 'drizzle-orm';
import type { Db } from './client.js';

const PLAIN = new Set(['SQLiteText', 'SQLiteInteger']);

/** Whether every column is one `jsonRowsStatement` reads as drizzle would. */
export function plainColumns(columns: Record<string, Column>): boolean {
  return Object.values(columns).every((column) => PLAIN.has(column.columnType) && (column.mapFromDriverValue as { isNoop?: boolean }).isNoop === true);
}

/**
 * A function running `query` (any drizzle query) whose result columns are aliased as the keys of
 * `columns` (plain ones: see `plainColumns`), returning its rows as objects with those keys, in the
 * query's order. Built once: the statement is prepared with its parameters as they are now, and run
 * through drizzle, so it is logged and counted like any other.
 */
export function jsonRowsStatement<Row>(db: Db, query: SQLWrapper, columns: Record<string, Column>): () => Row[] {
  // A SQLite technique (json_group_array, run synchronously): PostgreSQL reads rows through drizzle.
  if (db.$engine !== 'sqlite') throw new Error('jsonRowsStatement runs on SQLite only');
  if (!plainColumns(columns)) throw new Error('jsonRowsStatement reads plain text and integer columns only');
  const keys = Object.keys(columns);
  // The subquery's order is the order of the aggregate's rows (as in drizzle's own relation subqueries).
  const list = sql.raw(keys.map((k) => `"${k}"`).join(', '));
  const statement = db
    .select({ rows: sql<string>`json_group_array(json_array(${list}))` })
    .from(sql`${query}` as never)
    .prepare();
  return () => {
    const arrays = JSON.parse((statement.execute().sync() as { rows: string }[])[0]!.rows) as unknown[][];
    const rows = new Array<Row>(arrays.length);
    for (let i = 0; i < arrays.length; i++) {
      const values = arrays[i]!;
      const row: Record<string, unknown> = {};
      for (let c = 0; c < keys.length; c++) row[keys[c]!] = values[c];
      rows[i] = row as Row;
    }
    return rows;
  };
}
