// API tokens: random, shown once, stored as a SHA-256 hash, with scopes; they expire, rotate (the old
// token works on for a grace period) and can be revoked. Creating, rotating and revoking one writes its
// audit row in the same transaction.
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, lt, or, sql } from 'drizzle-orm';
import ms from 'ms';
import { z } from 'zod';
import { literalLimit } from '../../db/limit.js';
import type { Db } from '../../db/client.js';
import { transaction } from '../../db/transaction.js';
import { apiTokens } from '../../db/schema.js';
import { AUDIT_ACTIONS, recordAudit } from '../audit/store.js';

export const TOKEN_SCOPES = ['read:private', 'certify', 'publish', 'import', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export type TokenRow = typeof apiTokens.$inferSelect;

/** How long a token lives unless told otherwise. */
export const DEFAULT_TOKEN_LIFETIME = '90d';
/** How long a rotated-out token keeps working unless told otherwise. */
export const DEFAULT_ROTATION_GRACE = '24h';

const MINUTE = 60_000;
const LIFETIME_MAX = ms('5y');
const GRACE_MAX = ms('30d');

export const tokenCreateSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be letters, digits, dots, dashes or underscores' }),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, { message: 'give at least one scope' }),
  organization: z.string().min(1).max(100).nullish(),
  /** Milliseconds the token lives; null never expires; absent is DEFAULT_TOKEN_LIFETIME. */
  expiresInMs: z.number().int().min(MINUTE).max(LIFETIME_MAX).nullish(),
});

/** A duration option that did not parse or broke its rule; the message names the option. */
export class DurationError extends Error {}

/**
 * Reads a duration as `ms` does (`90d`, `12h`, `30m`), for the option named `option`. A lifetime may be
 * `never`, and is one minute to five years; a grace period is zero to 30 days.
 */
export function parseDuration(value: string, option: string, kind: 'lifetime' | 'grace'): number | null {
  const text = value.trim();
  if (kind === 'lifetime' && text === 'never') return null;
  const parsed = /^\d+(\.\d+)?\s*[a-z]+$/i.test(text) ? ms(text as ms.StringValue) : Number.NaN;
  const [min, max, words] = kind === 'lifetime' ? [MINUTE, LIFETIME_MAX, '1m to 5y, or never'] : [0, GRACE_MAX, '0s to 30d'];
  if (!Number.isFinite(parsed)) {
    throw new DurationError(
      `${option}: "${value}" is not a duration; give a number and a unit (s, m, h, d, w, y), e.g. 90d or 12h${kind === 'lifetime' ? ', or never' : ''}`,
    );
  }
  if (parsed < min || parsed > max) throw new DurationError(`${option}: "${value}" is out of range; it must be ${words}`);
  return Math.round(parsed);
}

const TOKEN_PREFIX = 'crg_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

function newToken(): string {
  return TOKEN_PREFIX + randomBytes(32).toString('base64url');
}

/** Who asks for a token change, for the audit log, and the clock. */
export interface TokenChangeBy {
  actor: string | null;
  clientAddress?: string | null;
  now?: Date;
}

function expiryFrom(now: Date, lifetimeMs: number | null | undefined): string | null {
  const lifetime = lifetimeMs === undefined ? ms(DEFAULT_TOKEN_LIFETIME) : lifetimeMs;
  return lifetime === null ? null : new Date(now.getTime() + lifetime).toISOString();
}

/** Creates a token and returns it in the clear: the only time it is ever seen. */
export async function createToken(
  db: Db,
  input: z.input<typeof tokenCreateSchema>,
  by: TokenChangeBy = { actor: null },
): Promise<{ token: string; row: TokenRow }> {
  const parsed = tokenCreateSchema.parse(input);
  const now = by.now ?? new Date();
  const token = newToken();
  return transaction(db, async (tx) => {
    const [row] = await tx
      .insert(apiTokens)
      .values({
        name: parsed.name,
        tokenHash: hashToken(token),
        scopes: [...new Set(parsed.scopes)],
        organization: parsed.organization ?? null,
        createdAt: now.toISOString(),
        expiresAt: expiryFrom(now, parsed.expiresInMs),
      })
      .returning();
    await recordAudit(tx, {
      actor: by.actor,
      action: AUDIT_ACTIONS.tokenCreate,
      target: row!.name,
      clientAddress: by.clientAddress,
      outcome: 'succeeded',
      detail: { scopes: row!.scopes, organization: row!.organization, expiresAt: row!.expiresAt },
      at: now,
    });
    return { token, row: row! };
  });
}

