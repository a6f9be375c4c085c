// Loads the reference policy data and the demo connectors. Deterministic, and only where nothing is there yet.
import { count, sql } from 'drizzle-orm';
import type { Db } from '../src/db/client.js';
import { rawRun } from '../src/db/raw.js';
import { connectors, deployments, importLog, slaTiers, supportLevels, supportPolicies } from '../src/db/schema.js';
import { transaction } from '../src/db/transaction.js';
import { insertConnector } from '../src/domain/connectors/store.js';
import { recording } from '../src/domain/history/recording.js';
import { refreshStatistics } from '../src/domain/registry/statistics.js';
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

/**
 * On PostgreSQL, seeding waits for any other gateway seeding the same database (a transaction-scoped
 * advisory lock), so the check-then-write below is one decision; SQLite's BEGIN IMMEDIATE already is one.
 */
async function seedingAlone(tx: Db): Promise<void> {
  if (tx.$engine === 'postgres') await rawRun(tx, sql`select pg_advisory_xact_lock(${sql.raw(String(SEED_LOCK))})`);
}
/** "seed" in ASCII: the advisory lock key of seeding. */
const SEED_LOCK = 0x73656564;

/** Writes the support levels, deployments, SLA tiers and the 20 policy cells, unless they are there; whether it wrote them. */
export async function seedPolicy(db: Db): Promise<boolean> {
  return transaction(db, async (tx) => {
    await seedingAlone(tx);
    if (await isSeeded(tx)) return false;
    await tx.insert(supportLevels).values(SUPPORT_LEVELS.map((l, i) => ({ ...l, sortOrder: i })));
    await tx.insert(deployments).values(DEPLOYMENTS.map((d, i) => ({ ...d, sortOrder: i })));
    await tx.insert(slaTiers).values(SLA_TIERS.map((t, i) => ({ ...t, sortOrder: i })));
    await tx.insert(supportPolicies).values([...SUPPORT_POLICIES]);
    return true;
  });
}

/** Writes `list` as demo connectors where demoSeedRefusal allows; why not, or null when it wrote them. */
export async function seedConnectors(db: Db, list: readonly ConnectorSeed[] = SEED_CONNECTORS): Promise<string | null> {
  return transaction(db, async (tx) => {
    await seedingAlone(tx);
    const refusal = await demoSeedRefusal(tx);
    if (refusal !== null) return refusal;
    // Everything the seed writes is demo data: the first real registry import removes it.
    await recording(tx, { actor: 'seed', source: 'seed' }, async () => {
      for (const c of list) await insertConnector(tx, { ...c, demo: true });
    });
    return null;
  });
}

const rowCount = async (db: Db, table: typeof supportLevels | typeof connectors | typeof importLog): Promise<number> =>
  (await db.select({ n: count() }).from(table))[0]?.n ?? 0;

/** Whether the support policy is there. */
export async function isSeeded(db: Db): Promise<boolean> {
  return (await rowCount(db, supportLevels)) > 0;
}

/**
 * Why the demo connectors would not go into this database, or null when they would. They go only into a
 * registry that has no connectors and never had an import, so demo data never mixes with real data.
 */
export async function demoSeedRefusal(db: Db): Promise<string | null> {
  const held = await rowCount(db, connectors);
  if (held > 0) return `it already has ${held} connector${held === 1 ? '' : 's'}`;
  const imports = await rowCount(db, importLog);
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
export async function seedDatabase(db: Db, mode: SeedMode): Promise<SeedResult> {
  const result: SeedResult = { policy: false, demoConnectors: 0, demoSkipped: null };
  if (!(await isSeeded(db))) result.policy = await seedPolicy(db);
  if (mode === 'demo') {
    result.demoSkipped = await seedConnectors(db);
    if (result.demoSkipped === null) result.demoConnectors = SEED_CONNECTORS.length;
  }
  if (result.policy || result.demoConnectors) await refreshStatistics(db);
  return result;
}

/** Seeds policy and connectors when the database has no policy yet; returns whether it seeded. (The tests' shorthand.) */
export async function seedIfEmpty(db: Db, options: { connectors?: boolean } = {}): Promise<boolean> {
  if (await isSeeded(db)) return false;
  await seedDatabase(db, (options.connectors ?? true) ? 'demo' : 'none');
  return true;
}
