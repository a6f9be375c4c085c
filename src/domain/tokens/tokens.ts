// API tokens: random, shown once, stored as a SHA-256 hash, revocable, with scopes.
import { createHash, randomBytes } from 'node:crypto';
import { and, asc, eq, isNull, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { apiTokens } from '../../db/schema.js';

export const TOKEN_SCOPES = ['read:private', 'certify', 'publish', 'import', 'admin'] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
export type TokenRow = typeof apiTokens.$inferSelect;

export const tokenCreateSchema = z.object({
  name: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, { message: 'must be letters, digits, dots, dashes or underscores' }),
  scopes: z.array(z.enum(TOKEN_SCOPES)).min(1, { message: 'give at least one scope' }),
  organization: z.string().min(1).max(100).nullish(),
});

const TOKEN_PREFIX = 'crg_';

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}

/** Creates a token and returns it in the clear: the only time it is ever seen. */
export function createToken(db: Db, input: z.input<typeof tokenCreateSchema>): { token: string; row: TokenRow } {
  const parsed = tokenCreateSchema.parse(input);
  const token = TOKEN_PREFIX + randomBytes(32).toString('base64url');
  const row = db
    .insert(apiTokens)
    .values({
      name: parsed.name,
      tokenHash: hashToken(token),
      scopes: [...new Set(parsed.scopes)],
      organization: parsed.organization ?? null,
    })
    .returning()
    .get();
  return { token, row };
}

/** The live token row for a bearer token, or null. Records when it was last used. */
export function authenticateToken(db: Db, token: string): TokenRow | null {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const row = db
    .select()
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hashToken(token)), isNull(apiTokens.revokedAt)))
    .get();
  if (!row) return null;
  // At most one write a minute per token: last_used is for spotting unused tokens, and a write on
  // every request would also invalidate the response cache each time.
  const minuteAgo = new Date(Date.now() - 60_000).toISOString();
  if (!row.lastUsedAt || row.lastUsedAt < minuteAgo) {
    db.update(apiTokens).set({ lastUsedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` }).where(eq(apiTokens.id, row.id)).run();
  }
  return row;
}

export function listTokens(db: Db): TokenRow[] {
  return db.select().from(apiTokens).orderBy(asc(apiTokens.id)).all();
}

/** Revokes a token by name; returns false when no live token has that name. */
export function revokeToken(db: Db, name: string): boolean {
  const result = db
    .update(apiTokens)
    .set({ revokedAt: sql`(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))` })
    .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)))
    .run();
  return result.changes > 0;
}
