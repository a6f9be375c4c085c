// Runs the real server (or a CLI) as a child process on a loopback port, for end-to-end tests. They run what
// production runs: the server bundle (dist/bundle/server/server.js, what `npm start` runs) and the compiled CLIs
// (dist/src/cli/*.js); the test run's global setup (global-build.ts) builds them when stale.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

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

/** Starts the server (SERVER_ENTRY) on an ephemeral loopback port and resolves once it is listening; `nodeArgs` go to node before it. */
export async function startServer(env: Record<string, string>, nodeArgs: string[] = []): Promise<RunningServer> {
  const child = spawn(process.execPath, [...nodeArgs, SERVER_ENTRY], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', ...env },
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
  const result = spawnSync(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Like runNode, without blocking this process (needed when the child talks to a server in this process). */
export function runNodeAsync(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
