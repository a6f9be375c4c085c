// Operators inspect and restore the database with everyday tools: Debian 12's sqlite3 and Python's sqlite3
// module, both SQLite 3.40. Before SQLite 3.44 a schema holding syntax it does not know (the enabled_on
// triggers once used group_concat(… ORDER BY …)) is "malformed": the file cannot be opened at all. Here the
// database and a backup made by the backup CLI are opened with such an SQLite, checked, and written to.
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { beforeAll, describe, expect, it } from 'vitest';
import { openDatabase } from '../src/db/client.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../src/db/migrate.js';
import { seedIfEmpty } from '../seed/index.js';
import { inCi } from './helpers/browser.js';
import { TEST_ENGINE } from './helpers/database.js';
import { runNode, tempDir } from './helpers/process.js';

type Row = Record<string, unknown>;

/** An SQLite other than better-sqlite3's, driven through its own program. */
interface OtherSqlite {
  /** Short, for file names. */
  key: string;
  name: string;
  version: string;
  /** The rows of one statement, as JSON would have them. */
  query(file: string, sql: string): Row[];
  /** Runs a script of statements (autocommit, each its own transaction). */
  exec(file: string, sql: string): void;
}

function run(command: string, args: string[]): string {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 30_000 });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new Error(`${command} failed (${result.status}): ${result.stderr.trim()}`);
  return result.stdout;
}

function present(command: string): boolean {
  return !spawnSync(command, ['--version'], { encoding: 'utf8' }).error;
}

const PYTHON_QUERY =
  'import json, sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.row_factory = sqlite3.Row\nprint(json.dumps([dict(r) for r in c.execute(sys.argv[2])]))';
const PYTHON_EXEC = 'import sqlite3, sys\nc = sqlite3.connect(sys.argv[1])\nc.executescript(sys.argv[2])\nc.close()';

function python(): OtherSqlite | null {
  if (!present('python3')) return null;
  return {
    key: 'python',
    name: "python3's sqlite3 module",
    version: run('python3', ['-c', 'import sqlite3; print(sqlite3.sqlite_version)']).trim(),
    query: (file, sql) => JSON.parse(run('python3', ['-c', PYTHON_QUERY, file, sql])) as Row[],
    exec: (file, sql) => void run('python3', ['-c', PYTHON_EXEC, file, sql]),
  };
}

function cli(): OtherSqlite | null {
  if (!present('sqlite3')) return null;
  return {
    key: 'cli',
    name: 'the sqlite3 command',
    version: run('sqlite3', ['--version']).split(' ')[0]!,
    // -json prints nothing at all for no rows.
    query: (file, sql) => JSON.parse(run('sqlite3', ['-bail', '-json', file, sql]) || '[]') as Row[],
    exec: (file, sql) => void run('sqlite3', ['-bail', file, sql]),
  };
}

const olderThan344 = (version: string) => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 3 || (major === 3 && minor < 44);
};

const found = [python(), cli()].filter((s) => s !== null);
const old = found.filter((s) => olderThan344(s.version));
const missing = old.length
  ? null
  : `no SQLite older than 3.44 to open the database with (found: ${found.map((s) => `${s.name} ${s.version}`).join(', ') || 'neither python3 nor sqlite3'}); install Debian 12's: apt-get install sqlite3`;
if (missing && !inCi) process.stderr.write(`old-SQLite tests skipped: ${missing}\n`);

/** Availability changes of every kind the triggers handle: disable, delete, insert, move to another connector, delete all. */
const id = (slug: string) => `(select id from connectors where slug = '${slug}')`;
const CHANGES = `
  update connector_availability set enabled = 0 where connector_id = ${id('destination-duckdb')} and deployment = 'cloud';
  delete from connector_availability where connector_id = ${id('destination-duckdb')} and deployment = 'community_oss';
  insert or replace into connector_availability (connector_id, deployment, enabled) values (${id('source-acme-billing')}, 'cloud', 1);
  update connector_availability set connector_id = ${id('source-acme-billing')} where connector_id = ${id('destination-duckdb')} and deployment = 'powered_by_airbyte';
  delete from connector_availability where connector_id = ${id('destination-bigquery')};
`;
const ENABLED_ON = 'select slug, enabled_on from connectors order by id';

