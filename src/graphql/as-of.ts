// Connectors as of an instant, shaped as the Connector type reads its rows. The rows come from
// plugin-drizzle's plan of the selection (so relation fields find their data where they always do), then
// take the values they had at that instant: columns, deployments, availability, breaking changes and the
// certification events that had taken effect. A relation beneath those (an event's connector) is today's.
import { inArray } from 'drizzle-orm';
import type { Context } from '../context.js';
import type { connectors } from '../db/schema.js';
import { CURSOR_COLUMNS, toPage } from '../domain/connectors/page.js';
import { plannedConnectorRows, type ConnectorFilter, type ConnectorOrder } from '../domain/connectors/store.js';
import { asOfPageRows, asOfStates, breakingChangeVersions, countAsOf, eventIdsAsOf, type AsOfState } from '../domain/history/store.js';

type Row = { id: number } & Record<string, unknown>;

/** The instant a DateTime argument names, as connector_history stores instants. */
export const instant = (at: Date | string): string => (typeof at === 'string' ? new Date(at) : at).toISOString();

type Related = { id: number } & Record<string, unknown>;

/**
 * Gives a planned row the values of `state`, and keeps of its relations (plugin-drizzle loads them under
 * the relation's name) only what existed then: availability as it was, the breaking changes announced by
 * then with their columns as they were, the certification events that had taken effect.
 */
export function overlay(row: Row, state: AsOfState, at: { events: ReadonlySet<number>; versions: ReadonlyMap<number, string> }): Row {
  Object.assign(row, state.columns, { nameKey: state.nameKey, enabledOn: state.enabledOn, updatedAt: state.updatedAt });
  if (Array.isArray(row.availability)) row.availability = [...state.availability].map(([deployment, a]) => ({ deployment, ...a }));
  if (Array.isArray(row.breakingChanges)) {
    row.breakingChanges = (row.breakingChanges as Related[]).flatMap((b) => {
      const version = at.versions.get(b.id);
      return version && state.breakingChanges.has(version) ? [Object.assign(b, then(state, version))] : [];
    });
  }
  if (Array.isArray(row.certificationEvents)) row.certificationEvents = (row.certificationEvents as Related[]).filter((e) => at.events.has(e.id));
  return row;
}

/** A breaking change's columns as they were. */
function then(state: AsOfState, version: string) {
  const b = state.breakingChanges.get(version)!;
  return {
    upgradeDeadline: b.upgradeDeadline,
    message: b.message,
    migrationDocumentationUrl: b.migrationDocumentationUrl,
    deadlineAction: b.deadlineAction,
    scopedImpact: b.scopedImpact,
  };
}

/** The planned rows of `ids` as of `at`, in the order of `ids`; those that did not exist then are left out. */
export async function rowsAsOf(ctx: Context, ids: readonly number[], at: string, planned: (ids: readonly number[]) => Row[] | Promise<Row[]>): Promise<Row[]> {
  const states = await asOfStates(ctx.db, ids, at);
  const related = { events: await eventIdsAsOf(ctx.db, ids, at), versions: await breakingChangeVersions(ctx.db, ids) };
  const byId = new Map((await planned(ids)).map((r) => [r.id, r]));
  return ids.flatMap((id) => {
    const row = byId.get(id);
    const state = states.get(id);
    return row && state ? [overlay(row, state, related)] : [];
  });
}

/** A page of `connectors(asOf:)`: the same filters, order and cursors, over the values at `at`. */
export async function connectorsAsOf(
  ctx: Context,
  args: { filter: ConnectorFilter | null | undefined; order: ConnectorOrder | null; first: number; after: string | null | undefined; at: string },
  plan: (options: object) => object,
) {
  const input = {
    db: ctx.db,
    at: args.at,
    filter: args.filter,
    order: args.order,
    first: args.first,
    after: args.after,
    catalog: ctx.catalog,
    visibility: ctx.visibility,
  };
  const ids = (await asOfPageRows(input)).map((r) => r.id);
  const rows = ids.length
    ? await rowsAsOf(ctx, ids, args.at, (wanted) =>
        plannedConnectorRows(ctx.db, plan({ columns: CURSOR_COLUMNS, where: { RAW: (t: typeof connectors) => inArray(t.id, [...wanted]) } })),
      )
    : [];
  return {
    ...toPage(rows, { first: args.first, after: args.after, order: args.order }),
    count: (c: Context) => countAsOf(c.db, args.at, args.filter, c.catalog, c.visibility),
  };
}
