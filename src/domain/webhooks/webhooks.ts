// Signed webhooks. Each event becomes one delivery per subscribed webhook, recorded in the database
// and POSTed with an HMAC-SHA256 signature over "<timestamp>.<body>"; failures are retried with
// exponential backoff, and every attempt's outcome is recorded. Secrets are sealed at rest
// (secrets.ts) and targets checked against the private-address policy (targets.ts) at registration
// and at every delivery.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { transaction } from '../../db/transaction.js';
import { literalLimit } from '../../db/limit.js';
import { WEBHOOK_EVENT_KEYS, webhookDeliveries, webhooks, type WebhookEventKey } from '../../db/schema.js';
import { userError, type UserError } from '../errors.js';
import { isSealed, type SecretBox } from './secrets.js';
import { type CheckedTarget, checkTarget, type TargetPolicy } from './targets.js';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export const SIGNATURE_HEADER = 'x-registry-signature';
export const TIMESTAMP_HEADER = 'x-registry-timestamp';
export const EVENT_HEADER = 'x-registry-event';
export const DELIVERY_HEADER = 'x-registry-delivery';

/** The longest rotation window: a month. */
export const MAX_GRACE_HOURS = 720;

export const registerWebhookSchema = z.object({
  url: z.url({ message: 'must be an http(s) URL', protocol: /^https?$/ }).max(2000),
  events: z.array(z.enum(WEBHOOK_EVENT_KEYS)).min(1, { message: 'give at least one event' }).max(WEBHOOK_EVENT_KEYS.length),
});

export const rotateWebhookSecretSchema = z.object({
  id: z.string().regex(/^[1-9]\d{0,15}$/, { message: 'must be a webhook id (a positive whole number)' }),
  graceHours: z
    .number()
    .int({ message: 'must be a whole number of hours' })
    .min(0, { message: 'must be 0 or more' })
    .max(MAX_GRACE_HOURS, { message: `must be at most ${MAX_GRACE_HOURS} (30 days)` }),
});

/** One signature: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** The signature header: one `sha256=` signature per valid secret, comma-separated, the newest first. */
export function signatureHeader(secrets: readonly string[], timestamp: string, body: string): string {
  return secrets.map((s) => sign(s, timestamp, body)).join(',');
}

/**
 * How a receiver checks a delivery: true when any signature in the header matches any of `secrets`
 * (compared in constant time), refusing old timestamps to stop replays.
 */
export function verify(
  secrets: string | readonly string[],
  timestamp: string,
  body: string,
  header: string,
  toleranceSeconds = 300,
  now = Date.now(),
): boolean {
  if (!(Math.abs(now / 1000 - Number(timestamp)) <= toleranceSeconds)) return false;
  const given = header.split(',').map((s) => Buffer.from(s.trim()));
  return [secrets]
    .flat()
    .map((secret) => Buffer.from(sign(secret, timestamp, body)))
    .some((expected) => given.some((g) => g.length === expected.length && timingSafeEqual(g, expected)));
}

/** A webhook's 20 most recent deliveries, newest first. A literal limit: a bound one makes SQLite plan the statement again on every run. */
export const RECENT_DELIVERIES_QUERY = { orderBy: { id: 'desc' }, limit: literalLimit(20) as never } as const;

/** Every webhook in registration order, with what `plan` (a planner's selection) loads beside it. */
export function listWebhooks<T>(db: Db, plan: (options: { orderBy: { id: 'asc' } }) => T) {
  return db.query.webhooks.findMany(plan({ orderBy: { id: 'asc' } }) as never);
}

function newSecret(): string {
  return `whsec_${randomBytes(24).toString('base64url')}`;
}

/** What registration and deliveries need to know: the key that seals secrets and where targets may be. */
export interface WebhookSettings {
  secrets: SecretBox;
  targets: TargetPolicy;
}

export type RegisterResult = { webhook: WebhookRow; secret: string; userErrors: [] } | { webhook: null; secret: null; userErrors: UserError[] };

/** Registers a webhook once its URL passes the target policy; the secret is returned in the clear this once and stored sealed. */
export async function registerWebhook(
  db: Db,
  settings: WebhookSettings,
  input: z.infer<typeof registerWebhookSchema>,
  createdBy: string,
): Promise<RegisterResult> {
  const check = await checkTarget(new URL(input.url), settings.targets);
  if (!check.ok) return { webhook: null, secret: null, userErrors: [userError('VALIDATION', ['input', 'url'], `url: ${check.reason}`)] };
  const secret = newSecret();
  const [webhook] = await transaction(db, (tx) =>
    tx
      .insert(webhooks)
      .values({ url: input.url, secret: settings.secrets.seal(secret), events: [...new Set(input.events)], createdBy })
      .returning(),
  );
  return { webhook: webhook!, secret, userErrors: [] };
}

export type RotateResult = { webhook: WebhookRow; secret: string; userErrors: [] } | { webhook: null; secret: null; userErrors: UserError[] };

