// The connector history: every change recorded by the triggers, attributed by the writer that made it;
// connectors(asOf:) and connector(slug:, asOf:) answer from it with the filters and pagination of the
// current list; Connector.changes lists it in the order the changes took effect at their source.
import { readFileSync } from 'node:fs';
import { count, inArray, sql, type SQL } from 'drizzle-orm';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { nameKey } from '../src/db/name-key.js';
import { HISTORY_COLUMNS } from '../src/domain/history/store.js';
import { registryTime } from '../src/domain/registry/load.js';
import { createApp } from '../src/app.js';
import { closeDatabase, type Db } from '../src/db/client.js';
import { rawRow, rawRows, rawRun } from '../src/db/raw.js';
import { connectorHistory } from '../src/db/schema.js';
import { transaction } from '../src/db/transaction.js';
import { openTestDatabase } from './helpers/database.js';
import { closeHarness } from './helpers/gateways.js';
import { createHarness, type Harness, serve } from './helpers/harness.js';
import { entriesOf, idOf, importPath, metadataFiles, readDoc } from './helpers/import.js';
import { describeWithRealData, REAL } from './helpers/real-data.js';

const CERTIFY = `mutation($input: CertifyConnectorInput!) { certifyConnector(input: $input) { userErrors { code } } }`;
const REASON = 'Passed acceptance tests at 99.9% sync success for 90 days.';
const CHANGES = `query($slug: String!, $after: String) { connector(slug: $slug) { changes(first: 100, after: $after) {
  totalCount edges { node { field deployment version from to effectiveAt recordedAt actor source importId breaking } }
  pageInfo { hasNextPage endCursor } } } }`;
const DETAIL = `query($slug: String!, $at: DateTime) { connector(slug: $slug, asOf: $at) { slug supportLevel availableOn
  support(deployment: CLOUD) { slaTier { key } } availability { deployment enabled dockerImageTag } breakingChanges { version upgradeDeadline }
  certificationHistory { fromLevel toLevel } } }`;
const LIST = `query($at: DateTime, $filter: ConnectorFilter, $after: String, $first: Int! = 100) {
  connectors(asOf: $at, filter: $filter, first: $first, after: $after) { totalCount pageInfo { hasNextPage endCursor }
  edges { cursor node { slug name supportLevel releaseStage dockerImageTag documentationUrl tags availableOn
    availability { deployment enabled dockerRepository dockerImageTag } breakingChanges { version upgradeDeadline message } } } } }`;

const slugs = (data: any): string[] => data.connectors.edges.map((e: any) => e.node.slug);
const justBefore = (at: string) => new Date(Date.parse(at) - 1).toISOString();
/** The first column of the first row `query` returns. */
const one = async <T = unknown>(db: Db, query: SQL): Promise<T> => Object.values((await rawRow(db, query)) ?? {})[0] as T;
/** The first column of every row. */
const column = async <T = unknown>(db: Db, query: SQL): Promise<T[]> => (await rawRows(db, query)).map((r) => Object.values(r)[0] as T);
/** A write of the test's own, in a transaction as every write is. */
const exec = (db: Db, query: SQL) => transaction(db, (tx) => rawRun(tx, query));
/** Every connector read from its history from now on, as if every change had come out of order. */
const disorder = (db: Db) => exec(db, sql`update connector_history_horizon set disordered = true`);
/** A migrated database of the suite's engine with the support policy, and the demo connectors when asked. */
async function importDatabase(options: { demo?: boolean } = {}): Promise<Db> {
  const db = await openTestDatabase({ seed: (options.demo ?? false) ? 'demo' : 'none' });
  return db;
}

const firstCreated = (h: Harness) => one<string>(h.db, sql`select min(effective_at) from connector_history where field = 'created'`);

