import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HEADLINE_QUERY } from '../src/graphql/examples.js';
import { TEST_ENGINE } from './helpers/database.js';
import { runNode, startServer, tempDir, testEnv, type RunningServer, SERVER_ENTRY } from './helpers/process.js';

describe('the server, as a real process on a loopback port', () => {
  let server: RunningServer;
  const dir = tempDir();
  const env = { DATABASE_PATH: join(dir, 'registry.db') };
  let token = '';

  beforeAll(async () => {
    server = await startServer(env);
    // The token CLI works against the same database while the server runs.
    const created = runNode(['dist/src/cli/token.js', 'create', '--name', 'e2e-bot', '--scopes', 'certify'], env);
    expect(created.status).toBe(0);
    token = created.stdout.trim().split('\n').at(-1)!;
  });
  afterAll(async () => {
    if (server.child.exitCode === null) await server.stop();
  });

  it('migrates and seeds an empty database on start, and reports health', async () => {
    expect(server.output()).toContain('seeded an empty database');
    const res = await fetch(`${server.url}/health`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok', database: true });
  });

  it('serves GraphiQL at /graphql with the headline query as its default', async () => {
    const res = await fetch(`${server.url}/graphql`, { headers: { accept: 'text/html' } });
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('Connector registry');
    expect(html).toContain('supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true');
  });

  it('answers the headline query over HTTP', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: HEADLINE_QUERY }),
    });
    const body = (await res.json()) as any;
    expect(body.errors).toBeUndefined();
    expect(body.data.connectors.totalCount).toBe(body.data.connectors.edges.length);
    expect(body.data.connectors.edges.length).toBeGreaterThan(20);
  });

  it('certifies with a token made by `npm run token:create`, and the change is visible at once', async () => {
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({
        query: `mutation { certifyConnector(input: {connectorSlug: "source-pokeapi", reason: "Stable for a year, maintainers agreed."}) { connector { supportLevel revision } userErrors { code } } }`,
      }),
    });
    const body = (await res.json()) as any;
    expect(body.data.certifyConnector).toEqual({ connector: { supportLevel: 'CERTIFIED', revision: 2 }, userErrors: [] });
    const listed = runNode(['dist/src/cli/token.js', 'list'], env);
    expect(listed.stdout).toMatch(/^e2e-bot\tcertify\t-\tactive, expires \S+\tcreated \S+\tlast used \d{4}-/m);
  });

  // db:backup copies a SQLite file; on PostgreSQL it refuses and points to pg_dump.
  it.skipIf(TEST_ENGINE === 'postgres')('takes an online backup while the server runs, with the latest write in it', () => {
    const file = join(dir, 'backup.db');
    const result = runNode(['dist/src/cli/backup.js', file], env);
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Backed up .*registry\.db to .*backup\.db: \d+ pages, 51 connectors, integrity ok/);
    const copy = new Database(file, { readonly: true });
    expect(copy.prepare("select support_level from connectors where slug = 'source-pokeapi'").pluck().get()).toBe('certified');
    copy.close();
    expect(runNode(['dist/src/cli/backup.js', file], env).stderr).toContain('already exists');
  });

  it('shuts down cleanly on SIGTERM, and the data survives a restart', async () => {
    expect(await server.stop('SIGTERM')).toBe(0);
    expect(server.output()).toContain('"message":"stopped"');
    server = await startServer(env);
    expect(server.output()).not.toContain('seeded an empty database');
    const res = await fetch(`${server.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: '{ connector(slug: "source-pokeapi") { supportLevel certificationHistory { actor } } }' }),
    });
    expect(((await res.json()) as any).data.connector).toEqual({ supportLevel: 'CERTIFIED', certificationHistory: [{ actor: 'e2e-bot' }] });
    expect(await server.stop('SIGINT')).toBe(0);
  });
});

describe('configuration', () => {
  it('refuses a bad setting with a message naming it', () => {
    const result = runNode([SERVER_ENTRY], { PORT: 'eighty', DATABASE_PATH: join(tempDir(), 'x.db') });
    expect(result.status).toBe(2);
    expect(result.stderr).toContain('Invalid configuration:');
    expect(result.stderr).toContain('PORT: ');
    expect(result.stderr).toContain('(got "eighty")');
  });
});

describe('token CLI', () => {
  it('creates, refuses duplicates and unknown scopes, lists and revokes', async () => {
    const env = await testEnv({ DATABASE_PATH: join(tempDir(), 'tokens.db') });
    const created = runNode(['dist/src/cli/token.js', 'create', '--name', 'ci', '--scopes', 'certify,publish'], env);
    expect(created.status).toBe(0);
    expect(created.stdout.trim().split('\n').at(-1)).toMatch(/^crg_[A-Za-z0-9_-]{43}$/);
    const dup = runNode(['dist/src/cli/token.js', 'create', '--name', 'ci', '--scopes', 'certify'], env);
    expect(dup.status).toBe(1);
    expect(dup.stderr).toContain('a token named "ci" already exists');
    const bad = runNode(['dist/src/cli/token.js', 'create', '--name', 'x', '--scopes', 'certfy'], env);
    expect(bad.status).not.toBe(0);
    expect(bad.stderr).toContain('unknown scope certfy');
    const revoked = runNode(['dist/src/cli/token.js', 'revoke', '--name', 'ci'], env);
    expect(revoked.stdout).toContain('Revoked token "ci".');
    expect(runNode(['dist/src/cli/token.js', 'list'], env).stdout).toMatch(/^ci\tcertify,publish\t-\trevoked /m);
    expect(runNode(['dist/src/cli/token.js', 'revoke', '--name', 'ci'], env).status).toBe(1);
  });
});
