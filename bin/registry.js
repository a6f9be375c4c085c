#!/usr/bin/env node
// `npx registry …`: runs the compiled src/cli/registry.ts (dist/src/cli/registry.js), building dist/ first if it is stale.
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureBuilt } from '../scripts/ensure-build.mjs';

try {
  await ensureBuilt();
} catch (error) {
  process.stderr.write(`${error.message}\n`);
  process.exit(1);
}
const entry = fileURLToPath(new URL('../dist/src/cli/registry.js', import.meta.url));
process.argv[1] = entry;
await import(pathToFileURL(entry).href);
