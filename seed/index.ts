// Loads the reference policy data and the curated connectors. Deterministic, and only into an empty database.
import { count } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { connectors, deployments, slaTiers, supportLevels, supportPolicies } from '../src/db/schema.js';
import { analyze } from '../src/db/statistics.js';
import { insertConnector } from '../src/domain/connectors/store.js';
import type { ConnectorSeed } from '../src/domain/connectors/input.js';
import { SEED_CONNECTORS } from './connectors.js';
import { DEPLOYMENTS, SLA_TIERS, SUPPORT_LEVELS, SUPPORT_POLICIES } from './policy.js';

/** Writes the support levels, deployments, SLA tiers and the 20 policy cells. */
export function seedPolicy(db: Db): void {
  db.transaction(
    (tx) => {
      tx.insert(supportLevels).values(SUPPORT_LEVELS.map((l, i) => ({ ...l, sortOrder: i }))).run();
      tx.insert(deployments).values(DEPLOYMENTS.map((d, i) => ({ ...d, sortOrder: i }))).run();
      tx.insert(slaTiers).values(SLA_TIERS.map((t, i) => ({ ...t, sortOrder: i }))).run();
      tx.insert(supportPolicies).values([...SUPPORT_POLICIES]).run();
    },
    { behavior: 'immediate' },
  );
}

export function seedConnectors(db: Db, list: readonly ConnectorSeed[] = SEED_CONNECTORS): void {
  db.transaction(
    (tx) => {
      // Everything the seed writes is demo data: the first real registry import removes it.
      for (const c of list) insertConnector(tx as unknown as Db, { ...c, demo: true });
    },
    { behavior: 'immediate' },
  );
}

export function isSeeded(db: Db): boolean {
  return (db.select({ n: count() }).from(supportLevels).get()?.n ?? 0) > 0;
}

/** Seeds policy and connectors when the database has no policy yet; returns whether it seeded. */
export function seedIfEmpty(db: Db, options: { connectors?: boolean } = {}): boolean {
  if (isSeeded(db)) return false;
  seedPolicy(db);
  const empty = (db.select({ n: count() }).from(connectors).get()?.n ?? 0) === 0;
  if ((options.connectors ?? true) && empty) seedConnectors(db);
  analyze(db.$client, 'full');
  return true;
}
