// Reads on a hot standby (DATABASE_REPLICA_URLS): a real primary and a streaming, synchronous standby, and
// the real server over HTTP reading there. A read right after a certification is answered by the standby
// and is never stale; no write and no lock reaches the standby; start-up refuses replicas it cannot trust.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { onlyReads } from '../src/db/replicas.js';
import { TEST_ENGINE } from './helpers/database.js';
import { describeWithPostgres } from './helpers/postgres.js';
import { type RunningServer, runNodeAsync, SERVER_ENTRY, startServer } from './helpers/process.js';
import { type PrimaryWithStandby, startPrimaryWithStandby } from './helpers/standby.js';

// The cluster is the test's own, whatever the engine: run it once, in the PostgreSQL project.
const describeHere = TEST_ENGINE === 'postgres' ? describeWithPostgres : describeWithPostgres.skip;
const KEY = randomBytes(32).toString('base64');
const DATABASE = 'registry';
const REASON = 'Vendor-maintained now, with tests and an on-call rotation.';
const CHANGE = (verb: 'certify' | 'decertify') => `mutation ($input: ${verb === 'certify' ? 'Certify' : 'Decertify'}ConnectorInput!) {
  ${verb}Connector(input: $input) { connector { supportLevel revision } userErrors { code message } }
}`;
const LEVEL = 'query ($slug: String!) { connector(slug: $slug) { supportLevel revision } }';

describe('which statements a standby may answer', () => {
  it('reads outside transactions, but never a row lock, an advisory lock, a sequence or a write in a WITH', () => {
    const reads = [
      'select 1',
      '  (select "id" from "connectors" where "slug" = $1)',
      'with t as (select 1) select * from t',
      'select "updated_at" from "connectors"',
    ];
    const notReads = [
      'insert into outbox (topic) values ($1)',
      'update connectors set name = $1',
      'select id from webhook_deliveries for update skip locked',
      'select 1 from connectors for share',
      'select pg_advisory_xact_lock(1)',
      "select pg_notify('outbox', '')",
      "select nextval('s')",
      'with d as (delete from outbox returning id) select * from d',
      'begin',
      'listen outbox',
    ];
    expect(reads.filter((s) => !onlyReads(s))).toEqual([]);
    expect(notReads.filter(onlyReads)).toEqual([]);
  });
});

describe('DATABASE_REPLICA_URLS is checked like DATABASE_URL', () => {
  it('each entry must be a PostgreSQL URL, named by its position, without its password', () => {
    expect(() => loadConfig({ DATABASE_URL: 'postgres://a@h/db', DATABASE_REPLICA_URLS: 'postgres://r@h2/db, mysql://r:pw-77@h3/db' })).toThrow(
      'Invalid configuration:\n  DATABASE_REPLICA_URLS: entry 2 (mysql://r:***@h3/db) must start with postgres:// or postgresql:// (got mysql://): expected postgres://user:password@host:5432/database (got "postgres://r@h2/db,mysql://r:***@h3/db")',
    );
  });

  it('needs DATABASE_URL: SQLite has no replicas', () => {
    expect(() => loadConfig({ DATABASE_REPLICA_URLS: 'postgres://r@h2/db' })).toThrow(
      /^Invalid configuration:\n {2}DATABASE_REPLICA_URLS: .*DATABASE_URL must name that primary/,
    );
    expect(loadConfig({ DATABASE_URL: 'postgres://a@h/db', DATABASE_REPLICA_URLS: ' postgres://r@h2/db , postgresql://r@h3/db ' }).databaseReplicaUrls).toEqual(
      ['postgres://r@h2/db', 'postgresql://r@h3/db'],
    );
  });
});

