// The support policy: which kind of support a connector gets, by support level and deployment.
// Reference data that changes only with a migration or the seed, so it is read once and kept.
import { asc } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { deployments, slaTiers, supportLevels, supportPolicies, type DeploymentKey, type SupportLevelKey } from '../../db/schema.js';

export type SupportLevelRow = typeof supportLevels.$inferSelect;
export type DeploymentRow = typeof deployments.$inferSelect;
export type SlaTierRow = typeof slaTiers.$inferSelect;
export type PolicyRow = typeof supportPolicies.$inferSelect;

export type SupportChannel = 'premium_support' | 'support_portal' | 'community_slack' | 'none';

/** What a customer gets for one connector on one deployment. */
export interface SupportAnswer {
  deployment: DeploymentKey;
  supportLevel: SupportLevelKey;
  /** Whether the connector is available on the deployment at all. */
  available: boolean;
  policy: PolicyRow;
  tier: SlaTierRow;
  premiumSupport: boolean;
  /** An official SLA applies: the connector is available there, its policy offers one, and the customer has Premium Support. */
  officialSla: boolean;
  channel: SupportChannel;
}

export class PolicyCatalog {
  readonly levels: readonly SupportLevelRow[];
  readonly deployments: readonly DeploymentRow[];
  readonly tiers: readonly SlaTierRow[];
  readonly policies: readonly PolicyRow[];
  private readonly byCell = new Map<string, PolicyRow>();
  private readonly tierByKey = new Map<string, SlaTierRow>();
  private readonly levelByKey = new Map<string, SupportLevelRow>();
  /**
   * Answers by cell (a list of connectors asks the same few questions many times): by level, then
   * deployment, then availability and Premium Support as a slot from 0 to 3.
   */
  private readonly answers = new Map<SupportLevelKey, Map<DeploymentKey, (SupportAnswer | undefined)[]>>();

  constructor(rows: {
    levels: SupportLevelRow[];
    deployments: DeploymentRow[];
    tiers: SlaTierRow[];
    policies: PolicyRow[];
  }) {
    this.levels = rows.levels;
    this.deployments = rows.deployments;
    this.tiers = rows.tiers;
    this.policies = rows.policies;
    for (const p of rows.policies) this.byCell.set(`${p.supportLevel}/${p.deployment}`, p);
    for (const t of rows.tiers) this.tierByKey.set(t.key, t);
    for (const l of rows.levels) this.levelByKey.set(l.key, l);
  }

  level(key: SupportLevelKey): SupportLevelRow {
    const row = this.levelByKey.get(key);
    if (!row) throw new Error(`support level ${key} is missing from support_levels`);
    return row;
  }

  policy(level: SupportLevelKey, deployment: DeploymentKey): PolicyRow {
    const row = this.byCell.get(`${level}/${deployment}`);
    if (!row) throw new Error(`support policy ${level}/${deployment} is missing from support_policies`);
    return row;
  }

  tier(key: string): SlaTierRow {
    const row = this.tierByKey.get(key);
    if (!row) throw new Error(`SLA tier ${key} is missing from sla_tiers`);
    return row;
  }

  /** Whether the policy of (level, deployment) makes an official SLA available with Premium Support. */
  offersSla(level: SupportLevelKey, deployment: DeploymentKey): boolean {
    return this.tier(this.policy(level, deployment).slaTier).officialSla;
  }

  /** The support levels whose policy on `deployment` offers an official SLA. */
  levelsWithSla(deployment: DeploymentKey): SupportLevelKey[] {
    return this.levels.map((l) => l.key).filter((level) => this.offersSla(level, deployment));
  }

  answer(input: { supportLevel: SupportLevelKey; deployment: DeploymentKey; available: boolean; premiumSupport: boolean }): SupportAnswer {
    // Asked for every connector of a page: looked up without building a key string.
    let byDeployment = this.answers.get(input.supportLevel);
    if (!byDeployment) this.answers.set(input.supportLevel, (byDeployment = new Map()));
    let kept = byDeployment.get(input.deployment);
    if (!kept) byDeployment.set(input.deployment, (kept = []));
    const slot = (input.available ? 2 : 0) + (input.premiumSupport ? 1 : 0);
    const known = kept[slot];
    if (known) return known;
    const policy = this.policy(input.supportLevel, input.deployment);
    const tier = this.tier(policy.slaTier);
    const officialSla = input.available && tier.officialSla && input.premiumSupport;
    let channel: SupportChannel = 'none';
    if (input.available) {
      if (officialSla) channel = 'premium_support';
      else if (policy.coverage === 'supported') channel = 'support_portal';
      else if (policy.coverage === 'slack_only') channel = 'community_slack';
    }
    const answer: SupportAnswer = Object.freeze({
      supportLevel: input.supportLevel,
      deployment: input.deployment,
      available: input.available,
      premiumSupport: input.premiumSupport,
      policy,
      tier,
      officialSla,
      channel,
    });
    kept[slot] = answer;
    return answer;
  }
}

/** Reads the policy tables (at start-up: one after another, holding one connection). */
export async function loadPolicyCatalog(db: Db): Promise<PolicyCatalog> {
  return new PolicyCatalog({
    levels: await db.select().from(supportLevels).orderBy(asc(supportLevels.sortOrder)),
    deployments: await db.select().from(deployments).orderBy(asc(deployments.sortOrder)),
    tiers: await db.select().from(slaTiers).orderBy(asc(slaTiers.sortOrder)),
    policies: await db.select().from(supportPolicies).orderBy(asc(supportPolicies.supportLevel), asc(supportPolicies.deployment)),
  });
}
