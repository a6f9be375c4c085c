// Demo data apart from real data. The demo seed marks what it writes (connectors.demo,
// breaking_changes.demo, certification events with source 'seed'); the first real import removes it,
// so invented connectors, breaking changes and history never pass for what a registry published.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rawRow } from '../../db/raw.js';
import { breakingChanges, certificationEvents, connectors } from '../../db/schema.js';

/** The breaking changes that are demo data: invented ones, and every one of a demo connector. */
export const DEMO_BREAKING_CHANGES = 'demo = true or connector_id in (select id from connectors where demo = true)';
/** The history that is demo data: the seed's, and every event of a demo connector. */
export const DEMO_EVENTS = "source = 'seed' or connector_id in (select id from connectors where demo = true)";

export interface DemoCounts {
  connectors: number;
  breakingChanges: number;
  events: number;
}

/** How much demo data the database holds. */
export async function countDemoData(db: Db): Promise<DemoCounts> {
  const counts = await rawRow<DemoCounts>(
    db,
    sql.raw(`select (select count(*) from connectors where demo = true) as "connectors",
       (select count(*) from breaking_changes where ${DEMO_BREAKING_CHANGES}) as "breakingChanges",
       (select count(*) from certification_events where ${DEMO_EVENTS}) as "events"`),
  );
  // PostgreSQL's count is a bigint, which the driver hands over as a number (src/db/postgres.ts).
  return { connectors: Number(counts!.connectors), breakingChanges: Number(counts!.breakingChanges), events: Number(counts!.events) };
}

/**
 * Removes every demo row: demo connectors (with their availability, breaking changes, history and kept
 * entries), demo breaking changes on any connector, and the seed's history. Call it with the import's
 * transaction, after the import has written: a connector the import wrote is no longer demo.
 */
export async function removeDemoData(tx: Db): Promise<DemoCounts> {
  const counts = await countDemoData(tx);
  await tx.delete(certificationEvents).where(eq(certificationEvents.source, 'seed'));
  await tx.delete(breakingChanges).where(eq(breakingChanges.demo, true));
  await tx.delete(connectors).where(eq(connectors.demo, true));
  return counts;
}
