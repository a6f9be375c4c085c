// Vitest global setup, once per `npm test`: builds dist/ when it is stale (the process tests run the server
// bundle and the compiled CLIs, as production does), and says once whether the browser and PostgreSQL tests can run.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { browserMissing, inCi } from './browser.js';
import { postgresMissing } from './postgres.js';

export default function setup(): void {
  const root = fileURLToPath(new URL('../..', import.meta.url));
  const built = spawnSync(process.execPath, ['scripts/ensure-build.mjs'], { cwd: root, stdio: 'inherit' });
  if (built.status !== 0) throw new Error('could not build dist/ for the tests (see above)');
  if (browserMissing) {
    if (inCi) throw new Error(`browser tests cannot run: ${browserMissing}; CI is set, so a missing browser fails the run`);
    process.stdout.write(`browser tests skipped: ${browserMissing}\n`);
  }
  if (postgresMissing) {
    if (inCi) throw new Error(`PostgreSQL tests cannot run: ${postgresMissing}; CI is set, so a missing PostgreSQL fails the run`);
    process.stdout.write(`PostgreSQL tests skipped: ${postgresMissing}\n`);
  }
}
