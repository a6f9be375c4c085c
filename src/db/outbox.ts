// The transactional outbox (docs/postgresql.md, "Events every gateway hears"): rows appended in the
// writer's transaction, read by every gateway after the last id it has seen.
import { asc, gt, max, sql } from 'drizzle-orm';
import type { Db } from './client.js';
import { literalLimit } from './limit.js';
import { rawRun } from './raw.js';
import { outbox } from './schema.js';

export type OutboxRow = typeof outbox.$inferSelect;
export interface OutboxEntry {
  topic: string;
  payload: unknown;
  organization?: string | null;
}

/** The channel PostgreSQL notifies when outbox rows commit; the notification carries nothing. */
export const OUTBOX_CHANNEL = 'registry_outbox';
/** The transaction-scoped advisory lock that makes outbox ids commit in order ("outbox" in ASCII). */
const OUTBOX_LOCK = 0x6f7574626f78;

/**
 * Appends entries in the transaction `tx`. On PostgreSQL it first takes a transaction-scoped lock, so
 * appending transactions commit one after another and their ids in increasing order: a reader that has
 * seen id N never later meets a smaller id committing (what would otherwise be skipped). The
 * notification is sent at commit, and not at all on rollback. SQLite's writers are serialized already.
 */
export async function appendOutbox(tx: Db, entries: readonly OutboxEntry[]): Promise<void> {
  if (entries.length === 0) return;
  const postgres = tx.$engine === 'postgres';
  if (postgres) await rawRun(tx, sql`select pg_advisory_xact_lock(${OUTBOX_LOCK})`);
  await tx.insert(outbox).values(entries.map((e) => ({ topic: e.topic, payload: e.payload ?? {}, organization: e.organization ?? null })));
  if (postgres) await rawRun(tx, sql`select pg_notify(${OUTBOX_CHANNEL}, '')`);
}

/** Up to `limit` rows after id `after`, oldest first. */
export async function outboxAfter(db: Db, after: number, limit: number): Promise<OutboxRow[]> {
  return db
    .select()
    .from(outbox)
    .where(gt(outbox.id, after))
    .orderBy(asc(outbox.id))
    .limit(literalLimit(limit) as unknown as number);
}

/** The newest id, or 0 for an empty outbox. */
export async function lastOutboxId(db: Db): Promise<number> {
  const [row] = await db.select({ id: max(outbox.id) }).from(outbox);
  return Number(row?.id ?? 0);
}
