// Helpers for the import tests: databases in files (PRAGMA data_version only moves between connections
// to one file), a watcher that proves a database was not written, registry documents, and the CLI. The real
// registry files are in ./real-data.ts.
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { type SQL, sql } from 'drizzle-orm';
import { expect } from 'vitest';
import { closeDatabase, openDatabase, type Db } from '../../src/db/client.js';
import { openPostgres } from '../../src/db/postgres.js';
import { rawRows } from '../../src/db/raw.js';
import { importConnectors, type ImportOptions } from '../../src/domain/registry/import.js';
import { loadImportSource } from '../../src/domain/registry/load.js';
import { seededSqliteFile, suiteEngine, testCluster } from './database.js';
import { runNode, tempDir } from './process.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/import/', import.meta.url));
export const FIXTURE = {
  base: join(FIXTURES, 'oss_registry.base.json'),
  oneInvalid: join(FIXTURES, 'oss_registry.one-invalid.json'),
  unreadableId: join(FIXTURES, 'oss_registry.unreadable-id.json'),
  older: join(FIXTURES, 'oss_registry.older.json'),
  renamed: join(FIXTURES, 'oss_registry.renamed.json'),
  empty: join(FIXTURES, 'empty_registry.json'),
};

export type Entry = Record<string, any>;
export interface RegistryDoc {
  sources: Entry[];
  destinations: Entry[];
}
/** Every metadata.yaml beneath `dir`, in path order. */
export function metadataFiles(dir: string): string[] {
  return readdirSync(dir)
    .sort()
    .flatMap((name) => {
      const p = join(dir, name);
      if (statSync(p).isDirectory()) return metadataFiles(p);
      return name === 'metadata.yaml' ? [p] : [];
    });
}

export const readDoc = (path: string): RegistryDoc => JSON.parse(readFileSync(path, 'utf8'));
export const entriesOf = (doc: RegistryDoc): Entry[] => [...doc.sources, ...doc.destinations];
export const idOf = (e: Entry): string => String(e.sourceDefinitionId ?? e.destinationDefinitionId).toLowerCase();
/** The image's own name, which is the slug for Airbyte's images: airbyte/source-postgres → source-postgres. */
export const imageName = (e: Entry): string => String(e.dockerRepository).split('/').pop()!;

/** The first column of the first row a query returns, on either engine (counts come back as numbers on both). */
export async function sqlValue<T = unknown>(db: Db, query: SQL): Promise<T> {
  const [row] = await rawRows(db, query);
  return (row ? Object.values(row)[0] : undefined) as T;
}

/** The first column of every row a query returns, on either engine. */
export async function sqlColumn<T = unknown>(db: Db, query: SQL): Promise<T[]> {
  return (await rawRows(db, query)).map((row) => Object.values(row)[0] as T);
}

/** The PostgreSQL database standing in for each database path a test made, with TEST_ENGINE=postgres. */
const urls = new Map<string, string>();

/** The key every gateway on one PostgreSQL database must seal with (SECRETS_KEY): one per worker. */
const secretsKey = randomBytes(32).toString('base64');

/** What a spawned command or server needs to open the database a test made at `path`: the path, and on PostgreSQL its URL and the sealing key. */
export function databaseEnv(path: string): Record<string, string> {
  const url = urls.get(path);
  return url ? { DATABASE_PATH: path, DATABASE_URL: url, SECRETS_KEY: secretsKey } : { DATABASE_PATH: path };
}

/**
 * The settings that make commands and servers spawned with them meet at one new database on the suite's
 * engine: the SQLite file at `path` (which the first command creates), or with TEST_ENGINE=postgres an empty
 * database of the worker's cluster (which the first command migrates) that `path` names from then on.
 */
export async function commandDatabase(path: string): Promise<Record<string, string>> {
  if (suiteEngine('makes a database') === 'postgres' && !urls.has(path)) urls.set(path, await (await testCluster()).createEmptyDatabase());
  return databaseEnv(path);
}

/**
 * A migrated database of its own on the suite's engine, with the support policy, and the demo connectors
 * when asked: a SQLite file at `path`, or with TEST_ENGINE=postgres a database of the worker's cluster that
 * `path` names for the helpers below (databaseEnv, openFile, watchDatabase, importCli).
 */
export async function fileDatabase(options: { demo?: boolean } = {}): Promise<{ path: string; db: Db }> {
  const path = join(tempDir('import-test-'), 'registry.db');
  const seed = (options.demo ?? false) ? 'demo' : 'none';
  let db: Db;
  if (suiteEngine('makes a database') === 'postgres') {
    const url = await (await testCluster()).createDatabase(seed);
    urls.set(path, url);
    db = openPostgres(url, { poolSize: 4 });
  } else {
    await seededSqliteFile(path, seed);
    db = openDatabase(path);
  }
  return { path, db };
}

