import { defineRelations } from 'drizzle-orm';
import * as schema from './schema.js';

export const relations = defineRelations(schema, (r) => ({
  supportLevels: {
    policies: r.many.supportPolicies({ from: r.supportLevels.key, to: r.supportPolicies.supportLevel }),
    connectors: r.many.connectors({ from: r.supportLevels.key, to: r.connectors.supportLevel }),
  },
  deployments: {
    policies: r.many.supportPolicies({ from: r.deployments.key, to: r.supportPolicies.deployment }),
  },
  slaTiers: {
    policies: r.many.supportPolicies({ from: r.slaTiers.key, to: r.supportPolicies.slaTier }),
  },
  supportPolicies: {
    level: r.one.supportLevels({ from: r.supportPolicies.supportLevel, to: r.supportLevels.key, optional: false }),
    deploymentRow: r.one.deployments({ from: r.supportPolicies.deployment, to: r.deployments.key, optional: false }),
    tier: r.one.slaTiers({ from: r.supportPolicies.slaTier, to: r.slaTiers.key, optional: false }),
  },
  connectors: {
    level: r.one.supportLevels({ from: r.connectors.supportLevel, to: r.supportLevels.key, optional: false }),
    availability: r.many.connectorAvailability({ from: r.connectors.id, to: r.connectorAvailability.connectorId }),
    breakingChanges: r.many.breakingChanges({ from: r.connectors.id, to: r.breakingChanges.connectorId }),
    certificationEvents: r.many.certificationEvents({
      from: r.connectors.id,
      to: r.certificationEvents.connectorId,
    }),
    registryEntries: r.many.registryEntries({ from: r.connectors.id, to: r.registryEntries.connectorId }),
  },
  webhooks: {
    deliveries: r.many.webhookDeliveries({ from: r.webhooks.id, to: r.webhookDeliveries.webhookId }),
  },
  webhookDeliveries: {
    webhook: r.one.webhooks({ from: r.webhookDeliveries.webhookId, to: r.webhooks.id, optional: false }),
  },
  registryEntries: {
    connector: r.one.connectors({ from: r.registryEntries.connectorId, to: r.connectors.id, optional: false }),
  },
  connectorAvailability: {
    connector: r.one.connectors({ from: r.connectorAvailability.connectorId, to: r.connectors.id, optional: false }),
  },
  breakingChanges: {
    connector: r.one.connectors({ from: r.breakingChanges.connectorId, to: r.connectors.id, optional: false }),
  },
  certificationEvents: {
    connector: r.one.connectors({ from: r.certificationEvents.connectorId, to: r.connectors.id, optional: false }),
  },
}));
