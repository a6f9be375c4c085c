// PostGraphile, the peer a user would pick for GraphQL over PostgreSQL, asked the closest equivalent of the
// headline list and the detail: the same rows and columns. What the gateway's domain decides (which connectors
// a deployment's SLA list holds, a connector's support on a deployment, the deployments it is available on in
// their display order) is what PostGraphile's documentation says to write as SQL functions: a custom query
// and computed columns, kept in their own `bench` schema of the throwaway database, never in migrations.
import pg from 'pg';

export const POSTGRAPHILE_SCHEMAS = ['public', 'bench'];

export const POSTGRAPHILE_SQL = `
create schema bench;

-- The headline list: public connectors available on the deployment at a support level with an official SLA there, in name order.
create function bench.headline_connectors(deployment text) returns setof public.connectors language sql stable as $$
  select c.* from public.connectors c
  where c.organization is null
    and exists (select 1 from public.connector_availability a where a.connector_id = c.id and a.enabled and a.deployment = headline_connectors.deployment)
    and c.support_level in (
      select p.support_level from public.support_policies p join public.sla_tiers t on t.key = p.sla_tier
      where p.deployment = headline_connectors.deployment and t.official_sla)
  order by c.name_key, c.slug
$$;

-- A connector's support policy on one deployment (coverage, SLA tier).
create function bench.connectors_support(c public.connectors, deployment text) returns public.support_policies language sql stable as $$
  select p.* from public.support_policies p where p.support_level = c.support_level and p.deployment = connectors_support.deployment
$$;

-- The same two columns as scalar computed columns: PostGraphile inlines a scalar one into the list's statement,
-- where a row-returning one (above) costs a second statement per request.
create function bench.connectors_support_coverage(c public.connectors, deployment text) returns text language sql stable as $$
  select p.coverage from public.support_policies p where p.support_level = c.support_level and p.deployment = connectors_support_coverage.deployment
$$;
create function bench.connectors_support_sla_tier(c public.connectors, deployment text) returns text language sql stable as $$
  select p.sla_tier from public.support_policies p where p.support_level = c.support_level and p.deployment = connectors_support_sla_tier.deployment
$$;

-- The deployments a connector is enabled on, in their display order.
create function bench.connectors_available_on(c public.connectors) returns text[] language sql stable as $$
  select coalesce(array_agg(a.deployment order by d.sort_order), '{}') from public.connector_availability a
  join public.deployments d on d.key = a.deployment where a.connector_id = c.id and a.enabled
$$;
`;

export async function installPostgraphileFunctions(url: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, application_name: 'bench-setup' });
  await client.connect();
  try {
    await client.query(POSTGRAPHILE_SQL);
  } finally {
    await client.end();
  }
}

const HEADLINE_COLUMNS = 'id slug name type supportLevel releaseStage dockerRepository dockerImageTag documentationUrl language';

/** The headline as the gateway shapes it: `support` an object holding the policy's coverage and SLA tier. */
export const PGL_HEADLINE = `query Headline { benchHeadlineConnectors(deployment: "self_managed_enterprise", first: 50) { nodes { ${HEADLINE_COLUMNS} support(deployment: "self_managed_enterprise") { coverage slaTierBySlaTier { key } } } } }`;

/** The same columns flat, through the scalar computed columns: one statement per request. */
export const PGL_HEADLINE_FLAT = `query Headline { benchHeadlineConnectors(deployment: "self_managed_enterprise", first: 50) { nodes { ${HEADLINE_COLUMNS} supportCoverage(deployment: "self_managed_enterprise") supportSlaTier(deployment: "self_managed_enterprise") } } }`;

export const pglDetail = (slug: string) =>
  `query Detail { connectorBySlug(slug: "${slug}") { id slug name supportLevel dockerImageTag availableOn breakingChangesByConnectorId(orderBy: [UPGRADE_DEADLINE_DESC, PRIMARY_KEY_DESC]) { nodes { version upgradeDeadline message deadlineAction scopedImpact } } certificationEventsByConnectorId(orderBy: PRIMARY_KEY_DESC) { nodes { fromLevel toLevel actor reason createdAt } } } }`;

const lower = (v: unknown) => (typeof v === 'string' ? v.toLowerCase() : v);

/** The headline's rows and columns, engine-neutral: slugs in order with every column (enum values lower-cased, ids left out: each server encodes its own). */
function headlineRows(nodes: any[], support: (n: any) => any, slaKey: (s: any) => unknown): unknown[] {
  return nodes.map((n) => {
    const s = support(n);
    return [n.slug, n.name, lower(n.type), lower(n.supportLevel), lower(n.releaseStage), n.dockerRepository, n.dockerImageTag, n.documentationUrl, n.language]
      .concat([lower(s?.coverage), lower(slaKey(s))])
      .map((v) => v ?? null);
  });
}

function detailRow(c: any, changes: any[], events: any[]): unknown {
  if (!c) return null;
  return {
    slug: c.slug,
    name: c.name,
    supportLevel: lower(c.supportLevel),
    dockerImageTag: c.dockerImageTag,
    availableOn: (c.availableOn as string[]).map(lower),
    breakingChanges: changes.map((b) => [
      b.version,
      b.upgradeDeadline,
      b.message,
      lower(b.deadlineAction) ?? null,
      b.scopedImpact ? b.scopedImpact.map((s: any) => s.impactedScopes) : null,
    ]),
    certificationHistory: events.map((e) => [lower(e.fromLevel), lower(e.toLevel), e.actor, e.reason, e.createdAt]),
  };
}

/** The gateway's (or B1's) answer to the headline or the detail, as compared with PostGraphile's. */
export function gatewayView(kind: 'headline' | 'detail', answer: string): unknown {
  const data = JSON.parse(answer).data;
  if (kind === 'headline')
    return headlineRows(
      data.connectors.edges.map((e: any) => e.node),
      (n) => n.support,
      (s) => s?.slaTier?.key,
    );
  const c = data.connector;
  return detailRow(c, c?.breakingChanges ?? [], c?.certificationHistory ?? []);
}

/** PostGraphile's answer to PGL_HEADLINE, PGL_HEADLINE_FLAT or pglDetail(), as compared with the gateway's. */
export function postgraphileView(kind: 'headline' | 'detail', answer: string): unknown {
  const parsed = JSON.parse(answer);
  if (parsed.errors) throw new Error(`PostGraphile answered errors: ${JSON.stringify(parsed.errors).slice(0, 500)}`);
  if (kind === 'headline')
    return headlineRows(
      parsed.data.benchHeadlineConnectors.nodes,
      (n) => n.support ?? { coverage: n.supportCoverage, slaTierBySlaTier: { key: n.supportSlaTier } },
      (s) => s?.slaTierBySlaTier?.key,
    );
  const c = parsed.data.connectorBySlug;
  return detailRow(c, c?.breakingChangesByConnectorId.nodes ?? [], c?.certificationEventsByConnectorId.nodes ?? []);
}
