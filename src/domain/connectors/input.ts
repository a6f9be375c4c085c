// The one description of a valid connector, shared by the seed loader, the tests and the importer.
import { z } from 'zod';
import {
  CONNECTOR_TYPE_KEYS,
  DEADLINE_ACTION_KEYS,
  DEPLOYMENT_KEYS,
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

export const connectorSeedSchema = z.object({
  // Airbyte's own IDs are not all RFC 4122 (destination-redshift's is not), so any 8-4-4-4-12 hex is accepted.
  definitionId: z.guid({ message: 'must be a UUID (8-4-4-4-12 hex digits)' }),
  slug: slugSchema,
  name: z.string().min(1).max(200),
  type: z.enum(CONNECTOR_TYPE_KEYS),
  supportLevel: z.enum(SUPPORT_LEVEL_KEYS),
  releaseStage: z.enum(RELEASE_STAGE_KEYS).nullable(),
  dockerRepository: z.string().min(1).max(300),
  dockerImageTag: z.string().min(1).max(100),
  documentationUrl: z.url().nullable(),
  iconUrl: z.url().nullable(),
  language: z.string().nullable(),
  license: z.string().nullable(),
  subtype: z.string().nullable(),
  tags: z.array(z.string()),
  releaseDate: isoDateSchema.nullable(),
  internalSl: z.number().int().min(0).nullable(),
  internalQl: z.number().int().min(0).nullable(),
  organization: z.string().min(1).nullable(),
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
