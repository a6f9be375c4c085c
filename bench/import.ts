// Import benchmark (not a test): the real OSS registry, then N synthetic connectors in registry format.
// npm run bench:import [-- --count 100000]
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { exportRegistry } from '../src/domain/registry/export.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadImportSource } from '../src/domain/registry/load.js';
import { seedIfEmpty } from '../seed/index.js';
import { syntheticRegistry } from './synthetic.js';

const { values } = parseArgs({ options: { count: { type: 'string', default: '100000' } } });
const count = Number(values.count);
if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new Error('--count must be 1 to 1000000');

const REAL_OSS = fileURLToPath(new URL('../../shared/airbyte-registry/oss-registry-2025-01-29/oss_registry.json', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'registry-bench-'));

async function timedImport(label: string, path: string, dbPath: string) {
  const db = openDatabase(dbPath);
  migrateDatabase(db);
  seedIfEmpty(db, { connectors: false });
  const started = performance.now();
  const loaded = await loadImportSource(path);
  if (loaded.problems.length) throw new Error(`${label}: ${loaded.problems.length} invalid entries, e.g. ${JSON.stringify(loaded.problems[0])}`);
  const loadedAt = performance.now();
  const summary = importConnectors(db, loaded);
  const done = performance.now();
  const exportStarted = performance.now();
  const doc = exportRegistry(db, 'oss');
  const exported = performance.now() - exportStarted;
  const again = performance.now();
  const second = importConnectors(db, loaded);
  const reimport = performance.now() - again;
  db.$client.close();
  const line = {
    label,
    connectors: loaded.items.length,
    fileMB: +(statSync(path).size / 1024 / 1024).toFixed(1),
    parseAndValidateS: +((loadedAt - started) / 1000).toFixed(2),
    writeS: +((done - loadedAt) / 1000).toFixed(2),
    totalImportS: +((done - started) / 1000).toFixed(2),
    reimportUnchangedS: +(reimport / 1000).toFixed(2),
    exportS: +(exported / 1000).toFixed(2),
    added: summary.added,
    unchangedOnReimport: second.unchanged,
    exported: doc.sources.length + doc.destinations.length,
  };
  console.log(JSON.stringify(line));
  return line;
}

try {
  await timedImport('real OSS registry 2025-01-29', REAL_OSS, join(dir, 'real.db'));
  const doc = syntheticRegistry(count);
  const file = join(dir, 'oss_registry.json');
  writeFileSync(file, JSON.stringify(doc));
  await timedImport(`${count} synthetic connectors`, file, join(dir, 'synthetic.db'));
  // Peak resident memory of the whole run (Linux reports maxRSS in KiB).
  console.log(JSON.stringify({ peakMemoryMB: +(process.resourceUsage().maxRSS / 1024).toFixed(0) }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
