import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { rawRows } from '../src/db/raw.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { ImportError, loadImportSource, loadRegistryJson } from '../src/domain/registry/load.js';
import { createHarness, snapshot, type Harness } from './helpers/harness.js';
import { runNode, runNodeAsync, tempDir } from './helpers/process.js';
import { describeWithRealData, itWithRealData, REAL } from './helpers/real-data.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const SMALL_OSS = join(FIXTURES, 'oss_registry.small.json');

async function importFile(h: Harness, path: string, options: { registry?: 'oss' | 'cloud' } = {}) {
  const loaded = await loadImportSource(path, options);
  if (loaded.problems.length) throw new ImportError(loaded.problems);
  return await importConnectors(h.db, loaded);
}

/** The small fixture with one entry changed, as a JSON text. */
function editedFixture(edit: (doc: any) => void): string {
  const doc = JSON.parse(readFileSync(SMALL_OSS, 'utf8'));
  edit(doc);
  return JSON.stringify(doc);
}

const DETAIL = `query($slug: String!) { connector(slug: $slug) { slug name type supportLevel releaseStage dockerImageTag language license
  subtype tags releaseDate internalSupportLevel internalQualityLevel availableOn revision
  breakingChanges { version upgradeDeadline deadlineAction migrationDocumentationUrl scopedImpact { impactedScopes } }
  certificationHistory { fromLevel toLevel actor source } } }`;

