// Facet counts beside a connector list (filter chips): `connectors(filter: …) { facets { … } }`.
import type { EnumRef } from '@pothos/core';
import type { Context } from '../context.js';
import { connectorFacets, facetBaseFilter, type ConnectorFacets, type FacetValue } from '../domain/connectors/facets.js';
import { facetGroups, type ConnectorFilter, type FacetGroup } from '../domain/connectors/store.js';
import { facetGroupsAsOf } from '../domain/history/store.js';
import { type MaybePromise, thenNow } from '../db/maybe-async.js';
import { KeptUntilChange } from '../fast-lane/index.js';
import { builder } from './builder.js';
import { ConnectorTypeEnum, DeploymentEnum, SupportLevelEnum } from './enums.js';

function facetValueType<V>(name: string, type: EnumRef<any, any, any> | 'Boolean' | 'String', what: string) {
  return builder.objectRef<FacetValue<V>>(name).implement({
    description: `A ${what} and how many connectors of the list would have it.`,
    fields: (t) => ({
      value: t.field({ type: type as never, description: `The ${what}.`, resolve: (f) => f.value as never }),
      count: t.exposeInt('count', {
        description: `How many connectors match the list's filter with this ${what} chosen in place of the filter's own condition on it.`,
      }),
    }),
  });
}

const SupportLevelFacet = facetValueType('SupportLevelFacet', SupportLevelEnum, 'support level');
const DeploymentFacet = facetValueType('DeploymentFacet', DeploymentEnum, 'deployment');
const TypeFacet = facetValueType('ConnectorTypeFacet', ConnectorTypeEnum, 'connector type');
const SlaFacet = facetValueType('SlaFacet', 'Boolean', 'withSla value');
const LanguageFacet = facetValueType('LanguageFacet', 'String', 'language');

export const ConnectorFacetsRef = builder.objectRef<ConnectorFacets>('ConnectorFacets').implement({
  description:
    "Counts for filter chips: each facet counts its values under the list's filter without the facet's own condition, so a value's count is the totalCount the list would have with that value chosen. One SQL statement serves all five facets, and its answer is kept until the database changes.",
  fields: (t) => ({
    supportLevels: t.field({
      type: [SupportLevelFacet],
      description: 'Every support level, in display order, with its count (filter.supportLevels left out).',
      resolve: (f) => f.supportLevels,
    }),
    deployments: t.field({
      type: [DeploymentFacet],
      description: 'Every deployment, in display order, with its count (filter.supportedOn left out; a withSla condition is judged on that deployment).',
      resolve: (f) => f.deployments,
    }),
    types: t.field({ type: [TypeFacet], description: 'Sources and destinations (filter.type left out).', resolve: (f) => f.types }),
    withSla: t.field({
      type: [SlaFacet],
      description: 'With and without an official SLA, judged as filter.withSla is (filter.withSla left out).',
      resolve: (f) => f.withSla,
    }),
    languages: t.field({
      type: [LanguageFacet],
      description:
        'Every implementation language with at least one connector, most connectors first (filter.language left out; connectors without a language are not counted here).',
      resolve: (f) => f.languages,
    }),
  }),
});

/** Grouped counts are kept per filter (without its facet conditions) and visibility until the database changes. */
const groups = new KeptUntilChange<FacetGroup[]>(1000);

/** How a page works out its facets, when they are asked. */
export function facetsOf(filter: ConnectorFilter | null | undefined): (ctx: Context) => MaybePromise<ConnectorFacets> {
  return (ctx) => {
    const base = facetBaseFilter(filter);
    const rows = groups.get(ctx.db, JSON.stringify([base, ctx.visibility]), () => facetGroups(ctx.db, base, ctx.catalog, ctx.visibility));
    return thenNow(rows, (read) => connectorFacets(read, filter, ctx.catalog));
  };
}

/** Facets as of an instant: the same sums over the groups counted as of `at` (not kept: a rare, dated question). */
export function facetsAsOf(filter: ConnectorFilter | null | undefined, at: string): (ctx: Context) => Promise<ConnectorFacets> {
  return async (ctx) => connectorFacets(await facetGroupsAsOf(ctx.db, at, facetBaseFilter(filter), ctx.catalog, ctx.visibility), filter, ctx.catalog);
}
