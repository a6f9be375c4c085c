// Breaking changes across the registry, the support state of a pinned version, and announcing a change.
import { z } from 'zod';
import type { Context } from '../context.js';
import { exactlyOneConnector } from '../domain/certification/certify.js';
import type { ConnectorRow } from '../domain/connectors/store.js';
import type { UserError as UserErrorShape } from '../domain/errors.js';
import {
  announceBreakingChange,
  announceInputFields,
  breakingChangePage,
  breakingChangePageQuery,
  breakingChangeRows,
  countBreakingChanges,
  isoDay,
  supportStateFor,
  type BreakingChangeFilter,
  type BreakingChangeRow,
} from '../domain/lifecycle/breaking-changes.js';
import { MAX_PAGE_SIZE } from '../domain/connectors/page.js';
import { SUPPORT_LEVEL_KEYS } from '../db/schema.js';
import { builder } from './builder.js';
import { connectionType } from './connection.js';
import { BREAKING_CHANGES_ORDER, BreakingChange, Connector, connectorForPayload } from './connector.js';
import { DeadlineActionEnum, DeploymentEnum, keyed, SupportLevelEnum } from './enums.js';
import { idempotencyKeySchema, idempotent } from '../domain/idempotency.js';
import { UserError } from './errors.js';
import { connectorGlobalId } from './ids.js';
import type { PlannedRows } from '../fast-lane/index.js';
import { plannedWith } from './columns.js';

const SupportStateEnum = builder.enumType('SupportState', {
  description: 'Whether a connection pinned to a version is still supported, as Airbyte derives it from upgrade deadlines.',
  values: keyed({
    supported: 'No breaking change lies ahead of the version.',
    deprecated: 'A breaking change lies ahead and its upgrade deadline is still to come.',
    unsupported: 'A breaking change lies ahead and its upgrade deadline has passed.',
  }),
});

const today = (ctx: { now: () => Date }) => isoDay(ctx.now());

builder.drizzleObjectField(Connector, 'supportState', (t) =>
  t.field({
    type: SupportStateEnum,
    description: 'The support state of a connection pinned to `version` (by default the current version).',
    args: { version: t.arg.string({ description: 'The pinned version, e.g. 4.0.2; the current dockerImageTag when left out.' }) },
    select: {
      columns: { dockerImageTag: true },
      with: { breakingChanges: { orderBy: BREAKING_CHANGES_ORDER } },
    },
    extensions: plannedWith('dockerImageTag'),
    resolve: (c, args, ctx) => supportStateFor(args.version ?? c.dockerImageTag, c.breakingChanges, today(ctx)),
  }),
);

builder.drizzleObjectField(BreakingChange, 'connector', (t) => t.relation('connector', { description: 'The connector the change belongs to.' }));

const BreakingChangeFilterInput = builder.inputType('BreakingChangeFilter', {
  description: 'Narrows a list of breaking changes. Every given condition must hold.',
  fields: (t) => ({
    upcoming: t.boolean({ description: 'true: deadline today or later; false: deadline passed.' }),
    deadlineBefore: t.field({ type: 'Date', description: 'Only deadlines before this date.' }),
    supportLevels: t.field({
      type: [SupportLevelEnum],
      description: 'Only changes to connectors of these support levels.',
      validate: { maxLength: SUPPORT_LEVEL_KEYS.length },
    }),
    deployment: t.field({ type: DeploymentEnum, description: 'Only changes to connectors available on this deployment.' }),
  }),
});

const BreakingChangeConnection = connectionType('BreakingChange', BreakingChange, 'breaking change');

builder.queryField('breakingChanges', (t) =>
  t.field({
    // The nodes are the rows of plugin-drizzle's plan of this field.
    extensions: { plannedRows: {} satisfies PlannedRows },
    type: BreakingChangeConnection,
    description: 'Breaking changes across the registry, soonest upgrade deadline first.',
    args: {
      filter: t.arg({ type: BreakingChangeFilterInput, description: 'Which changes.' }),
      first: t.arg.int({
        required: true,
        description: `How many to return, 1 to ${MAX_PAGE_SIZE}.`,
        validate: { int: true, min: [1, { message: 'must be at least 1' }], max: [MAX_PAGE_SIZE, { message: `must be at most ${MAX_PAGE_SIZE}` }] },
      }),
      after: t.arg.string({ description: 'A cursor from a previous page.' }),
    },
    resolve: async (_root, args, ctx, info) => {
      const given = args.filter as (Omit<BreakingChangeFilter, 'deadlineBefore'> & { deadlineBefore?: Date | null }) | null | undefined;
      const filter: BreakingChangeFilter | null | undefined = given && { ...given, deadlineBefore: given.deadlineBefore ? isoDay(given.deadlineBefore) : null };
      const day = today(ctx);
      const page = breakingChangePageQuery({ filter, first: args.first, after: args.after, today: day, visibility: ctx.visibility });
      const query = t.drizzleQueryFromInfo('breakingChanges', {
        context: ctx,
        info,
        path: ['edges', 'node'],
        columns: { id: true, upgradeDeadline: true },
        ...page,
      } as never);
      const rows = await breakingChangeRows(ctx.db, query);
      return { ...breakingChangePage(rows, args.first, args.after), count: breakingChangeCounter(filter, day) };
    },
  }),
);

