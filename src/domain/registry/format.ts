// Airbyte's registry and metadata.yaml formats (see ../shared/airbyte-registry/FORMAT.md), validated
// with zod, and the one declaration of which registry field each connector column is. Schemas are loose:
// fields we do not model are kept, so nothing is lost on the way through.
import { getTableColumns } from 'drizzle-orm';
import { createSelectSchema } from 'drizzle-orm/zod';
import { z } from 'zod';
import {
  connectors,
  DEADLINE_ACTION_KEYS,
  METRIC_LEVEL_KEYS,
  RELEASE_STAGE_KEYS,
  SUPPORT_LEVEL_KEYS,
  type ConnectorTypeKey,
  type DeploymentKey,
  type RegistryKey,
} from '../../db/schema.js';
import { isoDateSchema, semverSchema } from '../connectors/input.js';

type ConnectorRow = typeof connectors.$inferSelect;
export type ConnectorColumn = keyof ConnectorRow;

/**
 * Where each column of `connectors` stands towards a registry entry, declared once:
 * - `{ field }`: copied one to one from that entry field (a dotted path; metadata.yaml's `data` uses the
 *   same names). The import reads it, an absent field giving the column's default; the export writes it
 *   back, a null leaving it out; the field is validated by the column's type unless the entry schema
 *   below has a tighter rule. Nothing else needs to know the column.
 * - `derived`: read and written by a rule of its own, in load.ts (columnsOf) and export.ts (toRegistryEntry).
 * - `internal`: the model's own; never in an entry.
 * The `satisfies` makes a new column choose one; test/registry-columns.test.ts checks it against the table.
 */
export const CONNECTOR_COLUMNS = {
  id: 'internal',
  definitionId: 'derived', // sourceDefinitionId or destinationDefinitionId, by type
  slug: 'derived', // from the image
  name: { field: 'name' },
  type: 'derived', // the list the entry is in
  supportLevel: 'derived', // missing means community (enterprise with ab_internal.isEnterprise), and stays missing
  releaseStage: { field: 'releaseStage' },
  dockerRepository: { field: 'dockerRepository' }, // a registry's pinned image is written over it on export
  dockerImageTag: { field: 'dockerImageTag' },
  documentationUrl: { field: 'documentationUrl' },
  iconUrl: { field: 'iconUrl' },
  language: 'derived', // from the first language: tag when missing, and then not added on export
  license: { field: 'license' },
  subtype: { field: 'sourceType' },
  tags: { field: 'tags' },
  releaseDate: { field: 'releaseDate' },
  internalSl: { field: 'ab_internal.sl' },
  internalQl: { field: 'ab_internal.ql' },
  maxSecondsBetweenMessages: { field: 'maxSecondsBetweenMessages' },
  usage: { field: 'generated.metrics.all.usage' }, // the figure over all platforms: what lists filter and sort by
  syncSuccessRate: { field: 'generated.metrics.all.sync_success_rate' },
  organization: 'internal',
  createdAt: 'internal',
  updatedAt: 'internal',
  revision: 'internal',
  demo: 'internal',
  enabledOn: 'internal',
  nameKey: 'internal', // nameKey(name), written with the name
} as const satisfies Record<ConnectorColumn, { field: string } | 'derived' | 'internal'>;

type Roles = typeof CONNECTOR_COLUMNS;
/** The columns copied one to one from a registry field. */
export type CopiedColumn = { [K in ConnectorColumn]: Roles[K] extends { field: string } ? K : never }[ConnectorColumn];
/** The columns an import writes: the copied ones and the derived ones. */
export type ImportedColumn = { [K in ConnectorColumn]: Roles[K] extends 'internal' ? never : K }[ConnectorColumn];

const TABLE_COLUMNS = getTableColumns(connectors);
const roleOf = (column: string) => (CONNECTOR_COLUMNS as Record<string, Roles[ConnectorColumn] | undefined>)[column];

/** The copied columns in table order, each with the path of its field in an entry. */
export const REGISTRY_FIELDS: readonly { column: CopiedColumn; path: readonly string[] }[] = Object.keys(TABLE_COLUMNS).flatMap((column) => {
  const role = roleOf(column);
  return typeof role === 'object' ? [{ column: column as CopiedColumn, path: role.field.split('.') }] : [];
});

/** The columns an import writes, in table order. */
export const IMPORTED_COLUMNS = Object.keys(TABLE_COLUMNS).filter((column) => {
  const role = roleOf(column);
  return role === 'derived' || typeof role === 'object';
}) as ImportedColumn[];

/** The copied columns' values in an entry; an absent field gives the column's default, or null. */
export function copiedColumns(entry: Record<string, unknown>): Pick<ConnectorRow, CopiedColumn> {
  const row: Record<string, unknown> = {};
  for (const { column, path } of REGISTRY_FIELDS) {
    const value = objectAt(entry, path.slice(0, -1), false)?.[path.at(-1)!];
    row[column] = value ?? TABLE_COLUMNS[column].default ?? null;
  }
  return row as Pick<ConnectorRow, CopiedColumn>;
}

