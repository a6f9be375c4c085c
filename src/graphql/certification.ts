// Support-level transitions (certifyConnector, decertifyConnector, archiveConnector, unarchiveConnector)
// and the supportLevelTransitions query: thin glue over the one table in src/domain/certification/transitions.ts.
import { z } from 'zod';
import { certifyInputFields, changeSupportLevel, exactlyOneConnector, refusedChange, type SupportLevelChangeResult } from '../domain/certification/certify.js';
import {
  SUPPORT_LEVEL_TRANSITIONS,
  TRANSITION_MUTATIONS,
  transitionPairs,
  type TransitionMutation,
  type TransitionPair,
} from '../domain/certification/transitions.js';
import type { UserError as UserErrorShape } from '../domain/errors.js';
import { idempotencyKeySchema, idempotent, type WithReplay } from '../domain/idempotency.js';
import type { SupportLevelKey } from '../db/schema.js';
import { builder } from './builder.js';
import { CertificationEvent, Connector, connectorForPayload } from './connector.js';
import { DeploymentEnum, SupportLevelEnum } from './enums.js';
import { UserError } from './errors.js';
import { connectorGlobalId } from './ids.js';

const graphqlTransitionInput = certifyInputFields
  .extend({ connectorId: connectorGlobalId.nullish(), idempotencyKey: idempotencyKeySchema.nullish() })
  .superRefine(exactlyOneConnector);

/** What each mutation's input and payload say about it. */
const WORDING: Record<TransitionMutation, { name: string; input: string; reason: string; mutation: string }> = {
  certifyConnector: {
    name: 'CertifyConnector',
    input: 'Promote a community connector to certified.',
    reason: 'Why it is certified',
    mutation: 'Certify a community connector: in one transaction its level becomes CERTIFIED, its revision is bumped and an audit event is written.',
  },
  decertifyConnector: {
    name: 'DecertifyConnector',
    input: 'Return a certified connector to community; its official SLAs end.',
    reason: 'Why it is decertified',
    mutation:
      'Decertify a certified connector: its level becomes COMMUNITY, its revision is bumped and an audit event is written; a dry run lists the deployments whose official SLA would end.',
  },
  archiveConnector: {
    name: 'ArchiveConnector',
    input: 'Archive a connector at any level: no updates or support from then on.',
    reason: 'Why it is archived',
    mutation: 'Archive a connector: its level becomes ARCHIVED, its revision is bumped and an audit event (which keeps the level it had) is written.',
  },
  unarchiveConnector: {
    name: 'UnarchiveConnector',
    input: 'Return an archived connector to the level it had before it was archived.',
    reason: 'Why it is unarchived',
    mutation: 'Unarchive a connector: its level becomes the one it had before its latest archiving, its revision is bumped and an audit event is written.',
  },
};

function transitionInput(mutation: TransitionMutation) {
  const words = WORDING[mutation];
  return builder.inputType(`${words.name}Input`, {
    description: `${words.input} Name the connector by exactly one of connectorSlug or connectorId.`,
    fields: (t) => ({
      connectorSlug: t.string({ description: 'The slug of the connector, e.g. source-faker.' }),
      connectorId: t.id({ description: 'The global ID of the connector (Connector.id).' }),
      reason: t.string({ required: true, description: `${words.reason}: 10 to 2000 characters, kept in the audit log.` }),
      evidence: t.string({ description: 'Links or notes backing the decision (up to 2000 characters).' }),
      expectedRevision: t.int({
        description: "The connector's revision when you read it; the change is refused if it has changed since.",
      }),
      dryRun: t.boolean({ description: 'Check and report what would change, but write nothing.' }),
      idempotencyKey: t.string({
        description: 'Makes retries safe: a retry with the same key and input returns the first result without writing again (per token).',
      }),
    }),
  });
}

type PayloadShape = Partial<WithReplay<SupportLevelChangeResult>> & { userErrors: UserErrorShape[] };

