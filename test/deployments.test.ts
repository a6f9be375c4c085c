// One registry per deployment: the image and version each deployment serves, from Airbyte's real
// registries and metadata, in GraphQL and in the two exports. Every expectation is computed here from
// the input files, never from the importer's own code.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, type Db } from '../src/db/client.js';
import { rawRows } from '../src/db/raw.js';
import { parse as parseYaml } from 'yaml';
import { REGISTRY_FIELDS } from '../src/domain/registry/format.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { ImportError, loadImportSource, loadRegistryJson } from '../src/domain/registry/load.js';
import { TEST_ENGINE } from './helpers/database.js';
import { createHarness, type GraphQLResponse, type Harness } from './helpers/harness.js';
import { runNode, tempDir } from './helpers/process.js';
import { describeWithRealData, itWithRealData, REAL } from './helpers/real-data.js';

const SMALL_OSS = fileURLToPath(new URL('./fixtures/oss_registry.small.json', import.meta.url));

type Entry = Record<string, any>;
interface RegistryDoc {
  sources: Entry[];
  destinations: Entry[];
}
interface Image {
  dockerRepository: string;
  dockerImageTag: string;
}
interface Served extends Image {
  deployment: string;
  enabled: boolean;
}
interface ServedConnector extends Image {
  definitionId: string;
  slug: string;
  availability: Served[];
}

const LISTS = [
  ['sources', 'sourceDefinitionId'],
  ['destinations', 'destinationDefinitionId'],
] as const;
// The deployments the cloud registry serves (FORMAT.md §1); the OSS registry serves the others.
const CLOUD_SIDE = ['CLOUD', 'POWERED_BY_AIRBYTE'];

const readJson = (path: string): RegistryDoc => JSON.parse(readFileSync(path, 'utf8'));
const imageOf = (e: { dockerRepository?: unknown; dockerImageTag?: unknown }): Image => ({
  dockerRepository: String(e.dockerRepository),
  dockerImageTag: String(e.dockerImageTag),
});

/** The keys of `o` that are set. */
function pick(o: Entry, ...keys: string[]): Entry {
  return Object.fromEntries(keys.filter((k) => o[k] != null).map((k) => [k, o[k]]));
}

/** Every entry of a registry document by its definition ID (lower case, as the gateway keeps it). */
function byDefinitionId(doc: RegistryDoc): Map<string, Entry> {
  const map = new Map<string, Entry>();
  for (const [list, key] of LISTS) for (const e of doc[list]) map.set(String(e[key]).toLowerCase(), e);
  return map;
}

/** Stops a harness and closes its database (a PostgreSQL pool holds connections until then). */
async function release(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.close();
  await closeDatabase(h.db);
}

async function importFile(h: Harness, path: string, registry?: 'oss' | 'cloud') {
  const loaded = await loadImportSource(path, { registry });
  if (loaded.problems.length) throw new ImportError(loaded.problems);
  return importConnectors(h.db, loaded);
}

const PAGE = `query($after: String) { connectors(first: 100, after: $after) {
  edges { node { definitionId slug dockerRepository dockerImageTag availability { deployment enabled dockerRepository dockerImageTag } } }
  pageInfo { hasNextPage endCursor } } }`;

/** Every connector as GraphQL serves it, page by page. */
async function servedConnectors(h: Harness): Promise<ServedConnector[]> {
  const all: ServedConnector[] = [];
  let after: string | null = null;
  for (;;) {
    const res: GraphQLResponse = await h.gql(PAGE, { after });
    expect(res.errors).toBeUndefined();
    const page: { edges: { node: ServedConnector }[]; pageInfo: { hasNextPage: boolean; endCursor: string } } = res.data!.connectors;
    all.push(...page.edges.map((e) => e.node));
    if (!page.pageInfo.hasNextPage) return all;
    after = page.pageInfo.endCursor;
  }
}

