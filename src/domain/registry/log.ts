// The import log and the renames imports recorded, as stored (import.ts writes them): read newest first.
import { count, desc, eq, lt } from 'drizzle-orm';
import type { Db } from '../../db/client.js';
import { connectorRenames, importLog } from '../../db/schema.js';
import { newestFirst, type PageInfo } from '../connectors/page.js';
import type { ImportCounts } from './plan.js';

export type ImportLogRow = typeof importLog.$inferSelect;
export type ConnectorRenameRow = typeof connectorRenames.$inferSelect;

export const MAX_IMPORTS_PAGE = 100;

/** The kind its cursors name: a cursor of another list is refused. */
const CURSOR = 'import';

/** A page of the import log, newest first, after a cursor an earlier page gave. */
export async function listImports(
  db: Db,
  page: { first: number; after?: string | null },
): Promise<{ edges: { cursor: string; node: ImportLogRow }[]; pageInfo: PageInfo }> {
  const after = newestFirst.afterId(page.after, CURSOR);
  const rows = await db
    .select()
    .from(importLog)
    .where(after === null ? undefined : lt(importLog.id, after))
    .orderBy(desc(importLog.id))
    .limit(page.first + 1);
  return newestFirst.page(rows, page.first, page.after, CURSOR);
}

export async function countImports(db: Db): Promise<number> {
  return (await db.select({ n: count() }).from(importLog))[0]?.n ?? 0;
}

/** The counts an import logged (zeros for what an older summary lacks). */
export function importCounts(row: ImportLogRow): ImportCounts {
  const counts = (row.summary as { counts?: Partial<ImportCounts> }).counts ?? {};
  const keys: (keyof ImportCounts)[] = [
    'entries',
    'added',
    'changed',
    'unchanged',
    'refused',
    'levelChanges',
    'availabilityChanges',
    'unavailable',
    'renames',
    'conflicts',
    'older',
    'undated',
  ];
  return Object.fromEntries(keys.map((k) => [k, counts[k] ?? 0])) as unknown as ImportCounts;
}

/** A list an import logged in its summary (refused, conflicts, …), or none. */
export function importSummaryList<T>(row: ImportLogRow, key: 'refused' | 'conflicts' | 'renames' | 'levelChanges' | 'unavailable'): T[] {
  const list = (row.summary as Record<string, unknown>)[key];
  return Array.isArray(list) ? (list as T[]) : [];
}

/** The identities a connector was known by, as imports recorded them, newest first. */
export async function renamesOf(db: Db, connectorId: number): Promise<ConnectorRenameRow[]> {
  return db.select().from(connectorRenames).where(eq(connectorRenames.connectorId, connectorId)).orderBy(desc(connectorRenames.id));
}
