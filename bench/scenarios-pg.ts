// B1 on PostgreSQL: the SQL of scenarios.ts's hand-written REST endpoints, run with `pg` named prepared
// statements over a pool, writing the same JSON. Translated only where the engines differ: booleans are
// `boolean` (not 0/1), JSON columns are `jsonb` (pg parses them), counts are bigint (cast to int).
// Name order is `name_key, slug` as on SQLite; the bench cluster is --locale=C, so text sorts by bytes on both.
import type pg from 'pg';
import { DETAIL_SLUG } from './scenarios.js';

/** Builds the request handler of one scenario; the constant lookups (policy, keys) are read once here, as on SQLite. */
export type PgHandler = (pool: pg.Pool) => Promise<() => Promise<string>>;

const globalId = (id: number) => Buffer.from(`Connector:${id}`).toString('base64');
const upper = (v: string | null) => (v == null ? null : v.toUpperCase());

const headlineHandler: PgHandler = async (pool) => {
  const { rows: policies } = await pool.query(
    "select p.support_level, p.coverage, p.sla_tier, t.official_sla from support_policies p join sla_tiers t on t.key = p.sla_tier where p.deployment = 'self_managed_enterprise'",
  );
  const policy = new Map(policies.map((p) => [p.support_level, p]));
  const levels = [...policy.values()].filter((p) => p.official_sla === true).map((p) => p.support_level as string);
  const text = `select c.id, c.slug, c.name, c.type, c.support_level, c.release_stage, c.docker_repository, c.docker_image_tag, c.documentation_url, c.language
     from connectors c
     where c.organization is null
       and exists (select 1 from connector_availability a where a.connector_id = c.id and a.enabled and a.deployment = 'self_managed_enterprise')
       and c.support_level in (${levels.map((_, i) => `$${i + 1}`).join(', ')})
     order by c.name_key, c.slug limit 50`;
  return async () => {
    const { rows } = await pool.query({ name: 'headline', text, values: levels });
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
};

const DETAIL_SQL = {
  connector: 'select id, slug, name, support_level, docker_image_tag from connectors where slug = $1 and organization is null',
  availability:
    'select a.deployment from connector_availability a join deployments d on d.key = a.deployment where a.connector_id = $1 and a.enabled order by d.sort_order',
  changes:
    'select version, upgrade_deadline, message, deadline_action, scoped_impact from breaking_changes where connector_id = $1 order by upgrade_deadline desc, id desc',
  events: 'select from_level, to_level, actor, reason, created_at from certification_events where connector_id = $1 order by id desc',
};

/** The connector, then its three lists at once (a pool answers them on three connections, as an async endpoint would ask). */
const detailHandler: PgHandler = async (pool) => {
  const q = (name: keyof typeof DETAIL_SQL, value: unknown) => pool.query({ name: `detail_${name}`, text: DETAIL_SQL[name], values: [value] });
  return async () => {
    const c = (await q('connector', DETAIL_SLUG)).rows[0];
    if (!c) return JSON.stringify({ data: { connector: null } });
    const [availability, changes, events] = await Promise.all([q('availability', c.id), q('changes', c.id), q('events', c.id)]);
    return JSON.stringify({
      data: {
        connector: {
          id: globalId(c.id),
          slug: c.slug,
          name: c.name,
          supportLevel: upper(c.support_level),
          dockerImageTag: c.docker_image_tag,
          availableOn: availability.rows.map((a) => upper(a.deployment)),
          breakingChanges: changes.rows.map((b) => ({
            version: b.version,
            upgradeDeadline: b.upgrade_deadline,
            message: b.message,
            deadlineAction: upper(b.deadline_action),
            scopedImpact: b.scoped_impact ? (b.scoped_impact as any[]).map((s) => ({ impactedScopes: s.impactedScopes })) : null,
          })),
          certificationHistory: events.rows.map((e) => ({
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
};

/** The facets of {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true}, by hand: one grouped statement, then each facet summed. */
const facetsHandler: PgHandler = async (pool) => {
  const on = 'self_managed_enterprise';
  const levels = (await pool.query('select key from support_levels order by sort_order')).rows.map((r) => r.key as string);
  const deployments = (await pool.query('select key from deployments order by sort_order')).rows.map((r) => r.key as string);
  const slaRows = await pool.query(
    'select p.support_level l, p.deployment d from support_policies p join sla_tiers t on t.key = p.sla_tier where t.official_sla',
  );
  const sla = new Set(slaRows.rows.map((r) => `${r.l} ${r.d}`));
  const grouped =
    'select type, support_level, language, enabled_on, count(*)::int n from connectors where organization is null group by type, support_level, language, enabled_on';
  return async () => {
    const groups = (await pool.query({ name: 'facets', text: grouped })).rows.map((g) => ({
      ...g,
      on: g.enabled_on ? (g.enabled_on as string).split(',') : [],
    }));
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
};

/** B1 on PostgreSQL, by scenario id (scenarios.ts's ids). */
export const PG_HANDLERS: Record<number, PgHandler> = { 1: headlineHandler, 2: detailHandler, 3: headlineHandler, 4: facetsHandler };
