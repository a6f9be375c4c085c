// Serves the registry back in Airbyte's format. For a connector that came from a registry file, the
// kept entry is the starting point and every value the model owns is written over it, so an import
// followed by an export gives the same connectors with the same values, and later changes (a
// certification, an announced breaking change) show up.
import { and, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { deploymentImage, type ConnectorRow } from '../connectors/store.js';
import { PUBLIC, visibleSql, type Visibility } from '../connectors/visibility.js';
import { importLog, type RegistryKey } from '../../db/schema.js';
import { compareVersions } from '../lifecycle/breaking-changes.js';
import { put, REGISTRY_DEPLOYMENTS, writeCopiedColumns } from './format.js';

export interface RegistryDocument {
  sources: Record<string, unknown>[];
  destinations: Record<string, unknown>[];
}

type ConnectorForExport = ConnectorRow & {
  availability: { deployment: string; enabled: boolean; dockerImageTag: string | null; dockerRepository: string | null }[];
  breakingChanges: {
    version: string;
    upgradeDeadline: string;
    message: string;
    migrationDocumentationUrl: string | null;
    deadlineAction: string | null;
    scopedImpact: unknown;
  }[];
  registryEntries: { registry: string; entry: Record<string, unknown> }[];
};

function asObject(value: unknown): Record<string, unknown> {
  return value && typeof value === 'object' && !Array.isArray(value) ? { ...(value as Record<string, unknown>) } : {};
}

export function toRegistryEntry(c: ConnectorForExport, registry: RegistryKey): Record<string, unknown> {
  const ownEntry = c.registryEntries.find((e) => e.registry === registry)?.entry;
  const kept = ownEntry ?? c.registryEntries[0]?.entry ?? null;
  const entry: Record<string, unknown> = kept ? structuredClone(kept) : { spec: {}, tombstone: false, public: true, custom: false };
  const [primary, secondary] = REGISTRY_DEPLOYMENTS[registry];
  const here = c.availability.find((a) => a.deployment === primary && a.enabled) ?? c.availability.find((a) => a.deployment === secondary && a.enabled);
  // The definition ID, every copied column back to its field, then the other derived columns by their rules (format.ts).
  const idKey = c.type === 'source' ? 'sourceDefinitionId' : 'destinationDefinitionId';
  const own = ownEntry?.[idKey];
  // A registry's entry keeps the definition ID that registry gave (Airbyte gave some connectors new ones: connector_renames).
  put(entry, idKey, typeof own === 'string' ? own.toLowerCase() : c.definitionId);
  writeCopiedColumns(entry, c);
  // A missing supportLevel means community; keep it missing while that is still true.
  if (!(kept && !('supportLevel' in kept) && c.supportLevel === 'community')) put(entry, 'supportLevel', c.supportLevel);
  // The language is derived from the tags when an entry lacks it; do not add it where the entry had none.
  if (!kept || 'language' in kept) put(entry, 'language', c.language);
  // The registry lists the image and version its deployment serves, as GraphQL's Connector.availability
  // gives them: the pinned ones (a -strict-encrypt image on Cloud), else the connector's own (the OSS default).
  const image = deploymentImage(c, here);
  put(entry, 'dockerRepository', image.dockerRepository);
  put(entry, 'dockerImageTag', image.dockerImageTag);
  // An entry must have a documentationUrl: a connector made here without one gets an empty one.
  if (!kept) entry.documentationUrl ??= '';
  if (c.breakingChanges.length) {
    const releases = asObject(entry.releases);
    const keptChanges = asObject(releases.breakingChanges);
    const changes: Record<string, unknown> = {};
    for (const b of [...c.breakingChanges].sort((x, y) => compareVersions(x.version, y.version))) {
      const one = asObject(keptChanges[b.version]);
      put(one, 'upgradeDeadline', b.upgradeDeadline);
      put(one, 'message', b.message);
      put(one, 'migrationDocumentationUrl', b.migrationDocumentationUrl);
      put(one, 'deadlineAction', b.deadlineAction);
      put(one, 'scopedImpact', b.scopedImpact);
      changes[b.version] = one;
    }
    releases.breakingChanges = changes;
    entry.releases = releases;
  }
  return entry;
}

/** Whether a registry import has ever written to this database (after one, demo data is never exported). */
async function everImported(db: Db): Promise<boolean> {
  return (await db.select({ id: importLog.id }).from(importLog).limit(1)).length > 0;
}

/**
 * The registry document for `registry`: the connectors `visibility` allows that are enabled on one of
 * its deployments, by name. Once a real import has run, demo connectors (kept with --keep-demo) and
 * demo breaking changes are left out: the document holds only what was imported or made through the API.
 */
export async function exportRegistry(db: Db, registry: RegistryKey, visibility: Visibility = PUBLIC): Promise<RegistryDocument> {
  const deployments = [...REGISTRY_DEPLOYMENTS[registry]];
  const real = await everImported(db);
  const rows = (await db.query.connectors.findMany({
    where: {
      RAW: (t) => and(visibleSql(t, visibility), real ? sql`${t.demo} = false` : undefined) ?? sql`true`,
      availability: { deployment: { in: deployments }, enabled: true },
    },
    orderBy: { name: 'asc', id: 'asc' },
    with: {
      availability: true,
      breakingChanges: { orderBy: { version: 'asc' }, ...(real ? { where: { demo: false } } : {}) },
      registryEntries: { columns: { registry: true, entry: true } },
    },
  })) as unknown as ConnectorForExport[];
  const doc: RegistryDocument = { sources: [], destinations: [] };
  for (const c of rows) (c.type === 'source' ? doc.sources : doc.destinations).push(toRegistryEntry(c, registry));
  return doc;
}