function transitionPayload(mutation: TransitionMutation) {
  const rule = SUPPORT_LEVEL_TRANSITIONS[mutation];
  // Results stored for idempotency keys before fromLevel and toLevel were kept: read them from the event or the rule.
  const fixedTo = rule.to === 'level_before_archiving' ? null : rule.to;
  return builder.objectRef<PayloadShape>(`${WORDING[mutation].name}Payload`).implement({
    description: `The result of ${mutation}. When userErrors is not empty, nothing was written.`,
    fields: (t) => ({
      connector: t.field({
        type: Connector,
        nullable: true,
        description: 'The connector as it is now (or, for a dry run, as it was).',
        resolve: (p, _args, ctx) => connectorForPayload(ctx, p.connector),
      }),
      event: t.field({
        type: CertificationEvent,
        nullable: true,
        description: 'The audit event written; null for a dry run or a refusal.',
        resolve: (p) => p.event ?? null,
      }),
      fromLevel: t.field({
        type: SupportLevelEnum,
        nullable: true,
        description: 'The level before the change; null when it was refused.',
        resolve: (p) => (p.userErrors.length ? null : (p.fromLevel ?? p.event?.fromLevel ?? p.connector?.supportLevel ?? null)),
      }),
      toLevel: t.field({
        type: SupportLevelEnum,
        nullable: true,
        description: 'The level after the change; null when it was refused.',
        resolve: (p): SupportLevelKey | null => (p.userErrors.length ? null : (p.toLevel ?? p.event?.toLevel ?? fixedTo)),
      }),
      newSlaDeployments: t.field({
        type: [DeploymentEnum],
        description: 'Deployments where the connector is available and an official SLA becomes available with this change.',
        resolve: (p) => p.newSlaDeployments ?? [],
      }),
      endedSlaDeployments: t.field({
        type: [DeploymentEnum],
        description: 'Deployments where the connector is available and its official SLA ends with this change: their users must be told.',
        resolve: (p) => p.endedSlaDeployments ?? [],
      }),
      dryRun: t.boolean({ description: 'Whether this was a dry run (nothing written).', resolve: (p) => p.dryRun ?? false }),
      replayed: t.boolean({
        description: 'True when this is the stored result of an earlier call with the same idempotencyKey; nothing was written now.',
        resolve: (p) => p.replayed ?? false,
      }),
      userErrors: t.field({
        type: [UserError],
        description: 'Why the change was refused; empty on success.',
        resolve: (p) => p.userErrors,
      }),
    }),
  });
}

for (const mutation of TRANSITION_MUTATIONS) {
  const rule = SUPPORT_LEVEL_TRANSITIONS[mutation];
  const Input = transitionInput(mutation);
  const Payload = transitionPayload(mutation);
  builder.mutationField(mutation, (t) =>
    t.field({
      type: Payload,
      description: `${WORDING[mutation].mutation} Needs a token with the \`${rule.scope}\` scope.`,
      authScopes: { [rule.scope]: true },
      extensions: { validationAsUserErrors: true },
      args: { input: t.arg({ type: Input, required: true, description: 'Which connector and why.' }) },
      // The schema's output differs from the GraphQL input (connectorId decoded), which Pothos cannot type.
      validate: { schema: z.object({ input: graphqlTransitionInput }) as never },
      resolve: async (_root, args, ctx) => {
        // The zod schema above has already trimmed the text and decoded connectorId.
        const { idempotencyKey, ...input } = args.input as unknown as z.output<typeof graphqlTransitionInput>;
        const result = await idempotent(
          ctx.db,
          { tokenId: ctx.viewer?.id ?? null, key: idempotencyKey, operation: mutation, input },
          (tx) => changeSupportLevel(tx, ctx.catalog, mutation, input, ctx.viewer?.name ?? 'unknown', ctx.visibility),
          (error) => refusedChange(null, input.dryRun ?? false, error),
        );
        // Subscribers and webhooks hear of it through the outbox the change wrote (src/domain/events/announce.ts).
        if (result.event && !result.replayed && mutation === 'certifyConnector') ctx.metrics.certifications.inc();
        return result;
      },
    }),
  );
}

const SupportLevelTransition = builder.objectRef<TransitionPair>('SupportLevelTransition').implement({
  description: 'A support-level change a client may make: from which level to which, through which mutation, with which token scope.',
  fields: (t) => ({
    from: t.field({ type: SupportLevelEnum, description: 'The level the connector is at.', resolve: (p) => p.from }),
    to: t.field({ type: SupportLevelEnum, description: 'The level it moves to.', resolve: (p) => p.to }),
    mutation: t.string({ description: 'The mutation that makes the change, e.g. certifyConnector.', resolve: (p) => p.rule.mutation }),
    scope: t.string({ description: 'The token scope the mutation needs (an admin token has every scope).', resolve: (p) => p.rule.scope }),
    notifyUsers: t.boolean({ description: "Whether the connector's users must be told of the change.", resolve: (p) => p.rule.notifyUsers }),
    description: t.string({ description: 'What the change means.', resolve: (p) => p.rule.description }),
  }),
});

builder.queryField('supportLevelTransitions', (t) =>
  t.field({
    type: [SupportLevelTransition],
    description:
      'Every allowed support-level change, one entry per (from, to) pair; unarchiving returns a connector to the level it had before archiving, so it has one entry per level.',
    resolve: () => transitionPairs(),
  }),
);