describe('as of an instant', () => {
  let h: Harness;
  let certifiedAt: string;
  beforeEach(async () => {
    h = await createHarness();
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON } }, await h.token('release-bot', ['certify']));
    expect(res.data!.certifyConnector.userErrors).toEqual([]);
    const changes = (await h.gql(CHANGES, { slug: 'source-faker' })).data!.connector.changes.edges.map((e: any) => e.node);
    certifiedAt = changes.findLast((c: any) => c.field === 'SUPPORT_LEVEL').effectiveAt;
  });
  afterEach(() => closeHarness(h));

  it('records the certification as the token made it, effective when it was made', async () => {
    const changes = (await h.gql(CHANGES, { slug: 'source-faker' })).data!.connector.changes.edges.map((e: any) => e.node);
    const levels = changes.filter((c: any) => c.field === 'SUPPORT_LEVEL');
    expect(levels).toEqual([
      {
        field: 'SUPPORT_LEVEL',
        deployment: null,
        version: null,
        from: null,
        to: 'community',
        effectiveAt: levels[0].effectiveAt,
        recordedAt: levels[0].recordedAt,
        actor: 'seed',
        source: 'SEED',
        importId: null,
        breaking: false,
      },
      {
        field: 'SUPPORT_LEVEL',
        deployment: null,
        version: null,
        from: 'community',
        to: 'certified',
        effectiveAt: certifiedAt,
        recordedAt: levels[1].recordedAt,
        actor: 'release-bot',
        source: 'MUTATION',
        importId: null,
        breaking: false,
      },
    ]);
    expect(levels[0].effectiveAt < certifiedAt).toBe(true);
    // Effective when the mutation's transaction began, recorded as it wrote.
    expect(certifiedAt <= levels[1].recordedAt).toBe(true);
    const event = (await h.gql(`{ connector(slug: "source-faker") { certificationHistory { effectiveAt } } }`)).data!.connector.certificationHistory;
    expect(event).toEqual([{ effectiveAt: certifiedAt }]);
  });

  it('a moment before a certification answers the old level, from then on the new one: detail, list, support level and SLA filters', async () => {
    const detail = async (at: string | null) => (await h.gql(DETAIL, { slug: 'source-faker', at })).data!.connector;
    const now = await detail(null);
    expect(now.supportLevel).toBe('CERTIFIED');
    expect(await detail(certifiedAt)).toEqual(now);
    const then = await detail(justBefore(certifiedAt));
    expect(then).toEqual({ ...now, supportLevel: 'COMMUNITY', support: then.support, certificationHistory: [] });
    expect(then.support.slaTier.key).not.toBe(now.support.slaTier.key);

    for (const filter of [{ supportLevels: ['CERTIFIED'] }, { supportedOn: 'CLOUD', withSla: true }, { withSla: true }]) {
      const current = (await h.gql(LIST, { filter })).data!;
      expect(slugs(current)).toContain('source-faker');
      const at = (await h.gql(LIST, { filter, at: certifiedAt })).data!;
      expect(at).toEqual(current);
      const earlier = (await h.gql(LIST, { filter, at: justBefore(certifiedAt) })).data!;
      expect(slugs(earlier)).toEqual(slugs(current).filter((s) => s !== 'source-faker'));
      expect(earlier.connectors.totalCount).toBe(current.connectors.totalCount - 1);
    }
    const community = (await h.gql(LIST, { filter: { supportLevels: ['COMMUNITY'] }, at: justBefore(certifiedAt) })).data!;
    expect(slugs(community)).toContain('source-faker');
  });

  it('pages as the current list does: the same pages, cursors and counts, page after page', async () => {
    const later = new Date(Date.now() + 3600_000).toISOString();
    let after: string | null = null;
    let pages = 0;
    do {
      const current: any = (await h.gql(LIST, { first: 7, after })).data!;
      const asOf: any = (await h.gql(LIST, { first: 7, after, at: later })).data!;
      expect(asOf).toEqual(current);
      after = current.connectors.pageInfo.hasNextPage ? current.connectors.pageInfo.endCursor : null;
      pages++;
    } while (after);
    expect(pages).toBeGreaterThan(3);
  });

  it('orders by name as it was: a renamed connector keeps its old place and its old cursor as of before the rename', async () => {
    const all = async (at?: string) => {
      const edges: any[] = [];
      let after: string | null = null;
      do {
        const page: any = (await h.gql(LIST, { first: 7, after, at })).data!;
        edges.push(...page.connectors.edges.map((e: any) => ({ cursor: e.cursor, slug: e.node.slug, name: e.node.name })));
        after = page.connectors.pageInfo.hasNextPage ? page.connectors.pageInfo.endCursor : null;
      } while (after);
      return edges;
    };
    const before = await all();
    await exec(h.db, sql`update connectors set name = 'Zz faker', name_key = ${nameKey('Zz faker')} where slug = 'source-faker'`);
    const renamedAt = await one<string>(h.db, sql`select max(effective_at) from connector_history where field = 'name'`);
    const now = await all();
    expect(now.at(-1)?.slug).toBe('source-faker');
    expect(now).not.toEqual(before);
    expect(await all(justBefore(renamedAt))).toEqual(before);
    await disorder(h.db);
    expect(await all(justBefore(renamedAt))).toEqual(before);
  });

  it('reads the same from the history as from the current rows: every connector read back from its history, page after page', async () => {
    const later = new Date(Date.now() + 3600_000).toISOString();
    const pages = async () => {
      const all: any[] = [];
      for (const filter of [null, { supportedOn: 'SELF_MANAGED_ENTERPRISE', withSla: true }, { withSla: false }, { releaseStages: ['BETA'], search: 'a' }]) {
        let after: string | null = null;
        do {
          const page: any = (await h.gql(LIST, { first: 9, after, filter, at: later })).data!;
          all.push(page);
          after = page.connectors.pageInfo.hasNextPage ? page.connectors.pageInfo.endCursor : null;
        } while (after);
      }
      return all;
    };
    const fromRows = await pages();
    // As if every change had come out of order: no connector is read from its current row.
    await disorder(h.db);
    expect(await pages()).toEqual(fromRows);
    expect(fromRows.length).toBeGreaterThan(8);
  });

  it('a breaking change announced after the instant is not there yet, whatever fields are asked of it', async () => {
    const announce = `mutation($input: AnnounceBreakingChangeInput!) { announceBreakingChange(input: $input) { userErrors { code message } } }`;
    const input = { connectorSlug: 'destination-bigquery', version: '9.0.0', upgradeDeadline: '2027-12-31', message: 'Version 9.0.0 renames every stream.' };
    const res = await h.gql(announce, { input }, await h.token('publisher', ['publish']));
    expect(res.data!.announceBreakingChange.userErrors).toEqual([]);
    const changes = (await h.gql(CHANGES, { slug: 'destination-bigquery' })).data!.connector.changes.edges.map((e: any) => e.node);
    const announced = changes.find((c: any) => c.field === 'BREAKING_CHANGE' && c.version === '9.0.0');
    expect(announced).toMatchObject({ from: null, to: '2027-12-31', actor: 'publisher', source: 'MUTATION', breaking: true });
    const ask = `query($at: DateTime) { connector(slug: "destination-bigquery", asOf: $at) { breakingChanges { upgradeDeadline message } } }`;
    const now = (await h.gql(ask, {})).data!.connector.breakingChanges;
    expect(now).toContainEqual({ upgradeDeadline: '2027-12-31', message: input.message });
    expect((await h.gql(ask, { at: announced.effectiveAt })).data!.connector.breakingChanges).toEqual(now);
    const earlier = (await h.gql(ask, { at: justBefore(announced.effectiveAt) })).data!.connector.breakingChanges;
    expect(earlier).toEqual(now.filter((b: any) => b.upgradeDeadline !== '2027-12-31'));
    expect(earlier.length).toBe(now.length - 1);
  });

  it('counts facets as of the instant: the current counts from then on, one certified connector fewer just before', async () => {
    const FACETS = `query($at: DateTime, $filter: ConnectorFilter) { connectors(asOf: $at, filter: $filter, first: 1) { totalCount
      facets { supportLevels { value count } deployments { value count } types { value count } withSla { value count } languages { value count } } } }`;
    const facets = async (filter: unknown, at?: string) => {
      const res = await h.gql(FACETS, { filter, at });
      expect(res.errors).toBeUndefined();
      return res.data!.connectors;
    };
    const later = new Date(Date.now() + 3600_000).toISOString();
    const filters = [null, { supportedOn: 'CLOUD' }, { withSla: true, supportLevels: ['CERTIFIED', 'COMMUNITY'] }, { type: 'SOURCE' }];
    const now = await Promise.all(filters.map((f) => facets(f)));
    for (const [i, filter] of filters.entries()) {
      expect(await facets(filter, certifiedAt)).toEqual(now[i]);
      expect(await facets(filter, later)).toEqual(now[i]);
    }
    const level = (f: any, key: string) => f.facets.supportLevels.find((l: any) => l.value === key).count;
    const before = await facets(null, justBefore(certifiedAt));
    expect(level(before, 'CERTIFIED')).toBe(level(now[0], 'CERTIFIED') - 1);
    expect(level(before, 'COMMUNITY')).toBe(level(now[0], 'COMMUNITY') + 1);
    expect(before.facets.types).toEqual(now[0].facets.types);
    // As if every change had come out of order: every connector's facet values read from its history.
    await disorder(h.db);
    for (const [i, filter] of filters.entries()) expect(await facets(filter, later)).toEqual(now[i]);
    expect(await facets(null, justBefore(certifiedAt))).toEqual(before);
  });

  it('before a connector existed: not listed, and null', async () => {
    const created = (await h.gql(CHANGES, { slug: 'source-faker' })).data!.connector.changes.edges[0].node;
    expect(created.field).toBe('CREATED');
    expect((await h.gql(DETAIL, { slug: 'source-faker', at: justBefore(created.effectiveAt) })).data).toEqual({ connector: null });
    const list = (await h.gql(LIST, { at: justBefore(await firstCreated(h)) })).data!;
    expect(list.connectors).toEqual({ totalCount: 0, pageInfo: { hasNextPage: false, endCursor: null }, edges: [] });
  });

  it('the fast lane and the response cache never answer an asOf query with the current data', async () => {
    const earlier = justBefore(certifiedAt);
    const level = async (at: string | null) => (await h.gql(DETAIL, { slug: 'source-faker', at })).data!.connector.supportLevel;
    const listed = async (at: string | null) => slugs((await h.gql(LIST, { at, filter: { supportLevels: ['CERTIFIED'] } })).data!);
    // Learned by the fast lane and cached, then asked with an instant.
    for (let i = 0; i < 3; i++) expect(await level(null)).toBe('CERTIFIED');
    for (let i = 0; i < 3; i++) expect(await listed(null)).toContain('source-faker');
    for (let i = 0; i < 3; i++) expect(await level(earlier)).toBe('COMMUNITY');
    for (let i = 0; i < 3; i++) expect(await listed(earlier)).not.toContain('source-faker');
    expect(await level(null)).toBe('CERTIFIED');
    // The same body before and after a write: the cached answer is not served after it.
    const future = new Date(Date.now() + 3600_000).toISOString();
    const literal = `{ connector(slug: "source-pokeapi", asOf: "${future}") { supportLevel } }`;
    expect((await h.gql(literal)).data).toEqual({ connector: { supportLevel: 'COMMUNITY' } });
    expect((await h.gql(literal)).data).toEqual({ connector: { supportLevel: 'COMMUNITY' } });
    await h.gql(CERTIFY, { input: { connectorSlug: 'source-pokeapi', reason: REASON } }, await h.token('second-bot', ['certify']));
    expect((await h.gql(literal)).data).toEqual({ connector: { supportLevel: 'CERTIFIED' } });
  });
});

