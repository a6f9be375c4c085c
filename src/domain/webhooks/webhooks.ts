// Signed webhooks. Each event becomes one delivery per subscribed webhook, recorded in the database
// and POSTed with an HMAC-SHA256 signature over "<timestamp>.<body>"; failures are retried with
// exponential backoff, and every attempt's outcome is recorded.
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { and, asc, eq, lte, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { literalLimit } from '../../db/limit.js';
import { WEBHOOK_EVENT_KEYS, webhookDeliveries, webhooks, type WebhookEventKey } from '../../db/schema.js';

export type WebhookRow = typeof webhooks.$inferSelect;
export type DeliveryRow = typeof webhookDeliveries.$inferSelect;

export const SIGNATURE_HEADER = 'x-registry-signature';
export const TIMESTAMP_HEADER = 'x-registry-timestamp';
export const EVENT_HEADER = 'x-registry-event';
export const DELIVERY_HEADER = 'x-registry-delivery';

export const registerWebhookSchema = z.object({
  url: z.url({ message: 'must be an http(s) URL', protocol: /^https?$/ }).max(2000),
  events: z.array(z.enum(WEBHOOK_EVENT_KEYS)).min(1, { message: 'give at least one event' }).max(WEBHOOK_EVENT_KEYS.length),
});

/** The signature a receiver should compute: `sha256=` + hex HMAC-SHA256 of `<timestamp>.<body>`. */
export function sign(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

/** How a receiver checks a delivery (constant-time), refusing old timestamps to stop replays. */
export function verify(secret: string, timestamp: string, body: string, signature: string, toleranceSeconds = 300, now = Date.now()): boolean {
  if (Math.abs(now / 1000 - Number(timestamp)) > toleranceSeconds) return false;
  const expected = Buffer.from(sign(secret, timestamp, body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A webhook's 20 most recent deliveries, newest first. A literal limit: a bound one makes SQLite plan the statement again on every run. */
export const RECENT_DELIVERIES_QUERY = { orderBy: { id: 'desc' }, limit: literalLimit(20) as never } as const;

/** Every webhook in registration order, with what `plan` (a planner's selection) loads beside it. */
export function listWebhooks<T>(db: Db, plan: (options: { orderBy: { id: 'asc' } }) => T) {
  return db.query.webhooks.findMany(plan({ orderBy: { id: 'asc' } }) as never);
}

export function registerWebhook(db: Db, input: z.infer<typeof registerWebhookSchema>, createdBy: string): { webhook: WebhookRow; secret: string } {
  const secret = `whsec_${randomBytes(24).toString('base64url')}`;
  const webhook = db
    .insert(webhooks)
    .values({ url: input.url, secret, events: [...new Set(input.events)], createdBy })
    .returning()
    .get();
  return { webhook, secret };
}

export interface DispatcherOptions {
  /** First retry after this long; each next one waits twice as long. */
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  log: (line: { level: 'info' | 'warn' | 'error'; message: string } & Record<string, unknown>) => void;
}

/** Records and sends deliveries; runs in the server process, and picks up pending ones after a restart. */
export class WebhookDispatcher {
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly options: DispatcherOptions,
  ) {}

  /** One delivery per active webhook that wants `event`, each sent at once. */
  enqueue(event: WebhookEventKey, data: unknown): void {
    const targets = this.db
      .select()
      .from(webhooks)
      .where(eq(webhooks.active, true))
      .all()
      .filter((w) => w.events.includes(event));
    for (const webhook of targets) {
      const delivery = this.db
        .insert(webhookDeliveries)
        .values({ webhookId: webhook.id, event, payload: JSON.stringify({ event, data }), nextAttemptAt: new Date().toISOString() })
        .returning()
        .get();
      this.schedule(delivery.id, 0);
    }
  }

  /** Sends what was pending when the process last stopped. */
  resume(): void {
    const due = this.db
      .select({ id: webhookDeliveries.id })
      .from(webhookDeliveries)
      .where(and(eq(webhookDeliveries.status, 'pending'), lte(webhookDeliveries.nextAttemptAt, new Date(Date.now() + 86_400_000).toISOString())))
      .orderBy(asc(webhookDeliveries.id))
      .all();
    for (const d of due) this.schedule(d.id, 0);
  }

  stop(): void {
    this.stopped = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  private schedule(id: number, delayMs: number): void {
    if (this.stopped) return;
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void this.attempt(id);
    }, delayMs);
    timer.unref();
    this.timers.add(timer);
  }

  private async attempt(id: number): Promise<void> {
    const delivery = this.db.select().from(webhookDeliveries).where(eq(webhookDeliveries.id, id)).get();
    if (delivery?.status !== 'pending') return;
    const webhook = this.db.select().from(webhooks).where(eq(webhooks.id, delivery.webhookId)).get();
    if (!webhook) return;
    const timestamp = String(Math.floor(Date.now() / 1000));
    let statusCode: number | null = null;
    let error: string | null = null;
    try {
      const res = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'connector-registry-webhooks',
          [EVENT_HEADER]: delivery.event,
          [DELIVERY_HEADER]: String(delivery.id),
          [TIMESTAMP_HEADER]: timestamp,
          [SIGNATURE_HEADER]: sign(webhook.secret, timestamp, delivery.payload),
        },
        body: delivery.payload,
        signal: AbortSignal.timeout(this.options.timeoutMs),
        redirect: 'manual',
      });
      statusCode = res.status;
      await res.body?.cancel();
    } catch (e) {
      error = (e as Error).cause ? String((e as Error).cause) : (e as Error).message;
    }
    const attempts = delivery.attempts + 1;
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const giveUp = !ok && attempts >= this.options.maxAttempts;
    const delay = this.options.retryBaseMs * 2 ** (attempts - 1);
    this.db
      .update(webhookDeliveries)
      .set({
        attempts,
        lastStatusCode: statusCode,
        lastError: ok ? null : (error ?? `HTTP ${statusCode}`),
        status: ok ? 'delivered' : giveUp ? 'failed' : 'pending',
        deliveredAt: ok ? sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` : null,
        nextAttemptAt: ok || giveUp ? null : new Date(Date.now() + delay).toISOString(),
      })
      .where(eq(webhookDeliveries.id, id))
      .run();
    this.options.log({
      level: ok ? 'info' : 'warn',
      message: ok ? 'webhook delivered' : giveUp ? 'webhook failed, giving up' : 'webhook failed, will retry',
      deliveryId: id,
      webhookId: webhook.id,
      attempts,
      statusCode,
      ...(error ? { error } : {}),
    });
    if (!ok && !giveUp) this.schedule(id, delay);
  }
}
