// A token's own cost budget: how many points it may hold and how many restore each second. A token
// without one takes the server's (COST_BUDGET, COST_RESTORE_RATE).
import { and, eq, isNull } from 'drizzle-orm';
import { z } from 'zod';
import type { Db } from '../../db/client.js';
import { transaction } from '../../db/transaction.js';
import { apiTokens } from '../../db/schema.js';

export const tokenBudgetSchema = z.object({
  budget: z.coerce.number().int().min(1, { message: 'must be at least 1 point' }).max(100_000_000),
  restoreRate: z.coerce.number().int().min(1, { message: 'must be at least 1 point a second' }).max(100_000_000).nullish(),
});

/** Sets the budget of the live token named `name`; false when there is none. */
export async function setTokenBudget(db: Db, name: string, input: z.input<typeof tokenBudgetSchema>): Promise<boolean> {
  const parsed = tokenBudgetSchema.parse(input);
  const changed = await transaction(db, (tx) =>
    tx
      .update(apiTokens)
      .set({ costBudget: parsed.budget, costRestoreRate: parsed.restoreRate ?? null })
      .where(and(eq(apiTokens.name, name), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id }),
  );
  return changed.length > 0;
}
