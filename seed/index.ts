// Loads the reference policy data and the demo connectors. Deterministic, and only where nothing is there yet.
import { count } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { connectors, deployments, importLog, slaTiers, supportLevels, supportPolicies } from '../src/db/schema.js';
import { analyze } from '../src/db/statistics.js';
import { insertConnector } from '../src/domain/connectors/store.js';
import { recordingSync } from '../src/domain/history/recording.js';
import type { ConnectorSeed } from '../src/domain/connectors/input.js';
import { SEED_CONNECTORS } from './connectors.js';
import { DEPLOYMENTS, SLA_TIERS, SUPPORT_LEVELS, SUPPORT_POLICIES } from './policy.js';

/**
 * What a new database starts with (the SEED setting): `demo` is the support policy and the curated demo
 * connectors, `none` the support policy only, an empty registry. The policy (support levels, deployments,
 * SLA tiers, policy cells) is reference data every connector points at, not demo data: both write it.
 */
export const SEED_MODES = ['demo', 'none'] as const;
export type SeedMode = (typeof SEED_MODES)[number];

/** Writes the support levels, deployments, SLA tiers and the 20 policy cells. */
export function seedPolicy(db: Db): void {
  db.transaction(
    (tx) => {
      tx.insert(supportLevels)
        .values(SUPPORT_LEVELS.map((l, i) => ({ ...l, sortOrder: i })))
        .run();
      tx.insert(deployments)
        .values(DEPLOYMENTS.map((d, i) => ({ ...d, sortOrder: i })))
        .run();
      tx.insert(slaTiers)
        .values(SLA_TIERS.map((t, i) => ({ ...t, sortOrder: i })))
        .run();
      tx.insert(supportPolicies)
        .values([...SUPPORT_POLICIES])
        .run();
    },
    { behavior: 'immediate' },
  );
}

export function seedConnectors(db: Db, list: readonly ConnectorSeed[] = SEED_CONNECTORS): void {
  db.transaction(
    (tx) => {
      // Everything the seed writes is demo data: the first real registry import removes it.
      recordingSync(tx as unknown as Db, { actor: 'seed', source: 'seed' }, () => {
        for (const c of list) insertConnector(tx as unknown as Db, { ...c, demo: true });
      });
    },
    { behavior: 'immediate' },
  );
}

/** Whether the support policy is there. */
export function isSeeded(db: Db): boolean {
  return (db.select({ n: count() }).from(supportLevels).get()?.n ?? 0) > 0;
}

/**
 * Why the demo connectors would not go into this database, or null when they would. They go only into a
 * registry that has no connectors and never had an import, so demo data never mixes with real data.
 */
export function demoSeedRefusal(db: Db): string | null {
  const held = db.select({ n: count() }).from(connectors).get()?.n ?? 0;
  if (held > 0) return `it already has ${held} connector${held === 1 ? '' : 's'}`;
  const imports = db.select({ n: count() }).from(importLog).get()?.n ?? 0;
  if (imports > 0) return `a registry has been imported into it (${imports} import${imports === 1 ? '' : 's'} logged)`;
  return null;
}

export interface SeedResult {
  /** Whether the support policy was written (it was missing). */
  policy: boolean;
  /** How many demo connectors were written. */
  demoConnectors: number;
  /** Why no demo connectors were written when the mode asked for them; null otherwise. */
  demoSkipped: string | null;
}

/** Writes what `mode` asks for and the database lacks: the policy when missing, the demo connectors where demoSeedRefusal allows. */
export function seedDatabase(db: Db, mode: SeedMode): SeedResult {
  const result: SeedResult = { policy: false, demoConnectors: 0, demoSkipped: null };
  if (!isSeeded(db)) {
    seedPolicy(db);
    result.policy = true;
  }
  if (mode === 'demo') {
    result.demoSkipped = demoSeedRefusal(db);
    if (result.demoSkipped === null) {
      seedConnectors(db);
      result.demoConnectors = SEED_CONNECTORS.length;
    }
  }
  if (result.policy || result.demoConnectors) analyze(db.$client, 'full');
  return result;
}

/** Seeds policy and connectors when the database has no policy yet; returns whether it seeded. (The tests' shorthand.) */
export function seedIfEmpty(db: Db, options: { connectors?: boolean } = {}): boolean {
  if (isSeeded(db)) return false;
  seedDatabase(db, (options.connectors ?? true) ? 'demo' : 'none');
  return true;
}
