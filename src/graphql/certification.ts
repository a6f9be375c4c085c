// certifyConnector: thin glue between GraphQL and the certification rules in the domain.
import { z } from 'zod';
import { certifyConnector, certifyInputFields, exactlyOneConnector, type CertificationEventRow } from '../domain/certification/certify.js';
import type { ConnectorRow } from '../domain/connectors/store.js';
import type { UserError as UserErrorShape } from '../domain/errors.js';
import type { DeploymentKey, SupportLevelKey } from '../db/schema.js';
import { builder } from './builder.js';
import { CertificationEvent, Connector, connectorForPayload } from './connector.js';
import { DeploymentEnum, SupportLevelEnum } from './enums.js';
import { idempotencyKeySchema, idempotent } from '../domain/idempotency.js';
import { UserError } from './errors.js';
import { connectorGlobalId } from './ids.js';

const graphqlCertifyInput = certifyInputFields
  .extend({ connectorId: connectorGlobalId.nullish(), idempotencyKey: idempotencyKeySchema.nullish() })
  .superRefine(exactlyOneConnector);

const CertifyConnectorInput = builder.inputType('CertifyConnectorInput', {
  description: 'Promote a community connector to certified. Name the connector by exactly one of connectorSlug or connectorId.',
  fields: (t) => ({
    connectorSlug: t.string({ description: 'The slug of the connector, e.g. source-faker.' }),
    connectorId: t.id({ description: 'The global ID of the connector (Connector.id).' }),
    reason: t.string({ required: true, description: 'Why it is certified: 10 to 2000 characters, kept in the audit log.' }),
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

interface CertifyPayloadShape {
  connector?: ConnectorRow | null;
  event?: CertificationEventRow | null;
  newSlaDeployments?: DeploymentKey[];
  dryRun?: boolean;
  replayed?: boolean;
  userErrors: UserErrorShape[];
}

const CertifyConnectorPayload = builder.objectRef<CertifyPayloadShape>('CertifyConnectorPayload').implement({
  description: 'The result of certifyConnector. When userErrors is not empty, nothing was written.',
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
      description: 'The level before the change.',
      resolve: (p) => (p.userErrors.length ? null : ((p.event?.fromLevel ?? p.connector?.supportLevel) as SupportLevelKey)),
    }),
    toLevel: t.field({
      type: SupportLevelEnum,
      nullable: true,
      description: 'The level after the change.',
      resolve: (p) => (p.userErrors.length ? null : 'certified'),
    }),
    newSlaDeployments: t.field({
      type: [DeploymentEnum],
      description: 'Deployments where the connector is available and an official SLA becomes available with this change.',
      resolve: (p) => p.newSlaDeployments ?? [],
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

builder.mutationField('certifyConnector', (t) =>
  t.field({
    type: CertifyConnectorPayload,
    description:
      'Certify a community connector: in one transaction its level becomes CERTIFIED, its revision is bumped and an audit event is written. Needs a token with the `certify` scope.',
    authScopes: { certify: true },
    extensions: { validationAsUserErrors: true },
    args: { input: t.arg({ type: CertifyConnectorInput, required: true, description: 'What to certify and why.' }) },
    // The schema's output differs from the GraphQL input (connectorId decoded), which Pothos cannot type.
    validate: { schema: z.object({ input: graphqlCertifyInput }) as never },
    resolve: (_root, args, ctx) => {
      // The zod schema above has already trimmed the text and decoded connectorId.
      const { idempotencyKey, ...input } = args.input as unknown as z.output<typeof graphqlCertifyInput>;
      const result = idempotent(
        ctx.db,
        { tokenId: ctx.viewer?.id ?? null, key: idempotencyKey, operation: 'certifyConnector', input },
        (tx) => certifyConnector(tx, ctx.catalog, input, ctx.viewer?.name ?? 'unknown', ctx.visibility),
        (error) => ({ connector: null, event: null, newSlaDeployments: [], dryRun: input.dryRun ?? false, userErrors: [error] }),
      );
      if (result.event && !result.replayed) {
        ctx.metrics.certifications.inc();
        ctx.events.publish('certification', { event: result.event, organization: result.connector?.organization ?? null });
      }
      return result;
    },
  }),
);
