import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { redactUrl } from '../src/db/open.js';
import { commandDatabase } from './helpers/import.js';
import { runNodeAsync, startServer, tempDir, type RunningServer } from './helpers/process.js';

describe('the registry CLI against a running server', () => {
  let server: RunningServer;
  const dir = tempDir();
  const env: Record<string, string> = { DATABASE_PATH: join(dir, 'registry.db') };
  const cli = (args: string[], extra: Record<string, string> = {}) =>
    runNodeAsync(['bin/registry.js', ...args], { ...env, REGISTRY_ENDPOINT: `${server.url}/graphql`, ...extra });

  beforeAll(async () => {
    // The server and the commands meet at one database on the suite's engine.
    Object.assign(env, await commandDatabase(env.DATABASE_PATH!));
    server = await startServer(env);
    const made = await cli(['token', 'create', '--name', 'cli-bot', '--scopes', 'certify']);
    expect(made.status).toBe(0);
    env.REGISTRY_TOKEN = made.stdout.trim().split('\n').at(-1)!;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('certifies with a dry run first, then for real, and explains a refusal with a non-zero exit', async () => {
    const dry = await cli(['certify', 'source-faker', '--reason', 'Passed acceptance tests for 90 days.', '--dry-run']);
    expect(dry.status).toBe(0);
    expect(dry.stdout.trim()).toBe(
      'dry run: source-faker would go from COMMUNITY to CERTIFIED; an official SLA now applies on CLOUD, POWERED_BY_AIRBYTE, SELF_MANAGED_ENTERPRISE. Nothing was written.',
    );
    const real = await cli([
      'certify',
      'source-faker',
      '--reason',
      'Passed acceptance tests for 90 days.',
      '--expected-revision',
      '1',
      '--idempotency-key',
      'cli-1',
    ]);
    expect(real.stdout.trim()).toBe(
      'source-faker is CERTIFIED (revision 2); an official SLA now applies on CLOUD, POWERED_BY_AIRBYTE, SELF_MANAGED_ENTERPRISE.',
    );
    const retry = await cli([
      'certify',
      'source-faker',
      '--reason',
      'Passed acceptance tests for 90 days.',
      '--expected-revision',
      '1',
      '--idempotency-key',
      'cli-1',
    ]);
    expect(retry.stdout).toContain('[replayed: this key was used before; nothing new was written]');
    const again = await cli(['certify', 'source-faker', '--reason', 'Passed acceptance tests for 90 days.']);
    expect(again.status).toBe(2);
    expect(again.stdout.trim()).toBe('refused: INVALID_TRANSITION (input.connectorSlug): source-faker is already certified.');
    const json = await cli(['--json', 'certify', 'source-asana', '--reason', 'short']);
    expect(json.status).toBe(2);
    expect(JSON.parse(json.stdout).userErrors).toEqual([{ code: 'VALIDATION', field: ['input', 'reason'], message: 'reason: must be at least 10 characters' }]);
  });

  it('says so when the token is missing or the server is not there', async () => {
    const noToken = await cli(['certify', 'source-asana', '--reason', 'Passed acceptance tests for 90 days.'], { REGISTRY_TOKEN: '' });
    expect(noToken.status).toBe(4);
    expect(noToken.stderr).toContain('error: UNAUTHENTICATED: certifyConnector needs an API token');
    const down = await cli(['query', '{ deployments { key } }'], { REGISTRY_ENDPOINT: 'http://127.0.0.1:9/graphql' });
    expect(down.status).toBe(3);
    expect(down.stderr).toContain('cannot reach http://127.0.0.1:9/graphql');
  });

  it('names the database file its file commands work on, on stderr', async () => {
    const listed = await cli(['token', 'list']);
    expect(listed.status).toBe(0);
    expect(listed.stderr).toBe(`database: ${env.DATABASE_URL ? redactUrl(env.DATABASE_URL) : env.DATABASE_PATH}\n`);
    expect(listed.stdout).toMatch(/^cli-bot\tcertify\t/);
  });

  it('queries and exports', async () => {
    const q = await cli(['query', 'query($s: String!) { connector(slug: $s) { supportLevel } }', '--variables', '{"s": "source-postgres"}']);
    expect(JSON.parse(q.stdout)).toEqual({ connector: { supportLevel: 'CERTIFIED' } });
    const file = join(dir, 'oss.json');
    const e = await cli(['export', '--registry', 'oss', '--out', file]);
    expect(e.status).toBe(0);
    expect(e.stderr).toMatch(/^Wrote \d+ sources and \d+ destinations to /);
  });
});
