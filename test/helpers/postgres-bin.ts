// Where PostgreSQL's server binaries are, and why the PostgreSQL tests cannot run when they are not there.
// Free of vitest imports: vitest.config.ts reads it to decide whether the suite's PostgreSQL run exists.
import { accessSync, constants, readdirSync } from 'node:fs';
import { join } from 'node:path';

const TOOLS = ['initdb', 'pg_ctl'] as const;

/**
 * The folder holding initdb and pg_ctl: POSTGRES_BIN when set (and then only it), else PATH first, then
 * Debian's /usr/lib/postgresql/<version>/bin, newest first.
 */
function findBin(): string | null {
  if (process.env.POSTGRES_BIN) return TOOLS.every((tool) => executable(join(process.env.POSTGRES_BIN!, tool))) ? process.env.POSTGRES_BIN : null;
  const debian = (() => {
    try {
      return readdirSync('/usr/lib/postgresql')
        .filter((v) => /^\d+$/.test(v))
        .sort((a, b) => Number(b) - Number(a))
        .map((v) => `/usr/lib/postgresql/${v}/bin`);
    } catch {
      return [];
    }
  })();
  const candidates = [...(process.env.PATH ?? '').split(':').filter(Boolean), ...debian];
  return candidates.find((dir) => TOOLS.every((tool) => executable(join(dir, tool)))) ?? null;
}

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export const BIN = findBin();
export const AS_ROOT = process.getuid?.() === 0;

/** Why the PostgreSQL tests cannot run here, or null when they can. */
export const postgresMissing: string | null = !BIN
  ? process.env.POSTGRES_BIN
    ? `no initdb and pg_ctl in POSTGRES_BIN (${process.env.POSTGRES_BIN})`
    : 'no initdb and pg_ctl on PATH or under /usr/lib/postgresql/*/bin (install the Debian package: apt-get install postgresql, or set POSTGRES_BIN)'
  : AS_ROOT && !executable('/usr/bin/setpriv')
    ? 'running as root, and no setpriv to run initdb as an unprivileged user (install util-linux)'
    : null;