/** enabled_on worked out from the availability rows (in key order, null for none), as the triggers must keep it. */
function fromAvailability(sqlite: OtherSqlite, file: string): Row[] {
  const rows = sqlite.query(
    file,
    'select c.slug, a.deployment from connectors c left join connector_availability a on a.connector_id = c.id and a.enabled = 1 order by c.id',
  );
  const on = new Map<string, string[]>();
  for (const r of rows as { slug: string; deployment: string | null }[]) {
    if (!on.has(r.slug)) on.set(r.slug, []);
    if (r.deployment) on.get(r.slug)!.push(r.deployment);
  }
  return [...on].map(([slug, ds]) => ({ slug, enabled_on: ds.length ? ds.sort().join(',') : null }));
}

// Old SQLite builds opening a SQLite file this gateway wrote: nothing of it concerns PostgreSQL.
describe.skipIf((missing && !inCi) || TEST_ENGINE === 'postgres')('an SQLite older than 3.44 (Debian 12, Python)', () => {
  let dir: string;
  let database: string;
  let backup: string;
  let connectors: number;
  let enabledOn: Row[];

  beforeAll(async () => {
    if (missing) return;
    dir = tempDir();
    database = join(dir, 'registry.db');
    backup = join(dir, 'backup.db');
    const db = openDatabase(database);
    migrateDatabase(db);
    await seedIfEmpty(db);
    connectors = db.$client.prepare('select count(*) from connectors').pluck().get() as number;
    enabledOn = db.$client.prepare(ENABLED_ON).all() as Row[];
    db.$client.close();
    const made = runNode(['dist/src/cli/backup.js', backup], { DATABASE_PATH: database });
    expect(made.stderr).toBe('');
    expect(made.stdout).toMatch(/^Backed up .*registry\.db to .*backup\.db: \d+ pages, \d+ connectors, integrity ok/);
  });

  if (missing) {
    it('is on this machine', () => {
      throw new Error(`${missing}; CI is set, so it fails the run`);
    });
    return;
  }

  for (const sqlite of old) {
    describe(`${sqlite.name} (SQLite ${sqlite.version})`, () => {
      it('opens the database and its backup: integrity ok, every connector there', () => {
        expect(connectors).toBeGreaterThan(40);
        for (const file of [database, backup]) {
          expect(sqlite.query(file, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
          expect(sqlite.query(file, 'select count(*) as n from connectors')).toEqual([{ n: connectors }]);
          expect(sqlite.query(file, ENABLED_ON)).toEqual(enabledOn);
        }
      });

      it('runs the enabled_on triggers on availability writes, storing what better-sqlite3 stores', () => {
        const theirs = join(dir, `${sqlite.key}-theirs.db`);
        const ours = join(dir, `${sqlite.key}-ours.db`);
        copyFileSync(backup, theirs);
        copyFileSync(backup, ours);
        sqlite.exec(theirs, CHANGES);
        const mine = new Database(ours);
        mine.exec(CHANGES);
        const expected = mine.prepare(ENABLED_ON).all() as Row[];
        const HISTORY = "select connector_id, field, scope, value, source from connector_history where source = 'unattributed' order by id";
        const history = mine.prepare(HISTORY).all() as Row[];
        mine.close();
        // The history triggers (src/domain/history) run there too, recording what better-sqlite3 records.
        expect(history.length).toBeGreaterThan(0);
        expect(sqlite.query(theirs, HISTORY)).toEqual(history);
        const written = sqlite.query(theirs, ENABLED_ON);
        expect(written).toEqual(expected);
        expect(written).toEqual(fromAvailability(sqlite, theirs));
        expect(written).not.toEqual(enabledOn);
        const of = (slug: string) => written.find((r) => r.slug === slug)?.enabled_on;
        expect([of('destination-duckdb'), of('destination-bigquery')]).toEqual(['self_managed_enterprise', null]);
        expect(sqlite.query(theirs, 'pragma integrity_check')).toEqual([{ integrity_check: 'ok' }]);
      });

      it('could not open a database with the triggers as first written (what this test guards against)', () => {
        const all = readdirSync(MIGRATIONS_FOLDER).sort();
        const upTo = all.slice(0, all.findIndex((m) => m.endsWith('_enabled_on_triggers')) + 1);
        const migrations = join(tempDir(), 'migrations');
        for (const m of upTo) cpSync(join(MIGRATIONS_FOLDER, m), join(migrations, m), { recursive: true });
        const file = join(dir, `${sqlite.key}-first-triggers.db`);
        const db = openDatabase(file);
        migrate(db, { migrationsFolder: migrations });
        db.$client.close();
        expect(() => sqlite.query(file, 'pragma integrity_check')).toThrow(/malformed database schema \(connector_availability_enabled_on_insert\)/);
      });
    });
  }
});
