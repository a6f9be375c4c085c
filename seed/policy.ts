// The support policy, transcribed from ../shared/domain/connector-support-levels.md (the support table
// and its footnotes are the ground truth) and, for enterprise and archived, from FORMAT.md §5 and §6.
import type { CoverageKey, DeploymentKey, MaintainerKey, SlaTierKey, SupportLevelKey } from '../src/db/schema.js';

export const CERTIFIED_FOOTNOTE =
  'For Certified connectors, Official Support SLAs are only available to customers with Premium Support included in their contract. Otherwise, please use our support portal and we will address your issues as soon as possible.';
export const CUSTOM_FOOTNOTE =
  'For Custom connectors, Official Support SLAs are only available to customers with Premium Support included in their contract. This support is provided with best efforts, and maintenance/upgrades are owned by the customer.';
const ENTERPRISE_FOOTNOTE = `${CERTIFIED_FOOTNOTE.replace('Certified', 'Enterprise')} Enterprise connectors need an extra license.`;

export interface SupportLevelSeed {
  key: SupportLevelKey;
  label: string;
  availability: string;
  whoBuilds: string;
  whoMaintains: string;
  productionReadiness: string;
  breakingChangePolicy: string;
  minUpgradeWindowDays: number;
  description: string;
}

export const SUPPORT_LEVELS: readonly SupportLevelSeed[] = [
  {
    key: 'certified',
    label: 'Certified',
    availability: 'Available to all users',
    whoBuilds: 'Either the community or the Airbyte team.',
    whoMaintains: 'The Airbyte team',
    productionReadiness: 'Guaranteed by Airbyte',
    breakingChangePolicy:
      'Certified connectors should go through minimal breaking change, but in the event an upgrade is needed users will be given an adequate upgrade window.',
    minUpgradeWindowDays: 30,
    description: 'A Certified connector is actively maintained and supported by the Airbyte team and maintains a high quality bar. It is production ready.',
  },
  {
    key: 'community',
    label: 'Community',
    availability: 'Available to all users',
    whoBuilds: 'Typically they are built by the community. The Airbyte team may upgrade them to Certified at any time.',
    whoMaintains: 'Users',
    productionReadiness: 'Not guaranteed',
    breakingChangePolicy:
      'Community connectors might not be feature-complete and may include backward-incompatible/breaking API changes with no or short notice.',
    minUpgradeWindowDays: 0,
    description:
      'A Community connector is maintained by the Airbyte community until it becomes Certified. There are no support SLAs; use caution in production. Community connectors may be upgraded to Certified at any time, and users are notified in the Slack Community and the Connector Catalog.',
  },
  {
    key: 'custom',
    label: 'Custom',
    availability: 'Available to all users',
    whoBuilds: 'Anyone can build custom connectors. We recommend using our Connector Builder or Low-code CDK.',
    whoMaintains: 'Users',
    productionReadiness: 'Not guaranteed',
    breakingChangePolicy: 'Maintenance and upgrades are owned by the customer who built the connector.',
    minUpgradeWindowDays: 0,
    description: 'A Custom connector is built and maintained by a customer. Official Support SLAs need Premium Support and are provided with best efforts.',
  },
  {
    key: 'enterprise',
    label: 'Enterprise',
    availability: 'Extra license required',
    whoBuilds: 'The Airbyte team',
    whoMaintains: 'The Airbyte team',
    productionReadiness: 'Guaranteed by Airbyte',
    breakingChangePolicy: 'Enterprise connectors are maintained like Certified connectors: users are given an adequate upgrade window before breaking changes.',
    minUpgradeWindowDays: 30,
    description:
      'An Enterprise connector is a premium connector available to Self-Managed Enterprise and Pro customers at an additional cost; it is not available to Open Source or standard Cloud customers without the extra license.',
  },
  {
    key: 'archived',
    label: 'Archived',
    availability: 'Not published in any registry',
    whoBuilds: 'Nobody: the source stays in the connector archive.',
    whoMaintains: 'Nobody',
    productionReadiness: 'Not guaranteed',
    breakingChangePolicy: 'Archived connectors receive no updates.',
    minUpgradeWindowDays: 0,
    description:
      'An Archived connector was removed because of low use or lack of maintenance. It gets no updates or support; un-archiving requires passing acceptance tests.',
  },
];

export const DEPLOYMENTS: readonly { key: DeploymentKey; label: string; description: string }[] = [
  { key: 'cloud', label: 'Cloud', description: 'Airbyte Cloud, the hosted service.' },
  {
    key: 'powered_by_airbyte',
    label: 'Powered by Airbyte',
    description: 'Airbyte embedded in a partner product through its API.',
  },
  {
    key: 'self_managed_enterprise',
    label: 'Self-Managed Enterprise',
    description: 'Airbyte Self-Managed Enterprise, run by the customer under an enterprise contract.',
  },
  {
    key: 'community_oss',
    label: 'Community (OSS)',
    description: 'Airbyte Open Source, self-hosted without a contract.',
  },
];

