// Planner statistics after a bulk write (a seed, an import), on either engine.
import { sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rawRun } from '../../db/raw.js';
import { analyze } from '../../db/statistics.js';

/** Fresh planner statistics: SQLite's ANALYZE (src/db/statistics.ts), PostgreSQL's of the tables a registry fills. */
export async function refreshStatistics(db: Db): Promise<void> {
  if (db.$engine === 'sqlite') analyze(db.$client, 'full');
  else await analyzeRegistryTables(db);
}

/**
 * PostgreSQL's ANALYZE of the tables an import fills. Inside the import's transaction it counts the rows
 * written so far, and the plans PostgreSQL keeps (foreign-key checks, the history triggers') are made
 * again from it: made over the near-empty tables an import began with, they scan whole tables.
 */
export async function analyzeRegistryTables(tx: Db): Promise<void> {
  await rawRun(
    tx,
    sql`analyze connectors, connector_availability, breaking_changes, registry_entries, connector_history, connector_history_horizon, connector_renames`,
  );
}