async function displayOrder(h: Harness): Promise<string[]> {
  return (await h.gql(`{ deployments { key } }`)).data!.deployments.map((d: { key: string }) => d.key);
}

/** What a connector should serve: its own image, and per registry the entry's image, or nothing when it is not listed there. */
function expectedAvailability(order: string[], own: Image, listed: { oss: Image | null; cloud: Image | null }): Served[] {
  return order.map((deployment) => {
    const image = CLOUD_SIDE.includes(deployment) ? listed.cloud : listed.oss;
    return { deployment, enabled: image != null, ...(image ?? own) };
  });
}

/** Compares an export with its input entry by entry, by definition ID; `expectedFor` may adjust an input entry. */
function expectSameEntries(exported: RegistryDoc, input: RegistryDoc, expectedFor: (e: Entry) => Entry = (e) => e) {
  for (const [list, key] of LISTS) {
    expect(exported[list].map((e) => e[key]).sort(), list).toEqual(input[list].map((e) => e[key]).sort());
    const out = new Map(exported[list].map((e) => [e[key], e]));
    for (const entry of input[list]) expect(out.get(entry[key]), `${list}: ${entry.name}`).toEqual(expectedFor(entry));
  }
}

describeWithRealData('the 2023 OSS and cloud registries, imported together', () => {
  let h: Harness;
  const oss = readJson(REAL.oss2023);
  const cloud = readJson(REAL.cloud2023);
  const ossById = byDefinitionId(oss);
  const cloudById = byDefinitionId(cloud);
  beforeAll(async () => {
    h = await createHarness({ connectors: false });
    expect(await importFile(h, REAL.oss2023)).toMatchObject({ added: 324, skipped: [] });
    expect(await importFile(h, REAL.cloud2023, 'cloud')).toMatchObject({ added: 3, updated: 203, skipped: [] });
  }, 120_000);
  afterAll(() => release(h));

  it("serves each deployment the image and version its registry lists, the OSS registry's being the connector's own", async () => {
    const order = await displayOrder(h);
    const served = await servedConnectors(h);
    expect(served).toHaveLength(new Set([...ossById.keys(), ...cloudById.keys()]).size);
    for (const c of served) {
      const o = ossById.get(c.definitionId);
      const cl = cloudById.get(c.definitionId);
      // A connector only the cloud registry lists has the cloud's image as its own.
      const own = imageOf((o ?? cl)!);
      expect({ ...imageOf(c), availability: c.availability }, c.slug).toEqual({
        ...own,
        availability: expectedAvailability(order, own, { oss: o ? imageOf(o) : null, cloud: cl ? imageOf(cl) : null }),
      });
    }
    // The data: Cloud runs destination-postgres as airbyte/destination-postgres-strict-encrypt, OSS as airbyte/destination-postgres.
    const postgres = served.find((c) => c.slug === 'destination-postgres')!;
    expect(postgres.availability.find((a) => a.deployment === 'CLOUD')).toEqual({
      deployment: 'CLOUD',
      enabled: true,
      dockerRepository: 'airbyte/destination-postgres-strict-encrypt',
      dockerImageTag: imageOf(cloudById.get(postgres.definitionId)!).dockerImageTag,
    });
    // Connectors both list with another image or version on Cloud, counted from the files: each is served so.
    const differing = [...cloudById].filter(([id, e]) => ossById.has(id) && JSON.stringify(imageOf(e)) !== JSON.stringify(imageOf(ossById.get(id)!)));
    const servedDiffering = served.filter((c) => {
      const on = (deployment: string) => c.availability.find((a) => a.deployment === deployment)!;
      const [cl, os] = [on('CLOUD'), on('COMMUNITY_OSS')];
      return cl.enabled && os.enabled && (cl.dockerRepository !== os.dockerRepository || cl.dockerImageTag !== os.dockerImageTag);
    });
    expect(servedDiffering.map((c) => c.definitionId).sort()).toEqual(differing.map(([id]) => id).sort());
    // 29 of them in this pair, 15 with another image (a -strict-encrypt or -secure one).
    expect(differing).toHaveLength(29);
    expect(differing.filter(([id, e]) => e.dockerRepository !== ossById.get(id)!.dockerRepository)).toHaveLength(15);
  });

  it('exports oss_registry.json as its input, and cloud_registry.json with the images and versions of its input', async () => {
    expectSameEntries(await (await h.get('/registries/v0/oss_registry.json')).json(), oss);
    // The model keeps one value per connector for each other copied field: where the two registries
    // disagree on one (computed here: source-freshcaller's releaseStage), both exports give the OSS value.
    const otherFields = REGISTRY_FIELDS.filter(({ column }) => column !== 'dockerRepository' && column !== 'dockerImageTag');
    const at = (e: Entry, path: readonly string[]) => path.reduce<any>((o, k) => o?.[k], e);
    const disagreeing: string[] = [];
    const expectedCloud = (e: Entry): Entry => {
      const o = ossById.get(String(e.sourceDefinitionId ?? e.destinationDefinitionId).toLowerCase());
      if (!o) return e;
      const copy = structuredClone(e);
      for (const { path } of otherFields) {
        if (JSON.stringify(at(o, path)) === JSON.stringify(at(e, path))) continue;
        disagreeing.push(`${e.dockerRepository} ${path.join('.')}`);
        const parent = path.slice(0, -1).reduce<any>((x, k) => (x[k] ??= {}), copy);
        if (at(o, path) === undefined) delete parent[path.at(-1)!];
        else parent[path.at(-1)!] = at(o, path);
      }
      return copy;
    };
    expectSameEntries(await (await h.get('/registries/v0/cloud_registry.json')).json(), cloud, expectedCloud);
    expect(disagreeing).toEqual(['airbyte/source-freshcaller releaseStage']);
  });
});