/** Writes `value` at `key`; a null value removes a non-null one, and leaves an absent or null one as it is. */
export function put(target: Record<string, unknown>, key: string, value: unknown): void {
  if (value == null) {
    if (target[key] != null) delete target[key];
    return;
  }
  if (Array.isArray(value) && value.length === 0 && !(key in target)) return;
  target[key] = value;
}

/** Writes every copied column of `row` back to its field of `entry` (see put). */
export function writeCopiedColumns(entry: Record<string, unknown>, row: Pick<ConnectorRow, CopiedColumn>): void {
  for (const { column, path } of REGISTRY_FIELDS) {
    const value = row[column];
    const target = objectAt(entry, path.slice(0, -1), value != null);
    if (target) put(target, path.at(-1)!, value);
  }
}

/** The object at `path` in `entry`, made where missing when `make` is true, else undefined where missing. */
function objectAt(entry: Record<string, unknown>, path: readonly string[], make: boolean): Record<string, unknown> | undefined {
  let target = entry;
  for (const key of path) {
    const inner = target[key];
    if (inner && typeof inner === 'object' && !Array.isArray(inner)) target = inner as Record<string, unknown>;
    else if (make) target = target[key] = {};
    else return undefined;
  }
  return target;
}

/** Which deployments a registry serves (FORMAT.md §1): its first one is where its version is read from. */
export const REGISTRY_DEPLOYMENTS: Record<RegistryKey, readonly [DeploymentKey, DeploymentKey]> = {
  oss: ['community_oss', 'self_managed_enterprise'],
  cloud: ['cloud', 'powered_by_airbyte'],
};

const guid = z.guid({ message: 'must be a UUID (8-4-4-4-12 hex digits)' });

const COLUMN_SCHEMAS: Record<string, z.ZodType> = createSelectSchema(connectors).shape;

/**
 * `shape` and, after it, every copied top-level field it does not name, checked by its column's type (an
 * integer column takes integers): the schemas below name a copied field only where their rule is tighter.
 */
function withCopiedFields<T extends z.ZodRawShape>(shape: T): T {
  const more = REGISTRY_FIELDS.filter(({ path }) => path.length === 1 && !(path[0]! in shape));
  return { ...shape, ...Object.fromEntries(more.map(({ column, path }) => [path[0], COLUMN_SCHEMAS[column]!.nullish()])) };
}

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

const metricSchema = z.looseObject({ usage: z.enum(METRIC_LEVEL_KEYS).nullish(), sync_success_rate: z.enum(METRIC_LEVEL_KEYS).nullish() });

/** `generated` (written by Airbyte's CI): only its metrics are read, per platform. */
const generatedSchema = z.looseObject({
  metrics: z.looseObject({ all: metricSchema.nullish(), cloud: metricSchema.nullish(), oss: metricSchema.nullish() }).nullish(),
});

/** One entry of `sources` or `destinations` in oss_registry.json / cloud_registry.json. */
export const registryEntrySchema = z.looseObject(
  withCopiedFields({
    sourceDefinitionId: guid.optional(),
    destinationDefinitionId: guid.optional(),
    name: z.string().min(1, { message: 'must not be empty' }),
    dockerRepository: z.string().min(1, { message: 'must not be empty' }),
    dockerImageTag: z.string().min(1, { message: 'must not be empty' }),
    releaseStage: z.enum(RELEASE_STAGE_KEYS).nullish(),
    supportLevel: z.enum(SUPPORT_LEVEL_KEYS).nullish(),
    releaseDate: isoDateSchema.nullish(),
    tags: z.array(z.string()).nullish(),
    language: z.string().nullish(),
    ab_internal: abInternalSchema.nullish(),
    releases: z.looseObject({ breakingChanges: breakingChangesSchema.nullish() }).nullish(),
    generated: generatedSchema.nullish(),
  }),
);
export type RegistryEntry = z.infer<typeof registryEntrySchema>;

export const registryFileSchema = z.looseObject({
  sources: z.array(z.unknown(), { message: 'must be an array of connector entries' }),
  destinations: z.array(z.unknown(), { message: 'must be an array of connector entries' }),
});

const registryOverridesSchema = z.looseObject({ enabled: z.boolean().default(false) });

/** The `data` of a metadata.yaml (Airbyte's monorepo layout). */
export const metadataDataSchema = z.looseObject(
  withCopiedFields({
    name: z.string().min(1),
    definitionId: guid,
    connectorType: z.enum(['source', 'destination']),
    dockerRepository: z.string().min(1),
    dockerImageTag: z.string().min(1),
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
  }),
);
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
