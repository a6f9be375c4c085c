// Compiles src/ and seed/ to dist/ with tsc (tsconfig.build.json) and puts beside the compiled code the files
// it reads at run time: migrations/ (src/db/migrate.ts reads ../../migrations from its module, so dist/migrations)
// and src/http/public/ (src/http/routes.ts reads ./public/catalog.html, so dist/src/http/public).
//
//   node scripts/build.mjs              type-checked build (npm run build); fails on a type error
//   node scripts/build.mjs --no-check   emit only, as tsx did (what scripts/ensure-build.mjs uses)
//
// The build goes to a temporary folder and then replaces dist/ with two renames, so a server or test that
// starts meanwhile (several people share a working tree) finds the old dist/ or the new one, never half of one.
// Builds take a lock folder, so two at once do not trip over each other.
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** Written last into a finished build; its mtime is when the build read its sources (see ensure-build.mjs). */
export const STAMP = join(DIST, '.build-stamp');
const LOCK = join(ROOT, '.dist-build.lock');

/** What is copied from the checkout into the build, as [from, to] relative to ROOT and to the build folder. */
const ASSETS = [
  ['migrations', 'migrations'],
  ['src/http/public', 'src/http/public'],
];

/** Compiles into a fresh folder and swaps it in for dist/. Call it holding the lock. Returns 0 when dist/ was replaced. */
export function build({ check = true } = {}) {
  const started = new Date();
  const t0 = performance.now();
  let tsc;
  try {
    tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
  } catch {
    process.stderr.write('build: typescript is not installed (run `npm install`: it is a devDependency)\n');
    return 1;
  }
  const tmp = mkdtempSync(join(ROOT, '.dist-build-'));
  try {
    const args = [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', tmp, ...(check ? [] : ['--noCheck'])];
    const result = spawnSync(process.execPath, args, { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] });
    if (result.status !== 0) {
      process.stderr.write(`build: tsc failed (exit ${result.status ?? result.signal}); dist/ is left as it was\n`);
      return result.status || 1;
    }
    for (const [from, to] of ASSETS) cpSync(join(ROOT, from), join(tmp, to), { recursive: true });
    const stamp = join(tmp, '.build-stamp');
    writeFileSync(stamp, `${started.toISOString()}\n`);
    // A source saved while tsc ran is newer than the stamp, so the next check builds again.
    utimesSync(stamp, started, started);
    chmodSync(tmp, 0o755); // mkdtemp made it private
    if (existsSync(DIST)) renameSync(DIST, `${tmp}-old`);
    renameSync(tmp, DIST);
    rmSync(`${tmp}-old`, { recursive: true, force: true });
    process.stderr.write(`build: compiled dist/${check ? '' : ' (emit only, not type-checked)'} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
    return 0;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Runs `body` holding the build lock (a folder holding the owner's pid), waiting up to 5 minutes for another build. */
export function withBuildLock(body) {
  const deadline = Date.now() + 5 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {}
      // A lock whose owner died (or that never got its pid written within a minute) is taken over.
      let age = 0;
      try {
        age = Date.now() - statSync(LOCK).mtimeMs;
      } catch {}
      if ((Number.isInteger(owner) && owner > 0 && !alive(owner)) || (!owner && age > 60_000)) {
        rmSync(LOCK, { recursive: true, force: true });
        continue;
      }
      if (Date.now() > deadline) throw new Error(`build: ${LOCK} is still held by process ${owner}; remove it if no build runs`);
      sleep(200);
    }
  }
  try {
    return body();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.exitCode = withBuildLock(() => build({ check: !process.argv.includes('--no-check') }));
}
