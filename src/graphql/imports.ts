// The registry imports in GraphQL: the import log (admin tokens only), the identities a connector had
// (Connector.renames) and when a support-level change took effect (CertificationEvent.effectiveAt).
import type { Conflict, ImportCounts, Refusal } from '../domain/registry/plan.js';
import {
  countImports,
  importCounts,
  importSummaryList,
  listImports,
  MAX_IMPORTS_PAGE,
  renamesOf,
  type ConnectorRenameRow,
  type ImportLogRow,
} from '../domain/registry/log.js';
import { builder } from './builder.js';
import { readsColumns } from './columns.js';
import { connectionType } from './connection.js';
import { CertificationEvent, Connector } from './connector.js';
import { keyed } from './enums.js';

const RegistryEnum = builder.enumType('Registry', {
  description: "One of Airbyte's published registries.",
  values: keyed({
    oss: 'oss_registry.json: what Community (OSS) and Self-Managed Enterprise offer.',
    cloud: 'cloud_registry.json: what Cloud and Powered by Airbyte offer.',
  }),
});

const ImportConflictKindEnum = builder.enumType('ImportConflictKind', {
  description: 'What an import found at odds with what was stored.',
  values: keyed({
    certification: 'A support level set through the API after the registry last spoke; kept unless the import was forced.',
    identity: 'An entry whose definition ID or slug belongs to another connector (or a custom one); the entry was not imported.',
  }),
});

const ImportCountsRef = builder.objectRef<ImportCounts>('ImportCounts').implement({
  description: 'What an import did, counted.',
  fields: (t) => ({
    entries: t.exposeInt('entries', { description: 'Entries the source held (connectors in a registry file, metadata.yaml files).' }),
    added: t.exposeInt('added', { description: 'Connectors added.' }),
    changed: t.exposeInt('changed', { description: 'Stored connectors that changed.' }),
    unchanged: t.exposeInt('unchanged', { description: 'Stored connectors left as they were.' }),
    refused: t.exposeInt('refused', { description: 'Entries refused as invalid; their connectors were left as they were.' }),
    levelChanges: t.exposeInt('levelChanges', { description: 'Support-level changes written.' }),
    availabilityChanges: t.exposeInt('availabilityChanges', { description: 'Deployments where a connector became available or unavailable.' }),
    unavailable: t.exposeInt('unavailable', { description: 'Connectors made unavailable on one or more deployments.' }),
    renames: t.exposeInt('renames', { description: 'Connectors found under a new definition ID or slug.' }),
    conflicts: t.exposeInt('conflicts', { description: 'Conflicts found (see conflicts).' }),
    older: t.exposeInt('older', { description: 'Entries older than the stored ones (written only when forced).' }),
    undated: t.exposeInt('undated', { description: 'Entries with no generation time over stored ones that have one (written only when forced).' }),
  }),
});

const ImportRefusalRef = builder.objectRef<Refusal>('ImportRefusal').implement({
  description: 'A problem with an entry an import refused.',
  fields: (t) => ({
    entry: t.exposeString('entry', { description: 'The entry: its place in the file, e.g. `sources[12] (Stripe)`, or its metadata.yaml.' }),
    path: t.exposeString('path', { description: 'Where in the entry, as a JSON path; empty for the entry as a whole.' }),
    rule: t.exposeString('rule', { description: 'The rule it breaks.' }),
  }),
});

const ImportConflictRef = builder.objectRef<Conflict>('ImportConflict').implement({
  description: 'Something an import found at odds with what was stored.',
  fields: (t) => ({
    kind: t.expose('kind', { type: ImportConflictKindEnum, description: 'What kind of conflict.' }),
    entry: t.exposeString('entry', { description: 'The entry of the source.' }),
    connectorSlug: t.exposeString('slug', { description: 'The connector concerned.' }),
    message: t.exposeString('message', { description: 'What was at odds, and what the import did about it.' }),
    kept: t.exposeBoolean('kept', { description: 'Whether what was stored was kept (false when a forced import applied the source).' }),
  }),
});