describe('importing a registry JSON file', () => {
  let h: Harness;
  beforeEach(async () => {
    h = await createHarness({ connectors: false });
  });

  it('adds every entry with its model fields, availability on OSS and Self-Managed Enterprise, and breaking changes', async () => {
    const summary = await importFile(h, SMALL_OSS);
    expect(summary).toMatchObject({ added: 4, updated: 0, unchanged: 0, levelChanges: [], disabled: [], skipped: [] });
    const widgets = await h.gql(DETAIL, { slug: 'source-widgets' });
    expect(widgets.data!.connector).toEqual({
      slug: 'source-widgets',
      name: 'Widgets',
      type: 'SOURCE',
      supportLevel: 'CERTIFIED',
      releaseStage: 'GENERALLY_AVAILABLE',
      dockerImageTag: '2.1.0',
      language: 'python',
      license: 'ELv2',
      subtype: 'api',
      tags: ['language:python', 'cdk:low-code'],
      releaseDate: '2021-03-04',
      internalSupportLevel: 300,
      internalQualityLevel: 400,
      availableOn: ['SELF_MANAGED_ENTERPRISE', 'COMMUNITY_OSS'],
      revision: 1,
      breakingChanges: [
        {
          version: '2.0.0',
          upgradeDeadline: '2024-05-01',
          deadlineAction: null,
          migrationDocumentationUrl: 'https://docs.example.test/sources/widgets-migrations#2.0.0',
          scopedImpact: [{ impactedScopes: ['gadgets'] }],
        },
      ],
      certificationHistory: [],
    });
    // A missing supportLevel is community; the language falls back to the language: tag.
    const doodads = await h.gql(DETAIL, { slug: 'source-doodads' });
    expect(doodads.data!.connector).toMatchObject({ supportLevel: 'COMMUNITY', language: null, tags: [] });
    // A third-party image gets a slug made from its repository.
    const gizmo = await h.gql(DETAIL, { slug: 'source-acme-airbyte-gizmo-source' });
    expect(gizmo.data!.connector).toMatchObject({ name: 'Gizmo Tracker', language: 'java', supportLevel: 'COMMUNITY' });
  });

  it('changes nothing and writes no events when the same file is imported again, and logs both imports', async () => {
    await importFile(h, SMALL_OSS);
    const { import_log: firstLog, ...before } = await snapshot(h.db);
    const again = await importFile(h, SMALL_OSS);
    expect(again).toMatchObject({ added: 0, updated: 0, unchanged: 4, levelChanges: [], disabled: [] });
    const { import_log: log, ...after } = await snapshot(h.db);
    expect(after).toEqual(before);
    expect(log).toEqual([...firstLog!, expect.objectContaining({ id: again.importId, contentHash: (firstLog![0] as { contentHash: string }).contentHash })]);
  });

  it('writes a certification event with source IMPORT when a support level changes, and bumps the revision', async () => {
    await importFile(h, SMALL_OSS);
    const changed = loadRegistryJson(
      editedFixture((d) => {
        d.sources[1].supportLevel = 'certified';
      }),
      'oss_registry.json',
      'oss',
    );
    const summary = await importConnectors(h.db, changed);
    expect(summary).toMatchObject({ added: 0, updated: 1, unchanged: 3 });
    expect(summary.levelChanges).toEqual([{ slug: 'source-acme-airbyte-gizmo-source', from: 'community', to: 'certified' }]);
    const res = await h.gql(DETAIL, { slug: 'source-acme-airbyte-gizmo-source' });
    expect(res.data!.connector).toMatchObject({
      supportLevel: 'CERTIFIED',
      revision: 2,
      certificationHistory: [{ fromLevel: 'COMMUNITY', toLevel: 'CERTIFIED', actor: 'import:oss_registry.json', source: 'IMPORT' }],
    });
  });

  it('marks a connector the registry no longer lists as unavailable there, and keeps it', async () => {
    await importFile(h, SMALL_OSS);
    const without = loadRegistryJson(
      editedFixture((d) => {
        d.sources.splice(2, 1);
      }),
      'oss_registry.json',
      'oss',
    );
    // One of four is more than the default share an import may make unavailable (test/import-guards.test.ts).
    const summary = await importConnectors(h.db, without, { maxUnavailableShare: 0.25 });
    expect(summary.disabled).toEqual(['source-doodads']);
    const res = await h.gql(DETAIL, { slug: 'source-doodads' });
    expect(res.data!.connector).toMatchObject({ availableOn: [], revision: 2 });
    const exported = await (await h.get('/registries/v0/oss_registry.json')).json();
    expect(exported.sources.map((s: any) => s.name)).toEqual(['Gizmo Tracker', 'Widgets']);
  });

  it('keeps per-deployment versions when the cloud registry pins another image', async () => {
    await importFile(h, SMALL_OSS);
    const cloud = loadRegistryJson(
      editedFixture((d) => {
        d.sources[0].dockerImageTag = '2.0.9';
        d.sources[0].dockerRepository = 'airbyte/source-widgets-strict-encrypt';
        d.sources.splice(1);
        d.destinations = [];
      }),
      'cloud_registry.json',
      'cloud',
    );
    await importConnectors(h.db, cloud);
    const res = await h.gql(DETAIL, { slug: 'source-widgets' });
    // The connector's own version stays the OSS one; the cloud registry's is kept for cloud.
    expect(res.data!.connector).toMatchObject({
      dockerImageTag: '2.1.0',
      availableOn: ['CLOUD', 'POWERED_BY_AIRBYTE', 'SELF_MANAGED_ENTERPRISE', 'COMMUNITY_OSS'],
    });
    const exported = await (await h.get('/registries/v0/cloud_registry.json')).json();
    expect(exported.sources).toHaveLength(1);
    expect(exported.sources[0]).toMatchObject({ dockerImageTag: '2.0.9', dockerRepository: 'airbyte/source-widgets-strict-encrypt' });
    const oss = await (await h.get('/registries/v0/oss_registry.json')).json();
    expect(oss.sources.find((s: any) => s.name === 'Widgets')).toMatchObject({ dockerImageTag: '2.1.0', dockerRepository: 'airbyte/source-widgets' });
  });

  it('refuses a malformed entry naming the file, the entry and the JSON path, and writes nothing', async () => {
    const before = await snapshot(h.db);
    const bad = loadRegistryJson(
      editedFixture((d) => {
        d.sources[1].releaseDate = 'sometime in 2020';
        d.destinations[0].releases.breakingChanges['3.0.0'].upgradeDeadline = 'soon';
      }),
      'broken_registry.json',
      'oss',
    );
    expect(bad.problems).toEqual([
      { file: 'broken_registry.json', entry: 'sources[1] (Gizmo Tracker)', path: 'sources[1].releaseDate', message: 'must be a date as YYYY-MM-DD' },
      {
        file: 'broken_registry.json',
        entry: 'destinations[0] (Lakehouse)',
        path: 'destinations[0].releases.breakingChanges.3.0.0.upgradeDeadline',
        message: 'must be a date as YYYY-MM-DD',
      },
    ]);
    expect(() => {
      throw new ImportError(bad.problems);
    }).toThrow(/broken_registry\.json: sources\[1\] \(Gizmo Tracker\): sources\[1\]\.releaseDate: must be a date as YYYY-MM-DD/);
    expect(await snapshot(h.db)).toEqual(before);
    // --skip-invalid: the valid entries go in, the invalid ones are reported.
    const summary = await importConnectors(h.db, bad);
    expect(summary).toMatchObject({ added: 2 });
    expect(summary.skipped.map((s) => s.entry)).toEqual([
      'broken_registry.json: sources[1] (Gizmo Tracker)',
      'broken_registry.json: destinations[0] (Lakehouse)',
    ]);
  });

  it('reports a file that is not JSON, or not a registry', () => {
    expect(loadRegistryJson('{"sources": [', 'x.json', 'oss').problems[0]).toMatchObject({
      file: 'x.json',
      entry: '(file)',
      message: expect.stringMatching(/^not valid JSON/),
    });
    expect(loadRegistryJson('{"sources": []}', 'y.json', 'oss').problems).toEqual([
      { file: 'y.json', entry: '(file)', path: 'destinations', message: 'must be an array of connector entries' },
    ]);
  });

  it('updates a seeded connector with the same definition ID instead of adding a second one', async () => {
    const seeded = await createHarness();
    const doc = editedFixture((d) => {
      d.sources = [
        {
          ...d.sources[2],
          sourceDefinitionId: 'dfd88b22-b603-4c3d-aad7-3701784586b1',
          dockerRepository: 'airbyte/source-faker',
          name: 'Sample Data',
          dockerImageTag: '6.3.0',
        },
      ];
      d.destinations = [];
    });
    const summary = await importConnectors(seeded.db, loadRegistryJson(doc, 'oss_registry.json', 'oss'));
    expect(summary).toMatchObject({ added: 0, updated: 1 });
    const res = await seeded.gql(`{ connector(slug: "source-faker") { dockerImageTag revision } connectors(first: 1) { totalCount } }`);
    expect(res.data).toEqual({ connector: { dockerImageTag: '6.3.0', revision: 2 }, connectors: { totalCount: 49 } });
  });
});

