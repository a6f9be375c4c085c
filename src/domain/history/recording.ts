// Who is writing, for the history triggers (migration 20261130125451_history_triggers): a write path sets
// the one history_context row inside its transaction and deletes it before the transaction ends, so no
// other transaction ever sees it. On SQLite one write transaction runs at a time; on PostgreSQL a second
// writer's insert of that row waits for the first to commit, so recorded writes take turns there too.
// A writer that sets nothing is still recorded, as 'unattributed' and effective when recorded.
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { rawRun } from '../../db/raw.js';
import { apiTokens, type HistorySourceKey } from '../../db/schema.js';

export interface Recorder {
  /** The token's name, `import:<file>`, `seed`. */
  actor: string | null;
  source: HistorySourceKey;
  importId?: number | null;
  /** When the changes took effect at their source (ISO-8601); undefined: when the transaction began; null: each when it is recorded. */
  effectiveAt?: string | null;
}

/** Now, as ISO-8601 UTC text with milliseconds (how every timestamp is stored), on `db`'s engine. */
export function nowIsoSql(db: Pick<Db, '$engine'>) {
  return db.$engine === 'postgres' ? sql`to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')` : sql`strftime('%Y-%m-%dT%H:%M:%fZ', 'now')`;
}

/** Runs `write` with `who` as the history's writer. Call it inside the write's transaction, with its `tx`. */
export async function recording<T>(tx: Db, who: Recorder, write: () => T | Promise<T>): Promise<T> {
  // Without a time from the source, everything the transaction changes takes effect at one instant: its start.
  const effectiveAt = who.effectiveAt === undefined ? nowIsoSql(tx) : who.effectiveAt;
  await rawRun(
    tx,
    sql`insert into history_context (id, actor, source, import_id, effective_at) values (1, ${who.actor}, ${who.source}, ${who.importId ?? null}, ${effectiveAt})
      on conflict (id) do update set actor = excluded.actor, source = excluded.source, import_id = excluded.import_id, effective_at = excluded.effective_at`,
  );
  const forget = sql`delete from history_context`;
  let result: T;
  try {
    result = await write();
  } catch (error) {
    // On PostgreSQL a failed statement has aborted the transaction, which rolls the row back anyway.
    await rawRun(tx, forget).catch(() => {});
    throw error;
  }
  await rawRun(tx, forget);
  return result;
}

/** Sets when the next changes took effect, for a writer whose changes take effect at different times (an import). */
export async function setEffectiveAt(tx: Db, effectiveAt: string | null): Promise<void> {
  await rawRun(tx, sql`update history_context set effective_at = ${effectiveAt} where id = 1`);
}

/** The name of a token, to record as the actor of the changes it makes. */
export async function tokenActor(db: Db, tokenId: number | null): Promise<string | null> {
  if (tokenId == null) return null;
  const [row] = await db.select({ name: apiTokens.name }).from(apiTokens).where(eq(apiTokens.id, tokenId)).limit(1);
  return row?.name ?? null;
}
