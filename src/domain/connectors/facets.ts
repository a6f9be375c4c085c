// Facet counts for a connector list, as filter chips show them: each facet counts its values under the
// current filter without the facet's own condition, so a count is the totalCount the list would have
// with that value chosen instead. One statement serves every facet: it counts the connectors matching
// the conditions no facet drops, grouped by the four columns the five facets read (type, support
// level, language, enabled deployments), and each facet is summed from those few groups.
import type { ConnectorTypeKey, DeploymentKey, SupportLevelKey } from '../../db/schema.js';
import type { PolicyCatalog } from '../support/policy.js';
import type { ConnectorFilter, FacetGroup } from './store.js';

export interface FacetValue<V> {
  value: V;
  count: number;
}

export interface ConnectorFacets {
  supportLevels: FacetValue<SupportLevelKey>[];
  deployments: FacetValue<DeploymentKey>[];
  types: FacetValue<ConnectorTypeKey>[];
  withSla: FacetValue<boolean>[];
  languages: FacetValue<string>[];
}

const FACET_CONDITIONS = new Set(['type', 'supportLevels', 'supportedOn', 'withSla', 'language']);

/**
 * The filter without the conditions a facet drops: what the grouped count is taken under. Its keys sorted
 * and nulls left out, so filters that differ only in facet chips give the same object (and the same key).
 */
export function facetBaseFilter(filter: ConnectorFilter | null | undefined): ConnectorFilter {
  const kept = Object.entries(filter ?? {}).filter(([key, value]) => value != null && !FACET_CONDITIONS.has(key));
  return Object.fromEntries(kept.sort(([a], [b]) => (a < b ? -1 : 1)));
}

type Dimension = 'type' | 'level' | 'language' | 'on' | 'sla';

interface Group extends FacetGroup {
  deployments: DeploymentKey[];
}

/** The facets of `filter` from the groups counted under facetBaseFilter(filter); the rules are connectorFilterSql's. */
export function connectorFacets(rows: readonly FacetGroup[], filter: ConnectorFilter | null | undefined, catalog: PolicyCatalog): ConnectorFacets {
  const f = filter ?? {};
  const groups: Group[] = rows.map((g) => ({ ...g, deployments: g.enabledOn ? (g.enabledOn.split(',') as DeploymentKey[]) : [] }));
  const slaOn = new Map(catalog.deployments.map((d) => [d.key, new Set(catalog.levelsWithSla(d.key))]));
  // With a deployment, an SLA is a property of the level there; without one, of any deployment the connector is on.
  const hasSla = (g: Group, on: DeploymentKey | null | undefined) =>
    on ? slaOn.get(on)!.has(g.supportLevel) : g.deployments.some((d) => slaOn.get(d)?.has(g.supportLevel));
  const holds: Record<Dimension, (g: Group) => boolean> = {
    type: (g) => !f.type || g.type === f.type,
    level: (g) => !f.supportLevels || f.supportLevels.includes(g.supportLevel),
    language: (g) => !f.language || g.language === f.language,
    on: (g) => !f.supportedOn || g.deployments.includes(f.supportedOn),
    sla: (g) => f.withSla == null || hasSla(g, f.supportedOn) === f.withSla,
  };
  /** Sums the groups meeting every condition but the `except` ones, and `also`. */
  const sum = (except: Dimension[], also: (g: Group) => boolean) => {
    let n = 0;
    for (const g of groups) {
      if (also(g) && (Object.keys(holds) as Dimension[]).every((d) => except.includes(d) || holds[d](g))) n += g.count;
    }
    return n;
  };
  const languageCounts = new Map<string, number>();
  for (const g of groups) {
    if (g.language != null && holds.type(g) && holds.level(g) && holds.on(g) && holds.sla(g)) {
      languageCounts.set(g.language, (languageCounts.get(g.language) ?? 0) + g.count);
    }
  }
  return {
    supportLevels: catalog.levels.map(({ key }) => ({ value: key, count: sum(['level'], (g) => g.supportLevel === key) })),
    // Choosing a deployment also moves where withSla is judged: to that deployment.
    deployments: catalog.deployments.map(({ key }) => ({
      value: key,
      count: sum(['on', 'sla'], (g) => g.deployments.includes(key) && (f.withSla == null || hasSla(g, key) === f.withSla)),
    })),
    types: (['source', 'destination'] as const).map((value) => ({ value, count: sum(['type'], (g) => g.type === value) })),
    withSla: [true, false].map((value) => ({ value, count: sum(['sla'], (g) => hasSla(g, f.supportedOn) === value) })),
    languages: [...languageCounts]
      .map(([value, count]) => ({ value, count }))
      .sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0)),
  };
}
