// Webhooks: an admin registers a URL for certification and breaking-change events.
import { z } from 'zod';
import type { UserError as UserErrorShape } from '../domain/errors.js';
import {
  listWebhooks,
  MAX_GRACE_HOURS,
  RECENT_DELIVERIES_QUERY,
  registerWebhook,
  registerWebhookSchema,
  rotateWebhookSecret,
  rotateWebhookSecretSchema,
  rotationEndsAt,
  type WebhookRow,
} from '../domain/webhooks/webhooks.js';
import { builder } from './builder.js';
import { keyed } from './enums.js';
import { UserError } from './errors.js';

const WebhookEventEnum = builder.enumType('WebhookEvent', {
  description: 'What a webhook is told about.',
  values: keyed({
    certification: 'A support-level change made through the API (certify, decertify, archive, unarchive); fromLevel and toLevel say which.',
    breaking_change: 'A breaking change announced.',
  }),
});

const DeliveryStatusEnum = builder.enumType('WebhookDeliveryStatus', {
  description: 'Where a delivery stands.',
  values: keyed({
    pending: 'Not delivered yet; will be tried (again).',
    delivered: 'The receiver answered 2xx.',
    failed: 'Every attempt failed; no more will be made.',
  }),
});

const WebhookDelivery = builder.drizzleObject('webhookDeliveries', {
  name: 'WebhookDelivery',
  description: 'One event sent (or being sent) to a webhook, with the outcome of its last attempt.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The delivery id, also sent in the x-registry-delivery header.' }),
    event: t.expose('event', { type: WebhookEventEnum, description: 'The event.' }),
    status: t.expose('status', { type: DeliveryStatusEnum, description: 'Where it stands.' }),
    attempts: t.exposeInt('attempts', { description: 'Attempts made so far.' }),
    lastStatusCode: t.exposeInt('lastStatusCode', { nullable: true, description: "The receiver's HTTP status at the last attempt." }),
    lastError: t.exposeString('lastError', { nullable: true, description: 'Why the last attempt failed.' }),
    nextAttemptAt: t.expose('nextAttemptAt', { type: 'DateTime', nullable: true, description: 'When the next attempt is due (ISO-8601).' }),
    deliveredAt: t.expose('deliveredAt', { type: 'DateTime', nullable: true, description: 'When it was delivered (ISO-8601).' }),
    payload: t.exposeString('payload', { description: 'The JSON body sent.' }),
  }),
});

const Webhook = builder.drizzleObject('webhooks', {
  name: 'Webhook',
  description: 'A URL that receives signed POSTs for the events it asked for.',
  fields: (t) => ({
    id: t.exposeID('id', { description: 'The webhook id.' }),
    url: t.exposeString('url', { description: 'Where deliveries go.' }),
    events: t.field({ type: [WebhookEventEnum], description: 'The events it receives.', resolve: (w) => w.events }),
    createdBy: t.exposeString('createdBy', { description: 'The token that registered it.' }),
    createdAt: t.expose('createdAt', { type: 'DateTime', description: 'When it was registered (ISO-8601).' }),
    active: t.exposeBoolean('active', { description: 'Whether it receives deliveries.' }),
    secretRotationEndsAt: t.field({
      type: 'DateTime',
      nullable: true,
      description: 'During a secret rotation, when the previous secret stops signing deliveries; null when no rotation is under way.',
      resolve: (w, _args, ctx) => rotationEndsAt(w, ctx.now()),
    }),
    deliveries: t.relation('deliveries', {
      description: 'The 20 most recent deliveries, newest first.',
      query: RECENT_DELIVERIES_QUERY,
    }),
  }),
});
void WebhookDelivery;

builder.queryField('webhooks', (t) =>
  t.drizzleField({
    type: ['webhooks'],
    description: 'Every webhook, with its recent deliveries. Admin tokens only.',
    authScopes: { admin: true },
    resolve: (query, _root, _args, ctx) => listWebhooks(ctx.db, query),
  }),
);

