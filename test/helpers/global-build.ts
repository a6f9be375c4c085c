// Vitest global setup, once per `npm test`: builds dist/ when it is stale (the process tests run the server
// bundle and the compiled CLIs, as production does), and says once whether the browser tests and the tests that
// read Airbyte's real registry files can run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { browserMissing, inCi } from './browser.js';
import { realDataIncomplete, realDataMissing, SHARED_REGISTRY } from './real-data.js';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const built = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('could not build dist/ for the tests (see above)');
  if (browserMissing) {
    if (inCi) throw new Error(`browser tests cannot run: ${browserMissing}; CI is set, so a missing browser fails the run`);
    process.stdout.write(`browser tests skipped: ${browserMissing}\n`);
  }
  if (realDataMissing) {
    if (inCi) throw new Error(`real-data tests cannot run: ${realDataMissing}; CI is set, so a missing registry folder fails the run`);
    process.stdout.write(`real-data tests skipped: ${realDataMissing}\n`);
  }
  if (realDataIncomplete.length) throw new Error(`real-data tests cannot run: ${SHARED_REGISTRY} lacks ${realDataIncomplete.join(', ')}`);
}
