// Running PostgreSQL's own programs for the tests' throwaway servers (test/helpers/postgres.ts, standby.ts):
// as `nobody` under root (the server refuses to run as root), on free loopback ports, stopped by pid file.
import { type SpawnSyncOptions, spawnSync } from 'node:child_process';
import { readFileSync, realpathSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { AS_ROOT, BIN, postgresMissing } from './postgres-bin.js';

/** The folder of the server's own tools: pg_basebackup sits beside the real pg_ctl, which PATH may only link to. */
const TOOLS = BIN ? dirname(realpathSync(join(BIN, 'pg_ctl'))) : null;

/** The unprivileged account the servers run as when the tests run as root. */
let nobodyIds: { uid: number; gid: number } | undefined;
export function nobody(): { uid: number; gid: number } {
  const id = (flag: string) => Number(spawnSync('id', [flag, 'nobody'], { encoding: 'utf8' }).stdout.trim());
  nobodyIds ??= { uid: id('-u'), gid: id('-g') };
  return nobodyIds;
}

/** Runs a PostgreSQL tool (as `nobody` under root); throws with its output when it fails. */
export function runPgTool(tool: string, args: string[], options: SpawnSyncOptions = {}): string {
  if (!TOOLS) throw new Error(`PostgreSQL tests cannot run: ${postgresMissing}`);
  const owner = AS_ROOT ? nobody() : null;
  const [cmd, argv] = owner
    ? ['/usr/bin/setpriv', [`--reuid=${owner.uid}`, `--regid=${owner.gid}`, '--clear-groups', '--', join(TOOLS, tool), ...args]]
    : [join(TOOLS, tool), args];
  const result = spawnSync(cmd, argv, { encoding: 'utf8', timeout: 60_000, ...options });
  if (result.status !== 0)
    throw new Error(`${tool} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`}):\n${result.stdout}${result.stderr}`);
  return String(result.stdout);
}

/** A port nothing listens on at the moment of asking; a server started on it may still lose it to another process. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Stops a server at once by the pid in its data folder's postmaster.pid; false when there was none. */
export function killByPidFile(data: string): boolean {
  try {
    const pid = Number(readFileSync(join(data, 'postmaster.pid'), 'utf8').split('\n')[0]);
    if (pid > 0) process.kill(pid, 'SIGQUIT');
    return pid > 0;
  } catch {
    // No pid file: the server never started or is gone already.
    return false;
  }
}