const AnnounceBreakingChangeInput = builder.inputType('AnnounceBreakingChangeInput', {
  description: 'A breaking change to announce. Name the connector by exactly one of connectorSlug or connectorId.',
  fields: (t) => ({
    connectorSlug: t.string({ description: 'The slug of the connector.' }),
    connectorId: t.id({ description: 'The global ID of the connector (Connector.id).' }),
    version: t.string({ required: true, description: 'The version that breaks, e.g. 6.0.0.' }),
    upgradeDeadline: t.field({
      type: 'Date',
      required: true,
      description: "The date (YYYY-MM-DD) users must upgrade by; at least the support level's minUpgradeWindowDays from today.",
    }),
    message: t.string({ required: true, description: 'What changes and what users must do (10 to 5000 characters).' }),
    migrationDocumentationUrl: t.string({ description: 'The migration guide; by default <documentationUrl>-migrations#<version>.' }),
    deadlineAction: t.field({ type: DeadlineActionEnum, description: 'What happens at the deadline to connections still on an older version.' }),
    impactedStreams: t.stringList({ description: 'The streams affected; leave out when the whole connector is.' }),
    expectedRevision: t.int({ description: "The connector's revision when you read it; refused if it has changed since." }),
    idempotencyKey: t.string({
      description: 'Makes retries safe: a retry with the same key and input returns the first result without writing again (per token).',
    }),
  }),
});

const graphqlAnnounceInput = announceInputFields
  // The Date scalar has parsed the deadline already; the domain keeps dates as YYYY-MM-DD.
  .extend({ connectorId: connectorGlobalId.nullish(), idempotencyKey: idempotencyKeySchema.nullish(), upgradeDeadline: z.date().transform(isoDay) })
  .superRefine(exactlyOneConnector);

interface AnnouncePayloadShape {
  connector?: ConnectorRow | null;
  breakingChange?: BreakingChangeRow | null;
  replayed?: boolean;
  userErrors: UserErrorShape[];
}

const AnnounceBreakingChangePayload = builder.objectRef<AnnouncePayloadShape>('AnnounceBreakingChangePayload').implement({
  description: 'The result of announceBreakingChange. When userErrors is not empty, nothing was written.',
  fields: (t) => ({
    connector: t.field({
      type: Connector,
      nullable: true,
      description: 'The connector as it is now.',
      resolve: (p, _args, ctx) => connectorForPayload(ctx, p.connector),
    }),
    breakingChange: t.field({
      type: BreakingChange,
      nullable: true,
      description: 'The breaking change recorded; null on refusal.',
      resolve: (p) => p.breakingChange ?? null,
    }),
    replayed: t.boolean({
      description: 'True when this is the stored result of an earlier call with the same idempotencyKey; nothing was written now.',
      resolve: (p) => p.replayed ?? false,
    }),
    userErrors: t.field({ type: [UserError], description: 'Why the change was refused; empty on success.', resolve: (p) => p.userErrors }),
  }),
});

builder.mutationField('announceBreakingChange', (t) =>
  t.field({
    type: AnnounceBreakingChangePayload,
    description:
      'Announce a breaking change for a connector version. Certified and enterprise connectors must give users their minimum upgrade window. Needs a token with the `publish` scope.',
    authScopes: { publish: true },
    extensions: { validationAsUserErrors: true },
    args: { input: t.arg({ type: AnnounceBreakingChangeInput, required: true, description: 'The change to announce.' }) },
    // The schema's output differs from the GraphQL input (connectorId decoded), which Pothos cannot type.
    validate: { schema: z.object({ input: graphqlAnnounceInput }) as never },
    resolve: async (_root, args, ctx) => {
      const { idempotencyKey, ...input } = args.input as unknown as z.output<typeof graphqlAnnounceInput>;
      const result = await idempotent(
        ctx.db,
        { tokenId: ctx.viewer?.id ?? null, key: idempotencyKey, operation: 'announceBreakingChange', input },
        (tx) => announceBreakingChange(tx, ctx.catalog, input, today(ctx), ctx.visibility),
        (error) => ({ connector: null, breakingChange: null, userErrors: [error] }),
      );
      return result;
    },
  }),
);

/** How a page of breaking changes counts the ones its filter matches, when totalCount is asked. */
function breakingChangeCounter(filter: BreakingChangeFilter | null | undefined, day: string): (ctx: Context) => Promise<number> {
  return (ctx) => countBreakingChanges(ctx.db, filter, day, ctx.visibility);
}