/** Why a bearer token was refused: unknown, malformed and revoked alike, or expired (and when). */
export type TokenRefusal = { code: 'UNAUTHENTICATED' } | { code: 'TOKEN_EXPIRED'; expiredAt: string };
export type TokenCheck = { row: TokenRow; refusal?: undefined } | { row: null; refusal: TokenRefusal };

const UNKNOWN: TokenCheck = { row: null, refusal: { code: 'UNAUTHENTICATED' } };

/**
 * The live token row for a bearer token, or why it is refused: a token past its expiry, or a
 * rotated-out one past its grace period, is TOKEN_EXPIRED. Records when a token was last used.
 */
export async function checkToken(db: Db, token: string, now: Date = new Date()): Promise<TokenCheck> {
  if (!token.startsWith(TOKEN_PREFIX)) return UNKNOWN;
  const hash = hashToken(token);
  const [row] = await db
    .select()
    .from(apiTokens)
    .where(or(eq(apiTokens.tokenHash, hash), eq(apiTokens.previousTokenHash, hash)))
    .limit(literalLimit(1) as never);
  if (!row || row.revokedAt) return UNKNOWN;
  const at = now.toISOString();
  const until = row.tokenHash === hash ? row.expiresAt : row.previousExpiresAt;
  if (until !== null && until <= at) return { row: null, refusal: { code: 'TOKEN_EXPIRED', expiredAt: until } };
  // At most one write a minute per token: last_used is for spotting unused tokens, and a write on
  // every request would also invalidate the response cache each time. The condition is in the
  // statement, so gateways checking the same token at once write it once.
  const minuteAgo = new Date(now.getTime() - MINUTE).toISOString();
  if (!row.lastUsedAt || row.lastUsedAt < minuteAgo) {
    await transaction(db, (tx) =>
      tx
        .update(apiTokens)
        .set({ lastUsedAt: at })
        .where(and(eq(apiTokens.id, row.id), or(isNull(apiTokens.lastUsedAt), lt(apiTokens.lastUsedAt, minuteAgo)))),
    );
  }
  return { row };
}

/** The live token row for a bearer token, or null (unknown, revoked or expired). */
export async function authenticateToken(db: Db, token: string, now: Date = new Date()): Promise<TokenRow | null> {
  return (await checkToken(db, token, now)).row;
}

export async function listTokens(db: Db): Promise<TokenRow[]> {
  return db.select().from(apiTokens).orderBy(asc(apiTokens.id));
}

/**
 * Issues a new token for a live token's name, scopes and organization; the token it replaces keeps
 * working for `graceMs` (never past its own expiry), then is refused as expired. Null when no live token
 * has that name. One conditional update, so two rotations at once (two gateways) cannot both win.
 */
export async function rotateToken(
  db: Db,
  name: string,
  options: { graceMs: number; expiresInMs?: number | null },
  by: TokenChangeBy = { actor: null },
): Promise<{ token: string; row: TokenRow } | null> {
  const now = by.now ?? new Date();
  const token = newToken();
  const graceEnd = new Date(now.getTime() + options.graceMs).toISOString();
  return transaction(db, async (tx) => {
    // The right-hand sides read the row as it was before this update, on both engines.
    const [row] = await tx
      .update(apiTokens)
      .set({
        tokenHash: hashToken(token),
        expiresAt: expiryFrom(now, options.expiresInMs),
        previousTokenHash: sql`${apiTokens.tokenHash}`,
        previousExpiresAt: sql`case when ${apiTokens.expiresAt} is not null and ${apiTokens.expiresAt} < ${graceEnd} then ${apiTokens.expiresAt} else ${graceEnd} end`,
        rotatedAt: now.toISOString(),
      })
      .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)))
      .returning();
    if (!row) return null;
    await recordAudit(tx, {
      actor: by.actor,
      action: AUDIT_ACTIONS.tokenRotate,
      target: name,
      clientAddress: by.clientAddress,
      outcome: 'succeeded',
      detail: { expiresAt: row.expiresAt, previousExpiresAt: row.previousExpiresAt },
      at: now,
    });
    return { token, row };
  });
}

/** Revokes a token by name (and any token it replaced); returns false when no live token has that name. */
export async function revokeToken(db: Db, name: string, by: TokenChangeBy = { actor: null }): Promise<boolean> {
  const now = by.now ?? new Date();
  return transaction(db, async (tx) => {
    const revoked = await tx
      .update(apiTokens)
      .set({ revokedAt: now.toISOString() })
      .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id });
    if (revoked.length === 0) return false;
    await recordAudit(tx, {
      actor: by.actor,
      action: AUDIT_ACTIONS.tokenRevoke,
      target: name,
      clientAddress: by.clientAddress,
      outcome: 'succeeded',
      at: now,
    });
    return true;
  });
}
