import { randomBytes } from 'node:crypto';
import { chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe } from 'vitest';
import { seedDatabase, type SeedMode } from '../../seed/index.js';
import { closeDatabase } from '../../src/db/client.js';
import { migratePostgres } from '../../src/db/migrate-pg.js';
import { openPostgres } from '../../src/db/postgres.js';
import { inCi } from './browser.js';

import { freePort, killByPidFile, nobody, runPgTool } from './pg-process.js';
import { AS_ROOT, postgresMissing } from './postgres-bin.js';

export { postgresMissing };

/** `describe` for tests that need PostgreSQL: skipped without it, except under CI, where they run (and fail). */
export const describeWithPostgres = postgresMissing && !inCi ? describe.skip : describe;

export interface TestCluster {
  readonly port: number;
  /** The temporary folder holding the data directory, the log and the unix socket. */
  readonly dir: string;
  /** A connection string for `database` on the cluster, as the superuser. */
  url(database?: string): string;
  /** A new, empty database; its connection string. */
  createEmptyDatabase(): Promise<string>;
  /**
   * A new database copied from the template migrated from migrations-pg/ (migrated on first use), or from
   * its copy seeded with `seed` (seed/index.ts's seedDatabase, run once per cluster); its connection string.
   */
  createDatabase(seed?: SeedMode): Promise<string>;
  /** Makes the migrated template and its seeded copies now: the global setup does, before any worker attaches. */
  prepareTemplates(): Promise<void>;
  /** Stops the server (pg_ctl stop -m fast) and removes its folder. Safe to call twice. */
  stop(): Promise<void>;
}

const TEMPLATE = 'registry_template';
/** The template's copy seeded in each seed mode: a test that wants a seeded database copies one instead of seeding. */
const SEEDED: Record<SeedMode, string> = { demo: 'registry_template_demo', none: 'registry_template_policy' };

/** initdb, then start on a free loopback port; bounded by pg_ctl's -t. */
export async function startCluster(): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-pg-'));
  const data = join(dir, 'data');
  const password = randomBytes(18).toString('base64url');
  writeFileSync(join(dir, 'pwfile'), `${password}\n`, { mode: 0o600 });
  if (AS_ROOT) {
    const { uid, gid } = nobody();
    chownSync(dir, uid, gid);
    chownSync(join(dir, 'pwfile'), uid, gid);
  }
  let stopped = false;
  const stopNow = (mode: 'fast' | 'immediate') => {
    if (stopped) return;
    stopped = true;
    try {
      runPgTool('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', '30'], { cwd: dir });
    } catch (error) {
      stopByPidFile(data, error);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  // A worker that exits without stop() (a crash, a timeout) still leaves no server behind.
  const onExit = () => stopNow('immediate');
  process.once('exit', onExit);
  try {
    // C collation: text sorts by bytes, as SQLite's BINARY does; --no-sync: a test cluster needs no durability.
    runPgTool(
      'initdb',
      ['-D', data, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${join(dir, 'pwfile')}`, '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      {
        cwd: dir,
      },
    );
    const port = await listen(dir, data);
    return cluster(dir, port, password, () => {
      process.off('exit', onExit);
      stopNow('fast');
    });
  } catch (error) {
    process.off('exit', onExit);
    stopNow('immediate');
    throw error;
  }
}

/** Starts the server on a free port, trying another when one is taken meanwhile; returns the port. */
async function listen(dir: string, data: string): Promise<number> {
  const settings = ['listen_addresses=127.0.0.1', 'fsync=off', 'synchronous_commit=off', 'full_page_writes=off', 'max_connections=300', 'shared_buffers=16MB'];
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const options = [`-p ${port}`, `-k '${dir}'`, ...settings.map((s) => `-c ${s}`)].join(' ');
    try {
      runPgTool('pg_ctl', ['start', '-D', data, '-l', join(dir, 'server.log'), '-w', '-t', '30', '-o', options], { cwd: dir });
      return port;
    } catch (error) {
      const log = readFileSync(join(dir, 'server.log'), 'utf8');
      if (attempt >= 3 || !/could not bind|already in use/i.test(log)) throw new Error(`${(error as Error).message}\nserver log:\n${log}`);
    }
  }
}

/** Stops the server at once after pg_ctl could not, saying why unless it was simply not running. */
function stopByPidFile(data: string, cause: unknown): void {
  killByPidFile(data);
  if (cause && !/not running|No such file/i.test(String(cause))) process.stderr.write(`stopping the test PostgreSQL: ${String(cause)}\n`);
}

/** The cluster another process started (the suite's global setup): databases are made here, stop() does nothing. */
export function attachCluster(shared: SharedCluster): TestCluster {
  return cluster(shared.dir, shared.port, shared.password, () => {}, true);
}

/** What a worker needs to use a cluster the global setup started. */
export interface SharedCluster {
  dir: string;
  port: number;
  password: string;
}

/** What the global setup hands to workers (see attachCluster). */
export function shareCluster(c: TestCluster): SharedCluster {
  return { dir: c.dir, port: c.port, password: decodeURIComponent(new URL(c.url()).password) };
}

function cluster(dir: string, port: number, password: string, stop: () => void, templatesMade = false): TestCluster {
  const url = (database = 'postgres') => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  let counter = 0;
  // CREATE DATABASE copies fail while another session uses the template, so copies are made one at a time.
  let queue: Promise<unknown> = Promise.resolve();
  const admin = async (statement: string) => {
    const client = new pg.Client({ connectionString: url() });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  const create = (from?: string, name = `test_${process.pid}_${++counter}`) => {
    const next = queue.then(async () => {
      // Workers of one suite share the cluster: a copy started while another worker's copy reads the
      // template fails (55006), and is tried again.
      for (let attempt = 1; ; attempt++) {
        try {
          // FILE_COPY copies the template's files (two checkpoints, cheap with fsync off) instead of writing
          // every block to the WAL, which costs more for a template this small.
          await admin(`create database ${name}${from ? ` template ${from} strategy file_copy` : ''}`);
          return url(name);
        } catch (error) {
          if ((error as { code?: string }).code !== '55006' || attempt >= 100) throw error;
          await new Promise((r) => setTimeout(r, 20 + Math.random() * 80));
        }
      }
    });
    queue = next.catch(() => undefined);
    return next;
  };
  // The cluster's starter makes the templates (the global setup, before any worker asks); an attached cluster finds them made.
  let template: Promise<void> | undefined = templatesMade ? Promise.resolve() : undefined;
  const seeded: Partial<Record<SeedMode, Promise<void>>> = templatesMade ? { demo: Promise.resolve(), none: Promise.resolve() } : {};
  const migrated = () =>
    (template ??= (async () => {
      await admin(`create database ${TEMPLATE}`);
      await migratePostgres(url(TEMPLATE));
    })());
  const seededTemplate = (mode: SeedMode) =>
    (seeded[mode] ??= (async () => {
      await migrated();
      const db = openPostgres(await create(TEMPLATE, SEEDED[mode]), { poolSize: 1 });
      try {
        await seedDatabase(db, mode);
      } finally {
        await closeDatabase(db);
      }
    })());
  return {
    port,
    dir,
    url,
    createEmptyDatabase: () => create(),
    async createDatabase(seed) {
      await (seed ? seededTemplate(seed) : migrated());
      return create(seed ? SEEDED[seed] : TEMPLATE);
    },
    async prepareTemplates() {
      await Promise.all([seededTemplate('demo'), seededTemplate('none')]);
    },
    async stop() {
      await queue;
      stop();
    },
  };
}