describeWithRealData('each real registry file, imported into an empty registry', () => {
  for (const [label, path, registry] of [
    ['the 2023 OSS registry', REAL.oss2023, 'oss'],
    ['the 2023 cloud registry', REAL.cloud2023, 'cloud'],
    ['the 2025-01-29 OSS registry', REAL.oss2025, 'oss'],
  ] as const) {
    it(`comes back entry by entry from its own export: ${label}`, async () => {
      const h = await createHarness({ connectors: false });
      const input = readJson(path);
      await importFile(h, path, registry);
      const res = await h.get(`/registries/v0/${registry}_registry.json`);
      expect(res.status).toBe(200);
      expectSameEntries(await res.json(), input);
      // The other registry lists nothing: this one file said nothing about it.
      const other = await (await h.get(`/registries/v0/${registry === 'oss' ? 'cloud' : 'oss'}_registry.json`)).json();
      expect(other).toEqual({ sources: [], destinations: [] });
      await release(h);
    }, 120_000);
  }

  it('serves the 2025-01-29 OSS versions on Self-Managed Enterprise and Community, and no Cloud', async () => {
    const h = await createHarness({ connectors: false });
    await importFile(h, REAL.oss2025);
    const byId = byDefinitionId(readJson(REAL.oss2025));
    const order = await displayOrder(h);
    const served = await servedConnectors(h);
    expect(served).toHaveLength(byId.size);
    for (const c of served) {
      const own = imageOf(byId.get(c.definitionId)!);
      expect({ ...imageOf(c), availability: c.availability }, c.slug).toEqual({
        ...own,
        availability: expectedAvailability(order, own, { oss: own, cloud: null }),
      });
    }
    await release(h);
  }, 120_000);
});

