// The benchmark scenarios: the GraphQL request the gateway gets, and the hand-written REST equivalent
// (B1) that runs the same SQL with prepared statements and writes the same JSON.
import type Database from 'better-sqlite3';

export interface Scenario {
  id: number;
  name: string;
  query: string;
  /** B1: builds the same response body as the gateway, by hand. */
  handler: (db: Database.Database) => () => string;
}

const globalId = (id: number) => Buffer.from(`Connector:${id}`).toString('base64');
const upper = (v: string | null) => (v == null ? null : v.toUpperCase());

export const HEADLINE = `query Headline { connectors(filter: {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true}, first: 50) { edges { node { id slug name type supportLevel releaseStage dockerRepository dockerImageTag documentationUrl language support(deployment: SELF_MANAGED_ENTERPRISE) { coverage slaTier { key } } } } } }`;

export const DETAIL_SLUG = 'destination-duckdb';
export const DETAIL = `query Detail { connector(slug: "${DETAIL_SLUG}") { id slug name supportLevel dockerImageTag availableOn breakingChanges { version upgradeDeadline message deadlineAction scopedImpact { impactedScopes } } certificationHistory { fromLevel toLevel actor reason createdAt } } }`;

function headlineHandler(db: Database.Database) {
  const policy = new Map(
    (
      db
        .prepare(
          "select p.support_level, p.coverage, p.sla_tier, t.official_sla from support_policies p join sla_tiers t on t.key = p.sla_tier where p.deployment = 'self_managed_enterprise'",
        )
        .all() as any[]
    ).map((p) => [p.support_level, p]),
  );
  const levels = [...policy.values()].filter((p) => p.official_sla === 1).map((p) => p.support_level);
  const stmt = db.prepare(
    `select c.id, c.slug, c.name, c.type, c.support_level, c.release_stage, c.docker_repository, c.docker_image_tag, c.documentation_url, c.language
     from connectors c
     where c.organization is null
       and exists (select 1 from connector_availability a where a.connector_id = c.id and a.enabled = 1 and a.deployment = 'self_managed_enterprise')
       and c.support_level in (${levels.map(() => '?').join(', ')})
     order by c.name_key, c.slug limit 50`,
  );
  return () => {
    const rows = stmt.all(...levels) as any[];
    return JSON.stringify({
      data: {
        connectors: {
          edges: rows.map((r) => {
            const p = policy.get(r.support_level);
            return {
              node: {
                id: globalId(r.id),
                slug: r.slug,
                name: r.name,
                type: upper(r.type),
                supportLevel: upper(r.support_level),
                releaseStage: upper(r.release_stage),
                dockerRepository: r.docker_repository,
                dockerImageTag: r.docker_image_tag,
                documentationUrl: r.documentation_url,
                language: r.language,
                support: { coverage: upper(p.coverage), slaTier: { key: upper(p.sla_tier) } },
              },
            };
          }),
        },
      },
    });
  };
}

function detailHandler(db: Database.Database) {
  const connector = db.prepare('select id, slug, name, support_level, docker_image_tag from connectors where slug = ? and organization is null');
  const availability = db.prepare(
    'select a.deployment from connector_availability a join deployments d on d.key = a.deployment where a.connector_id = ? and a.enabled = 1 order by d.sort_order',
  );
  const changes = db.prepare(
    'select version, upgrade_deadline, message, deadline_action, scoped_impact from breaking_changes where connector_id = ? order by upgrade_deadline desc, id desc',
  );
  const events = db.prepare('select from_level, to_level, actor, reason, created_at from certification_events where connector_id = ? order by id desc');
  return () => {
    const c = connector.get(DETAIL_SLUG) as any;
    return JSON.stringify({
      data: {
        connector: c && {
          id: globalId(c.id),
          slug: c.slug,
          name: c.name,
          supportLevel: upper(c.support_level),
          dockerImageTag: c.docker_image_tag,
          availableOn: (availability.all(c.id) as any[]).map((a) => upper(a.deployment)),
          breakingChanges: (changes.all(c.id) as any[]).map((b) => ({
            version: b.version,
            upgradeDeadline: b.upgrade_deadline,
            message: b.message,
            deadlineAction: upper(b.deadline_action),
            scopedImpact: b.scoped_impact ? (JSON.parse(b.scoped_impact) as any[]).map((s) => ({ impactedScopes: s.impactedScopes })) : null,
          })),
          certificationHistory: (events.all(c.id) as any[]).map((e) => ({
            fromLevel: upper(e.from_level),
            toLevel: upper(e.to_level),
            actor: e.actor,
            reason: e.reason,
            createdAt: e.created_at,
          })),
        },
      },
    });
  };
}

export const FACETS = `query Facets { connectors(filter: {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true}, first: 1) { facets { supportLevels { value count } deployments { value count } types { value count } withSla { value count } languages { value count } } } }`;

/** The facets of {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true}, by hand: one grouped statement, then each facet summed. */
function facetsHandler(db: Database.Database) {
  const on = 'self_managed_enterprise';
  const levels = db.prepare('select key from support_levels order by sort_order').pluck().all() as string[];
  const deployments = db.prepare('select key from deployments order by sort_order').pluck().all() as string[];
  const sla = new Set(
    (
      db.prepare('select p.support_level l, p.deployment d from support_policies p join sla_tiers t on t.key = p.sla_tier where t.official_sla = 1').all() as {
        l: string;
        d: string;
      }[]
    ).map((r) => `${r.l} ${r.d}`),
  );
  const grouped = db.prepare(
    'select type, support_level, language, enabled_on, count(*) n from connectors where organization is null group by type, support_level, language, enabled_on',
  );
  return () => {
    const groups = (grouped.all() as any[]).map((g) => ({ ...g, on: g.enabled_on ? (g.enabled_on as string).split(',') : [] }));
    const sum = (keep: (g: any) => boolean) => groups.reduce((n, g) => n + (keep(g) ? g.n : 0), 0);
    const here = (g: any) => g.on.includes(on);
    const withSla = (g: any, d: string) => sla.has(`${g.support_level} ${d}`);
    const languages = new Map<string, number>();
    for (const g of groups) if (g.language != null && here(g) && withSla(g, on)) languages.set(g.language, (languages.get(g.language) ?? 0) + g.n);
    const facets = {
      supportLevels: levels.map((l) => ({ value: upper(l), count: sum((g) => g.support_level === l && here(g) && withSla(g, on)) })),
      deployments: deployments.map((d) => ({ value: upper(d), count: sum((g) => g.on.includes(d) && withSla(g, d)) })),
      types: ['source', 'destination'].map((t) => ({ value: upper(t), count: sum((g) => g.type === t && here(g) && withSla(g, on)) })),
      withSla: [true, false].map((v) => ({ value: v, count: sum((g) => here(g) && withSla(g, on) === v) })),
      languages: [...languages].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : 1)),
    };
    return JSON.stringify({ data: { connectors: { facets } } });
  };
}

export const SCENARIOS: Scenario[] = [
  { id: 1, name: 'headline query, seed data', query: HEADLINE, handler: headlineHandler },
  { id: 2, name: 'connector detail with breaking changes and history', query: DETAIL, handler: detailHandler },
  { id: 3, name: 'headline query, 100,000 synthetic connectors', query: HEADLINE, handler: headlineHandler },
  { id: 4, name: 'facets of a filtered list, 100,000 synthetic connectors', query: FACETS, handler: facetsHandler },
];
