// Airbyte's registry and metadata.yaml formats (see ../shared/airbyte-registry/FORMAT.md), validated
// with zod. Schemas are loose: fields we do not model are kept, so nothing is lost on the way through.
import { z } from 'zod';
import {
  DEADLINE_ACTION_KEYS,
  RELEASE_STAGE_KEYS,
  SUPPORT_LEVEL_KEYS,
  type ConnectorTypeKey,
  type DeploymentKey,
  type RegistryKey,
} from '../../db/schema.js';
import { isoDateSchema, semverSchema } from '../connectors/input.js';

/** Which deployments a registry serves (FORMAT.md §1): its first one is where its version is read from. */
export const REGISTRY_DEPLOYMENTS: Record<RegistryKey, readonly [DeploymentKey, DeploymentKey]> = {
  oss: ['community_oss', 'self_managed_enterprise'],
  cloud: ['cloud', 'powered_by_airbyte'],
};

const guid = z.guid({ message: 'must be a UUID (8-4-4-4-12 hex digits)' });

export const breakingChangeEntrySchema = z.looseObject({
  upgradeDeadline: isoDateSchema,
  message: z.string().min(1, { message: 'must not be empty' }),
  migrationDocumentationUrl: z.string().nullish(),
  deadlineAction: z.enum(DEADLINE_ACTION_KEYS).nullish(),
  scopedImpact: z
    .array(z.looseObject({ scopeType: z.literal('stream'), impactedScopes: z.array(z.string()).min(1) }))
    .min(1)
    .nullish(),
});

// Airbyte's schema wants an object with at least one version, but published connectors carry
// `breakingChanges: []` (destination-motherduck, destination-surrealdb): read that as none.
const breakingChangesSchema = z.preprocess(
  (value) => (Array.isArray(value) && value.length === 0 ? {} : value),
  z.record(semverSchema, breakingChangeEntrySchema),
);

const abInternalSchema = z.looseObject({
  sl: z.number().int().min(0).nullish(),
  ql: z.number().int().min(0).nullish(),
  isEnterprise: z.boolean().nullish(),
});

/** One entry of `sources` or `destinations` in oss_registry.json / cloud_registry.json. */
export const registryEntrySchema = z.looseObject({
  sourceDefinitionId: guid.optional(),
  destinationDefinitionId: guid.optional(),
  name: z.string().min(1, { message: 'must not be empty' }),
  dockerRepository: z.string().min(1, { message: 'must not be empty' }),
  dockerImageTag: z.string().min(1, { message: 'must not be empty' }),
  documentationUrl: z.string().nullish(),
  iconUrl: z.string().nullish(),
  sourceType: z.string().nullish(),
  releaseStage: z.enum(RELEASE_STAGE_KEYS).nullish(),
  supportLevel: z.enum(SUPPORT_LEVEL_KEYS).nullish(),
  releaseDate: isoDateSchema.nullish(),
  tags: z.array(z.string()).nullish(),
  language: z.string().nullish(),
  license: z.string().nullish(),
  ab_internal: abInternalSchema.nullish(),
  releases: z.looseObject({ breakingChanges: breakingChangesSchema.nullish() }).nullish(),
});
export type RegistryEntry = z.infer<typeof registryEntrySchema>;

export const registryFileSchema = z.looseObject({
  sources: z.array(z.unknown(), { message: 'must be an array of connector entries' }),
  destinations: z.array(z.unknown(), { message: 'must be an array of connector entries' }),
});

const registryOverridesSchema = z.looseObject({ enabled: z.boolean().default(false) });

