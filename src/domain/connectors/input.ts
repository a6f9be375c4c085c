// The one description of a valid connector, shared by the seed loader, the tests and the importer.
import { createInsertSchema } from 'drizzle-orm/zod';
import { z } from 'zod';
import {
  connectors,
  CONNECTOR_TYPE_KEYS,
  DEADLINE_ACTION_KEYS,
  DEPLOYMENT_KEYS,
  METRIC_LEVEL_KEYS,
  RELEASE_STAGE_KEYS,
  SUPPORT_LEVEL_KEYS,
} from '../../db/schema.js';

export const slugSchema = z
  .string()
  .min(3)
  .max(120)
  .regex(/^(source|destination)-[a-z0-9]+(-[a-z0-9]+)*$/, {
    message: 'must look like source-<name> or destination-<name>: lowercase letters, digits and single dashes',
  });

export const semverSchema = z.string().regex(/^\d+\.\d+\.\d+$/, { message: 'must be a version such as 5.0.0' });
export const isoDateSchema = z.iso.date({ message: 'must be a date as YYYY-MM-DD' });

export const breakingChangeInputSchema = z.object({
  version: semverSchema,
  upgradeDeadline: isoDateSchema,
  message: z.string().min(1).max(5000),
  migrationDocumentationUrl: z.url().nullish(),
  deadlineAction: z.enum(DEADLINE_ACTION_KEYS).nullish(),
  scopedImpact: z
    .array(z.object({ scopeType: z.literal('stream'), impactedScopes: z.array(z.string().min(1)).min(1) }))
    .min(1)
    .nullish(),
});
export type BreakingChangeInput = z.infer<typeof breakingChangeInputSchema>;

/** The columns the database or the store keeps (key, timestamps, revision, enabled_on by triggers, name_key from the name): never part of an input. */
export const MANAGED_COLUMNS = { id: true, createdAt: true, updatedAt: true, revision: true, enabledOn: true, nameKey: true } as const;

/**
 * A connector as insertConnector takes it: every column of the table but the managed ones, each checked by
 * its column's type unless a rule below is tighter (a nullable column may be left out), with its
 * availability and breaking changes. A new column is part of it without a line here.
 */
export const connectorSeedSchema = createInsertSchema(connectors)
  .omit(MANAGED_COLUMNS)
  .extend({
    // Airbyte's own IDs are not all RFC 4122 (destination-redshift's is not), so any 8-4-4-4-12 hex is accepted.
    definitionId: z.guid({ message: 'must be a UUID (8-4-4-4-12 hex digits)' }),
    slug: slugSchema,
    name: z.string().min(1).max(200),
    type: z.enum(CONNECTOR_TYPE_KEYS),
    supportLevel: z.enum(SUPPORT_LEVEL_KEYS),
    releaseStage: z.enum(RELEASE_STAGE_KEYS).nullish(),
    dockerRepository: z.string().min(1).max(300),
    dockerImageTag: z.string().min(1).max(100),
    documentationUrl: z.url().nullish(),
    iconUrl: z.url().nullish(),
    tags: z.array(z.string()).optional(),
    releaseDate: isoDateSchema.nullish(),
    internalSl: z.number().int().min(0).nullish(),
    internalQl: z.number().int().min(0).nullish(),
    usage: z.enum(METRIC_LEVEL_KEYS).nullish(),
    syncSuccessRate: z.enum(METRIC_LEVEL_KEYS).nullish(),
    organization: z.string().min(1).nullish(),
    availability: z.array(
      z.object({
        deployment: z.enum(DEPLOYMENT_KEYS),
        enabled: z.boolean(),
        dockerImageTag: z.string().nullish(),
        dockerRepository: z.string().nullish(),
      }),
    ),
    breakingChanges: z.array(breakingChangeInputSchema),
  });
export type ConnectorSeed = z.input<typeof connectorSeedSchema>;
