// Idempotency keys: a client retrying a mutation (after a timeout, say) sends the same key and gets the
// first call's result back, without the change being made twice. The key, the result and the change
// are written in one transaction, so a crash cannot leave one without the other.
import { createHash } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../db/client.js';
import { idempotencyKeys } from '../db/schema.js';
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

/**
 * Runs `change` in an IMMEDIATE transaction, recorded in the connector history as the token's change
 * (every mutation goes through here). With a key: the first call's result is stored with the change; a
 * later call with the same key and input returns it (replayed: true); the same key with another input
 * or operation is a CONFLICT userError.
 */
export function idempotent<R extends { userErrors: UserError[] }>(
  db: Db,
  request: { tokenId: number | null; key: string | null | undefined; operation: string; input: unknown },
  change: (tx: Db) => R,
  conflict: (error: UserError) => R,
): WithReplay<R> {
  const { key, tokenId } = request;
  // better-sqlite3's own transaction on the same connection: the domain function's transaction inside
  // it becomes a savepoint, so the history's writer, the key, the result and the change commit or roll
  // back together.
  const run = db.$client.transaction(
    (): WithReplay<R> =>
      recording(db, { actor: tokenActor(db, tokenId) ?? 'unknown', source: 'mutation' }, () =>
        !key || tokenId == null ? { ...change(db), replayed: false } : keyed(db, { ...request, key, tokenId }, change, conflict),
      ),
  );
  return run.immediate();
}

function keyed<R extends { userErrors: UserError[] }>(
  tx: Db,
  request: { tokenId: number; key: string; operation: string; input: unknown },
  change: (tx: Db) => R,
  conflict: (error: UserError) => R,
): WithReplay<R> {
  const { key, tokenId } = request;
  const hash = requestHash({ operation: request.operation, input: request.input });
  const earlier = tx
    .select()
    .from(idempotencyKeys)
    .where(and(eq(idempotencyKeys.tokenId, tokenId), eq(idempotencyKeys.key, key)))
    .get();
  if (earlier) {
    if (earlier.requestHash !== hash) {
      return {
        ...conflict(
          userError(
            'CONFLICT',
            ['input', 'idempotencyKey'],
            `idempotencyKey: "${key}" was already used for a different request (${earlier.operation}); use a new key for a new request`,
          ),
        ),
        replayed: false,
      };
    }
    return { ...(earlier.result as R), replayed: true };
  }
  const result = change(tx);
  tx.insert(idempotencyKeys).values({ tokenId, key, operation: request.operation, requestHash: hash, result }).run();
  return { ...result, replayed: false };
}
