// Builds dist/ (tsc's output and the server bundle, see build.mjs) when it is missing, has no server bundle, or is
// older than any file or folder in src/, seed/, migrations/, the build's own configuration or the installed packages
// (the bundle holds their code); otherwise does nothing (a stat of about a hundred files, a few milliseconds).
//
//   node scripts/ensure-build.mjs     used by the test run's global setup, scripts/run.mjs and bin/registry.js
//
// The build it makes is emit-only (tsc --noCheck, as tsx ran the code unchecked; the bundle step never checks
// types); `npm run build` and `npm run typecheck` are the type-checked ones.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const STAMP = join(ROOT, 'dist', '.build-stamp');
const SOURCES = ['src', 'seed', 'migrations'];
// node_modules/.package-lock.json is rewritten by every `npm install`, so a changed package rebuilds the bundle.
const CONFIG = ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs', 'package-lock.json', 'node_modules/.package-lock.json'];
// The server bundle's entry (SERVER_BUNDLE in build.mjs, not imported here to keep this check light).
const BUNDLE = join(ROOT, 'dist', 'bundle', 'server', 'server.js');

function newest(path) {
  let latest = 0;
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  latest = stat.mtimeMs;
  // A folder's own mtime changes when a file in it is added, removed or renamed.
  if (stat.isDirectory()) for (const entry of readdirSync(path)) latest = Math.max(latest, newest(join(path, entry)));
  return latest;
}

/** Why dist/ needs building, or null when it is up to date (or there are no sources to build it from). */
export function staleReason() {
  if (!existsSync(join(ROOT, 'src'))) return null;
  let built;
  try {
    built = statSync(STAMP).mtimeMs;
  } catch {
    return 'dist/ has not been built';
  }
  if (!existsSync(BUNDLE)) return 'dist/ has no server bundle';
  const sources = Math.max(...[...SOURCES, ...CONFIG].map((p) => newest(join(ROOT, p))));
  return sources > built ? 'dist/ is older than the sources or the installed packages' : null;
}

/** Builds dist/ if it is stale; throws if that build fails. */
export async function ensureBuilt() {
  if (!staleReason()) return;
  const { build, withBuildLock } = await import('./build.mjs');
  const status = withBuildLock(() => {
    // Another process may have built it while we waited for the lock.
    const reason = staleReason();
    if (!reason) return 0;
    process.stderr.write(`build: ${reason}; compiling\n`);
    return build({ check: false });
  });
  if (status !== 0) throw new Error('the build failed (see above)');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  try {
    await ensureBuilt();
  } catch (error) {
    process.stderr.write(`${error.message}\n`);
    process.exitCode = 1;
  }
}