describe('importing metadata.yaml files', () => {
  it('reads both the registryOverrides and the older registries key, with per-registry overrides', async () => {
    const h = await createHarness({ connectors: false });
    const loaded = await loadImportSource(join(FIXTURES, 'metadata'));
    expect(loaded.problems).toEqual([]);
    expect(loaded.notes).toEqual([
      expect.stringMatching(/^passed over .*source-widgets-strict-encrypt\/metadata\.yaml \(Widgets\): it shares the definition ID/),
    ]);
    const summary = await importConnectors(h.db, loaded);
    expect(summary).toMatchObject({ added: 3, disabled: [] });
    const widgets = await h.gql(DETAIL, { slug: 'source-widgets' });
    expect(widgets.data!.connector).toMatchObject({
      dockerImageTag: '2.2.0',
      availableOn: ['CLOUD', 'POWERED_BY_AIRBYTE', 'SELF_MANAGED_ENTERPRISE', 'COMMUNITY_OSS'],
      breakingChanges: [
        {
          version: '2.0.0',
          migrationDocumentationUrl: 'https://docs.example.test/sources/widgets-migrations#2.0.0',
          scopedImpact: [{ impactedScopes: ['gadgets'] }],
        },
      ],
    });
    const cloud = await (await h.get('/registries/v0/cloud_registry.json')).json();
    expect(cloud.sources[0]).toMatchObject({
      dockerImageTag: '2.1.5',
      dockerRepository: 'airbyte/source-widgets-strict-encrypt',
      sourceDefinitionId: '11111111-1111-4111-8111-111111111111',
      supportLevel: 'certified',
      tombstone: false,
      public: true,
      custom: false,
      language: 'python',
      ab_internal: { sl: 300, ql: 400 },
    });
    expect(cloud.destinations).toEqual([]);
    const crm = await h.gql(DETAIL, { slug: 'source-old-crm' });
    expect(crm.data!.connector).toMatchObject({ supportLevel: 'ARCHIVED', availableOn: [] });
    const lake = await h.gql(DETAIL, { slug: 'destination-lakehouse' });
    expect(lake.data!.connector).toMatchObject({ supportLevel: 'COMMUNITY', availableOn: ['SELF_MANAGED_ENTERPRISE', 'COMMUNITY_OSS'], breakingChanges: [] });
    expect(await importConnectors(h.db, await loadImportSource(join(FIXTURES, 'metadata')))).toMatchObject({ added: 0, updated: 0, unchanged: 3 });
  });

  itWithRealData('imports the real monorepo snapshot, reporting its scaffold template as invalid', async () => {
    const h = await createHarness({ connectors: false });
    const loaded = await loadImportSource(REAL.metadata2025);
    expect(loaded.problems.map(({ entry, path, message }) => ({ entry, path, message }))).toEqual([
      { entry: 'Scaffold Java Jdbc', path: 'data.definitionId', message: 'must be a UUID (8-4-4-4-12 hex digits)' },
      { entry: 'Scaffold Java Jdbc', path: 'data.releaseDate', message: 'must be a date as YYYY-MM-DD' },
    ]);
    expect(loaded.notes).toHaveLength(7);
    const summary = await importConnectors(h.db, loaded);
    expect(summary.added).toBe(loaded.items.length);
    expect(summary.added).toBeGreaterThan(650);
    const counts = await rawRows(h.db, sql`select support_level, count(*) n from connectors group by 1 order by 1`);
    expect(counts).toEqual([
      { support_level: 'archived', n: expect.any(Number) },
      { support_level: 'certified', n: 67 },
      { support_level: 'community', n: expect.any(Number) },
    ]);
  });
});