const ImportRef = builder.objectRef<ImportLogRow>('Import').implement({
  description: 'One registry import that wrote (dry runs are not logged): who ran it, from what, and what it did.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The import number, increasing over time.' }),
    actor: t.exposeString('actor', { description: 'Who ran it.' }),
    source: t.exposeString('source', { description: 'The file, URL or metadata folder imported, as given.' }),
    contentHash: t.exposeString('contentHash', { description: "SHA-256 (hex) of the file's bytes, or of a metadata folder's files in path order." }),
    registries: t.field({ type: [RegistryEnum], description: 'The registries it wrote entries for.', resolve: (row) => row.registries }),
    asOf: t.expose('asOf', { type: 'Date', nullable: true, description: 'The snapshot date (YYYY-MM-DD) given for entries that carry no generation time.' }),
    forced: t.exposeBoolean('forced', { description: 'Whether it was forced past the guards.' }),
    startedAt: t.expose('startedAt', { type: 'DateTime', description: 'When it started (ISO-8601, UTC).' }),
    finishedAt: t.expose('finishedAt', { type: 'DateTime', description: 'When it finished (ISO-8601, UTC).' }),
    counts: t.field({ type: ImportCountsRef, description: 'What it did, counted.', resolve: importCounts }),
    refusals: t.field({
      type: [ImportRefusalRef],
      description: 'The problems of the entries it refused, one per problem.',
      resolve: (row) => importSummaryList<Refusal>(row, 'refused'),
    }),
    conflicts: t.field({ type: [ImportConflictRef], description: 'The conflicts it found.', resolve: (row) => importSummaryList<Conflict>(row, 'conflicts') }),
  }),
});

const ImportConnection = connectionType('Import', ImportRef, 'import');

builder.queryField('imports', (t) =>
  t.field({
    type: ImportConnection,
    description: 'The registry imports, newest first. Admin tokens only.',
    authScopes: { admin: true },
    args: {
      first: t.arg.int({
        required: true,
        description: `How many imports to return, 1 to ${MAX_IMPORTS_PAGE}.`,
        validate: { int: true, min: [1, { message: 'must be at least 1' }], max: [MAX_IMPORTS_PAGE, { message: `must be at most ${MAX_IMPORTS_PAGE}` }] },
      }),
      after: t.arg.string({ description: 'A cursor from a previous page: return the imports before it.' }),
    },
    resolve: async (_root, args, ctx) => ({ ...(await listImports(ctx.db, { first: args.first, after: args.after })), count: (c) => countImports(c.db) }),
  }),
);

const ConnectorRenameRef = builder.objectRef<ConnectorRenameRow>('ConnectorRename').implement({
  description:
    "Another identity an import found a connector under: Airbyte has given connectors new definition IDs, and slugs change with images. Each registry's export keeps the definition ID that registry gave.",
  fields: (t) => ({
    fromDefinitionId: t.exposeString('fromDefinitionId', { description: 'The definition ID the connector had here before the import.' }),
    toDefinitionId: t.exposeString('toDefinitionId', { description: "The definition ID the import's source gives it." }),
    fromSlug: t.exposeString('fromSlug', { description: 'The slug the connector had here before the import.' }),
    toSlug: t.exposeString('toSlug', { description: "The slug it has after the import (the same unless the source owns the connector's columns)." }),
    registry: t.field({
      type: RegistryEnum,
      nullable: true,
      description: 'The registry the other identity came from.',
      resolve: (r) => r.registry,
    }),
    importId: t.exposeID('importId', { nullable: true, description: 'The import that recorded it (see imports).' }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime', description: 'When it was recorded (ISO-8601, UTC).' }),
  }),
});

builder.drizzleObjectField(Connector, 'renames', (t) =>
  t.field({
    type: [ConnectorRenameRef],
    description: 'The other definition IDs and slugs imports found this connector under, newest first.',
    extensions: readsColumns('id'),
    resolve: (c, _args, ctx) => renamesOf(ctx.db, c.id),
  }),
);

builder.drizzleObjectField(CertificationEvent, 'effectiveAt', (t) =>
  t.field({
    type: 'DateTime',
    description:
      "When the change took effect at its source (ISO-8601, UTC): for an import, the registry entry's generation time or the snapshot date given with --as-of; for an API change, when it was made.",
    select: { columns: { effectiveAt: true, createdAt: true } },
    resolve: (e) => e.effectiveAt ?? e.createdAt,
  }),
);
