// The PostgreSQL side of the benchmark's data: a database migrated from migrations-pg/ on the throwaway
// cluster of test/helpers/postgres.ts, filled with a copy of every row of a SQLite file the bench built
// (the same data the SQLite runs use), its identity sequences moved past the copied ids, then ANALYZEd.
import Database from 'better-sqlite3';
import pg from 'pg';

/** Rows per INSERT: bounded by PostgreSQL's 65,535 parameters per statement, and kept small enough to stay cheap. */
const MAX_ROWS_PER_INSERT = 1000;
const MAX_PARAMETERS = 65_535;

export interface CopyReport {
  tables: number;
  rows: number;
  ms: number;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/** The public tables of a PostgreSQL database and their columns. */
async function pgColumns(client: pg.Client): Promise<Map<string, Set<string>>> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    "select table_name, column_name from information_schema.columns where table_schema = 'public'",
  );
  const tables = new Map<string, Set<string>>();
  for (const r of rows) {
    if (!tables.has(r.table_name)) tables.set(r.table_name, new Set());
    tables.get(r.table_name)!.add(r.column_name);
  }
  return tables;
}

/**
 * Copies every row of every table of the SQLite file at `sqlitePath` into the migrated PostgreSQL database
 * at `url`, in one transaction with `session_replication_role = replica`: foreign-key checks and triggers
 * stay off, so derived columns (`enabled_on`) and the history are copied as SQLite holds them instead of
 * being written a second time. Values go as they are: pg sends 0/1 to boolean columns and JSON text to
 * jsonb ones, which PostgreSQL reads as such. Fails, naming it, on a SQLite table or column PostgreSQL lacks.
 */
export async function copySqliteToPostgres(sqlitePath: string, url: string): Promise<CopyReport> {
  const began = performance.now();
  const sqlite = new Database(sqlitePath, { readonly: true });
  const client = new pg.Client({ connectionString: url, application_name: 'bench-copy' });
  await client.connect();
  let rows = 0;
  try {
    const target = await pgColumns(client);
    const tables = sqlite
      .prepare(
        "select name from sqlite_master where type = 'table' and name not like 'sqlite\\_%' escape '\\' and name <> '__drizzle_migrations' order by name",
      )
      .pluck()
      .all() as string[];
    await client.query('begin');
    await client.query('set local session_replication_role = replica');
    for (const table of tables) rows += await copyTable(sqlite, client, table, target.get(table));
    await moveIdentitySequences(client);
    await client.query('commit');
    await compareCounts(sqlite, client, tables);
    await client.query('analyze');
    return { tables: tables.length, rows, ms: performance.now() - began };
  } catch (error) {
    await client.query('rollback').catch(() => undefined);
    throw error;
  } finally {
    sqlite.close();
    await client.end();
  }
}

/** One table, in multi-row INSERTs of at most MAX_ROWS_PER_INSERT rows (one named statement per batch size). */
async function copyTable(sqlite: Database.Database, client: pg.Client, table: string, target: Set<string> | undefined): Promise<number> {
  if (!target) throw new Error(`copying to PostgreSQL: the SQLite table ${table} has no PostgreSQL twin`);
  const columns = (sqlite.prepare(`select name from pragma_table_info(?) order by cid`).pluck().all(table) as string[]).filter((c) => {
    if (!target.has(c)) throw new Error(`copying to PostgreSQL: ${table}.${c} has no PostgreSQL column`);
    return true;
  });
  const perInsert = Math.min(MAX_ROWS_PER_INSERT, Math.floor(MAX_PARAMETERS / columns.length));
  const insert = (n: number) => {
    const tuples = Array.from({ length: n }, (_, r) => `(${columns.map((_, c) => `$${r * columns.length + c + 1}`).join(', ')})`);
    return { name: `copy_${table}_${n}`, text: `insert into ${quote(table)} (${columns.map(quote).join(', ')}) values ${tuples.join(', ')}` };
  };
  let batch: unknown[] = [];
  let count = 0;
  const flush = async () => {
    if (batch.length === 0) return;
    await client.query({ ...insert(batch.length / columns.length), values: batch });
    batch = [];
  };
  for (const row of sqlite
    .prepare(`select ${columns.map(quote).join(', ')} from ${quote(table)}`)
    .raw()
    .iterate() as Iterable<unknown[]>) {
    batch.push(...row);
    count++;
    if (count % perInsert === 0) await flush();
  }
  await flush();
  return count;
}

/** Identity columns were written with the copied ids; the next generated id must come after them. */
async function moveIdentitySequences(client: pg.Client): Promise<void> {
  const { rows } = await client.query<{ table_name: string; column_name: string }>(
    "select table_name, column_name from information_schema.columns where table_schema = 'public' and is_identity = 'YES'",
  );
  for (const { table_name: t, column_name: c } of rows)
    await client.query(`select setval(pg_get_serial_sequence($1, $2), coalesce(max(${quote(c)}), 0) + 1, false) from ${quote(t)}`, [quote(t), c]);
}

async function compareCounts(sqlite: Database.Database, client: pg.Client, tables: string[]): Promise<void> {
  for (const table of tables) {
    const want = sqlite
      .prepare(`select count(*) from ${quote(table)}`)
      .pluck()
      .get() as number;
    const got = Number((await client.query(`select count(*) n from ${quote(table)}`)).rows[0].n);
    if (want !== got) throw new Error(`copying to PostgreSQL: ${table} has ${got} rows, SQLite ${want}`);
  }
}