describeWithRealData('the 2025-11-11 metadata.yaml files', () => {
  const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
  const folder = join(REAL.metadata2025, 'airbyte-integrations/connectors');
  // Per definition ID: what each registry serves (registryOverrides.<registry> over the data, FORMAT.md §1),
  // or null where it is not enabled. A -strict-encrypt copy sharing its parent's ID is enabled nowhere.
  const expected = new Map<string, { data: Entry; oss: Image | null; cloud: Image | null }>();
  for (const name of readdirSync(folder).sort()) {
    const data = parseYaml(readFileSync(join(folder, name, 'metadata.yaml'), 'utf8')).data as Entry;
    if (!UUID.test(String(data.definitionId))) continue; // the scaffold template
    const overrides = data.registryOverrides ?? data.registries ?? {};
    const served = (registry: 'oss' | 'cloud') =>
      overrides[registry]?.enabled ? imageOf({ ...data, ...pick(overrides[registry], 'dockerRepository', 'dockerImageTag') }) : null;
    const one = { data, oss: served('oss'), cloud: served('cloud') };
    const id = String(data.definitionId).toLowerCase();
    if (!expected.has(id) || one.oss || one.cloud) expected.set(id, one);
  }

  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ connectors: false });
    const loaded = await loadImportSource(REAL.metadata2025);
    await importConnectors(h.db, loaded);
  }, 120_000);
  afterAll(() => release(h));

  it("serves each deployment what its registry would list, and the OSS registry's version as the connector's own", async () => {
    const order = await displayOrder(h);
    const served = await servedConnectors(h);
    expect(served.map((c) => c.definitionId).sort()).toEqual([...expected.keys()].sort());
    for (const c of served) {
      const e = expected.get(c.definitionId)!;
      const own = e.oss ?? e.cloud ?? imageOf(e.data);
      expect({ ...imageOf(c), availability: c.availability }, c.slug).toEqual({
        ...own,
        availability: expectedAvailability(order, own, e),
      });
    }
    // destination-postgres/metadata.yaml: registryOverrides.cloud.dockerRepository is airbyte/destination-postgres-strict-encrypt.
    const postgres = served.find((c) => c.slug === 'destination-postgres')!;
    expect(postgres.availability.map((a) => `${a.deployment} ${a.dockerRepository}:${a.dockerImageTag}`)).toEqual([
      'CLOUD airbyte/destination-postgres-strict-encrypt:2.4.7',
      'POWERED_BY_AIRBYTE airbyte/destination-postgres-strict-encrypt:2.4.7',
      'SELF_MANAGED_ENTERPRISE airbyte/destination-postgres:2.4.7',
      'COMMUNITY_OSS airbyte/destination-postgres:2.4.7',
    ]);
    // source-faker's data says 6.2.38 but both registries pin 6.2.24: no one serves 6.2.38, so neither does the API.
    const faker = served.find((c) => c.slug === 'source-faker')!;
    expect(expected.get(faker.definitionId)!.data.dockerImageTag).toBe('6.2.38');
    expect(new Set([faker.dockerImageTag, ...faker.availability.map((a) => a.dockerImageTag)])).toEqual(new Set(['6.2.24']));
  });

  it('exports each registry with the images and versions its registryOverrides give', async () => {
    for (const registry of ['oss', 'cloud'] as const) {
      const doc: RegistryDoc = await (await h.get(`/registries/v0/${registry}_registry.json`)).json();
      const exported = byDefinitionId(doc);
      const listed = [...expected].filter(([, e]) => e[registry]);
      expect([...exported.keys()].sort(), registry).toEqual(listed.map(([id]) => id).sort());
      for (const [id, e] of listed) expect(imageOf(exported.get(id)!), `${registry}: ${e.data.name}`).toEqual(e[registry]);
    }
  });
});