describeWithRealData('the real OSS registry of 2025-01-29', () => {
  let h: Harness;
  let original: { sources: any[]; destinations: any[] };
  beforeAll(async () => {
    h = await createHarness({ connectors: false });
    original = JSON.parse(readFileSync(REAL.oss2025, 'utf8'));
    const summary = await importFile(h, REAL.oss2025);
    expect(summary).toMatchObject({ added: 559, skipped: [] });
  });

  it('comes back from GET /registries/v0/oss_registry.json with the same connectors and the same values', async () => {
    const res = await h.get('/registries/v0/oss_registry.json');
    expect(res.status).toBe(200);
    const exported = await res.json();
    for (const [key, id] of [
      ['sources', 'sourceDefinitionId'],
      ['destinations', 'destinationDefinitionId'],
    ] as const) {
      const byId = new Map(exported[key].map((e: any) => [e[id], e]));
      expect(exported[key]).toHaveLength(original[key].length);
      for (const entry of original[key]) expect(byId.get(entry[id]), entry.name).toEqual(entry);
    }
  });

  it('has the counts SOURCES.md gives: 55 + 11 certified, 455 + 38 community', async () => {
    const res = await h.gql(`{ s: connectors(filter: {type: SOURCE, supportLevels: [CERTIFIED]}, first: 1) { totalCount }
      sc: connectors(filter: {type: SOURCE, supportLevels: [COMMUNITY]}, first: 1) { totalCount }
      d: connectors(filter: {type: DESTINATION, supportLevels: [CERTIFIED]}, first: 1) { totalCount }
      dc: connectors(filter: {type: DESTINATION, supportLevels: [COMMUNITY]}, first: 1) { totalCount }
      sme: connectors(filter: {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true}, first: 1) { totalCount }
      cloud: connectors(filter: {supportedOn: CLOUD}, first: 1) { totalCount } }`);
    expect(res.data).toEqual({
      s: { totalCount: 55 },
      sc: { totalCount: 455 },
      d: { totalCount: 11 },
      dc: { totalCount: 38 },
      sme: { totalCount: 66 },
      cloud: { totalCount: 0 },
    });
  });

  it('answers a repeated request with 304 through its ETag, and a changed registry with a new ETag', async () => {
    const first = await h.get('/registries/v0/oss_registry.json');
    const etag = first.headers.get('etag')!;
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    const again = await h.get('/registries/v0/oss_registry.json', { 'if-none-match': etag });
    expect(again.status).toBe(304);
    const token = await h.token('certifier', ['certify']);
    const cert = await h.gql(
      `mutation { certifyConnector(input: {connectorSlug: "source-pokeapi", reason: "Certified for the ETag test."}) { userErrors { code } } }`,
      {},
      token,
    );
    expect(cert.data!.certifyConnector.userErrors).toEqual([]);
    const changed = await h.get('/registries/v0/oss_registry.json', { 'if-none-match': etag });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    const pokeapi = (await changed.json()).sources.find((s: any) => s.dockerRepository === 'airbyte/source-pokeapi');
    expect(pokeapi.supportLevel).toBe('certified');
  });
});

