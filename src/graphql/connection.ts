// Page types for our keyset connections: `edges { cursor node }`, `pageInfo` and a lazy `totalCount`.
import type { ObjectRef } from '@pothos/core';
import type { Context } from '../context.js';
import type { PageInfo } from '../domain/connectors/page.js';
import { ROW_PROPERTY } from '../fast-lane/index.js';
import { builder } from './builder.js';

export interface ConnectionShape {
  edges: { cursor: string; node: object }[];
  pageInfo: PageInfo;
  /** Counts every row the connection pages over; only called when totalCount is selected. */
  count: (ctx: Context) => number | Promise<number>;
}

/** `what` names one node in descriptions; `whats` several, when adding an "s" does not make the plural. */
export function connectionType<Shape extends ConnectionShape = ConnectionShape>(name: string, nodeType: ObjectRef<any, any>, what: string, whats = `${what}s`) {
  const Edge = builder.objectRef<{ cursor: string; node: object }>(`${name}Edge`).implement({
    description: `A ${what} in a list, with its position.`,
    fields: (t) => ({
      cursor: t.exposeString('cursor', { description: `Pass as \`after\` to continue after this ${what}.` }),
      node: t.field({ type: nodeType, description: `The ${what}.`, resolve: (e) => e.node as never, extensions: ROW_PROPERTY }),
    }),
  });
  return builder.objectRef<Shape>(`${name}Connection`).implement({
    description: `A page of ${whats}.`,
    fields: (t) => ({
      totalCount: t.int({
        description: `How many ${whats} match the filter, across all pages.`,
        resolve: (c, _args, ctx) => c.count(ctx),
      }),
      edges: t.field({ type: [Edge], description: `The ${whats} of this page.`, resolve: (c) => c.edges, extensions: ROW_PROPERTY }),
      pageInfo: t.field({
        type: builder.pageInfoRef(),
        description: 'Whether there are more pages, and the cursors to fetch them.',
        resolve: (c) => c.pageInfo,
        extensions: ROW_PROPERTY,
      }),
    }),
  });
}
