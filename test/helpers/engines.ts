// Which test files the PostgreSQL run (TEST_ENGINE=postgres) leaves out: those whose source holds the marker
// line `// @engine-independent: <why>`. Such a file does the same on either run (no database, or only
// engines it names itself), so running it twice gains nothing. vitest.config.ts excludes them from the
// `postgres` project; the helpers that pick a database by the suite's engine refuse to work in them
// (suiteEngine below), so a marked file that comes to use the suite's database fails on the SQLite run.
// Imported by vitest.config.ts: Node built-ins only.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

/** The marker line: at the start of a line, with a reason after the colon. */
export const ENGINE_INDEPENDENT = /^\/\/ @engine-independent: \S/m;

/** Whether a test file's source marks it engine-independent. */
export function isEngineIndependent(source: string): boolean {
  return ENGINE_INDEPENDENT.test(source);
}

/** Every test file under `root`/test, as a path relative to `root` with forward slashes, sorted. */
export function testFiles(root: string): string[] {
  const dir = join(root, 'test');
  return (readdirSync(dir, { recursive: true }) as string[])
    .filter((name) => name.endsWith('.test.ts'))
    .map((name) => relative(root, join(dir, name)).split('\\').join('/'))
    .sort();
}

/** The test files under `root` marked engine-independent: the PostgreSQL run leaves them out. */
export function engineIndependentFiles(root: string): string[] {
  return testFiles(root).filter((file) => isEngineIndependent(readFileSync(join(root, file), 'utf8')));
}

/**
 * Throws when `testPath` (the running test file) is marked engine-independent: it is about to `what` on
 * the suite's engine, so its result depends on TEST_ENGINE and it must run in both projects.
 */
export function refuseInEngineIndependent(testPath: string | undefined, what: string): void {
  if (!testPath) return;
  let source: string;
  try {
    source = readFileSync(testPath, 'utf8');
  } catch {
    return;
  }
  if (isEngineIndependent(source))
    throw new Error(
      `${testPath} is marked "// @engine-independent:" (the PostgreSQL run leaves it out), yet it ${what} on the suite's engine (TEST_ENGINE): remove the marker, or name the engine explicitly`,
    );
}