export const SLA_TIERS: readonly {
  key: SlaTierKey;
  label: string;
  description: string;
  conditions: string;
  officialSla: boolean;
  requiresPremiumSupport: boolean;
}[] = [
  {
    key: 'official_sla',
    label: 'Official Support SLA',
    description: 'Official support with a contractual SLA, the vendor maintaining the connector.',
    conditions:
      'Only for customers with Premium Support included in their contract. Otherwise, use the support portal: issues are addressed as soon as possible.',
    officialSla: true,
    requiresPremiumSupport: true,
  },
  {
    key: 'best_effort_sla',
    label: 'Best-effort Official SLA',
    description: 'Official support with an SLA, provided with best efforts; the customer owns maintenance and upgrades.',
    conditions: 'Only for customers with Premium Support included in their contract.',
    officialSla: true,
    requiresPremiumSupport: true,
  },
  {
    key: 'community_slack',
    label: 'Slack Support only',
    description: 'Help from the community and the vendor in the community Slack, with no SLA.',
    conditions: 'None: open to everyone.',
    officialSla: false,
    requiresPremiumSupport: false,
  },
  {
    key: 'none',
    label: 'No Support',
    description: 'No support and no SLA.',
    conditions: 'None.',
    officialSla: false,
    requiresPremiumSupport: false,
  },
];

export interface PolicySeed {
  supportLevel: SupportLevelKey;
  deployment: DeploymentKey;
  coverage: CoverageKey;
  coverageText: string;
  slaTier: SlaTierKey;
  premiumSupportRequired: boolean;
  maintainedBy: MaintainerKey;
  footnote: string | null;
}

const CONTRACT_DEPLOYMENTS: readonly DeploymentKey[] = ['cloud', 'powered_by_airbyte', 'self_managed_enterprise'];

function row(supportLevel: SupportLevelKey, deployments: readonly DeploymentKey[], rest: Omit<PolicySeed, 'supportLevel' | 'deployment'>): PolicySeed[] {
  return deployments.map((deployment) => ({ supportLevel, deployment, ...rest }));
}

/** One row per (support level, deployment): 5 × 4 = 20 cells. */
export const SUPPORT_POLICIES: readonly PolicySeed[] = [
  // The 12 cells of the domain document's table.
  ...row('certified', CONTRACT_DEPLOYMENTS, {
    coverage: 'supported',
    coverageText: 'Supported*',
    slaTier: 'official_sla',
    premiumSupportRequired: true,
    maintainedBy: 'vendor',
    footnote: CERTIFIED_FOOTNOTE,
  }),
  ...row('certified', ['community_oss'], {
    coverage: 'slack_only',
    coverageText: 'Slack Support only',
    slaTier: 'community_slack',
    premiumSupportRequired: false,
    maintainedBy: 'vendor',
    footnote: null,
  }),
  ...row('custom', CONTRACT_DEPLOYMENTS, {
    coverage: 'supported',
    coverageText: 'Supported**',
    slaTier: 'best_effort_sla',
    premiumSupportRequired: true,
    maintainedBy: 'customer',
    footnote: CUSTOM_FOOTNOTE,
  }),
  ...row('custom', ['community_oss'], {
    coverage: 'slack_only',
    coverageText: 'Slack Support only',
    slaTier: 'community_slack',
    premiumSupportRequired: false,
    maintainedBy: 'customer',
    footnote: null,
  }),
  ...row('community', [...CONTRACT_DEPLOYMENTS, 'community_oss'], {
    coverage: 'no_support',
    coverageText: 'No Support',
    slaTier: 'none',
    premiumSupportRequired: false,
    maintainedBy: 'community',
    footnote: null,
  }),
  // FORMAT.md §5–§6: enterprise is supported like certified where it is offered, and not offered on OSS.
  ...row('enterprise', CONTRACT_DEPLOYMENTS, {
    coverage: 'supported',
    coverageText: 'Supported*',
    slaTier: 'official_sla',
    premiumSupportRequired: true,
    maintainedBy: 'vendor',
    footnote: ENTERPRISE_FOOTNOTE,
  }),
  ...row('enterprise', ['community_oss'], {
    coverage: 'not_offered',
    coverageText: 'N/A',
    slaTier: 'none',
    premiumSupportRequired: false,
    maintainedBy: 'vendor',
    footnote: 'Enterprise connectors are not available to Open Source users.',
  }),
  // Archived connectors get no updates or support anywhere.
  ...row('archived', [...CONTRACT_DEPLOYMENTS, 'community_oss'], {
    coverage: 'no_support',
    coverageText: 'No Support',
    slaTier: 'none',
    premiumSupportRequired: false,
    maintainedBy: 'nobody',
    footnote: 'Archived connectors receive no updates or support.',
  }),
];