describeHere('a gateway reading on a synchronous hot standby', () => {
  let cluster: PrimaryWithStandby;
  let gateway: RunningServer;
  let env: Record<string, string>;
  let token: string;
  /** Where the standby's log stood when the gateway started (the wait for the database's copy logs failures). */
  let logFrom = 0;

  beforeAll(async () => {
    // The standby applies each commit 150 ms late: only a commit that waits for it (remote_apply) reads back there at once.
    cluster = await startPrimaryWithStandby({ applyDelayMs: 150 });
    const admin = new pg.Client({ connectionString: cluster.primaryUrl() });
    await admin.connect();
    await admin.query(`create database ${DATABASE}`);
    await admin.end();
    env = {
      DATABASE_URL: cluster.primaryUrl(DATABASE),
      DATABASE_REPLICA_URLS: cluster.standbyUrl(DATABASE),
      SECRETS_KEY: KEY,
      SEED: 'demo',
      // Every read reaches the database, so each one shows where it went.
      RESPONSE_CACHE: 'false',
      LOG_LEVEL: 'warn',
    };
    // The standby applies CREATE DATABASE after its delay (this commit did not wait for it).
    for (let i = 0; ; i++) {
      const standby = new pg.Client({ connectionString: cluster.standbyUrl(DATABASE) });
      try {
        await standby.connect();
        await standby.end();
        break;
      } catch (error) {
        if (i >= 50) throw error;
        await new Promise((r) => setTimeout(r, 100));
      }
    }
    logFrom = cluster.standbyLog().length;
    gateway = await startServer(env);
    const created = await runNodeAsync(['dist/src/cli/token.js', 'create', '--name', 'certifier', '--scopes', 'certify'], env);
    expect(created.status, created.stderr).toBe(0);
    token = created.stdout.trim().split('\n').at(-1)!;
  }, 120_000);

  afterAll(async () => {
    await gateway?.stop();
    cluster?.stop();
  });

  async function gql(query: string, variables: Record<string, unknown>) {
    const res = await fetch(`${gateway.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: unknown[] };
  }

  /** How many statements the standby has run with the connector's slug as a parameter or in their text. */
  const standbyReadsOf = (slug: string) => cluster.standbyLog().split(`'${slug}'`).length - 1;

  it('a read right after each certification is answered by the standby and is never stale', async () => {
    const slug = 'source-faker';
    const first = await gql(LEVEL, { slug });
    let expected = first.data.connector as { supportLevel: string; revision: number };
    for (let i = 0; i < 30; i++) {
      const verb = expected.supportLevel === 'CERTIFIED' ? 'decertify' : 'certify';
      const done = (await gql(CHANGE(verb), { input: { connectorSlug: slug, reason: REASON } })).data[`${verb}Connector`];
      expect(done.userErrors, `${verb} #${i}`).toEqual([]);
      expect(done.connector.revision).toBe(expected.revision + 1);
      expected = done.connector;
      const before = standbyReadsOf(slug);
      const read = await gql(LEVEL, { slug });
      expect(read.errors).toBeUndefined();
      expect(read.data, `read #${i} after ${verb}`).toEqual({ connector: expected });
      expect(standbyReadsOf(slug), `read #${i} went to the standby`).toBeGreaterThan(before);
    }
  }, 60_000);

  it('no write, transaction, lock or failed statement ever reaches the standby', () => {
    const log = cluster.standbyLog().slice(logFrom);
    const statements = [...log.matchAll(/LOG: {2}(?:statement|execute [^:]*): (.*)/g)].map((m) => m[1]!);
    expect(statements.length).toBeGreaterThan(30);
    const misrouted = statements.filter((s) => /^\s*(begin|insert|update|delete|savepoint|commit|listen)\b|for update|advisory|pg_notify/i.test(s));
    expect(misrouted).toEqual([]);
    expect(log.match(/^.*(ERROR|FATAL):.*$/gm) ?? []).toEqual([]);
  });

  it('start-up refuses a replica that is not a standby, and a primary that would not wait for its standbys', async () => {
    const admin = new pg.Client({ connectionString: cluster.primaryUrl() });
    await admin.connect();
    const { rows } = await admin.query<{ names: string }>("select current_setting('synchronous_standby_names') as names");
    const refused = async (settings: Record<string, string>) => {
      const { status, stderr } = await runNodeAsync([SERVER_ENTRY], { ...env, PORT: '0', HOST: '127.0.0.1', ...settings });
      expect(status, stderr).toBe(2);
      expect(stderr).not.toMatch(/^\s+at /m);
      expect(stderr).not.toContain(decodeURIComponent(new URL(cluster.primaryUrl()).password));
      return stderr.trim();
    };
    const primary = cluster.primaryUrl(DATABASE);
    const shown = new URL(primary);
    shown.password = '***';
    expect(await refused({ DATABASE_REPLICA_URLS: primary })).toBe(
      `Cannot start: DATABASE_REPLICA_URLS: ${shown} is not a standby (pg_is_in_recovery() is false): name hot standbys of the primary there, never the primary or another writable database`,
    );
    try {
      await admin.query("alter system set synchronous_standby_names = ''");
      await admin.query('select pg_reload_conf()');
      expect(await refused({})).toMatch(/^Cannot start: DATABASE_REPLICA_URLS is set, but the primary's synchronous_standby_names is empty: /);
    } finally {
      await admin.query(`alter system set synchronous_standby_names = '${rows[0]!.names.replaceAll("'", "''")}'`);
      await admin.query('select pg_reload_conf()');
      await admin.end();
    }
  }, 60_000);
});
