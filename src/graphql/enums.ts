// GraphQL enums map UPPER_CASE names to the stable lowercase keys stored in the database.
import type { CONNECTOR_ORDER_FIELDS } from '../domain/connectors/store.js';
import type { USER_ERROR_CODES } from '../domain/errors.js';
import { builder } from './builder.js';

type Values<K extends string> = Record<string, { value: K; description: string }>;

function upper(key: string): string {
  return key.replace(/([a-z])([A-Z])/g, '$1_$2').toUpperCase();
}

/** Enum values named by the upper-cased key, each with its description. */
export function keyed<const K extends string>(descriptions: Record<K, string>): Values<K> {
  const values: Values<K> = {};
  for (const [key, description] of Object.entries(descriptions) as [K, string][]) {
    values[upper(key)] = { value: key, description };
  }
  return values;
}

export const SupportLevelEnum = builder.enumType('SupportLevel', {
  description: 'Who maintains a connector and what support it comes with. Stable keys; display labels are in `supportLevels`.',
  values: keyed({
    certified: 'Maintained by the vendor and production ready; breaking changes come with an adequate upgrade window.',
    community: 'Maintained by users; no SLA, may break without notice, may be certified at any time.',
    custom: 'Built and maintained by a customer for its own use.',
    enterprise: 'A premium connector maintained by the vendor; needs an extra license.',
    archived: 'Removed for low use or lack of maintenance; no updates or support.',
  }),
});

export const DeploymentEnum = builder.enumType('Deployment', {
  description: 'Where a connector runs.',
  values: keyed({
    cloud: 'Airbyte Cloud, the hosted service.',
    powered_by_airbyte: 'Powered by Airbyte: Airbyte embedded in a partner product.',
    self_managed_enterprise: 'Self-Managed Enterprise: run by the customer under an enterprise contract.',
    community_oss: 'Community (OSS): Airbyte Open Source, self-hosted without a contract.',
  }),
});

export const ConnectorTypeEnum = builder.enumType('ConnectorType', {
  description: 'Whether a connector reads or writes data.',
  values: keyed({ source: 'Reads data from a system.', destination: 'Writes data to a system.' }),
});

export const ReleaseStageEnum = builder.enumType('ReleaseStage', {
  description: "Airbyte's older maturity label, kept from the registry; the support level supersedes it.",
  values: keyed({
    alpha: 'Early: may be incomplete.',
    beta: 'Feature complete, still being hardened.',
    generally_available: 'Generally available.',
    custom: 'A custom connector.',
  }),
});

export const CoverageEnum = builder.enumType('SupportCoverage', {
  description: 'The support a policy cell promises, as the support table words it.',
  values: keyed({
    supported: 'Supported (see the SLA tier for the conditions).',
    slack_only: 'Slack Support only.',
    no_support: 'No Support.',
    not_offered: 'The connector is not offered on this deployment.',
  }),
});

export const SlaTierKindEnum = builder.enumType('SlaTierKind', {
  description: 'The kind of support a customer can get.',
  values: keyed({
    official_sla: 'An official support SLA; needs Premium Support in the contract.',
    best_effort_sla: 'An official SLA provided with best efforts; the customer owns maintenance; needs Premium Support.',
    community_slack: 'Help in the community Slack, no SLA.',
    none: 'No support.',
  }),
});

export const MaintainerEnum = builder.enumType('Maintainer', {
  description: 'Who maintains and upgrades a connector.',
  values: keyed({
    vendor: 'The vendor (the Airbyte team).',
    customer: 'The customer who built it.',
    community: 'Its users in the community.',
    nobody: 'Nobody: the connector is archived.',
  }),
});

export const SupportChannelEnum = builder.enumType('SupportChannel', {
  description: 'Where a customer takes a problem with a connector.',
  values: keyed({
    premium_support: 'Premium Support, under the official SLA.',
    support_portal: 'The support portal: addressed as soon as possible, without an SLA.',
    community_slack: 'The community Slack.',
    none: 'Nowhere: no support.',
  }),
});

export const DeadlineActionEnum = builder.enumType('DeadlineAction', {
  description: 'What happens to connections still on an old version when the upgrade deadline passes.',
  values: keyed({ auto_upgrade: 'They are upgraded automatically.', disable: 'They are disabled.' }),
});

export const CertificationSourceEnum = builder.enumType('CertificationSource', {
  description: 'What made a support-level change.',
  values: keyed({
    mutation: 'A support-level mutation: certifyConnector, decertifyConnector, archiveConnector or unarchiveConnector.',
    import: 'A registry import.',
    seed: 'The seed data.',
  }),
});

export const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  description: 'Why a mutation refused its input. Branch on this, not on the message.',
  values: keyed<(typeof USER_ERROR_CODES)[number]>({
    VALIDATION: 'An input field breaks a rule; `field` names it.',
    NOT_FOUND: 'The connector named does not exist.',
    INVALID_TRANSITION: 'The connector is not at a level this change applies to.',
    STALE_REVISION: 'The connector changed since the revision you gave.',
    FORBIDDEN: 'The token may not change this connector.',
    CONFLICT: 'The change conflicts with the current state.',
  }),
});

export const ConnectorOrderFieldEnum = builder.enumType('ConnectorOrderField', {
  description: 'What to sort connectors by. Names sort as people read them, ties by slug; the other orders break ties by creation order.',
  values: keyed<(typeof CONNECTOR_ORDER_FIELDS)[number]>({
    name: 'Display name, ignoring case and accents ("ActiveCampaign" before "AWIN Advertiser"); equal names by slug.',
    slug: 'Slug, e.g. source-postgres.',
    updatedAt: 'Last change.',
    releaseDate: 'First release date; connectors without one sort first.',
    usage: 'Usage over all platforms, low to high; connectors without a figure sort first (use desc for the most used first).',
    syncSuccessRate: 'Sync success rate over all platforms, low to high; connectors without a figure sort first.',
  }),
});

export const MetricLevelEnum = builder.enumType('MetricLevel', {
  description: "A coarse level of Airbyte's connector metrics (the registry's generated.metrics).",
  values: keyed({ low: 'Low.', medium: 'Medium.', high: 'High.' }),
});

export const MetricPlatformEnum = builder.enumType('MetricPlatform', {
  description: 'Which platform a metric covers.',
  values: keyed({ all: 'Every platform together.', cloud: 'Airbyte Cloud.', oss: 'Airbyte Open Source (self-managed).' }),
});

export const OrderDirectionEnum = builder.enumType('OrderDirection', {
  description: 'Sort direction.',
  values: keyed({ asc: 'Ascending.', desc: 'Descending.' }),
});
