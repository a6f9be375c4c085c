// Runs the real server (or a CLI) as a child process on a loopback port, for end-to-end tests. They run what
// production runs: the server bundle (dist/bundle/server/server.js, what `npm start` runs) and the compiled CLIs
// (dist/src/cli/*.js); the test run's global setup (global-build.ts) builds them when stale. With
// TEST_ENGINE=postgres they run on a database of this worker's PostgreSQL cluster (testEnv).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Db, openDatabase } from '../../src/db/client.js';
import { openPostgres } from '../../src/db/postgres.js';
import { suiteEngine, TEST_ENGINE, type TestEngine, testCluster } from './database.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export function tempDir(prefix = 'registry-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export interface RunningServer {
  url: string;
  child: ChildProcess;
  output: () => string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

/** The server as production runs it, relative to ROOT: the bundle scripts/build.mjs makes (SERVER_BUNDLE there). */
export const SERVER_ENTRY = 'dist/bundle/server/server.js';

/** The PostgreSQL database standing in for each DATABASE_PATH a test names, and the key they all seal with. */
const databases = new Map<string, Promise<string>>();
const resolved = new Map<string, string>();
const secretsKey = randomBytes(32).toString('base64');

/**
 * A child's settings on the suite's engine. On SQLite, `env` as it is. With TEST_ENGINE=postgres, a
 * DATABASE_URL (an empty database of this worker's cluster, which the server migrates; the same one
 * every time a DATABASE_PATH is named again, so a restart finds its data) and SECRETS_KEY, which the
 * server requires there. `env` that names DATABASE_URL already is left as it is; `engine` overrides the suite's.
 */
export async function testEnv(env: Record<string, string>, engine?: TestEngine): Promise<Record<string, string>> {
  if (env.DATABASE_URL !== undefined || (engine ?? suiteEngine('starts a process')) !== 'postgres') return env;
  const key = env.DATABASE_PATH ?? `(unnamed ${databases.size})`;
  let url = databases.get(key);
  if (!url) {
    url = testCluster().then((cluster) => cluster.createEmptyDatabase());
    databases.set(key, url);
  }
  resolved.set(key, await url);
  return { SECRETS_KEY: secretsKey, ...env, DATABASE_URL: resolved.get(key)! };
}

/** The database a child's settings name (testEnv's), opened here to look at what the child wrote. */
export function openEnvDatabase(env: Record<string, string>): Db {
  return env.DATABASE_URL ? openPostgres(env.DATABASE_URL, { poolSize: 2 }) : openDatabase(env.DATABASE_PATH!);
}

/**
 * `env` with what testEnv gave its DATABASE_PATH, for the runners that cannot wait (runNode): a path
 * testEnv (or startServer) has not seen is left on SQLite.
 */
function knownEnv(env: Record<string, string>): Record<string, string> {
  const url = TEST_ENGINE === 'postgres' && env.DATABASE_URL === undefined && env.DATABASE_PATH ? resolved.get(env.DATABASE_PATH) : undefined;
  return url ? { SECRETS_KEY: secretsKey, ...env, DATABASE_URL: url } : env;
}

/**
 * Starts the server (SERVER_ENTRY) on an ephemeral loopback port and resolves once it is listening; `nodeArgs`
 * go to node before it. It runs on the suite's engine, or on `engine` (with DATABASE_PATH, `sqlite` keeps it there).
 */
export async function startServer(env: Record<string, string>, nodeArgs: string[] = [], engine?: TestEngine): Promise<RunningServer> {
  const settings = await testEnv(env, engine);
  const child = spawn(process.execPath, [...nodeArgs, SERVER_ENTRY], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...settings },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start in 20 s:\n${out}`)), 20_000);
    const check = () => {
      const match = /"url":"(http:\/\/127\.0\.0\.1:\d+)\/graphql"/.exec(out);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    };
    child.stdout!.on('data', check);
    child.on('exit', () => {
      clearTimeout(timer);
      reject(new Error(`server exited before listening:\n${out}`));
    });
  });
  return {
    url,
    child,
    output: () => out,
    async stop(signal = 'SIGTERM') {
      child.kill(signal);
      return exited;
    },
  };
}

/** Runs `node args…` in the checkout (args[0] a compiled script, e.g. dist/src/cli/token.js or SERVER_ENTRY) synchronously and returns its output. */
export function runNode(args: string[], env: Record<string, string>) {
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...knownEnv(env) }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like runNode, without blocking this process (needed when the child talks to a server in this process). */
export function runNodeAsync(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...knownEnv(env) }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d) => (stdout += d));
    child.stderr!.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