describe('what the triggers record', () => {
  it('every column of connectors is recorded, or is bookkeeping the history derives', async () => {
    const h = await createHarness();
    const columns = await column<string>(
      h.db,
      h.db.$engine === 'postgres'
        ? sql`select column_name from information_schema.columns where table_schema = current_schema() and table_name = 'connectors'`
        : sql`select name from pragma_table_info('connectors')`,
    );
    const keyOf = (name: string) => name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
    // nameKey is derived from the name (the as-of list computes it from the name as it was).
    const bookkeeping = ['id', 'demo', 'createdAt', 'updatedAt', 'revision', 'enabledOn', 'nameKey'];
    expect(
      columns
        .map(keyOf)
        .filter((c) => !bookkeeping.includes(c))
        .sort(),
    ).toEqual([...HISTORY_COLUMNS].sort());
    await closeHarness(h);
  });

  it('a writer that says nothing is recorded too: unattributed, effective when recorded, for each column', async () => {
    const h = await createHarness();
    const id = await one<number>(h.db, sql`select id from connectors where slug = 'source-faker'`);
    const values: Record<string, unknown> = {
      tags: '["x:y"]',
      type: 'destination',
      supportLevel: 'archived',
      releaseStage: 'alpha',
      internalSl: 7,
      internalQl: 8,
      maxSecondsBetweenMessages: 9,
    };
    for (const column of HISTORY_COLUMNS) {
      const name = column.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
      const value = values[column] ?? `new-${column}`;
      await exec(h.db, sql`update connectors set ${sql.identifier(name)} = ${value} where id = ${id}`);
      const row = await rawRow(
        h.db,
        sql`select field, value, source, actor, case when effective_at = recorded_at then 1 else 0 end as now from connector_history
          where connector_id = ${id} order by id desc limit 1`,
      );
      expect(row).toEqual({ field: column, value: String(value), source: 'unattributed', actor: null, now: 1 });
    }
    await exec(h.db, sql`update connector_availability set enabled = false where connector_id = ${id} and deployment = 'cloud'`);
    await exec(h.db, sql`delete from connector_availability where connector_id = ${id} and deployment = 'community_oss'`);
    const availability = await rawRows(
      h.db,
      sql`select field, scope, value from connector_history where connector_id = ${id} and scope in ('cloud', 'community_oss') and source = 'unattributed' order by id`,
    );
    expect(availability).toEqual([
      { field: 'enabled', scope: 'cloud', value: '0' },
      { field: 'enabled', scope: 'community_oss', value: '0' },
    ]);
    expect(await one(h.db, sql`select count(*) from history_context`)).toBe(0);
    await closeHarness(h);
  });
});

