// Demo data apart from real data. The demo seed marks what it writes (connectors.demo,
// breaking_changes.demo, certification events with source 'seed'); the first real import removes it,
// so invented connectors, breaking changes and history never pass for what a registry published.
import { eq } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { breakingChanges, certificationEvents, connectors } from '../../db/schema.js';

/** The breaking changes that are demo data: invented ones, and every one of a demo connector. */
export const DEMO_BREAKING_CHANGES = 'demo = 1 or connector_id in (select id from connectors where demo = 1)';
/** The history that is demo data: the seed's, and every event of a demo connector. */
export const DEMO_EVENTS = "source = 'seed' or connector_id in (select id from connectors where demo = 1)";

export interface DemoCounts {
  connectors: number;
  breakingChanges: number;
  events: number;
}

/** How much demo data the database holds. */
export function countDemoData(db: Db): DemoCounts {
  const n = (sql: string) => db.$client.prepare(sql).pluck().get() as number;
  return {
    connectors: n('select count(*) from connectors where demo = 1'),
    breakingChanges: n(`select count(*) from breaking_changes where ${DEMO_BREAKING_CHANGES}`),
    events: n(`select count(*) from certification_events where ${DEMO_EVENTS}`),
  };
}

/**
 * Removes every demo row: demo connectors (with their availability, breaking changes, history and kept
 * entries), demo breaking changes on any connector, and the seed's history. Call it inside the import's
 * transaction, after the import has written: a connector the import wrote is no longer demo.
 */
export function removeDemoData(db: Db): DemoCounts {
  const counts = countDemoData(db);
  db.delete(certificationEvents).where(eq(certificationEvents.source, 'seed')).run();
  db.delete(breakingChanges).where(eq(breakingChanges.demo, true)).run();
  db.delete(connectors).where(eq(connectors.demo, true)).run();
  return counts;
}
