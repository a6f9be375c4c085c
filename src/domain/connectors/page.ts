// Keyset pagination over connectors: a page is "the next `first` rows after this cursor in this
// ordering", so its cost does not grow with how deep into the list it is.
import { and, sql, type SQL } from 'drizzle-orm';
import type { connectors } from '../../db/schema.js';
import type { PolicyCatalog } from '../support/policy.js';
import { connectorFilterSql, type ConnectorFilter, type ConnectorOrder } from './store.js';

export const DEFAULT_ORDER: ConnectorOrder = { field: 'name', direction: 'asc' };
export const MAX_PAGE_SIZE = 100;

type Table = typeof connectors;
interface Cursor {
  f: string;
  d: string;
  v: string;
  id: number;
}

export class InvalidCursorError extends Error {}

function orderExpression(t: Table, order: ConnectorOrder): SQL {
  switch (order.field) {
    case 'name':
      return sql`${t.name}`;
    case 'slug':
      return sql`${t.slug}`;
    case 'updatedAt':
      return sql`${t.updatedAt}`;
    case 'releaseDate':
      // Null dates sort first; coalesce keeps them comparable, or a cursor could not page past them.
      return sql`coalesce(${t.releaseDate}, '')`;
  }
}

function orderValue(row: Record<string, unknown>, order: ConnectorOrder): string {
  const value = row[order.field];
  return typeof value === 'string' ? value : '';
}

export function encodeCursor(row: Record<string, unknown> & { id: number }, order: ConnectorOrder): string {
  const cursor: Cursor = { f: order.field, d: order.direction, v: orderValue(row, order), id: row.id };
  return Buffer.from(JSON.stringify(cursor)).toString('base64url');
}

export function decodeCursor(text: string, order: ConnectorOrder): Cursor {
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
  if (c.f !== order.field || c.d !== order.direction) {
    throw new InvalidCursorError('after: the cursor belongs to another orderBy; start again without `after`');
  }
  return c as Cursor;
}

/** The drizzle relational-query options for one page; pass them through the GraphQL selection planner. */
export function connectorPageQuery(input: {
  filter: ConnectorFilter | null | undefined;
  order: ConnectorOrder | null | undefined;
  first: number;
  after: string | null | undefined;
  catalog: PolicyCatalog;
}) {
  const order = input.order ?? DEFAULT_ORDER;
  const cursor = input.after ? decodeCursor(input.after, order) : null;
  const desc = order.direction === 'desc';
  return {
    where: {
      RAW: (t: Table) => {
        const parts: (SQL | undefined)[] = [connectorFilterSql(t, input.filter, input.catalog)];
        if (cursor) {
          const expr = orderExpression(t, order);
          parts.push(
            desc
              ? sql`(${expr} < ${cursor.v} or (${expr} = ${cursor.v} and ${t.id} < ${cursor.id}))`
              : sql`(${expr} > ${cursor.v} or (${expr} = ${cursor.v} and ${t.id} > ${cursor.id}))`,
          );
        }
        return and(...parts) ?? sql`1`;
      },
    },
    orderBy: (t: Table) => {
      const expr = orderExpression(t, order);
      return desc ? [sql`${expr} desc`, sql`${t.id} desc`] : [sql`${expr} asc`, sql`${t.id} asc`];
    },
    // One row more than asked tells whether there is a next page.
    limit: input.first + 1,
  };
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
  const hasNextPage = rows.length > input.first;
  const edges = rows.slice(0, input.first).map((node) => ({ cursor: encodeCursor(node, order), node }));
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: !!input.after,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges[edges.length - 1]?.cursor ?? null,
    },
  };
}
