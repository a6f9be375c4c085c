// The SQLite files every engine's benchmark starts from: the seed data (with a certification history for the
// detail scenario) and `count` synthetic connectors imported through the domain's import.
import { openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson } from '../src/domain/registry/load.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { seedIfEmpty } from '../seed/index.js';
import { DETAIL_SLUG } from './scenarios.js';
import { syntheticRegistry } from './synthetic.js';

export function prepareSeedDb(path: string): void {
  const db = openDatabase(path);
  migrateDatabase(db);
  seedIfEmpty(db);
  // Give the detail scenario a certification history.
  const { token } = createToken(db, { name: 'bench', scopes: ['certify'] });
  void token;
  db.$client
    .prepare(
      "insert into certification_events (connector_id, from_level, to_level, actor, reason, source) select id, 'community', 'certified', 'bench', 'Benchmark history entry.', 'mutation' from connectors where slug = ?",
    )
    .run(DETAIL_SLUG);
  db.$client.close();
}

export function prepareSyntheticDb(path: string, count: number): void {
  const db = openDatabase(path);
  migrateDatabase(db);
  seedIfEmpty(db, { connectors: false });
  importConnectors(db, loadRegistryJson(JSON.stringify(syntheticRegistry(count)), 'oss_registry.json', 'oss'));
  db.$client.close();
}
