// Keyset pagination over connectors: a page is "the next `first` rows after this cursor in this
// ordering", so its cost does not grow with how deep into the list it is.
import { and, getTableColumns, sql, type AnyColumn, type Column, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { connectors, metricRank, type SupportLevelKey } from '../../db/schema.js';
import type { PolicyCatalog } from '../support/policy.js';
import type { Visibility } from './visibility.js';
import type { Db } from '../../db/client.js';
import { jsonRowsStatement, plainColumns } from '../../db/json-rows.js';
import { literalLimit } from '../../db/limit.js';
import { type MaybePromise, runPrepared } from '../../db/maybe-async.js';
import { connectorFilterSql, type ConnectorFilter, type ConnectorOrder } from './store.js';

export const DEFAULT_ORDER: ConnectorOrder = { field: 'name', direction: 'asc' };
export const MAX_PAGE_SIZE = 100;

type Table = typeof connectors;
export interface Cursor {
  f: string;
  d: string;
  v: string;
  id: number;
  /** The slug, for orderings whose ties the slug breaks (name). */
  s?: string;
}

export class InvalidCursorError extends Error {}

/** The column each ordering sorts by, and the unique one that breaks its ties: names as people read them, then the slug. */
const ORDER_COLUMNS = {
  name: { value: 'nameKey', tie: 'slug' },
  slug: { value: 'slug', tie: 'id' },
  updatedAt: { value: 'updatedAt', tie: 'id' },
  releaseDate: { value: 'releaseDate', tie: 'id' },
  usage: { value: 'usage', tie: 'id' },
  syncSuccessRate: { value: 'syncSuccessRate', tie: 'id' },
} as const satisfies Record<ConnectorOrder['field'], { value: keyof Table['$inferSelect']; tie: 'id' | 'slug' }>;

export function orderExpression(t: Table, order: ConnectorOrder): SQL {
  switch (order.field) {
    case 'name':
      // The stored sort key (src/db/name-key.ts): SQLite's own collations see case and accents.
      return sql`${t.nameKey}`;
    case 'slug':
      return sql`${t.slug}`;
    case 'updatedAt':
      return sql`${t.updatedAt}`;
    case 'releaseDate':
      // Null dates sort first; coalesce keeps them comparable, or a cursor could not page past them.
      return sql`coalesce(${t.releaseDate}, '')`;
    case 'usage':
      // low < medium < high, none first: the expression of connectors_usage_idx, so pages read that index.
      return metricRank(t.usage);
    case 'syncSuccessRate':
      return metricRank(t.syncSuccessRate);
  }
}

/** A metric level's rank as metricRank gives it in SQL. */
const METRIC_RANK: Record<string, string> = { low: '1', medium: '2', high: '3' };

function orderValue(row: Record<string, unknown>, order: ConnectorOrder): string {
  const value = row[ORDER_COLUMNS[order.field].value];
  if (order.field === 'usage' || order.field === 'syncSuccessRate') return METRIC_RANK[value as string] ?? '0';
  return typeof value === 'string' ? value : '';
}

/** The column breaking `order`'s ties. */
export const tieColumn = (t: Table, order: ConnectorOrder) => (ORDER_COLUMNS[order.field].tie === 'slug' ? t.slug : t.id);

/** A keyset cursor: which ordering it belongs to, the ordering value and the id of the row it points at. */
export function encodeKeysetCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeKeysetCursor(text: string, field: string, direction: string): Cursor {
  let cursor: unknown;
  try {
    cursor = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError('after: not a cursor returned by this connection');
  }
  const c = cursor as Partial<Cursor> | null;
  if (!c || typeof c.v !== 'string' || typeof c.id !== 'number' || !Number.isInteger(c.id)) {
    throw new InvalidCursorError('after: not a cursor returned by this connection');
  }
  if (c.f !== field || c.d !== direction) {
    throw new InvalidCursorError('after: the cursor belongs to another orderBy; start again without `after`');
  }
  if (c.s !== undefined && typeof c.s !== 'string') throw new InvalidCursorError('after: not a cursor returned by this connection');
  return c as Cursor;
}

/** Rows strictly after the cursor in (expr, tie) order; the tie is the row id unless another unique value is given. */
export function afterCursorSql(expr: SQL, tie: SQL | AnyColumn, cursor: Cursor, desc: boolean, tieValue: string | number = cursor.id): SQL {
  return desc
    ? sql`(${expr} < ${cursor.v} or (${expr} = ${cursor.v} and ${tie} < ${tieValue}))`
    : sql`(${expr} > ${cursor.v} or (${expr} = ${cursor.v} and ${tie} > ${tieValue}))`;
}

export function encodeCursor(row: Record<string, unknown> & { id: number }, order: ConnectorOrder): string {
  const cursor: Cursor = { f: order.field, d: order.direction, v: orderValue(row, order), id: row.id };
  if (ORDER_COLUMNS[order.field].tie === 'slug') cursor.s = String(row.slug);
  return encodeKeysetCursor(cursor);
}

export function decodeCursor(text: string, order: ConnectorOrder): Cursor {
  const cursor = decodeKeysetCursor(text, order.field, order.direction);
  // A name cursor made before names had a sort key holds the name and no slug: it cannot be continued.
  if (ORDER_COLUMNS[order.field].tie === 'slug' && cursor.s === undefined) {
    throw new InvalidCursorError('after: the cursor is from an older version of this connection; start again without `after`');
  }
  return cursor;
}

/** Rows strictly after the cursor in `order`. */
export function afterOrderCursorSql(t: Table, order: ConnectorOrder, cursor: Cursor, desc: boolean): SQL {
  const bySlug = ORDER_COLUMNS[order.field].tie === 'slug';
  return afterCursorSql(orderExpression(t, order), tieColumn(t, order), cursor, desc, bySlug ? (cursor.s ?? '') : cursor.id);
}

/** What asks for one page of connectors: the filter, order and position, and who is asking. */
export interface ConnectorPageInput {
  db: Db;
  filter: ConnectorFilter | null | undefined;
  order: ConnectorOrder | null | undefined;
  first: number;
  after: string | null | undefined;
  catalog: PolicyCatalog;
  visibility: Visibility;
}

/** The drizzle relational-query options for one page; pass them through the GraphQL selection planner. */
export function connectorPageQuery(input: ConnectorPageInput) {
  const order = input.order ?? DEFAULT_ORDER;
  const cursor = input.after ? decodeCursor(input.after, order) : null;
  const desc = order.direction === 'desc';
  return {
    where: { RAW: pageWhere(input, order, cursor, desc) },
    orderBy: pageOrderBy(order, desc),
    // One row more than asked tells whether there is a next page.
    limit: literalLimit(input.first + 1),
  };
}

function pageWhere(input: Parameters<typeof connectorPageQuery>[0], order: ConnectorOrder, cursor: Cursor | null, desc: boolean): (t: Table) => SQL {
  return (t) => {
    // The candidates already meet the filter and the cursor: the outer query only picks among them.
    const candidates = perLevelCandidates(input, order, cursor);
    if (candidates) return sql`${t.id} in (${candidates})`;
    const parts: (SQL | undefined)[] = [connectorFilterSql(t, input.filter, input.catalog, input.visibility)];
    if (cursor) parts.push(afterOrderCursorSql(t, order, cursor, desc));
    return and(...parts) ?? sql`true`;
  };
}

function pageOrderBy(order: ConnectorOrder, desc: boolean): (t: Table) => SQL[] {
  return (t) => {
    const expr = orderExpression(t, order);
    const tie = tieColumn(t, order);
    return desc ? [sql`${expr} desc`, sql`${tie} desc`] : [sql`${expr} asc`, sql`${tie} asc`];
  };
}

/** The columns a page always reads: the row id and every column a cursor may be made from. */
export const CURSOR_COLUMNS = { id: true, nameKey: true, slug: true, updatedAt: true, releaseDate: true, usage: true, syncSuccessRate: true } as const;

export type ConnectorColumn = keyof typeof connectors.$inferSelect;

type PageRow = { id: number } & Partial<typeof connectors.$inferSelect>;

/** Keeps a built statement under `key`, or builds it now (the default: nothing is kept). */
export type Keep = <T extends object>(key: string, build: () => T) => T;
const buildNow: Keep = (_key, build) => build();

/**
 * One page of connectors with only the given columns (and those a cursor needs, unless `cursors` is
 * false: the page's edges and pageInfo then make no cursor), in one statement:
 * for a list that needs nothing but the connectors' own columns. `keep` may keep the built statement
 * under a key made of everything it is built from. Synchronous on SQLite (src/db/maybe-async.ts).
 */
export function connectorPage(input: ConnectorPageInput & { columns: Iterable<string>; cursors?: boolean }, keep: Keep = buildNow): MaybePromise<PageRow[]> {
  // The row id and the ordering's columns make the cursors (read unless no cursor can be asked for); the
  // rest is what the nodes read.
  const columns: Record<string, true> = { id: true };
  if (input.cursors !== false) {
    const sort = ORDER_COLUMNS[(input.order ?? DEFAULT_ORDER).field];
    columns[sort.value] = true;
    columns[sort.tie] = true;
  }
  for (const c of input.columns) columns[c] = true;
  // The level merge depends on the registry's size, so whether it applies is part of the key.
  const key = JSON.stringify([
    Object.keys(columns).sort(),
    input.filter ?? null,
    input.order ?? null,
    input.first,
    input.after ?? null,
    input.visibility,
    connectorRows(input.db) >= PER_LEVEL_MIN_ROWS,
  ]);
  // Plain columns (the usual case) come back as one JSON text on SQLite (src/db/json-rows.ts).
  const read = keep(key, (): (() => MaybePromise<PageRow[]>) => {
    const query = input.db.query.connectors.findMany({ columns, ...connectorPageQuery(input) } as never);
    const all = getTableColumns(connectors) as Record<string, Column>;
    const selected = Object.fromEntries(Object.keys(columns).map((c) => [c, all[c]!]));
    if (input.db.$engine === 'sqlite' && plainColumns(selected)) return jsonRowsStatement<PageRow>(input.db, query, selected);
    const statement = query.prepare();
    return () => runPrepared<PageRow[]>(statement);
  });
  return read();
}

const k = alias(connectors, 'k');

/**
 * Below this many connectors a plain query, which sorts the matching rows, beats merging per-level
 * index reads (measured from 1,000 to 100,000 connectors: about even at 3,000; see bench/RESULTS.md).
 */
export const PER_LEVEL_MIN_ROWS = 3000;

/** How long the registry-size estimate is used before it is read again. */
const ROWS_ESTIMATE_MS = 1000;
const rowEstimates = new WeakMap<Db, { at: number; rows: number }>();

/**
 * About how many connectors there are: the highest row id (connectors are never deleted, so this is
 * an upper bound), read again at most once a second. It only chooses between two plans that return
 * the same rows, so a briefly stale figure costs at most some speed, never a wrong answer; reading
 * the database version on every request to keep it exact cost more than the choice saves.
 */
function connectorRows(db: Db): number {
  // The merge works around SQLite's planner; PostgreSQL plans the plain query itself.
  if (db.$engine === 'postgres') return 0;
  const now = performance.now();
  let estimate = rowEstimates.get(db);
  if (!estimate || now - estimate.at > ROWS_ESTIMATE_MS) {
    // Prepared anew each time: once a second, that costs nothing that matters.
    estimate = { at: now, rows: db.$client.prepare('select coalesce(max(id), 0) from connectors').pluck().get() as number };
    rowEstimates.set(db, estimate);
  }
  return estimate.rows;
}

/** The support levels a filter keeps, when it keeps fewer than all of them. */
function levelsKept(filter: ConnectorFilter | null | undefined, catalog: PolicyCatalog): SupportLevelKey[] | null {
  let levels: SupportLevelKey[] | null = filter?.supportLevels ? [...new Set(filter.supportLevels)] : null;
  if (filter?.supportedOn && filter.withSla != null) {
    const withSla = new Set(catalog.levelsWithSla(filter.supportedOn));
    const kept = catalog.levels.map((l) => l.key).filter((l) => withSla.has(l) === filter.withSla);
    levels = levels ? levels.filter((l) => kept.includes(l)) : kept;
  }
  return levels && levels.length < catalog.levels.length ? levels : null;
}

/**
 * For a name-ordered page restricted to some support levels: each level's first rows, read in name
 * order from the (support_level, name_key, slug) index, stopping at the page size. The page is the best of these
 * candidates. SQLite would otherwise read every row of those levels and sort them (on 100,000
 * connectors, 25 ms instead of well under 1 ms), or scan the name index when the levels are rare.
 */
function perLevelCandidates(
  input: { db: Db; filter: ConnectorFilter | null | undefined; first: number; catalog: PolicyCatalog; visibility: Visibility },
  order: ConnectorOrder,
  cursor: Cursor | null,
): SQL | null {
  if (order.field !== 'name' || connectorRows(input.db) < PER_LEVEL_MIN_ROWS) return null;
  const levels = levelsKept(input.filter, input.catalog);
  if (!levels || levels.length === 0) return null;
  const desc = order.direction === 'desc';
  const dir = desc ? sql`desc` : sql`asc`;
  // The level conditions are replaced by one equality per branch: a redundant `support_level in (…)`
  // makes SQLite sort the whole level instead of reading the index in order.
  const rest: ConnectorFilter = { ...input.filter, supportLevels: null, withSla: null };
  const branches = levels.map((level) => {
    const conditions = and(
      sql`${k.supportLevel} = ${level}`,
      connectorFilterSql(k as unknown as typeof connectors, rest, input.catalog, input.visibility),
      cursor ? afterOrderCursorSql(k as unknown as Table, order, cursor, desc) : undefined,
    );
    return sql`select * from (select ${k.id} from ${connectors} as "k" where ${conditions} order by ${k.nameKey} ${dir}, ${k.slug} ${dir} limit ${literalLimit(input.first + 1)})`;
  });
  return sql.join(branches, sql` union all `);
}

export interface PageInfo {
  hasNextPage: boolean;
  hasPreviousPage: boolean;
  startCursor: string | null;
  endCursor: string | null;
}

/** An item of a page; its cursor is made only when a client asks for it. */
class Edge<Row> {
  constructor(
    readonly node: Row,
    private readonly cursorOf: (row: Row) => string,
  ) {}

  get cursor(): string {
    return this.cursorOf(this.node);
  }
}

/** Cuts the one-extra row fetched to learn whether a next page exists, and describes the page. */
export function pageOf<Row>(rows: Row[], first: number, after: string | null | undefined, cursorOf: (row: Row) => string) {
  const edges: { cursor: string; node: Row }[] = rows.slice(0, first).map((node) => new Edge(node, cursorOf));
  return { edges, pageInfo: new PageInfoOf(edges, rows.length > first, !!after) };
}

/**
 * Paging a log newest first by id (the import log, the audit log): the id after which `after` points,
 * and the page of rows read up to `first + 1` below it, with cursors of the log's own kind.
 */
export const newestFirst = {
  afterId(after: string | null | undefined, kind: string): number | null {
    return after ? decodeKeysetCursor(after, kind, 'desc').id : null;
  },
  page<Row extends { id: number }>(rows: Row[], first: number, after: string | null | undefined, kind: string) {
    return pageOf(rows, first, after, (row) => encodeKeysetCursor({ f: kind, d: 'desc', v: '', id: row.id }));
  },
};

/**
 * A page's PageInfo; its cursors, like the edges', are made only when asked for. A class rather than
 * an object literal with getters: V8 gives every such literal its own hidden class, which the young
 * generation collector then keeps (and copies) until a full collection.
 */
class PageInfoOf implements PageInfo {
  constructor(
    private readonly edges: readonly { cursor: string }[],
    readonly hasNextPage: boolean,
    readonly hasPreviousPage: boolean,
  ) {}

  get startCursor(): string | null {
    return this.edges[0]?.cursor ?? null;
  }

  get endCursor(): string | null {
    return this.edges[this.edges.length - 1]?.cursor ?? null;
  }
}

export interface Page<Row> {
  edges: { cursor: string; node: Row }[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

export function toPage<Row extends Record<string, unknown> & { id: number }>(
  rows: Row[],
  input: { first: number; after: string | null | undefined; order: ConnectorOrder | null | undefined },
): Page<Row> {
  const order = input.order ?? DEFAULT_ORDER;
  return pageOf(rows, input.first, input.after, (node) => encodeCursor(node, order));
}
