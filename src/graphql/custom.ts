// registerCustomConnector: a customer's own connector, private to its organization.
import { z } from 'zod';
import { registerCustomConnector, registerCustomInputSchema } from '../domain/connectors/custom.js';
import type { ConnectorRow } from '../domain/connectors/store.js';
import type { UserError as UserErrorShape } from '../domain/errors.js';
import { builder } from './builder.js';
import { Connector, connectorForPayload } from './connector.js';
import { ConnectorTypeEnum, DeploymentEnum } from './enums.js';
import { idempotencyKeySchema, idempotent } from '../domain/idempotency.js';
import { UserError } from './errors.js';

const graphqlInput = registerCustomInputSchema.extend({ idempotencyKey: idempotencyKeySchema.nullish() });

const RegisterCustomConnectorInput = builder.inputType('RegisterCustomConnectorInput', {
  description: 'A custom connector to register for your organization.',
  fields: (t) => ({
    slug: t.string({ required: true, description: 'A unique slug, e.g. source-acme-billing.' }),
    name: t.string({ required: true, description: 'Display name.' }),
    type: t.field({ type: ConnectorTypeEnum, required: true, description: 'Source or destination.' }),
    dockerRepository: t.string({ required: true, description: 'The image repository, e.g. registry.acme.example/source-billing.' }),
    dockerImageTag: t.string({ required: true, description: 'The image tag (version), e.g. 0.4.0.' }),
    documentationUrl: t.string({ description: 'The documentation page.' }),
    language: t.string({ description: 'Implementation language, e.g. python.' }),
    availableOn: t.field({ type: [DeploymentEnum], required: true, description: 'Where your organization runs it.' }),
    organization: t.string({ description: 'The owning organization: admins only; other tokens register for their own.' }),
    definitionId: t.string({ description: 'A definition UUID to keep; a new one is made when left out.' }),
    idempotencyKey: t.string({
      description: 'Makes retries safe: a retry with the same key and input returns the first result without writing again (per token).',
    }),
  }),
});

const RegisterCustomConnectorPayload = builder
  .objectRef<{ connector?: ConnectorRow | null; replayed?: boolean; userErrors: UserErrorShape[] }>('RegisterCustomConnectorPayload')
  .implement({
    description: 'The result of registerCustomConnector. When userErrors is not empty, nothing was written.',
    fields: (t) => ({
      connector: t.field({
        type: Connector,
        nullable: true,
        description: 'The new connector.',
        resolve: (p, _args, ctx) => connectorForPayload(ctx, p.connector),
      }),
      replayed: t.boolean({
        description: 'True when this is the stored result of an earlier call with the same idempotencyKey; nothing was written now.',
        resolve: (p) => p.replayed ?? false,
      }),
      userErrors: t.field({ type: [UserError], description: 'Why it was refused; empty on success.', resolve: (p) => p.userErrors }),
    }),
  });

builder.mutationField('registerCustomConnector', (t) =>
  t.field({
    type: RegisterCustomConnectorPayload,
    description: "Register a custom connector, visible only to your organization's tokens and to admins. Needs the `certify` or `admin` scope.",
    authScopes: { certify: true, admin: true },
    extensions: { validationAsUserErrors: true },
    args: { input: t.arg({ type: RegisterCustomConnectorInput, required: true, description: 'The connector.' }) },
    validate: { schema: z.object({ input: graphqlInput }) as never },
    resolve: (_root, args, ctx) => {
      const { idempotencyKey, ...input } = args.input as unknown as z.output<typeof graphqlInput>;
      return idempotent(
        ctx.db,
        { tokenId: ctx.viewer?.id ?? null, key: idempotencyKey, operation: 'registerCustomConnector', input },
        (tx) => registerCustomConnector(tx, input, ctx.viewer!),
        (error) => ({ connector: null, userErrors: [error] }),
      );
    },
  }),
);