const RegisterWebhookInput = builder.inputType('RegisterWebhookInput', {
  description: 'A webhook to register.',
  fields: (t) => ({
    url: t.string({ required: true, description: 'An http(s) URL that accepts POSTs.' }),
    events: t.field({ type: [WebhookEventEnum], required: true, description: 'The events to send.' }),
  }),
});

const VERIFY_HOW =
  'Verify each delivery: x-registry-signature holds one or more comma-separated "sha256=" + hex(HMAC-SHA256(secret, x-registry-timestamp + "." + body)) (two during a secret rotation); accept it when one matches.';

const RegisterWebhookPayload = builder
  .objectRef<{ webhook?: WebhookRow | null; secret?: string | null; userErrors: UserErrorShape[] }>('RegisterWebhookPayload')
  .implement({
    description: 'The result of registerWebhook.',
    fields: (t) => ({
      webhook: t.field({ type: Webhook, nullable: true, description: 'The webhook.', resolve: (p) => p.webhook ?? null }),
      secret: t.string({
        nullable: true,
        description: `The signing secret, shown only this once. ${VERIFY_HOW}`,
        resolve: (p) => p.secret ?? null,
      }),
      userErrors: t.field({ type: [UserError], description: 'Why it was refused; empty on success.', resolve: (p) => p.userErrors }),
    }),
  });

builder.mutationField('registerWebhook', (t) =>
  t.field({
    type: RegisterWebhookPayload,
    description: 'Register a webhook for certification and breaking-change events. Admin tokens only.',
    authScopes: { admin: true },
    extensions: { validationAsUserErrors: true },
    args: { input: t.arg({ type: RegisterWebhookInput, required: true, description: 'The webhook.' }) },
    validate: { schema: z.object({ input: registerWebhookSchema }) as never },
    resolve: (_root, args, ctx) => registerWebhook(ctx.db, ctx.webhooks, args.input as z.output<typeof registerWebhookSchema>, ctx.viewer!.name),
  }),
);

const RotateWebhookSecretInput = builder.inputType('RotateWebhookSecretInput', {
  description: 'A webhook whose signing secret is to be replaced.',
  fields: (t) => ({
    id: t.id({ required: true, description: 'The webhook id.' }),
    graceHours: t.int({
      required: true,
      defaultValue: 24,
      description: `How long the previous secret keeps signing beside the new one (0 to ${MAX_GRACE_HOURS} hours; 0 stops it at once).`,
    }),
  }),
});

const RotateWebhookSecretPayload = builder
  .objectRef<{ webhook?: WebhookRow | null; secret?: string | null; userErrors: UserErrorShape[] }>('RotateWebhookSecretPayload')
  .implement({
    description: 'The result of rotateWebhookSecret.',
    fields: (t) => ({
      webhook: t.field({ type: Webhook, nullable: true, description: 'The webhook.', resolve: (p) => p.webhook ?? null }),
      secret: t.string({
        nullable: true,
        description: `The new signing secret, shown only this once; the previous one keeps signing until secretRotationEndsAt. ${VERIFY_HOW}`,
        resolve: (p) => p.secret ?? null,
      }),
      userErrors: t.field({ type: [UserError], description: 'Why it was refused; empty on success.', resolve: (p) => p.userErrors }),
    }),
  });

builder.mutationField('rotateWebhookSecret', (t) =>
  t.field({
    type: RotateWebhookSecretPayload,
    description: 'Give a webhook a new signing secret; deliveries carry both signatures for graceHours. Admin tokens only.',
    authScopes: { admin: true },
    extensions: { validationAsUserErrors: true },
    args: { input: t.arg({ type: RotateWebhookSecretInput, required: true, description: 'The webhook and the rotation window.' }) },
    validate: { schema: z.object({ input: rotateWebhookSecretSchema }) as never },
    resolve: (_root, args, ctx) => rotateWebhookSecret(ctx.db, ctx.webhooks.secrets, args.input as z.output<typeof rotateWebhookSecretSchema>, ctx.now()),
  }),
);
