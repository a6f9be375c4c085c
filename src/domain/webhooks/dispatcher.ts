// Sends the deliveries writers record (enqueueDeliveries). Every gateway runs one; each delivery is claimed
// with a lease by exactly one of them at a time, so N gateways send it once, and a gateway that dies
// mid-delivery leaves it to another when the lease ends. Retries wait twice as long each time.
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { and, eq, isNull, lt, lte, min, or, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rawRows } from '../../db/raw.js';
import { webhookDeliveries, webhooks } from '../../db/schema.js';
import { transaction } from '../../db/transaction.js';
import { SealedSecretError } from './secrets.js';
import { checkTarget } from './targets.js';
import {
  DELIVERY_HEADER,
  type DeliveryRow,
  type DispatcherOptions,
  EVENT_HEADER,
  rotationEndsAt,
  SIGNATURE_HEADER,
  signatureHeader,
  TIMESTAMP_HEADER,
  type WebhookRow,
} from './webhooks.js';

/** What one attempt came to; `final` failures (refused target, unreadable secret) are not retried. */
interface Outcome {
  statusCode: number | null;
  error: string | null;
  final: boolean;
}

/** Deliveries one gateway claims at a time. */
const CLAIM_BATCH = 10;
/** After a failed read of the queue, the next look. */
const RETRY_AFTER_FAILURE_MS = 1000;
/** The longest a timer sleeps (a clock change, a far retry): it looks again then. */
const MAX_SLEEP_MS = 60_000;

export class WebhookDispatcher {
  /** Who holds a lease: readable in webhook_deliveries.lease_owner, unique per process. */
  readonly owner = `${hostname()} pid ${process.pid} ${randomUUID().slice(0, 8)}`;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private again = false;
  private stopped = false;

  constructor(
    private readonly db: Db,
    private readonly options: DispatcherOptions,
  ) {}

  /** A lease outlives any attempt: the request's timeout, twice, and a margin. */
  get leaseMs(): number {
    return this.options.timeoutMs * 2 + 5000;
  }

