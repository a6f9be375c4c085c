import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../examples/typed-client/src/index.js';
import { ROOT, runNode, startServer, tempDir, type RunningServer } from './helpers/process.js';

describe('the typed client example', () => {
  let server: RunningServer;
  let token = '';
  const env = { DATABASE_PATH: join(tempDir(), 'typed.db') };
  beforeAll(async () => {
    server = await startServer(env);
    token = runNode(['dist/src/cli/token.js', 'create', '--name', 'typed', '--scopes', 'certify'], env).stdout.trim().split('\n').at(-1)!;
  });
  afterAll(async () => {
    await server.stop();
  });

  it('has generated types in step with schema.graphql and its operations (npm run codegen:example)', () => {
    const check = spawnSync(join(ROOT, 'node_modules', '.bin', 'graphql-codegen'), ['--config', 'examples/typed-client/codegen.ts', '--check'], {
      cwd: ROOT,
      encoding: 'utf8',
      timeout: 120_000,
    });
    expect(check.status, check.stdout + check.stderr).toBe(0);
  });

  it('runs against a real server', async () => {
    const lines = await main(`${server.url}/graphql`, token);
    expect(lines[0]).toBe('34 connectors have an official SLA on Self-Managed Enterprise; the first 5:');
    expect(lines[1]).toBe('  destination-bigquery (CERTIFIED): PREMIUM_SUPPORT');
    expect(lines.at(-1)).toBe(
      'certifying source-faker would move it from COMMUNITY to CERTIFIED, with an SLA on CLOUD, POWERED_BY_AIRBYTE, SELF_MANAGED_ENTERPRISE',
    );
  });
});
