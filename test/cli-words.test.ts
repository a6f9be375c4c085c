// The command-line tools say what happened: which database they opened, what they seeded, and, for an
// endpoint that is not this GraphQL API, one line naming the URL and what was wrong (no stack, no undefined).
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { count } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { closeDatabase } from '../src/db/client.js';
import { redactUrl } from '../src/db/open.js';
import { connectors } from '../src/db/schema.js';
import { countDemoData } from '../src/domain/registry/demo.js';
import { SEED_CONNECTORS } from '../seed/connectors.js';
import { TEST_ENGINE } from './helpers/database.js';
import { commandDatabase, openFile } from './helpers/import.js';
import { runNode, runNodeAsync, startServer, tempDir } from './helpers/process.js';

/** The line a command writes on stderr about the database it opened. */
const databaseLine = (env: Record<string, string>, note?: string) =>
  `database: ${env.DATABASE_URL ? redactUrl(env.DATABASE_URL) : env.DATABASE_PATH}${note ? ` (${note})` : ''}\n`;

/** Connectors in the file and how many of them are demo data, read with the project's own code. */
async function connectorsIn(path: string): Promise<{ all: number; demo: number }> {
  const db = openFile(path);
  try {
    return { all: (await db.select({ n: count() }).from(connectors))[0]!.n, demo: (await countDemoData(db)).connectors };
  } finally {
    await closeDatabase(db);
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

describe('registry query and certify against an endpoint that is not this GraphQL API', () => {
  // Answers every path the way some other web server might.
  const impostor = createServer((req, res) => {
    const path = req.url ?? '/';
    if (path.startsWith('/missing')) {
      res.writeHead(404, { 'content-type': 'text/html' });
      res.end('<!doctype html>\n<html><head><title>404 Not Found</title></head>\n<body><h1>Not Found</h1></body></html>\n');
    } else if (path.startsWith('/page')) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<!doctype html>\n<html>\n<body>Welcome to nginx!</body>\n</html>\n');
    } else if (path.startsWith('/text')) {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('OK\nall systems go\n');
    } else if (path.startsWith('/registries/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html>\n<html><body>Sign in</body></html>\n');
    } else if (path.startsWith('/json')) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"status":"ok","version":3}');
    } else {
      res.writeHead(500);
      res.end();
    }
  });
  let base = '';
  let closedPort = 0;

  beforeAll(async () => {
    base = `http://127.0.0.1:${await listen(impostor)}`;
    // A port that was just free: nothing listens there now.
    const probe = createServer();
    closedPort = await listen(probe);
    await new Promise((resolve) => probe.close(resolve));
  });
  afterAll(() => new Promise<void>((resolve) => impostor.close(() => resolve())));

  const cases = (): [string, string, RegExp][] => [
    ['a 404 page', `${base}/missing/graphql`, /is not this GraphQL API: it answered HTTP 404 Not Found, text\/html that is not JSON/],
    [
      'an HTML page',
      `${base}/page`,
      /is not this GraphQL API: it answered HTTP 200 OK, text\/html that is not JSON .*\(the gateway answers GraphQL at \/graphql\)$/,
    ],
    [
      'a body that is not JSON',
      `${base}/text/graphql`,
      /is not this GraphQL API: it answered HTTP 200 OK, text\/plain that is not JSON \("OK all systems go"\)$/,
    ],
    ['JSON without data or errors', `${base}/json/graphql`, /is not this GraphQL API: it answered HTTP 200 OK, JSON with neither data nor errors$/],
    ['a closed port', `http://127.0.0.1:${closedPort}/graphql`, /^error: cannot reach \S+: connection refused \(is the gateway running there\?\)$/],
    ['a malformed URL', 'not a url', /^error: --endpoint "not a url" is not a URL; give the gateway's GraphQL endpoint/],
    ['a URL that is not http', 'ftp://127.0.0.1/graphql', /^error: --endpoint ftp:\/\/127\.0\.0\.1\/graphql is not an http\(s\) URL/],
  ];

  for (const command of [
    ['query', '{ supportLevels { key } }'],
    ['certify', 'source-faker', '--reason', 'Passed acceptance tests for 90 days.'],
  ]) {
    it(`${command[0]} exits non-zero with one line naming the URL for each of them`, async () => {
      for (const [what, endpoint, words] of cases()) {
        const result = await runNodeAsync(['bin/registry.js', '--endpoint', endpoint, ...command], { REGISTRY_TOKEN: 'crg_not-a-real-token' });
        const context = `${command[0]} against ${what}: ${result.stderr}`;
        expect(result.status, context).not.toBe(0);
        expect(result.status, context).not.toBeNull();
        expect(result.stdout, context).toBe('');
        const lines = result.stderr.split('\n').filter(Boolean);
        expect(lines, context).toHaveLength(1);
        expect(lines[0], context).toMatch(/^error: /);
        expect(lines[0], context).toContain(endpoint);
        expect(lines[0], context).toMatch(words);
        expect(lines[0], context).not.toMatch(/\bat \S+ \(|undefined|\[object /);
      }
    });
  }

  it('export exits non-zero with one line for a page that is not a registry and for a closed port', async () => {
    const out = join(tempDir('export-words-'), 'oss.json');
    for (const [endpoint, words] of [
      [`${base}/graphql`, /is not this gateway's registry export: it answered text\/html \("<!doctype html>/],
      [`http://127.0.0.1:${closedPort}/graphql`, /cannot reach \S+: connection refused/],
    ] as const) {
      const result = await runNodeAsync(['bin/registry.js', '--endpoint', endpoint, 'export', '--registry', 'oss', '--out', out], {});
      const lines = result.stderr.split('\n').filter(Boolean);
      expect(result.status, result.stderr).toBe(3);
      expect(lines, result.stderr).toHaveLength(1);
      expect(lines[0]).toMatch(words);
      expect(lines[0]).not.toMatch(/\bat \S+ \(|undefined/);
      expect(existsSync(out)).toBe(false);
    }
  });

  it('certify names an API that answers GraphQL but not this mutation', async () => {
    const other = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/graphql-response+json' });
      res.end('{"data":{"certifyConnector":null}}');
    });
    const endpoint = `http://127.0.0.1:${await listen(other)}/graphql`;
    try {
      const result = await runNodeAsync(
        ['bin/registry.js', '--endpoint', endpoint, 'certify', 'source-faker', '--reason', 'Passed acceptance tests for 90 days.'],
        {},
      );
      expect(result.status).toBe(3);
      expect(result.stderr).toBe(`error: ${endpoint} is not this GraphQL API: its answer has no certifyConnector payload\n`);
    } finally {
      await new Promise((resolve) => other.close(resolve));
    }
  });
});

describe('npm run seed', () => {
  it('seeds a new database with the demo connectors, marked as demo, and says so', async () => {
    const path = join(tempDir(), 'fresh.db');
    const env = await commandDatabase(path);
    const result = runNode(['dist/src/cli/seed.js'], env);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe(databaseLine(env, TEST_ENGINE === 'postgres' ? 'support policy written' : 'new file, support policy written'));
    expect(result.stdout).toMatch(
      new RegExp(
        `^Seeded ${SEED_CONNECTORS.length} demo connectors with \\d+ breaking changes, beside the support policy\\. They are marked as demo data: the first real registry import removes them`,
      ),
    );
    expect(await connectorsIn(path)).toEqual({ all: SEED_CONNECTORS.length, demo: SEED_CONNECTORS.length });
  });

  it('seeds a database another command created (it holds only the support policy)', async () => {
    const path = join(tempDir(), 'tokens-first.db');
    const env = await commandDatabase(path);
    expect(runNode(['dist/src/cli/token.js', 'create', '--name', 'ops', '--scopes', 'certify'], env).status).toBe(0);
    const result = runNode(['dist/src/cli/seed.js'], env);
    expect(result.stderr).toBe(databaseLine(env));
    expect(result.stdout).toMatch(/^Seeded \d+ demo connectors/);
    expect((await connectorsIn(path)).demo).toBe(SEED_CONNECTORS.length);
  });

  it('seeds nothing into a database that has connectors, and says why', async () => {
    const path = join(tempDir(), 'twice.db');
    const env = await commandDatabase(path);
    expect(runNode(['dist/src/cli/seed.js'], env).status).toBe(0);
    const again = runNode(['dist/src/cli/seed.js'], env);
    expect(again.status).toBe(0);
    expect(again.stdout).toBe(
      `Nothing seeded: it already has ${SEED_CONNECTORS.length} connectors. Demo connectors go only into a registry with no connectors that never had an import.\n`,
    );
    expect(await connectorsIn(path)).toEqual({ all: SEED_CONNECTORS.length, demo: SEED_CONNECTORS.length });
  });
});

describe('commands that open the database', () => {
  it('token:create says which database it opened, on stderr, and keeps the token the last line of stdout', () => {
    const dir = tempDir();
    const path = join(dir, 'registry.db');
    const first = runNode(['dist/src/cli/token.js', 'create', '--name', 'ci', '--scopes', 'certify'], { DATABASE_PATH: path });
    expect(first.status).toBe(0);
    expect(first.stderr).toBe(`database: ${path} (new file, support policy written)\n`);
    expect(first.stdout.trim().split('\n').at(-1)).toMatch(/^crg_[A-Za-z0-9_-]{43}$/);
    // A relative DATABASE_PATH is named absolute: the line is there to catch the wrong file.
    const listed = runNode(['dist/src/cli/token.js', 'list'], { DATABASE_PATH: join(dir, '.', 'sub', '..', 'registry.db') });
    expect(listed.stderr).toBe(`database: ${path}\n`);
    expect(listed.stdout).toMatch(/^ci\tcertify\t/);
  });

  // db:backup copies a SQLite file (on PostgreSQL it refuses: the test below).
  it.skipIf(TEST_ENGINE === 'postgres')('db:backup creates a missing backup folder and names both files in its one line', async () => {
    const dir = tempDir();
    const path = join(dir, 'registry.db');
    expect(runNode(['dist/src/cli/seed.js'], { DATABASE_PATH: path }).status).toBe(0);
    const file = join(dir, 'backups', '2026', 'nightly', 'registry.db');
    const result = runNode(['dist/src/cli/backup.js', file], { DATABASE_PATH: path });
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^Backed up ${path} to ${file}: \\d+ pages, ${SEED_CONNECTORS.length} connectors, integrity ok`));
    expect((await connectorsIn(file)).all).toBe(SEED_CONNECTORS.length);
  });

  it('db:backup refuses DATABASE_URL (PostgreSQL) in one line pointing to pg_dump, connecting to nothing', () => {
    const dir = tempDir();
    const result = runNode(['dist/src/cli/backup.js', join(dir, 'b.db')], { DATABASE_URL: 'postgres://registry:secret@127.0.0.1:1/registry' });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe('error: db:backup copies a SQLite file; DATABASE_URL names PostgreSQL: back it up with pg_dump (or pg_basebackup)\n');
    expect(existsSync(join(dir, 'b.db'))).toBe(false);
  });

  it('db:backup refuses a DATABASE_PATH with no database, creating nothing', () => {
    const dir = tempDir();
    const result = runNode(['dist/src/cli/backup.js', join(dir, 'out', 'b.db')], { DATABASE_PATH: join(dir, 'typo.db') });
    expect(result.status).toBe(1);
    expect(result.stderr).toBe(`error: ${join(dir, 'typo.db')}: no database there (DATABASE_PATH)\n`);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(existsSync(join(dir, 'typo.db'))).toBe(false);
  });
});

describe('the SEED setting', () => {
  it('reads demo and none, keeps true and false as demo and none, and names the allowed values on a bad one', () => {
    expect(loadConfig({}).seed).toBe('demo');
    expect(['demo', 'none', 'true', 'false', '1', '0'].map((SEED) => loadConfig({ SEED }).seed)).toEqual(['demo', 'none', 'demo', 'none', 'demo', 'none']);
    expect(() => loadConfig({ SEED: 'empty' })).toThrow(
      'SEED: must be demo (the support policy and demo connectors) or none (the support policy only: an empty registry) (got "empty")',
    );
  });

  it('SEED=none serves an empty registry with the support policy', async () => {
    const server = await startServer({ DATABASE_PATH: join(tempDir(), 'empty.db'), SEED: 'none' });
    try {
      const res = await fetch(`${server.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ connectors(first: 1) { totalCount } supportLevels { key } }' }),
      });
      const body = (await res.json()) as { data: { connectors: { totalCount: number }; supportLevels: { key: string }[] } };
      expect(body.data.connectors.totalCount).toBe(0);
      expect(body.data.supportLevels.map((l) => l.key)).toEqual(['CERTIFIED', 'COMMUNITY', 'CUSTOM', 'ENTERPRISE', 'ARCHIVED']);
      expect(server.output()).toMatch(/"message":"seeded an empty database".*"seed":"none","demoConnectors":0/);
    } finally {
      await server.stop();
    }
  });

  it('SEED=demo seeds the demo connectors into a database a command created first', async () => {
    const path = join(tempDir(), 'cli-first.db');
    const env = await commandDatabase(path);
    expect(runNode(['dist/src/cli/token.js', 'create', '--name', 'ops', '--scopes', 'certify'], env).status).toBe(0);
    const server = await startServer(env);
    try {
      expect(server.output()).toMatch(new RegExp(`"seed":"demo","demoConnectors":${SEED_CONNECTORS.length}`));
    } finally {
      await server.stop();
    }
    expect((await connectorsIn(path)).demo).toBe(SEED_CONNECTORS.length);
  });
});
