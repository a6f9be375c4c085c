import { sql } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { closeDatabase } from '../src/db/client.js';
import { rawRun } from '../src/db/raw.js';
import { createHarness, type Harness } from './helpers/harness.js';

// The support table of ../shared/domain/connector-support-levels.md, written out cell by cell.
const DOCUMENT_TABLE: Record<string, Record<string, string>> = {
  CERTIFIED: { CLOUD: 'Supported*', POWERED_BY_AIRBYTE: 'Supported*', SELF_MANAGED_ENTERPRISE: 'Supported*', COMMUNITY_OSS: 'Slack Support only' },
  CUSTOM: { CLOUD: 'Supported**', POWERED_BY_AIRBYTE: 'Supported**', SELF_MANAGED_ENTERPRISE: 'Supported**', COMMUNITY_OSS: 'Slack Support only' },
  COMMUNITY: { CLOUD: 'No Support', POWERED_BY_AIRBYTE: 'No Support', SELF_MANAGED_ENTERPRISE: 'No Support', COMMUNITY_OSS: 'No Support' },
};
// FORMAT.md §5–§6 for the two levels the document does not show.
const EXTRA_ROWS: Record<string, Record<string, string>> = {
  ENTERPRISE: { CLOUD: 'Supported*', POWERED_BY_AIRBYTE: 'Supported*', SELF_MANAGED_ENTERPRISE: 'Supported*', COMMUNITY_OSS: 'N/A' },
  ARCHIVED: { CLOUD: 'No Support', POWERED_BY_AIRBYTE: 'No Support', SELF_MANAGED_ENTERPRISE: 'No Support', COMMUNITY_OSS: 'No Support' },
};
const STAR =
  'For Certified connectors, Official Support SLAs are only available to customers with Premium Support included in their contract. Otherwise, please use our support portal and we will address your issues as soon as possible.';
const DOUBLE_STAR =
  'For Custom connectors, Official Support SLAs are only available to customers with Premium Support included in their contract. This support is provided with best efforts, and maintenance/upgrades are owned by the customer.';

function expectedCell(cell: string) {
  switch (cell) {
    case 'Supported*':
      return { coverage: 'SUPPORTED', tier: 'OFFICIAL_SLA', sla: true, premium: true };
    case 'Supported**':
      return { coverage: 'SUPPORTED', tier: 'BEST_EFFORT_SLA', sla: true, premium: true };
    case 'Slack Support only':
      return { coverage: 'SLACK_ONLY', tier: 'COMMUNITY_SLACK', sla: false, premium: false };
    case 'No Support':
      return { coverage: 'NO_SUPPORT', tier: 'NONE', sla: false, premium: false };
    case 'N/A':
      return { coverage: 'NOT_OFFERED', tier: 'NONE', sla: false, premium: false };
    default:
      throw new Error(`unknown cell ${cell}`);
  }
}

const MATRIX = `{ supportMatrix { supportLevel deployment coverage coverageText officialSlaAvailable premiumSupportRequired maintainedBy footnote slaTier { key officialSla requiresPremiumSupport } } }`;