describe('the registry CLI', () => {
  let server: Server;
  let url = '';
  beforeAll(async () => {
    const body = readFileSync(SMALL_OSS);
    server = createServer((req, res) => {
      if (req.url === '/files/registries/v0/oss_registry.json') res.writeHead(200, { 'content-type': 'application/json' }).end(body);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/files/registries/v0/oss_registry.json`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('imports from a URL, says what it did, and exports the same entries to a file', async () => {
    const dir = tempDir();
    const env = { DATABASE_PATH: join(dir, 'r.db') };
    const imported = await runNodeAsync(['dist/src/cli/registry-import.js', url], env);
    expect(imported.status).toBe(0);
    expect(imported.stderr).toContain('4/4 connectors');
    expect(imported.stdout).toContain('added 4, updated 0, unchanged 0, level changes 0, now unavailable 0, skipped 0');
    const again = await runNodeAsync(['dist/src/cli/registry-import.js', '--quiet', url], env);
    expect(again.stdout).toContain('added 0, updated 0, unchanged 4');
    const out = join(dir, 'oss.json');
    const exported = runNode(['dist/src/cli/registry-export.js', '--registry', 'oss', '--out', out], env);
    expect(exported.stderr).toContain('Wrote 3 sources and 1 destinations');
    const original = JSON.parse(readFileSync(SMALL_OSS, 'utf8'));
    const written = JSON.parse(readFileSync(out, 'utf8'));
    const byName = (list: any[]) => [...list].sort((a, b) => a.name.localeCompare(b.name));
    expect(byName(written.sources)).toEqual(byName(original.sources));
    expect(written.destinations).toEqual(original.destinations);
  });

  it('exits non-zero with the problems listed and writes nothing for an invalid file', () => {
    const dir = tempDir();
    const env = { DATABASE_PATH: join(dir, 'r.db') };
    const file = join(dir, 'bad_registry.json');
    writeFileSync(
      file,
      editedFixture((d) => (d.sources[0].dockerImageTag = '')),
    );
    const result = runNode(['dist/src/cli/registry-import.js', file], env);
    expect(result.status).toBe(1);
    // One line on stderr; the plan on stdout lists the refused entry with each of its problems.
    expect(result.stderr.trim().split('\n').at(-1)).toMatch(/^error: refused: 1 of the 4 entries is invalid\. .*Nothing was written; --skip-invalid imports/);
    expect(result.stdout).toContain('  refused sources[0] (Widgets):\n      sources[0].dockerImageTag: must not be empty');
    const skipped = runNode(['dist/src/cli/registry-import.js', '--skip-invalid', file], env);
    expect(skipped.stdout).toContain('added 3, updated 0, unchanged 0, level changes 0, now unavailable 0, skipped 1');
  });
});