  /** Looks for due deliveries now (a writer recorded some, or the gateway just started); resolves when this round ends. */
  poke(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    if (this.running) {
      this.again = true;
      return this.running;
    }
    clearTimeout(this.timer);
    this.running = (async () => {
      do {
        this.again = false;
        await this.work();
      } while (this.again && !this.stopped);
      await this.sleep();
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * Wakes when the next pending delivery falls due or its lease ends (another gateway died holding it).
   * With nothing pending it sleeps until poked: the outbox feed pokes it when a writer records deliveries.
   */
  private async sleep(): Promise<void> {
    let wake: number | null = null;
    try {
      // Each pending delivery may be sent at its next attempt, or when its lease ends if that is later.
      const d = webhookDeliveries;
      const [next] = await this.db
        .select({ at: min(sql<string>`case when ${d.leaseUntil} > ${d.nextAttemptAt} then ${d.leaseUntil} else ${d.nextAttemptAt} end`) })
        .from(d)
        .where(eq(d.status, 'pending'));
      if (next?.at) wake = Date.parse(next.at);
    } catch (error) {
      this.failed('cannot read when the next webhook delivery is due', error);
      wake = Date.now() + RETRY_AFTER_FAILURE_MS;
    }
    if (this.stopped || wake === null) return;
    this.timer = setTimeout(() => void this.poke(), Math.min(Math.max(0, wake - Date.now()) + 10, MAX_SLEEP_MS));
    this.timer.unref();
  }

  private async work(): Promise<void> {
    for (let round = 0; round < 100 && !this.stopped; round++) {
      let claimed: DeliveryRow[];
      try {
        claimed = await this.claim();
      } catch (error) {
        return this.failed('cannot claim webhook deliveries, will retry', error);
      }
      if (claimed.length === 0) return;
      await Promise.all(
        claimed.map((d) =>
          this.attempt(d).catch((error: unknown) => this.failed('webhook attempt failed in the database, will retry', error, { deliveryId: d.id })),
        ),
      );
    }
  }

  /**
   * Takes the lease of up to CLAIM_BATCH due deliveries no live lease holds. On PostgreSQL rows another
   * gateway is claiming at this moment are skipped, not waited for; SQLite's writers take turns anyway.
   */
  private async claim(): Promise<DeliveryRow[]> {
    const now = new Date();
    const until = new Date(now.getTime() + this.leaseMs).toISOString();
    const at = now.toISOString();
    const due = and(
      eq(webhookDeliveries.status, 'pending'),
      lte(webhookDeliveries.nextAttemptAt, at),
      or(isNull(webhookDeliveries.leaseUntil), lt(webhookDeliveries.leaseUntil, at)),
    );
    const skipLocked = this.db.$engine === 'postgres' ? sql` for update skip locked` : sql``;
    return transaction(this.db, async (tx) => {
      const ids = (
        await rawRows<{ id: number }>(
          tx,
          sql`select ${webhookDeliveries.id} as id from ${webhookDeliveries} where ${due} order by ${webhookDeliveries.id} limit ${sql.raw(String(CLAIM_BATCH))}${skipLocked}`,
        )
      ).map((r) => Number(r.id));
      if (ids.length === 0) return [];
      const rows: DeliveryRow[] = [];
      for (const id of ids) {
        const [row] = await tx.update(webhookDeliveries).set({ leaseOwner: this.owner, leaseUntil: until }).where(eq(webhookDeliveries.id, id)).returning();
        if (row) rows.push(row);
      }
      return rows;
    });
  }

  /** A database failure outside any request (the dispatcher's own work): logged, never thrown. */
  private failed(message: string, error: unknown, fields: Record<string, unknown> = {}): void {
    this.options.log({ level: 'error', message, ...fields, error: error instanceof Error ? error.message : String(error) });
  }

  /** The secrets to sign with, the newest first; an expired previous secret is dropped from the row here. */
  private async signingSecrets(webhook: WebhookRow): Promise<string[]> {
    const now = this.options.now();
    const previous = rotationEndsAt(webhook, now) ? webhook.previousSecret : null;
    if (webhook.previousSecret && !previous) {
      await transaction(this.db, (tx) =>
        tx
          .update(webhooks)
          .set({ previousSecret: null, previousSecretExpiresAt: null })
          .where(and(eq(webhooks.id, webhook.id), lte(webhooks.previousSecretExpiresAt, now.toISOString()))),
      );
    }
    return [webhook.secret, ...(previous ? [previous] : [])].map((s) => this.options.secrets.unseal(s));
  }

  private async send(webhook: WebhookRow, delivery: DeliveryRow): Promise<Outcome> {
    let secrets: string[];
    try {
      secrets = await this.signingSecrets(webhook);
    } catch (e) {
      if (!(e instanceof SealedSecretError)) throw e;
      return { statusCode: null, error: `cannot unseal the signing secret: ${e.message}`, final: true };
    }
    const check = await checkTarget(new URL(webhook.url), this.options.targets);
    if (!check.ok) return { statusCode: null, error: check.transient ? check.reason : `refused: ${check.reason}`, final: !check.transient };
    const timestamp = String(Math.floor(this.options.now().getTime() / 1000));
    const headers = {
      'content-type': 'application/json',
      'user-agent': 'connector-registry-webhooks',
      [EVENT_HEADER]: delivery.event,
      [DELIVERY_HEADER]: String(delivery.id),
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signatureHeader(secrets, timestamp, delivery.payload),
    };
    try {
      const statusCode = await this.options.send({ target: check.target, headers, body: delivery.payload, timeoutMs: this.options.timeoutMs });
      return { statusCode, error: null, final: false };
    } catch (e) {
      const error = e as Error & { code?: string };
      return { statusCode: null, error: error.cause ? String(error.cause) : error.message, final: false };
    }
  }

  /** Sends a claimed delivery and records the outcome, but only while this gateway still holds its lease. */
  private async attempt(delivery: DeliveryRow): Promise<void> {
    const [webhook] = await this.db.select().from(webhooks).where(eq(webhooks.id, delivery.webhookId)).limit(1);
    if (!webhook) return;
    const { statusCode, error, final } = await this.send(webhook, delivery);
    const attempts = delivery.attempts + 1;
    const ok = statusCode !== null && statusCode >= 200 && statusCode < 300;
    const giveUp = !ok && (final || attempts >= this.options.maxAttempts);
    const delay = this.options.retryBaseMs * 2 ** (attempts - 1);
    await transaction(this.db, (tx) =>
      tx
        .update(webhookDeliveries)
        .set({
          attempts,
          lastStatusCode: statusCode,
          lastError: ok ? null : (error ?? `HTTP ${statusCode}`),
          status: ok ? 'delivered' : giveUp ? 'failed' : 'pending',
          deliveredAt: ok ? this.options.now().toISOString() : null,
          nextAttemptAt: ok || giveUp ? null : new Date(Date.now() + delay).toISOString(),
          leaseOwner: null,
          leaseUntil: null,
        })
        .where(and(eq(webhookDeliveries.id, delivery.id), eq(webhookDeliveries.leaseOwner, this.owner))),
    );
    this.options.log({
      level: ok ? 'info' : 'warn',
      message: ok ? 'webhook delivered' : giveUp ? 'webhook failed, giving up' : 'webhook failed, will retry',
      deliveryId: delivery.id,
      webhookId: webhook.id,
      attempts,
      statusCode,
      ...(error ? { error } : {}),
    });
  }
}