describe('the support matrix', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness();
  });
  afterEach(async () => {
    await h.close();
    await closeDatabase(h.db);
  });

  it('reproduces the 12 cells of the domain document exactly, and 8 more for enterprise and archived', async () => {
    const res = await h.gql(MATRIX);
    expect(res.errors).toBeUndefined();
    const cells = res.data!.supportMatrix as any[];
    expect(cells).toHaveLength(20);
    for (const [level, row] of Object.entries({ ...DOCUMENT_TABLE, ...EXTRA_ROWS })) {
      for (const [deployment, text] of Object.entries(row)) {
        const cell = cells.find((c) => c.supportLevel === level && c.deployment === deployment);
        const want = expectedCell(text);
        expect(cell, `${level}/${deployment}`).toMatchObject({
          coverageText: text,
          coverage: want.coverage,
          officialSlaAvailable: want.sla,
          premiumSupportRequired: want.premium,
          slaTier: { key: want.tier, officialSla: want.sla, requiresPremiumSupport: want.premium },
        });
      }
    }
  });

  it('carries the footnotes of the document on the starred cells', async () => {
    const cells = (await h.gql(MATRIX)).data!.supportMatrix as any[];
    const byText = (t: string) => cells.filter((c) => c.coverageText === t && c.supportLevel !== 'ENTERPRISE');
    expect(byText('Supported*').map((c) => c.footnote)).toEqual([STAR, STAR, STAR]);
    expect(byText('Supported**').map((c) => c.footnote)).toEqual([DOUBLE_STAR, DOUBLE_STAR, DOUBLE_STAR]);
    const custom = cells.filter((c) => c.supportLevel === 'CUSTOM');
    expect(new Set(custom.map((c) => c.maintainedBy))).toEqual(new Set(['CUSTOMER']));
    const certified = cells.filter((c) => c.supportLevel === 'CERTIFIED');
    expect(new Set(certified.map((c) => c.maintainedBy))).toEqual(new Set(['VENDOR']));
  });

  it('lists levels, deployments and SLA tiers with their labels, so a frontend can render the table', async () => {
    const res = await h.gql(`{ supportLevels { key label availability whoMaintains productionReadiness minUpgradeWindowDays }
      deployments { key label } slaTiers { key label requiresPremiumSupport } }`);
    expect(res.data!.supportLevels.map((l: any) => l.key)).toEqual(['CERTIFIED', 'COMMUNITY', 'CUSTOM', 'ENTERPRISE', 'ARCHIVED']);
    expect(res.data!.supportLevels[0]).toEqual({
      key: 'CERTIFIED',
      label: 'Certified',
      availability: 'Available to all users',
      whoMaintains: 'The Airbyte team',
      productionReadiness: 'Guaranteed by Airbyte',
      minUpgradeWindowDays: 30,
    });
    expect(res.data!.deployments).toEqual([
      { key: 'CLOUD', label: 'Cloud' },
      { key: 'POWERED_BY_AIRBYTE', label: 'Powered by Airbyte' },
      { key: 'SELF_MANAGED_ENTERPRISE', label: 'Self-Managed Enterprise' },
      { key: 'COMMUNITY_OSS', label: 'Community (OSS)' },
    ]);
    expect(res.data!.slaTiers.map((t: any) => t.key)).toEqual(['OFFICIAL_SLA', 'BEST_EFFORT_SLA', 'COMMUNITY_SLACK', 'NONE']);
  });

  it('answers support(...) for every cell through a connector of each level', async () => {
    // One connector per level that is available everywhere it can be.
    const slugs = { CERTIFIED: 'source-postgres', COMMUNITY: 'source-faker', ENTERPRISE: 'source-workday', ARCHIVED: 'destination-keen' };
    for (const [level, slug] of Object.entries(slugs)) {
      const row = { ...DOCUMENT_TABLE, ...EXTRA_ROWS }[level]!;
      for (const [deployment, text] of Object.entries(row)) {
        for (const premiumSupport of [true, false]) {
          const res = await h.gql(
            `query($slug: String!, $d: Deployment!, $p: Boolean!) { connector(slug: $slug) { supportLevel availableOn
              support(deployment: $d, premiumSupport: $p) { deployment available coverage officialSla channel slaTier { key } } } }`,
            { slug, d: deployment, p: premiumSupport },
          );
          const c = res.data!.connector;
          const want = expectedCell(text);
          const available = c.availableOn.includes(deployment);
          expect(c.supportLevel).toBe(level);
          const channel = !available
            ? 'NONE'
            : want.sla && premiumSupport
              ? 'PREMIUM_SUPPORT'
              : want.coverage === 'SUPPORTED'
                ? 'SUPPORT_PORTAL'
                : want.coverage === 'SLACK_ONLY'
                  ? 'COMMUNITY_SLACK'
                  : 'NONE';
          expect(c.support, `${slug} on ${deployment}, premium ${premiumSupport}`).toEqual({
            deployment,
            available,
            coverage: want.coverage,
            officialSla: available && want.sla && premiumSupport,
            channel,
            slaTier: { key: want.tier },
          });
        }
      }
    }
  });

  it('answers for custom connectors with the best-effort SLA and the customer as maintainer', async () => {
    const token = await h.token('acme-reader', ['read:private']);
    await rawRun(h.db, sql`update api_tokens set organization = 'acme'`);
    const res = await h.gql(
      `{ connector(slug: "source-acme-billing") { availableOn
      cloud: support(deployment: CLOUD) { officialSla maintainedBy slaTier { key } notes }
      oss: support(deployment: COMMUNITY_OSS) { available officialSla channel notes } } }`,
      {},
      token,
    );
    expect(res.data!.connector).toEqual({
      availableOn: ['CLOUD', 'SELF_MANAGED_ENTERPRISE'],
      cloud: { officialSla: true, maintainedBy: 'CUSTOMER', slaTier: { key: 'BEST_EFFORT_SLA' }, notes: [DOUBLE_STAR] },
      oss: { available: false, officialSla: false, channel: 'NONE', notes: ['The connector is not available on this deployment.'] },
    });
  });
});
