// Runs a compiled entry point in this process, building dist/ first when it is stale:
//
//   node scripts/run.mjs bundle/server/server.js  what `npm start` runs: the server bundle (see scripts/build.mjs)
//   node scripts/run.mjs src/cli/token.js list    the npm scripts for the command-line tools (tsc's output)
//
// The entry is loaded in this same process (no second node start-up), and sees process.argv as if it had been
// started as `node dist/<entry> args…`, so signals reach it directly.
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from './ensure-build.mjs';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  process.stderr.write('usage: node scripts/run.mjs <entry under dist/, e.g. bundle/server/server.js> [args…]\n');
  process.exit(2);
}
try {
  await ensureBuilt();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const file = join(fileURLToPath(new URL('../dist/', import.meta.url)), entry);
process.argv = [process.argv[0], file, ...args];
await import(pathToFileURL(file).href);