describeWithRealData('demo data', () => {
  it('leaves no history when the first real import removes it', async () => {
    const db = await importDatabase({ demo: true });
    const demoIds = await column<number>(db, sql`select id from connectors where demo = true`);
    expect(await one(db, sql`select count(*) from connector_history where source = 'seed'`)).toBeGreaterThan(0);
    await importPath(db, REAL.oss2025, { removeDemo: true });
    const kept = new Set(await column<number>(db, sql`select id from connectors`));
    const gone = demoIds.filter((id) => !kept.has(id));
    expect(gone.length).toBeGreaterThan(0);
    const left = await db.select({ n: count() }).from(connectorHistory).where(inArray(connectorHistory.connectorId, gone));
    expect(left[0]!.n).toBe(0);
    // A demo breaking change removed from a kept connector takes its history with it, rather than being recorded as withdrawn.
    expect(await one(db, sql`select count(*) from connector_history where field = 'breakingChange' and value is null`)).toBe(0);
    const stray = await one(
      db,
      sql`select count(*) from connector_history h where h.field = 'breakingChange' and not exists (select 1 from breaking_changes b where b.connector_id = h.connector_id and b.version = h.scope)`,
    );
    expect(stray).toBe(0);
    await closeDatabase(db);
  });
});

describeWithRealData('the changelog of real imports', () => {
  it('a metadata import followed by an older registry import reads in the order the sources speak for', async () => {
    const db = await importDatabase();
    const meta = await importPath(db, REAL.metadata2025, { skipInvalid: true, asOf: '2025-11-11' });
    const oss = await importPath(db, REAL.oss2025, { force: true });
    // From the files: the connectors whose support level the 2025-01-29 registry gives otherwise than the 2025-11-11 metadata.
    const ossEntries = new Map(entriesOf(readDoc(REAL.oss2025)).map((e) => [idOf(e), e]));
    const expected = new Map<string, { oss: string; meta: string; generatedAt: string }>();
    for (const file of metadataFiles(REAL.metadata2025)) {
      const data = (parseYaml(readFileSync(file, 'utf8')) as { data?: Record<string, any> } | null)?.data;
      const id = String(data?.definitionId ?? '').toLowerCase();
      const entry = ossEntries.get(id);
      if (!entry || expected.has(id)) continue;
      const [metaLevel, ossLevel] = [data!.supportLevel ?? 'community', entry.supportLevel ?? 'community'];
      const generatedAt = registryTime(entry.generated?.source_file_info?.registry_entry_generated_at);
      if (metaLevel !== ossLevel && generatedAt) expected.set(id, { oss: ossLevel, meta: metaLevel, generatedAt });
    }
    expect(expected.size).toBeGreaterThan(0);
    const h = await createHarness({ seed: false });
    // The harness's own database is fresh; ask the import's database through an app of its own.
    await closeHarness(h);
    const served = serve(await createApp({ db, log: () => {} }));
    try {
      let checked = 0;
      for (const [definitionId, want] of expected) {
        const slug = await one<string | undefined>(db, sql`select slug from connectors where definition_id = ${definitionId}`);
        if (!slug) continue;
        const response = await served.fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: CHANGES, variables: { slug } }),
        });
        const changes = ((await response.json()) as any).data.connector.changes.edges.map((e: any) => e.node);
        const effective = changes.map((c: any) => c.effectiveAt);
        expect(effective).toEqual([...effective].sort());
        const levels = changes
          .filter((c: any) => c.field === 'SUPPORT_LEVEL')
          .map((c: any) => ({ from: c.from, to: c.to, effectiveAt: c.effectiveAt, importId: c.importId, source: c.source }));
        expect(levels).toEqual([
          { from: null, to: want.oss, effectiveAt: want.generatedAt, importId: String(oss.importId), source: 'IMPORT' },
          { from: want.oss, to: want.meta, effectiveAt: '2025-11-11T00:00:00.000Z', importId: String(meta.importId), source: 'IMPORT' },
        ]);
        // As of a day after the metadata snapshot, the history answers what the newer source said, whatever was imported last.
        const asOf = { at: '2025-12-01T00:00:00Z', filter: { supportLevels: [want.meta.toUpperCase()], search: slug } };
        const then = await served.fetch('/graphql', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({
            query: `query($at: DateTime, $filter: ConnectorFilter) { connectors(asOf: $at, filter: $filter, first: 100) { edges { node { slug supportLevel } } } }`,
            variables: asOf,
          }),
        });
        expect(((await then.json()) as any).data.connectors.edges.map((e: any) => e.node)).toContainEqual({ slug, supportLevel: want.meta.toUpperCase() });
        checked++;
      }
      expect(checked).toBe(expected.size);
    } finally {
      await served.close();
      await closeDatabase(db);
    }
  });
});

