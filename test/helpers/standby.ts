import { randomBytes } from 'node:crypto';
import { appendFileSync, chownSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, killByPidFile, nobody, runPgTool } from './pg-process.js';
import { AS_ROOT } from './postgres-bin.js';

/** The standby's name in the primary's synchronous_standby_names. */
const STANDBY_NAME = 'standby';

export interface PrimaryWithStandby {
  /** The folder holding both data folders, their logs and sockets. */
  readonly dir: string;
  /** A connection string for `database` on the primary, as the superuser. */
  primaryUrl(database?: string): string;
  /** The same on the standby (read-only). */
  standbyUrl(database?: string): string;
  /** What the standby has logged so far (every statement it ran). */
  standbyLog(): string;
  /** Stops both servers (pg_ctl stop -m fast, the standby first) and removes the folder. Safe to call twice. */
  stop(): void;
}

async function query<T extends pg.QueryResultRow>(url: string, text: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}

/** Polls `probe` every 100 ms until it is true; throws naming `what` after `ms`. */
async function until(ms: number, what: string, probe: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await probe().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`the test standby: no ${what} within ${ms / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export interface StandbyOptions {
  /**
   * The standby's recovery_min_apply_delay: it applies each commit this long after the primary made it, so a
   * read there right after a commit that did not wait for it (remote_apply) is visibly stale.
   */
  applyDelayMs?: number;
  /** log_statement = all on the standby (the default), so standbyLog() shows every statement it ran. */
  logStatements?: boolean;
}

/** Starts a primary and its synchronous standby; bounded by pg_ctl's -t and the waits below (about a minute at most). */
export async function startPrimaryWithStandby(options: StandbyOptions = {}): Promise<PrimaryWithStandby> {
  const dir = mkdtempSync(join(tmpdir(), 'registry-pg-standby-'));
  const primaryData = join(dir, 'primary');
  const standbyData = join(dir, 'standby');
  const password = randomBytes(18).toString('base64url');
  const pwfile = join(dir, 'pwfile');
  writeFileSync(pwfile, `${password}\n`, { mode: 0o600 });
  if (AS_ROOT) {
    const { uid, gid } = nobody();
    chownSync(dir, uid, gid);
    chownSync(pwfile, uid, gid);
  }
  const started: string[] = [];
  let stopped = false;
  const stop = (mode: 'fast' | 'immediate') => {
    if (stopped) return;
    stopped = true;
    for (const data of [...started].reverse()) {
      try {
        runPgTool('pg_ctl', ['stop', '-D', data, '-m', mode, '-w', '-t', '30'], { cwd: dir });
      } catch {
        killByPidFile(data);
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const onExit = () => stop('immediate');
  process.once('exit', onExit);
  const start = async (data: string, name: string, settings: string[]) => {
    const port = await freePort();
    const options = [`-p ${port}`, `-k '${dir}'`, ...settings.map((s) => `-c ${s}`)].join(' ');
    started.push(data);
    runPgTool('pg_ctl', ['start', '-D', data, '-l', join(dir, `${name}.log`), '-w', '-t', '30', '-o', options], { cwd: dir });
    return (database = 'postgres') => `postgres://postgres:${encodeURIComponent(password)}@127.0.0.1:${port}/${database}`;
  };
  try {
    // C collation: text sorts by bytes, as SQLite's BINARY does (start-up refuses anything else).
    runPgTool(
      'initdb',
      ['-D', primaryData, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${pwfile}`, '-E', 'UTF8', '--locale=C', '--no-sync', '--no-instructions'],
      {
        cwd: dir,
      },
    );
    const common = ['listen_addresses=127.0.0.1', 'fsync=off', 'full_page_writes=off', 'max_connections=100', 'shared_buffers=16MB'];
    const primaryUrl = await start(primaryData, 'primary', [...common, 'wal_level=replica', 'max_wal_senders=4', 'hot_standby=on']);
    const replicator = randomBytes(18).toString('base64url');
    await query(primaryUrl(), `create role replicator with replication login password '${replicator}'`);
    const port = new URL(primaryUrl()).port;
    const conninfo = `host=127.0.0.1 port=${port} user=replicator application_name=${STANDBY_NAME}`;
    runPgTool('pg_basebackup', ['-D', standbyData, '-d', conninfo, '-R', '-X', 'stream', '-c', 'fast', '--no-sync'], {
      cwd: dir,
      env: { ...process.env, PGPASSWORD: replicator },
    });
    // The last primary_conninfo wins: this one carries the password, in the standby's own (0700) folder.
    appendFileSync(join(standbyData, 'postgresql.auto.conf'), `primary_conninfo = '${conninfo} password=${replicator}'\n`);
    // Replies each second (not every ten), so it becomes the synchronous standby without delay.
    const logged = options.logStatements === false ? [] : ['log_statement=all'];
    const delay = options.applyDelayMs ? [`recovery_min_apply_delay=${options.applyDelayMs}ms`] : [];
    const standbyUrl = await start(standbyData, 'standby', [...common, 'hot_standby=on', 'wal_receiver_status_interval=1s', ...logged, ...delay]);
    const state = "select sync_state from pg_stat_replication where application_name = $1 and state = 'streaming'";
    await until(30_000, 'streaming', async () => (await query(primaryUrl(), state, [STANDBY_NAME])).length > 0);
    await query(primaryUrl(), `alter system set synchronous_standby_names = '"${STANDBY_NAME}"'`);
    await query(primaryUrl(), 'select pg_reload_conf()');
    await until(
      30_000,
      'synchronous replication',
      async () => (await query<{ sync_state: string }>(primaryUrl(), state, [STANDBY_NAME]))[0]?.sync_state === 'sync',
    );
    return {
      dir,
      primaryUrl,
      standbyUrl,
      standbyLog: () => readFileSync(join(dir, 'standby.log'), 'utf8'),
      stop() {
        process.off('exit', onExit);
        stop('fast');
      },
    };
  } catch (error) {
    process.off('exit', onExit);
    const logs = ['primary', 'standby'].map((name) => {
      try {
        return `${name}.log:\n${readFileSync(join(dir, `${name}.log`), 'utf8').slice(-2000)}`;
      } catch {
        return '';
      }
    });
    stop('immediate');
    throw new Error(`${(error as Error).message}\n${logs.join('\n')}`);
  }
}
