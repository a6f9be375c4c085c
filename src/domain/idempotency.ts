// Idempotency keys: a client retrying a mutation (after a timeout, say) sends the same key and gets the
// first call's result back, without the change being made twice. The key, the result and the change
// are written in one transaction, so a crash cannot leave one without the other.
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { idempotencyKeys } from '../db/schema.js';
import { transaction } from '../db/transaction.js';
import { userError, type UserError } from './errors.js';
import { recording, tokenActor } from './history/recording.js';

export const idempotencyKeySchema = z
  .string()
  .min(1, { message: 'must not be empty' })
  .max(200, { message: 'must be at most 200 characters' })
  .regex(/^[A-Za-z0-9_.:-]+$/, { message: 'must be letters, digits, and _ . : -' });

/** A stable hash of a request, whatever the order of its keys. */
export function requestHash(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
              .map((k) => [k, canonical((v as Record<string, unknown>)[k])]),
          )
        : v;
  return createHash('sha256')
    .update(JSON.stringify(canonical(value)))
    .digest('hex');
}

export type WithReplay<R> = R & { replayed: boolean };

type Keyed = { tokenId: number; key: string; operation: string; input: unknown };

/**
 * Runs `change` in one transaction, recorded in the connector history as the token's change (every
 * mutation goes through here). With a key: the first call's result is stored with the change; a later
 * call with the same key and input returns it (replayed: true), from this gateway or another; the same key
 * with another input or operation is a CONFLICT userError.
 */
export async function idempotent<R extends { userErrors: UserError[] }>(
  db: Db,
  request: { tokenId: number | null; key: string | null | undefined; operation: string; input: unknown },
  change: (tx: Db) => R | Promise<R>,
  conflict: (error: UserError) => R,
): Promise<WithReplay<R>> {
  const { key, tokenId } = request;
  // The domain function's own transaction inside this one becomes a savepoint, so the history's writer,
  // the key, the result and the change commit or roll back together.
  return transaction(db, async (tx) =>
    recording(tx, { actor: (await tokenActor(tx, tokenId)) ?? 'unknown', source: 'mutation' }, async () =>
      !key || tokenId == null ? { ...(await change(tx)), replayed: false } : keyed(tx, { ...request, key, tokenId }, change, conflict),
    ),
  );
}

async function keyed<R extends { userErrors: UserError[] }>(
  tx: Db,
  request: Keyed,
  change: (tx: Db) => R | Promise<R>,
  conflict: (error: UserError) => R,
): Promise<WithReplay<R>> {
  const hash = requestHash({ operation: request.operation, input: request.input });
  // Claim the key before making the change: a second claim of it (another gateway, at the same time)
  // waits for this transaction on PostgreSQL and then finds the key taken, so it replays instead.
  const claimed = await tx
    .insert(idempotencyKeys)
    .values({ tokenId: request.tokenId, key: request.key, operation: request.operation, requestHash: hash, result: {} })
    .onConflictDoNothing()
    .returning({ key: idempotencyKeys.key });
  if (!claimed.length) return earlierCall(tx, request, hash, conflict);
  const result = await change(tx);
  await tx.update(idempotencyKeys).set({ result }).where(keyOf(request));
  return { ...result, replayed: false };
}

const keyOf = (request: Keyed) => and(eq(idempotencyKeys.tokenId, request.tokenId), eq(idempotencyKeys.key, request.key));

/** The stored result of the call that used the key first, or CONFLICT when that call was another request. */
async function earlierCall<R extends { userErrors: UserError[] }>(
  tx: Db,
  request: Keyed,
  hash: string,
  conflict: (error: UserError) => R,
): Promise<WithReplay<R>> {
  const [earlier] = await tx.select().from(idempotencyKeys).where(keyOf(request)).limit(1);
  if (!earlier) throw new Error(`idempotency key ${request.key} was claimed but cannot be read`);
  if (earlier.requestHash !== hash) {
    const why = `idempotencyKey: "${request.key}" was already used for a different request (${earlier.operation}); use a new key for a new request`;
    return { ...conflict(userError('CONFLICT', ['input', 'idempotencyKey'], why)), replayed: false };
  }
  return { ...(earlier.result as R), replayed: true };
}
