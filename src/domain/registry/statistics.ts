// Planner statistics after a bulk write (a seed, an import), on either engine.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rawRun } from '../../db/raw.js';
import { analyze } from '../../db/statistics.js';

/** Fresh planner statistics: SQLite's ANALYZE (src/db/statistics.ts), PostgreSQL's of the tables a registry fills. */
export async function refreshStatistics(db: Db): Promise<void> {
  if (db.$engine === 'sqlite') analyze(db.$client, 'full');
  else await rawRun(db, sql`analyze connectors, connector_availability, breaking_changes, registry_entries`);
}
