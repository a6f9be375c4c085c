// The SQLite files every engine's benchmark starts from: the seed data (with a certification history for the
// detail scenario) and `count` synthetic connectors imported through the domain's import.
import { closeDatabase, openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson } from '../src/domain/registry/load.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { seedIfEmpty } from '../seed/index.js';
import { DETAIL_SLUG } from './scenarios.js';
import { syntheticRegistry } from './synthetic.js';

export async function prepareSeedDb(path: string): Promise<void> {
  const db = openDatabase(path);
  migrateDatabase(db);
  await seedIfEmpty(db);
  // Give the detail scenario a certification history.
  await createToken(db, { name: 'bench', scopes: ['certify'] });
  db.$client
    .prepare(
      "insert into certification_events (connector_id, from_level, to_level, actor, reason, source) select id, 'community', 'certified', 'bench', 'Benchmark history entry.', 'mutation' from connectors where slug = ?",
    )
    .run(DETAIL_SLUG);
  await closeDatabase(db);
}

export async function prepareSyntheticDb(path: string, count: number): Promise<void> {
  const db = openDatabase(path);
  migrateDatabase(db);
  await seedIfEmpty(db, { connectors: false });
  await importConnectors(db, loadRegistryJson(JSON.stringify(syntheticRegistry(count)), 'oss_registry.json', 'oss'));
  await closeDatabase(db);
}
