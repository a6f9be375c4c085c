// @engine-independent: gives the server each database (SQLite path or PostgreSQL URL) itself.
// Start-up on a database it cannot use: the real server stops with exit code 2 and one line naming the
// problem, without a stack trace and without the password.
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { beforeAll, describe, expect, it } from 'vitest';
import { testCluster } from './helpers/database.js';
import { describeWithPostgres, type TestCluster } from './helpers/postgres.js';
import { runNodeAsync, SERVER_ENTRY, tempDir } from './helpers/process.js';

const PASSWORD = 'sup3r-s3cret-pw';
const KEY = Buffer.alloc(32, 7).toString('base64');

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

/** Starts the server with `env`; it must stop by itself with exit code 2. Its output. */
async function refusedStart(env: Record<string, string>): Promise<string> {
  const { status, stdout, stderr } = await runNodeAsync([SERVER_ENTRY], { PORT: '0', HOST: '127.0.0.1', SECRETS_KEY: KEY, ...env });
  const said = `${stdout}${stderr}`;
  expect(status, said).toBe(2);
  expect(said).not.toMatch(/^\s+at /m);
  expect(said).not.toContain(PASSWORD);
  return stderr.trim();
}

describe('start-up refuses a database it cannot use', () => {
  it('a DATABASE_URL that is not a PostgreSQL URL', async () => {
    const said = await refusedStart({ DATABASE_URL: `mysql://app:${PASSWORD}@127.0.0.1/registry` });
    expect(said).toMatch(/DATABASE_URL: must start with postgres:\/\/ or postgresql:\/\//);
    expect(said).toContain('***');
  });

  it('a DATABASE_URL that is not a URL at all', async () => {
    const said = await refusedStart({ DATABASE_URL: `postgres//app:${PASSWORD}@db` });
    expect(said).toMatch(/DATABASE_URL: is not a URL/);
  });

  it('a server nobody listens on', async () => {
    const port = await freePort();
    const said = await refusedStart({ DATABASE_URL: `postgres://app:${PASSWORD}@127.0.0.1:${port}/registry` });
    expect(said).toBe(`Cannot start: cannot reach PostgreSQL at 127.0.0.1:${port} (ECONNREFUSED): is it running, and is DATABASE_URL's host right?`);
  });

  it('a SQLite file migrated by a newer version', async () => {
    const path = join(tempDir(), 'newer.db');
    const first = await runNodeAsync(['dist/src/cli/migrate.js'], { DATABASE_PATH: path });
    expect(first.status, first.stderr).toBe(0);
    const sqlite = new Database(path);
    const applied = sqlite.prepare('select count(*) from __drizzle_migrations').pluck().get() as number;
    sqlite.prepare('insert into __drizzle_migrations (hash, created_at) values (?, ?)').run('from-the-future', Date.now());
    sqlite.close();
    const said = await refusedStart({ DATABASE_PATH: path });
    expect(said).toBe(
      `Cannot start: the database at ${path} has ${applied + 1} migrations applied, more than the ${applied} this gateway knows: it was migrated by a newer version; run that version (or restore a backup)`,
    );
  });
});

describeWithPostgres('start-up refuses a PostgreSQL database it cannot use', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await testCluster();
  });
  const withPassword = (url: string, password: string) => {
    const u = new URL(url);
    u.password = password;
    return u.toString();
  };

  it('wrong credentials', async () => {
    const said = await refusedStart({ DATABASE_URL: withPassword(cluster.url('postgres'), PASSWORD) });
    expect(said).toMatch(
      new RegExp(`^Cannot start: PostgreSQL at 127\\.0\\.0\\.1:${cluster.port} refused user "[^"]+" \\(28P01: .*\\): check DATABASE_URL's user and password$`),
    );
  });

  it('a database that does not exist', async () => {
    const url = new URL(cluster.url('postgres'));
    url.pathname = '/no_such_registry';
    const said = await refusedStart({ DATABASE_URL: url.toString() });
    expect(said).toBe(
      `Cannot start: PostgreSQL at 127.0.0.1:${cluster.port} has no database "no_such_registry" (3D000): create it (createdb no_such_registry) or fix DATABASE_URL`,
    );
  });

  it('a database migrated by a newer version', async () => {
    const url = await cluster.createDatabase();
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    const { rows } = await client.query<{ n: number }>('select count(*)::int as n from drizzle.__drizzle_migrations');
    const columns = await client.query<{ column_name: string }>(
      "select column_name from information_schema.columns where table_schema = 'drizzle' and table_name = '__drizzle_migrations' and column_name = 'name'",
    );
    if (columns.rowCount) await client.query("insert into drizzle.__drizzle_migrations (hash, created_at, name) values ('from-the-future', 0, 'future')");
    else await client.query("insert into drizzle.__drizzle_migrations (hash, created_at) values ('from-the-future', 0)");
    await client.end();
    const said = await refusedStart({ DATABASE_URL: url });
    expect(said).toMatch(new RegExp(`has ${rows[0]!.n + 1} migrations applied, more than the ${rows[0]!.n} this gateway knows`));
    expect(said).toContain('***');
  });

  it('a database that does not sort text by bytes, before anything is written to it', async (ctx) => {
    const collation = await otherCollation(cluster.url('postgres'));
    if (!collation) return ctx.skip('this PostgreSQL has no ICU and the machine no locale but C and POSIX: no database with another collation can be made');
    const name = `other_order_${process.pid}`;
    const admin = new pg.Client({ connectionString: cluster.url('postgres') });
    await admin.connect();
    try {
      await admin.query(`drop database if exists ${name}`);
      await admin.query(`create database ${name} template template0 ${collation.clause}`);
    } finally {
      await admin.end();
    }
    const url = cluster.url(name);
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    // The refusal matters: this database puts a before B, which byte order (and SQLite) puts after.
    const order = await client.query<{ before: boolean }>("select 'a' < 'B' as before");
    expect(order.rows[0]!.before).toBe(true);
    const said = await refusedStart({ DATABASE_URL: url });
    expect(said).toBe(
      `Cannot start: the database "${name}" sorts text by ${collation.said}, not by bytes (collation C) as the gateway and SQLite do: create one with createdb --locale=C --template=template0 ${name} (move existing data with pg_dump) and point DATABASE_URL at it`,
    );
    const tables = await client.query<{ n: number }>("select count(*)::int as n from pg_tables where schemaname in ('public', 'drizzle')");
    await client.end();
    expect(tables.rows[0]!.n).toBe(0);
  });
});

/** A CREATE DATABASE clause for a collation that is not byte order (ICU's en-US, else a libc locale of the machine's), and how start-up names it. */
async function otherCollation(adminUrl: string): Promise<{ clause: string; said: string } | null> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const icu = await client.query("select 1 from pg_collation where collprovider = 'i' and collname = 'en-US-x-icu'");
    if (icu.rowCount) return { clause: "locale_provider icu icu_locale 'en-US' locale 'C'", said: `ICU's "en-US"` };
  } finally {
    await client.end();
  }
  const locales = spawnSync('locale', ['-a'], { encoding: 'utf8' }).stdout ?? '';
  const libc = locales.split('\n').find((l) => /^en_US\.utf-?8$/i.test(l.trim()));
  return libc ? { clause: `lc_collate '${libc.trim()}' lc_ctype '${libc.trim()}'`, said: `"${libc.trim()}"` } : null;
}
