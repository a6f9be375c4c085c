// Who is writing, for the history triggers (migration 20261130125451_history_triggers): a write path sets
// the one history_context row inside its transaction and deletes it before the transaction ends, so no
// other transaction ever sees it (SQLite runs one write transaction at a time). A writer that sets
// nothing is still recorded, as 'unattributed' and effective when recorded.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { apiTokens, type HistorySourceKey } from '../../db/schema.js';

export interface Recorder {
  /** The token's name, `import:<file>`, `seed`. */
  actor: string | null;
  source: HistorySourceKey;
  importId?: number | null;
  /** When the changes took effect at their source (ISO-8601); undefined: when the transaction began; null: each when it is recorded. */
  effectiveAt?: string | null;
}

/** Runs `write` with `who` as the history's writer. Call it inside the write's transaction (`db` may be drizzle's transaction). */
export function recording<T>(db: Db, who: Recorder, write: () => T): T {
  // Without a time from the source, everything the transaction changes takes effect at one instant: its start.
  const effectiveAt = who.effectiveAt === undefined ? sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')` : who.effectiveAt;
  db.run(
    sql`insert or replace into history_context (id, actor, source, import_id, effective_at) values (1, ${who.actor}, ${who.source}, ${who.importId ?? null}, ${effectiveAt})`,
  );
  // STAND-IN (async-registry, drop for C's async recording on merge): an async `write` keeps the context until it settles.
  let result: T;
  try {
    result = write();
  } catch (error) {
    db.run(sql`delete from history_context`);
    throw error;
  }
  if (result instanceof Promise) return result.finally(() => db.run(sql`delete from history_context`)) as T;
  db.run(sql`delete from history_context`);
  return result;
}

/** A statement that sets when the next changes took effect, for a writer whose changes take effect at different times (an import). */
export function effectiveSetter(db: Pick<Db, '$client'>): (effectiveAt: string | null) => void {
  const statement = db.$client.prepare('update history_context set effective_at = ? where id = 1');
  return (effectiveAt) => void statement.run(effectiveAt);
}

/** The name of a token, to record as the actor of the changes it makes. */
export function tokenActor(db: Db, tokenId: number | null): string | null {
  if (tokenId == null) return null;
  return db.select({ name: apiTokens.name }).from(apiTokens).where(eq(apiTokens.id, tokenId)).get()?.name ?? null;
}