/** The `data` of a metadata.yaml (Airbyte's monorepo layout). */
export const metadataDataSchema = z.looseObject({
  name: z.string().min(1),
  definitionId: guid,
  connectorType: z.enum(['source', 'destination']),
  dockerRepository: z.string().min(1),
  dockerImageTag: z.string().min(1),
  documentationUrl: z.string().nullish(),
  license: z.string().nullish(),
  connectorSubtype: z.string().nullish(),
  releaseStage: z.enum(RELEASE_STAGE_KEYS).nullish(),
  supportLevel: z.enum(SUPPORT_LEVEL_KEYS).nullish(),
  releaseDate: isoDateSchema.nullish(),
  tags: z.array(z.string()).nullish(),
  ab_internal: abInternalSchema.nullish(),
  // Named `registries` before 2024-08-13 (#43754); both are read.
  registryOverrides: z.looseObject({ oss: registryOverridesSchema.nullish(), cloud: registryOverridesSchema.nullish() }).nullish(),
  registries: z.looseObject({ oss: registryOverridesSchema.nullish(), cloud: registryOverridesSchema.nullish() }).nullish(),
  releases: z.looseObject({ breakingChanges: breakingChangesSchema.nullish() }).nullish(),
});
export const metadataFileSchema = z.looseObject({ metadataSpecVersion: z.unknown().optional(), data: metadataDataSchema });
export type MetadataData = z.infer<typeof metadataDataSchema>;

const SLUG = /^(source|destination)-[a-z0-9]+(-[a-z0-9]+)*$/;

/**
 * A connector's slug from its image: `airbyte/source-postgres` → `source-postgres`. Third-party images
 * that do not follow the naming (`farosai/airbyte-jenkins-source`) get `source-farosai-airbyte-jenkins-source`.
 */
export function slugFromRepository(repository: string, type: ConnectorTypeKey): string {
  const last = repository.split('/').pop() ?? repository;
  if (SLUG.test(last) && last.startsWith(`${type}-`)) return last;
  const cleaned = repository
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return `${type}-${cleaned}`;
}

/** The language from the first `language:` tag, as Airbyte's registry generator derives it. */
export function languageFromTags(tags: readonly string[] | null | undefined): string | null {
  const tag = tags?.find((t) => t.startsWith('language:'));
  return tag ? tag.slice('language:'.length) : null;
}

const DROP_ON_ENTRY = new Set(['registryOverrides', 'registries', 'connectorType', 'connectorSubtype', 'definitionId']);

/**
 * The registry entry that Airbyte's generator (registry_entry.py) builds from metadata.yaml for one
 * registry: overrides merged, keys renamed, defaults applied. The spec and `generated` block are not
 * in metadata.yaml and so are not in this entry.
 */
export function entryFromMetadata(data: MetadataData, registry: RegistryKey | null): Record<string, unknown> {
  const overrides = registry ? ((data.registryOverrides ?? data.registries)?.[registry] ?? {}) : {};
  const merged: Record<string, unknown> = { ...data };
  for (const [key, value] of Object.entries(overrides)) {
    if (key !== 'enabled' && value != null) merged[key] = value;
  }
  const entry: Record<string, unknown> = {};
  const idKey = data.connectorType === 'source' ? 'sourceDefinitionId' : 'destinationDefinitionId';
  entry[idKey] = data.definitionId;
  for (const [key, value] of Object.entries(merged)) if (!DROP_ON_ENTRY.has(key)) entry[key] = value;
  if (merged.connectorSubtype != null) entry.sourceType = merged.connectorSubtype;
  entry.tombstone = false;
  entry.custom = false;
  entry.public = true;
  const language = languageFromTags(data.tags);
  if (language) entry.language = language;
  entry.supportLevel = data.supportLevel ?? 'community';
  const abInternal = { ...(data.ab_internal ?? {}) } as Record<string, unknown>;
  abInternal.sl ??= 100;
  abInternal.ql ??= 100;
  entry.ab_internal = abInternal;
  const image = String(merged.dockerRepository).split('/').pop();
  entry.iconUrl = `https://connectors.airbyte.com/files/metadata/airbyte/${image}/latest/icon.svg`;
  if (data.releases) {
    const docs = merged.documentationUrl as string | null | undefined;
    const releases: Record<string, unknown> = { ...data.releases };
    if (docs) releases.migrationDocumentationUrl ??= `${docs}-migrations`;
    if (data.releases.breakingChanges) {
      releases.breakingChanges = Object.fromEntries(
        Object.entries(data.releases.breakingChanges).map(([version, change]) => [
          version,
          docs ? { migrationDocumentationUrl: `${docs}-migrations#${version}`, ...stripNull(change) } : stripNull(change),
        ]),
      );
    }
    entry.releases = releases;
  }
  return entry;
}

function stripNull(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v != null));
}