// What the OSS side serves, as SQLite stores it (type and bytes of every value): the connectors' own
// columns (not revision, updated_at or enabled_on, which say that a connector changed and where it is
// enabled), the availability on the OSS registry's deployments, the OSS entries and the breaking changes.
const NOT_OSS_FACING = new Set(['revision', 'updated_at', 'enabled_on']);
function ossFacing(sqlite: Database.Database) {
  const rows = (sql: string) => sqlite.prepare(sql).pluck().all() as string[];
  const columns = (table: string) => rows(`select name from pragma_table_info('${table}')`).filter((n) => !NOT_OSS_FACING.has(n));
  const bytes = (table: string, alias: string) =>
    columns(table)
      .map((c) => `typeof(${alias}.${c}), hex(${alias}.${c})`)
      .join(', ');
  return {
    connectors: rows(`select json_array(${bytes('connectors', 'c')}) from connectors c order by c.definition_id`),
    availability: rows(
      `select json_array(c.definition_id, ${bytes('connector_availability', 'a')}) from connector_availability a join connectors c on c.id = a.connector_id
       where a.deployment in ('community_oss', 'self_managed_enterprise') order by 1`,
    ),
    entries: rows(
      `select json_array(c.definition_id, ${bytes('registry_entries', 'e')}) from registry_entries e join connectors c on c.id = e.connector_id where e.registry = 'oss' order by 1`,
    ),
    breakingChanges: rows(
      `select json_array(c.definition_id, ${bytes('breaking_changes', 'b')}) from breaking_changes b join connectors c on c.id = b.connector_id order by 1`,
    ),
  };
}

/**
 * ossFacing on either engine: on SQLite its bytes; on PostgreSQL the same rows as values (every column but
 * NOT_OSS_FACING, in the same order), since PostgreSQL has no typeof() or hex() of a value.
 */
async function ossFacingOf(db: Db) {
  if (db.$engine === 'sqlite') return ossFacing(db.$client);
  const rows = async (query: ReturnType<typeof sql>, key: (r: Record<string, unknown>) => string) =>
    (await rawRows(db, query)).map((r) => JSON.stringify(Object.entries(r).filter(([k]) => !NOT_OSS_FACING.has(k) && k !== 'k')) + key(r)).sort();
  const byKey = (r: Record<string, unknown>) => String(r.k);
  return {
    connectors: await rows(sql`select c.definition_id as k, c.* from connectors c`, byKey),
    availability: await rows(
      sql`select c.definition_id as k, a.* from connector_availability a join connectors c on c.id = a.connector_id where a.deployment in ('community_oss', 'self_managed_enterprise')`,
      byKey,
    ),
    entries: await rows(
      sql`select c.definition_id as k, e.* from registry_entries e join connectors c on c.id = e.connector_id where e.registry = 'oss'`,
      byKey,
    ),
    breakingChanges: await rows(sql`select c.definition_id as k, b.* from breaking_changes b join connectors c on c.id = b.connector_id`, byKey),
  };
}

