// The changelog of a connector: every recorded change, in the order it took effect at its source.
import { CHANGE_FIELDS, connectorChanges, countChanges, type ChangeField, type ConnectorChange } from '../domain/history/changes.js';
import type { HistorySourceKey } from '../db/schema.js';
import { builder } from './builder.js';
import { readsColumns } from './columns.js';
import { connectionType } from './connection.js';
import { Connector } from './connector.js';
import { DeploymentEnum, keyed } from './enums.js';

const FIELD_DESCRIPTIONS: Record<ChangeField, string> = {
  created: 'The connector was added.',
  slug: 'Its slug.',
  definitionId: "Airbyte's definition UUID.",
  name: 'Its display name.',
  type: 'Source or destination.',
  supportLevel: 'Its support level (from and to are SupportLevel keys, e.g. community, certified).',
  releaseStage: 'Its release stage.',
  dockerRepository: 'The image repository of the OSS default.',
  dockerImageTag: 'The OSS default version (image tag).',
  documentationUrl: 'The documentation page.',
  iconUrl: 'The icon.',
  language: 'The implementation language.',
  license: 'The license.',
  subtype: 'The kind of system.',
  tags: 'The registry tags (a JSON array).',
  releaseDate: 'The first release date.',
  internalSl: "Airbyte's internal support level.",
  internalQl: "Airbyte's internal quality level.",
  maxSecondsBetweenMessages: 'The heartbeat limit.',
  usage: "Airbyte's usage level (low, medium, high).",
  syncSuccessRate: "Airbyte's sync success rate level (low, medium, high).",
  organization: 'The organization owning a custom connector.',
  deploymentEnabled: 'Whether it is available on `deployment` (1 or 0).',
  deploymentDockerImageTag: 'The version `deployment` pins (null: the OSS default).',
  deploymentDockerRepository: 'The image `deployment` pins (null: the OSS default).',
  breakingChange: 'A breaking change for `version`: from and to are its upgrade deadline (null: not announced, or withdrawn).',
};

export const ChangeFieldEnum = builder.enumType('ChangeField', {
  description: 'What a change to a connector changed.',
  values: keyed<ChangeField>(FIELD_DESCRIPTIONS),
});
// Every field the history records has a value (the Record above): this only keeps the list and the enum together.
void CHANGE_FIELDS;

export const ChangeSourceEnum = builder.enumType('ChangeSource', {
  description: 'What wrote a change.',
  values: keyed<HistorySourceKey>({
    mutation: 'An API mutation (actor: the token).',
    import: 'A registry import (import: its number).',
    seed: 'The demo seed.',
    migration: 'Recorded from what the database held when the history began.',
    unattributed: 'A writer that did not say who it was (a change made outside the gateway).',
  }),
});

const ConnectorChangeRef = builder.objectRef<ConnectorChange>('ConnectorChange').implement({
  description: 'One change to a connector: what changed, from what to what, when it took effect and who made it.',
  fields: (t) => ({
    field: t.field({ type: ChangeFieldEnum, description: 'What changed.', resolve: (c) => c.field }),
    deployment: t.field({ type: DeploymentEnum, nullable: true, description: 'The deployment, for a DEPLOYMENT_ change.', resolve: (c) => c.deployment }),
    version: t.exposeString('version', { nullable: true, description: 'The version, for a BREAKING_CHANGE.' }),
    from: t.exposeString('from', { nullable: true, description: 'The value before (in effective order); null: none.' }),
    to: t.exposeString('to', { nullable: true, description: 'The value after; null: none.' }),
    effectiveAt: t.expose('effectiveAt', {
      type: 'DateTime',
      description: "When it took effect at its source: a registry entry's generation time, an import's --as-of date, or when an API change was made.",
    }),
    recordedAt: t.expose('recordedAt', { type: 'DateTime', description: 'When it was recorded here.' }),
    actor: t.exposeString('actor', { nullable: true, description: 'Who made it: the token, `import:<file>`, `seed`.' }),
    source: t.field({ type: ChangeSourceEnum, description: 'What wrote it.', resolve: (c) => c.source }),
    importId: t.exposeID('importId', { nullable: true, description: 'The import that wrote it (see imports).' }),
    breaking: t.exposeBoolean('breaking', {
      description: 'Whether it breaks users: a breaking change announced, or a version moved to or past one that has a breaking change.',
    }),
  }),
});

const ConnectorChangeConnection = connectionType('ConnectorChange', ConnectorChangeRef, 'change');

export const MAX_CHANGES_PAGE = 100;

builder.drizzleObjectField(Connector, 'changes', (t) =>
  t.field({
    type: ConnectorChangeConnection,
    description: 'Every recorded change, in the order it took effect at its source (then the order it was recorded), a page at a time.',
    extensions: readsColumns('id'),
    args: {
      first: t.arg.int({
        required: true,
        description: `How many changes to return, 1 to ${MAX_CHANGES_PAGE}.`,
        validate: {
          int: true,
          min: [1, { message: 'must be at least 1' }],
          max: [MAX_CHANGES_PAGE, { message: `must be at most ${MAX_CHANGES_PAGE}` }],
        },
      }),
      after: t.arg.string({ description: 'A cursor from a previous page: return the changes after it.' }),
    },
    resolve: async (c, args, ctx) => ({ ...(await connectorChanges(ctx.db, c.id, args.first, args.after)), count: (x) => countChanges(x.db, c.id) }),
  }),
);
