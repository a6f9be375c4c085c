// Vitest global setup, once per `npm test`: builds dist/ when it is stale (the process tests run the server
// bundle and the compiled CLIs, as production does), and says once whether the browser tests, the PostgreSQL
// tests and the tests that read Airbyte's real registry files can run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { browserMissing, inCi } from './browser.js';
import { postgresMissing } from './postgres.js';
import { realDataIncomplete, realDataMissing, SHARED_REGISTRY } from './real-data.js';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const built = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('could not build dist/ for the tests (see above)');
  // Each kind of test that needs something this machine may lack: skipped with one line, or under CI all
  // named together in the error that fails the run.
  const needs = [
    ['browser tests', browserMissing],
    ['PostgreSQL tests', postgresMissing],
    ['real-data tests', realDataMissing],
  ] as const;
  const cannot: string[] = [];
  for (const [tests, missing] of needs) {
    if (!missing) continue;
    if (inCi) cannot.push(`${tests} cannot run: ${missing}`);
    else process.stdout.write(`${tests} skipped: ${missing}\n`);
  }
  if (cannot.length) throw new Error(`${cannot.join('; ')}; CI is set, so what they need must be there`);
  if (realDataIncomplete.length) throw new Error(`real-data tests cannot run: ${SHARED_REGISTRY} lacks ${realDataIncomplete.join(', ')}`);
}
