// The audit log: one row per privileged act, appended and never changed (the table's triggers refuse
// UPDATE and DELETE). A row names who acted (a token's name, `cli:<user>`, never a token), what, on
// what, when, from where, and how it ended.
import { and, asc, count, desc, eq, gt, gte, lt, lte, type SQL } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { transaction } from '../../db/transaction.js';
import { auditLog, type AuditOutcome } from '../../db/schema.js';
import { newestFirst, type PageInfo } from '../connectors/page.js';

export { AUDIT_OUTCOMES, type AuditOutcome } from '../../db/schema.js';
export type AuditRow = typeof auditLog.$inferSelect;

/** The actions written by the domain and the command line; GraphQL mutations use their field name. */
export const AUDIT_ACTIONS = {
  tokenCreate: 'token.create',
  tokenRotate: 'token.rotate',
  tokenRevoke: 'token.revoke',
  registryImport: 'registry.import',
  authFailures: 'auth.failures',
} as const;

/** Codes only the audit log uses (a refused request's own code is the one its caller got). */
export const AUDIT_CODES = { importRefused: 'IMPORT_REFUSED' } as const;

export interface AuditEntry {
  actor: string | null;
  action: string;
  target?: string | null;
  /** Null for the command line. */
  clientAddress?: string | null;
  outcome: AuditOutcome;
  /** The error code of a refused or failed act. */
  code?: string | null;
  detail?: Record<string, unknown>;
  /** The import_log row of a registry import. */
  importId?: number | null;
  /** When it happened; the database's clock by default. */
  at?: Date;
}

/** Appends one row inside the caller's transaction (pass its `tx`), so the act and its row commit together. */
export async function recordAudit(tx: Db, entry: AuditEntry): Promise<AuditRow> {
  const [row] = await tx
    .insert(auditLog)
    .values({
      actor: entry.actor,
      action: entry.action,
      target: entry.target ?? null,
      clientAddress: entry.clientAddress ?? null,
      outcome: entry.outcome,
      code: entry.code ?? null,
      detail: entry.detail ?? {},
      importId: entry.importId ?? null,
      ...(entry.at ? { at: entry.at.toISOString() } : {}),
    })
    .returning();
  return row!;
}

/** Appends one row in a transaction of its own, for an act that wrote nothing else (a refusal, a burst of failures). */
export async function appendAudit(db: Db, entry: AuditEntry): Promise<AuditRow> {
  return transaction(db, (tx) => recordAudit(tx, entry));
}

export interface AuditFilter {
  action?: string | null;
  actor?: string | null;
  outcome?: AuditOutcome | null;
  /** From this time on, inclusive. */
  since?: Date | null;
  /** Up to this time, inclusive. */
  until?: Date | null;
}

export const MAX_AUDIT_PAGE = 100;

/** The kind its cursors name: a cursor of another list is refused. */
const CURSOR = 'audit';

function where(filter: AuditFilter): SQL | undefined {
  return and(
    filter.action ? eq(auditLog.action, filter.action) : undefined,
    filter.actor ? eq(auditLog.actor, filter.actor) : undefined,
    filter.outcome ? eq(auditLog.outcome, filter.outcome) : undefined,
    filter.since ? gte(auditLog.at, filter.since.toISOString()) : undefined,
    filter.until ? lte(auditLog.at, filter.until.toISOString()) : undefined,
  );
}

/** A page of the audit log, newest first, after a cursor an earlier page gave. */
export async function listAudit(
  db: Db,
  filter: AuditFilter,
  page: { first: number; after?: string | null },
): Promise<{ edges: { cursor: string; node: AuditRow }[]; pageInfo: PageInfo }> {
  const after = newestFirst.afterId(page.after, CURSOR);
  const rows = await db
    .select()
    .from(auditLog)
    .where(and(where(filter), after === null ? undefined : lt(auditLog.id, after)))
    .orderBy(desc(auditLog.id))
    .limit(page.first + 1);
  return newestFirst.page(rows, page.first, page.after, CURSOR);
}

export async function countAudit(db: Db, filter: AuditFilter): Promise<number> {
  const [row] = await db.select({ n: count() }).from(auditLog).where(where(filter));
  return row?.n ?? 0;
}

const EXPORT_BATCH = 500;

/** Every matching row, oldest first, read a batch at a time (for an export of any length). */
export async function* auditRows(db: Db, filter: AuditFilter): AsyncGenerator<AuditRow> {
  let last = 0;
  for (;;) {
    const rows = await db
      .select()
      .from(auditLog)
      .where(and(where(filter), gt(auditLog.id, last)))
      .orderBy(asc(auditLog.id))
      .limit(EXPORT_BATCH);
    yield* rows;
    if (rows.length < EXPORT_BATCH) return;
    last = rows.at(-1)!.id;
  }
}