describeWithRealData('a first import', () => {
  it('records each new connector as one snapshot row, its availability inside, and reads it back as the current rows read', async () => {
    const db = await importDatabase();
    await importPath(db, REAL.oss2025);
    const connectors = await one<number>(db, sql`select count(*) from connectors`);
    expect(connectors).toBeGreaterThan(100);
    // One row a connector besides its breaking changes: the snapshot, which holds every availability row written with it.
    expect(await one(db, sql`select count(*) from connector_history where field != 'breakingChange'`)).toBe(connectors);
    const matching =
      db.$engine === 'postgres'
        ? sql`(c.value::jsonb #>> array['availability', a.deployment, 'enabled']) is not distinct from (case when a.enabled then '1' else '0' end)
           and (c.value::jsonb #>> array['availability', a.deployment, 'dockerImageTag']) is not distinct from a.docker_image_tag`
        : sql`json_extract(c.value, '$.availability.' || a.deployment || '.enabled') is a.enabled
           and json_extract(c.value, '$.availability.' || a.deployment || '.dockerImageTag') is a.docker_image_tag`;
    const availability = await one(
      db,
      sql`select count(*) from connector_availability a join connector_history c on c.connector_id = a.connector_id and c.field = 'created' where ${matching}`,
    );
    expect(availability).toBe(await one(db, sql`select count(*) from connector_availability`));
    const served = serve(await createApp({ db, log: () => {} }));
    const gql = async (query: string, variables: object) => {
      const res = await served.fetch('/graphql', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query, variables }),
      });
      const body = (await res.json()) as any;
      expect(body.errors).toBeUndefined();
      return body.data;
    };
    const FACETS = `query($at: DateTime, $filter: ConnectorFilter) { connectors(asOf: $at, filter: $filter, first: 1) {
      facets { supportLevels { value count } deployments { value count } withSla { value count } languages { value count } } } }`;
    const later = new Date(Date.now() + 3600_000).toISOString();
    const everything = async (at?: string) => {
      const all: any[] = [];
      for (const filter of [null, { supportedOn: 'CLOUD' }, { supportedOn: 'COMMUNITY_OSS', withSla: false }]) {
        let after: string | null = null;
        do {
          const page: any = await gql(LIST, { first: 100, after, filter, at });
          all.push(page);
          after = page.connectors.pageInfo.hasNextPage ? page.connectors.pageInfo.endCursor : null;
        } while (after);
        all.push(await gql(FACETS, { filter, at }));
      }
      return all;
    };
    try {
      const now = await everything();
      expect(await everything(later)).toEqual(now);
      // Every connector read from its snapshot rather than its current row.
      await disorder(db);
      expect(await everything(later)).toEqual(now);
      const slug = now[0].connectors.edges[0].node.slug;
      const changes = (await gql(CHANGES, { slug })).connector.changes.edges.map((e: any) => e.node);
      const enabled = await column<string>(
        db,
        sql`select deployment from connector_availability a join connectors c on c.id = a.connector_id where c.slug = ${slug} and a.enabled = true order by deployment`,
      );
      expect(changes[0].field).toBe('CREATED');
      expect(
        changes
          .filter((c: any) => c.field === 'DEPLOYMENT_ENABLED')
          .map((c: any) => [c.deployment.toLowerCase(), c.from, c.to])
          .sort(),
      ).toEqual(enabled.map((d) => [d, null, '1']));
      expect(changes.find((c: any) => c.field === 'SLUG')).toMatchObject({ from: null, to: slug });
    } finally {
      await served.close();
      await closeDatabase(db);
    }
  });
});