// The CLI on a SQLite file, read back byte by byte with better-sqlite3: SQLite's own.
describe.skipIf(TEST_ENGINE === 'postgres')('registry:import --registry cloud', () => {
  itWithRealData('changes the cloud deployments and the cloud entries, and not one byte the OSS side serves', () => {
    const dir = tempDir();
    const database = join(dir, 'registry.db');
    const env = { DATABASE_PATH: database };
    const cli = (...args: string[]) => {
      const run = runNode(args, env);
      expect(run.status, run.stderr).toBe(0);
      return run;
    };
    const snapshot = () => {
      const sqlite = new Database(database, { readonly: true });
      try {
        return ossFacing(sqlite);
      } finally {
        sqlite.close();
      }
    };
    expect(cli('dist/src/cli/registry-import.js', '--quiet', REAL.oss2023).stdout).toContain('added 324');
    cli('dist/src/cli/registry-export.js', '--registry', 'oss', '--out', join(dir, 'oss-before.json'));
    const before = snapshot();
    expect(before.connectors).toHaveLength(324);

    expect(cli('dist/src/cli/registry-import.js', '--quiet', '--registry', 'cloud', REAL.cloud2023).stdout).toContain('added 3, updated 203');
    cli('dist/src/cli/registry-export.js', '--registry', 'oss', '--out', join(dir, 'oss-after.json'));
    cli('dist/src/cli/registry-export.js', '--registry', 'cloud', '--out', join(dir, 'cloud-after.json'));
    const after = snapshot();

    // The 3 connectors only the cloud registry lists are new; everything the OSS side had is as it was.
    expect(after.connectors).toHaveLength(327);
    const kept = new Set(before.connectors);
    expect(after.connectors.filter((r) => !kept.has(r))).toHaveLength(3);
    expect({ ...after, connectors: after.connectors.filter((r) => kept.has(r)) }).toEqual(before);
    expect(readFileSync(join(dir, 'oss-after.json')).equals(readFileSync(join(dir, 'oss-before.json')))).toBe(true);
    // And the cloud side says what the cloud registry says.
    const cloudById = byDefinitionId(readJson(REAL.cloud2023));
    const exported = byDefinitionId(JSON.parse(readFileSync(join(dir, 'cloud-after.json'), 'utf8')));
    expect([...exported.keys()].sort()).toEqual([...cloudById.keys()].sort());
    for (const [id, e] of cloudById) expect(imageOf(exported.get(id)!), e.name).toEqual(imageOf(e));
  });

  // The 2023 pair has no breaking changes: a cloud entry that words them otherwise must not rewrite
  // the ones of a connector the OSS registry owns (import.ts applies them only where it owns the columns).
  it('leaves the breaking changes the OSS registry gave alone when a cloud entry words them otherwise', async () => {
    const h = await createHarness({ connectors: false });
    await importFile(h, SMALL_OSS);
    const before = await ossFacingOf(h.db);
    const ossExport = await (await h.get('/registries/v0/oss_registry.json')).text();
    const doc = readJson(SMALL_OSS);
    const widgets = doc.sources.find((s) => s.name === 'Widgets')!;
    for (const change of Object.values<Entry>(widgets.releases.breakingChanges)) change.message = 'Worded otherwise on Cloud.';
    const cloud = loadRegistryJson(JSON.stringify({ sources: [widgets], destinations: [] }), 'cloud_registry.json', 'cloud');
    await importConnectors(h.db, cloud);
    expect(await ossFacingOf(h.db)).toEqual(before);
    expect(await (await h.get('/registries/v0/oss_registry.json')).text()).toBe(ossExport);
    await release(h);
  });
});

describe('a connector list asking for availability', () => {
  const LIST = `query($first: Int!) { connectors(first: $first) { edges { node { slug availability { deployment enabled dockerRepository dockerImageTag } } } } }`;
  const DETAIL = `{ connector(slug: "source-faker") { dockerImageTag availability { deployment enabled dockerImageTag } } }`;

  it('is one SQL statement whatever the page size, through the fast lane as through yoga, with the same answer', async () => {
    const h = await createHarness();
    const counts = [];
    for (const first of [1, 10, 100]) {
      h.statements.length = 0;
      const res = await h.gql(LIST, { first });
      expect(res.errors).toBeUndefined();
      expect(res.data!.connectors.edges).toHaveLength(Math.min(first, 49));
      counts.push(h.statements.length);
    }
    expect(counts).toEqual([1, 1, 1]);
    expect(h.statements[0]).toContain('connector_availability');
    // The first request taught the fast lane the operation; yoga alone gives the same bytes.
    const body = JSON.stringify({ query: LIST, variables: { first: 50 } });
    const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body };
    const [lane, yoga] = await Promise.all([h.fetch('/graphql', init), h.app.fetch('http://yoga/graphql', init)]);
    expect(await lane.text()).toBe(await yoga.text());
    h.statements.length = 0;
    const detail = await h.gql(DETAIL);
    expect(detail.errors).toBeUndefined();
    expect(h.statements).toHaveLength(1);
    expect(detail.data!.connector.availability.map((a: { deployment: string }) => a.deployment)).toEqual(await displayOrder(h));
    await release(h);
  });
});