/**
 * Gives a webhook a new secret (returned in the clear this once). The old one keeps signing beside it
 * for `graceHours`, so receivers can switch over; with 0 it stops at once.
 */
export async function rotateWebhookSecret(db: Db, secrets: SecretBox, input: z.infer<typeof rotateWebhookSecretSchema>, now: Date): Promise<RotateResult> {
  const secret = newSecret();
  const grace = input.graceHours > 0;
  // One statement: the previous secret is the row's own, as it was before this update (two rotations
  // at once, on two gateways, each keep the secret they replaced).
  const [webhook] = await transaction(db, (tx) =>
    tx
      .update(webhooks)
      .set({
        secret: secrets.seal(secret),
        previousSecret: grace ? sql`${webhooks.secret}` : null,
        previousSecretExpiresAt: grace ? new Date(now.getTime() + input.graceHours * 3_600_000).toISOString() : null,
      })
      .where(eq(webhooks.id, Number(input.id)))
      .returning(),
  );
  if (!webhook) return { webhook: null, secret: null, userErrors: [userError('NOT_FOUND', ['input', 'id'], `id: no webhook ${input.id}`)] };
  return { webhook, secret, userErrors: [] };
}

/** When the previous secret stops signing, if a rotation is under way at `now`. */
export function rotationEndsAt(webhook: WebhookRow, now: Date): string | null {
  const ends = webhook.previousSecretExpiresAt;
  return webhook.previousSecret && ends && ends > now.toISOString() ? ends : null;
}

/**
 * Seals secrets stored in the clear (rows written before secrets were sealed), in one transaction.
 * Returns how many it sealed and how many were sealed with a key other than `secrets`' (left as they are).
 */
export async function sealPlainSecrets(db: Db, secrets: SecretBox): Promise<{ sealed: number; otherKey: number }> {
  if (db.$engine === 'postgres') return sealEach(db, secrets);
  // Zero the space the plain values leave behind, so no page of the file (or of a backup) keeps them.
  // (SQLite only: a PostgreSQL database has held sealed secrets only, since it is new with them.)
  const secureDelete = db.$client.pragma('secure_delete', { simple: true });
  db.$client.pragma('secure_delete = ON');
  try {
    return await sealEach(db, secrets);
  } finally {
    db.$client.pragma(`secure_delete = ${Number(secureDelete)}`);
  }
}

function sealEach(db: Db, secrets: SecretBox): Promise<{ sealed: number; otherKey: number }> {
  return transaction(db, async (tx) => {
    let sealed = 0;
    let otherKey = 0;
    const rows = await tx
      .select({ id: webhooks.id, secret: webhooks.secret, previousSecret: webhooks.previousSecret })
      .from(webhooks)
      .orderBy(asc(webhooks.id));
    for (const row of rows) {
      const plain = !isSealed(row.secret);
      const plainPrevious = row.previousSecret !== null && !isSealed(row.previousSecret);
      if (plain || plainPrevious) {
        // Only while the value is still the plain one read: a gateway starting at the same time may have sealed it.
        await tx
          .update(webhooks)
          .set({
            ...(plain ? { secret: secrets.seal(row.secret) } : {}),
            ...(plainPrevious ? { previousSecret: secrets.seal(row.previousSecret!) } : {}),
          })
          .where(and(eq(webhooks.id, row.id), eq(webhooks.secret, row.secret)));
        sealed++;
      }
      if (!plain && !row.secret.startsWith(`v1:${secrets.keyId}:`)) otherKey++;
    }
    return { sealed, otherKey };
  });
}

/** One POST to the address that was checked (never a second lookup), with the URL's host name for Host and TLS. */
export interface DeliveryRequest {
  target: CheckedTarget;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
}

/** Sends a delivery and answers the receiver's HTTP status; redirects are not followed. */
export type Transport = (request: DeliveryRequest) => Promise<number>;

export interface DispatcherOptions extends WebhookSettings {
  /** First retry after this long; each next one waits twice as long. */
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  send: Transport;
  /** The clock for signature timestamps and rotation windows. */
  now: () => Date;
  log: (line: { level: 'info' | 'warn' | 'error'; message: string } & Record<string, unknown>) => void;
}

/**
 * One delivery row per active webhook that wants `event`, written in the writer's transaction `tx`: the
 * deliveries exist exactly when the change does, and whichever gateway is free sends each (dispatcher.ts).
 */
export async function enqueueDeliveries(tx: Db, event: WebhookEventKey, data: unknown): Promise<number> {
  const targets = (
    await tx.select({ id: webhooks.id, events: webhooks.events }).from(webhooks).where(eq(webhooks.active, true)).orderBy(asc(webhooks.id))
  ).filter((w) => w.events.includes(event));
  if (targets.length === 0) return 0;
  const payload = JSON.stringify({ event, data });
  const at = new Date().toISOString();
  await tx.insert(webhookDeliveries).values(targets.map((w) => ({ webhookId: w.id, event, payload, nextAttemptAt: at })));
  return targets.length;
}
