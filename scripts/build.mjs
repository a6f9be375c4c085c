// Compiles src/ and seed/ to dist/ with tsc (tsconfig.build.json), bundles the compiled server with esbuild, and
// puts beside the code the files it reads at run time:
//
//   dist/src/…, dist/seed/…      tsc's output; the command-line tools run from it (dist/src/cli/*.js)
//   dist/bundle/server/server.js the server as production runs it (`npm start`, the tests): one file, built from
//                                dist/src/server.js, plus code-split chunks beside it that load only when asked for
//                                (GraphiQL's page renderer is one: a browser's first visit loads it)
//   dist/migrations/,            src/db/migrate.ts and migrate-pg.ts read ../../migrations(-pg) from their modules:
//   dist/migrations-pg/          from dist/src/db/ and from dist/bundle/server/ alike, that is dist/migrations(-pg)
//   dist/src/http/public/,       src/http/routes.ts reads ./public/catalog.html from its module, so next to
//   dist/bundle/server/public/   dist/src/http/routes.js and next to the bundle
//
// Only the server is bundled: loading its ~760 module files one by one was most of its start-up time. The bundle
// resolves packages as Node does (`main`, and `exports` with the import/node/default conditions), so each package
// is the same file Node would load; in particular there is one graphql (its CommonJS index.js, the one Pothos and
// yoga get), and the build fails if a second copy gets in. better-sqlite3 (native) stays a package in node_modules.
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
import { dirname, join, relative } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const DIST = join(ROOT, 'dist');
/** Written last into a finished build; its mtime is when the build read its sources (see ensure-build.mjs). */
export const STAMP = join(DIST, '.build-stamp');
const LOCK = join(ROOT, '.dist-build.lock');

/** The server bundle's entry, relative to dist/ (scripts/run.mjs takes it so; test/helpers/process.ts spawns it). */
export const SERVER_BUNDLE = 'bundle/server/server.js';

/** What is copied from the checkout into the build, as [from, to] relative to ROOT and to the build folder. */
const ASSETS = [
  ['migrations', 'migrations'],
  ['migrations-pg', 'migrations-pg'],
  ['src/http/public', 'src/http/public'],
  ['src/http/public', `${dirname(SERVER_BUNDLE)}/public`],
];

// The bundle is ESM; the CommonJS packages in it call require() for Node's built-in modules, which ESM has not got.
const REQUIRE_BANNER = "import { createRequire as __bundleCreateRequire } from 'node:module'; const require = __bundleCreateRequire(import.meta.url);";

/** Bundles `out`/src/server.js into `out`/SERVER_BUNDLE (with its chunks). Returns an error message, or null. */
function bundleServer(out) {
  let esbuild;
  try {
    esbuild = createRequire(import.meta.url)('esbuild');
  } catch {
    return 'esbuild is not installed (run `npm install`: it is a devDependency)';
  }
  const outdir = join(out, dirname(SERVER_BUNDLE));
  let result;
  try {
    result = esbuild.buildSync({
      absWorkingDir: ROOT,
      entryPoints: { server: join(out, 'src/server.js') },
      outdir,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      // Resolve as Node does: no `module` main field or condition (those would give graphql's index.mjs to some
      // importers and index.js to others: two graphql realms), so the bundle runs the files the tests ran.
      mainFields: ['main'],
      conditions: [],
      // pg's optional native binding (pg-native) is never installed; pg loads it only when asked.
      external: ['better-sqlite3', 'pg-native'],
      banner: { js: REQUIRE_BANNER },
      // Maps back through tsc's maps to src/*.ts, for `node --enable-source-maps`.
      sourcemap: 'linked',
      metafile: true,
      logLevel: 'warning',
    });
  } catch (error) {
    return `esbuild failed: ${error.message.split('\n')[0]}`;
  }
  // One graphql: every file of it from one package folder and one module format.
  const copies = new Set();
  for (const input of Object.keys(result.metafile.inputs)) {
    const m = /^(.*node_modules\/graphql)\/.*?(\.mjs)?$/.exec(input);
    if (m) copies.add(`${m[1]} (${m[2] ? 'index.mjs, ESM' : 'index.js, CommonJS'})`);
  }
  if (copies.size > 1) return `the server bundle holds ${copies.size} copies of graphql: ${[...copies].join(', ')}`;
  // Every file the bundle finds by `new URL('…', import.meta.url)` must be where it looks (see ASSETS).
  for (const file of Object.keys(result.metafile.outputs)) {
    if (!file.endsWith('.js')) continue;
    const path = join(ROOT, file);
    const code = readFileSync(path, 'utf8');
    for (const [, target] of code.matchAll(/new URL\("([^"]+)", import\.meta\.url\)/g)) {
      const wanted = fileURLToPath(new URL(target, pathToFileURL(path)));
      if (!existsSync(wanted)) return `${relative(out, path)} reads ${target}, but there is no ${relative(out, wanted)} in the build`;
    }
  }
  return null;
}

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
    const t1 = performance.now();
    const failure = bundleServer(tmp);
    if (failure) {
      process.stderr.write(`build: ${failure}; dist/ is left as it was\n`);
      return 1;
    }
    const bundled = performance.now() - t1;
    const stamp = join(tmp, '.build-stamp');
    writeFileSync(stamp, `${started.toISOString()}\n`);
    // A source saved while tsc ran is newer than the stamp, so the next check builds again.
    utimesSync(stamp, started, started);
    chmodSync(tmp, 0o755); // mkdtemp made it private
    if (existsSync(DIST)) renameSync(DIST, `${tmp}-old`);
    renameSync(tmp, DIST);
    rmSync(`${tmp}-old`, { recursive: true, force: true });
    const seconds = (ms) => (ms / 1000).toFixed(1);
    process.stderr.write(
      `build: compiled dist/${check ? '' : ' (emit only, not type-checked)'} and bundled dist/${SERVER_BUNDLE} in ${seconds(performance.now() - t0)} s (bundle ${seconds(bundled)} s)\n`,
    );
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