/** Opens a database the tests made before (after a CLI wrote to it). */
export const openFile = (path: string): Db => {
  const url = urls.get(path);
  return url ? openPostgres(url, { poolSize: 2 }) : openDatabase(path);
};

/** A SHA-256 of every row of every table (SQLite's own included), by table, values with their storage types. */
export function tableHashes(sqlite: Database.Database): Record<string, string> {
  const tables = sqlite.prepare("select name from sqlite_schema where type = 'table' order by name").pluck().all() as string[];
  return Object.fromEntries(
    tables.map((table) => {
      const columns = (sqlite.prepare(`select name from pragma_table_info('${table}')`).pluck().all() as string[]).map((c) => `typeof("${c}"), hex("${c}")`);
      const hash = createHash('sha256');
      for (const row of sqlite
        .prepare(`select json_array(${columns.join(', ')}) from "${table}" order by rowid`)
        .pluck()
        .iterate())
        hash.update(`${row}\n`);
      return [table, hash.digest('hex')];
    }),
  );
}

/** An MD5 of every row of every table of the public schema, by table (rows as PostgreSQL writes them as text, in order). */
async function pgTableHashes(db: Db): Promise<Record<string, string>> {
  const tables = await sqlColumn<string>(
    db,
    sql`select table_name from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1`,
  );
  const hashes: Record<string, string> = {};
  for (const table of tables) {
    hashes[table] = await sqlValue<string>(db, sql`select md5(coalesce(string_agg(t::text, E'\n' order by t::text), '')) from ${sql.identifier(table)} t`);
  }
  return hashes;
}

export interface DatabaseWatch {
  /** Nothing was written but, at most, the one audit row of a refused import. */
  expectUnchanged(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Watches a database from a connection of its own: `expectUnchanged()` asserts that every table holds the
 * same rows, and on SQLite that every id counter is where it was and no connection committed a change
 * since (PRAGMA data_version; PostgreSQL has no such counter, and its sequences move on rollback too).
 */
export async function watchDatabase(path: string): Promise<DatabaseWatch> {
  if (urls.has(path)) return watchPostgres(openFile(path));
  const observer = new Database(path, { readonly: true });
  const version = () => observer.pragma('data_version', { simple: true }) as number;
  const audited = () => observer.prepare('select count(*) from audit_log').pluck().get() as number;
  // Every table but the audit log, and every AUTOINCREMENT counter but its.
  const others = () => {
    const { audit_log: _, sqlite_sequence: __, ...rest } = tableHashes(observer);
    return { ...rest, sequences: observer.prepare("select name, seq from sqlite_sequence where name != 'audit_log' order by name").all() };
  };
  const before = { version: version(), tables: others(), audited: audited() };
  return {
    async expectUnchanged() {
      const rows = audited() - before.audited;
      expect(rows, 'audit rows written').toBeLessThanOrEqual(1);
      if (rows === 0) expect(version(), 'PRAGMA data_version seen from a second connection').toBe(before.version);
      expect(others()).toEqual(before.tables);
    },
    close: async () => {
      observer.close();
    },
  };
}

async function watchPostgres(observer: Db): Promise<DatabaseWatch> {
  const audited = () => sqlValue<number>(observer, sql`select count(*) from audit_log`);
  // Every table but the audit log and the outbox (the refused import's audit row is a write, which appends
  // a `write` row). Not the sequences: PostgreSQL never takes back the ids a rolled-back transaction drew,
  // so only the rows say whether anything was written.
  const others = async () => {
    const { audit_log: _, outbox: __, ...rest } = await pgTableHashes(observer);
    return rest;
  };
  const before = { tables: await others(), audited: await audited() };
  return {
    async expectUnchanged() {
      expect((await audited()) - before.audited, 'audit rows written').toBeLessThanOrEqual(1);
      expect(await others(), 'every table').toEqual(before.tables);
    },
    close: () => closeDatabase(observer),
  };
}

/** Loads a source as the CLI does and imports it through the domain. */
export async function importPath(db: Db, path: string, options: ImportOptions & { registry?: 'oss' | 'cloud' } = {}) {
  const { registry, ...rest } = options;
  return importConnectors(db, await loadImportSource(path, { registry }), rest);
}

/** Runs the compiled registry:import on a database file. */
export function importCli(database: string, args: string[], env: Record<string, string> = {}) {
  return runNode(['dist/src/cli/registry-import.js', ...args], { ...databaseEnv(database), ...env });
}
