// Every import plans before it writes: --dry-run prints the plan and leaves the database byte for byte as
// it was, --json gives it as data, a real import writes what it planned, logs it (imports in GraphQL,
// registry imports in the CLI), dates the history it writes by the source, and removes the demo data.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { SEED_CONNECTORS } from '../seed/connectors.js';
import { certifyConnector } from '../src/domain/certification/certify.js';
import { PUBLIC } from '../src/domain/connectors/visibility.js';
import { countDemoData } from '../src/domain/registry/demo.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson, registryTime } from '../src/domain/registry/load.js';
import { loadPolicyCatalog } from '../src/domain/support/policy.js';
import { createHarness } from './helpers/harness.js';
import { entriesOf, FIXTURE, fileDatabase, idOf, imageName, importCli, importPath, metadataFiles, openFile, readDoc, watchDatabase } from './helpers/import.js';
import { runNode } from './helpers/process.js';
import { describeWithRealData, itWithRealData, REAL } from './helpers/real-data.js';

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');

describe('the watcher the refusal tests rely on', () => {
  it('notices a write from another connection', () => {
    const { path, db } = fileDatabase();
    const watch = watchDatabase(path);
    db.$client.prepare("update deployments set label = label || ' ' where key = 'cloud'").run();
    expect(() => watch.expectUnchanged()).toThrow(/data_version/);
    watch.close();
  });
});

describeWithRealData('a dry run', () => {
  it('plans the real 2025-01-29 OSS registry into an empty database and writes nothing, through the domain and the CLI', async () => {
    const { path, db } = fileDatabase();
    const entries = entriesOf(readDoc(REAL.oss2025));
    const watch = watchDatabase(path);
    const plan = await importPath(db, REAL.oss2025, { dryRun: true, removeDemo: true });
    expect(plan.importId).toBeNull();
    expect(plan.report.counts).toMatchObject({ entries: entries.length, added: entries.length, changed: 0, refused: 0, unavailable: 0 });
    expect(plan.report.added.map((a) => a.definitionId).sort()).toEqual(entries.map(idOf).sort());
    expect(plan.report.contentHash).toBe(sha256(readFileSync(REAL.oss2025)));
    db.$client.close();

    const text = importCli(path, ['--dry-run', REAL.oss2025]);
    const json = importCli(path, ['--dry-run', '--json', REAL.oss2025]);
    watch.expectUnchanged();
    watch.close();
    expect(text.status).toBe(0);
    expect(text.stdout.split('\n').slice(0, 2)).toEqual([
      `Plan for ${REAL.oss2025} (oss registry, ${entries.length} entries):`,
      `  added ${entries.length}, updated 0, unchanged 0, level changes 0, now unavailable 0, skipped 0, renames 0, conflicts 0`,
    ]);
    expect(text.stdout.trim().split('\n').at(-1)).toBe('Dry run: nothing was written.');
    expect(JSON.parse(json.stdout)).toEqual({ dryRun: true, importId: null, written: false, ...JSON.parse(JSON.stringify(plan.report)) });
  });

  it('plans the real 2025-11-11 metadata over the 2025-01-29 OSS registry: every support level the snapshot changes, dated by --as-of; the real import writes the same', async () => {
    const { path, db } = fileDatabase();
    await importPath(db, REAL.oss2025);
    const ossLevel = new Map(entriesOf(readDoc(REAL.oss2025)).map((e) => [idOf(e), e.supportLevel ?? 'community']));
    const expected: { id: string; from: string; to: string }[] = [];
    const seen = new Set<string>();
    for (const file of metadataFiles(REAL.metadata2025)) {
      const data = (parseYaml(readFileSync(file, 'utf8')) as { data?: Record<string, any> } | null)?.data;
      const id = String(data?.definitionId ?? '').toLowerCase();
      if (!ossLevel.has(id) || seen.has(id)) continue;
      seen.add(id);
      const to = data!.supportLevel ?? 'community';
      if (to !== ossLevel.get(id)) expected.push({ id, from: ossLevel.get(id)!, to });
    }
    expect(expected.length).toBeGreaterThan(0);
    const idOfSlug = (slug: string) => db.$client.prepare('select definition_id from connectors where slug = ?').pluck().get(slug) as string;

    const watch = watchDatabase(path);
    const plan = await importPath(db, REAL.metadata2025, { dryRun: true, skipInvalid: true, asOf: '2025-11-11' });
    watch.expectUnchanged();
    watch.close();
    const planned = plan.report.levelChanges.map((c) => ({ id: idOfSlug(c.slug), from: c.from, to: c.to }));
    const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);
    expect(planned.sort(byId)).toEqual(expected.sort(byId));
    expect(new Set(plan.report.levelChanges.map((c) => c.effectiveAt))).toEqual(new Set(['2025-11-11T00:00:00.000Z']));

    const done = await importPath(db, REAL.metadata2025, { skipInvalid: true, asOf: '2025-11-11' });
    expect(done.report.counts).toEqual(plan.report.counts);
    const events = db.$client
      .prepare(
        "select c.definition_id as id, e.from_level as 'from', e.to_level as 'to', e.effective_at, e.import_id from certification_events e join connectors c on c.id = e.connector_id where e.source = 'import'",
      )
      .all() as { id: string; from: string; to: string; effective_at: string; import_id: number }[];
    expect(events.map(({ id, from, to }) => ({ id, from, to })).sort(byId)).toEqual(expected);
    expect(new Set(events.map((e) => `${e.effective_at} ${e.import_id}`))).toEqual(new Set([`2025-11-11T00:00:00.000Z ${done.importId}`]));
  });
});

describe('the plan', () => {
  it('lists a changed connector field by field: column, from, to', async () => {
    const { db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    const doc = readDoc(FIXTURE.base);
    const changed = doc.destinations[0]!;
    const from = changed.dockerImageTag;
    changed.dockerImageTag = `${from}-next`;
    const summary = importConnectors(db, loadRegistryJson(JSON.stringify(doc), 'oss_registry.json', 'oss'), { dryRun: true });
    expect(summary.report.changed).toEqual([
      {
        slug: imageName(changed),
        definitionId: idOf(changed),
        fields: [
          { field: 'dockerImageTag', from, to: changed.dockerImageTag },
          { field: 'availability.community_oss.dockerImageTag', from, to: changed.dockerImageTag },
          { field: 'availability.self_managed_enterprise.dockerImageTag', from, to: changed.dockerImageTag },
          { field: 'entry.oss.dockerImageTag', from, to: changed.dockerImageTag },
        ],
      },
    ]);
    expect(summary.report.counts).toMatchObject({ changed: 1, unchanged: entriesOf(doc).length - 1 });
  });
});

describe('history dated by its source', () => {
  it('gives an import event the time the registry generated the entry and an API change its own time, in GraphQL', async () => {
    const h = createHarness({ connectors: false });
    await importPath(h.db, FIXTURE.base);
    const older = readDoc(FIXTURE.older);
    const rolledBack = older.sources.find((e, i) => e.supportLevel !== readDoc(FIXTURE.base).sources[i]!.supportLevel)!;
    await importPath(h.db, FIXTURE.older, { force: true });
    const certified = await certifyConnector(
      h.db,
      await loadPolicyCatalog(h.db),
      { connectorSlug: imageName(rolledBack), reason: 'Certified again through the API.' },
      'tester',
      PUBLIC,
    );
    expect(certified.userErrors).toEqual([]);
    const res = await h.gql(`query($slug: String!) { connector(slug: $slug) { certificationHistory { source toLevel effectiveAt createdAt } } }`, {
      slug: imageName(rolledBack),
    });
    const [api, imported] = res.data!.connector.certificationHistory;
    expect(imported).toEqual({
      source: 'IMPORT',
      toLevel: rolledBack.supportLevel.toUpperCase(),
      effectiveAt: registryTime(rolledBack.generated.source_file_info.registry_entry_generated_at),
      createdAt: expect.any(String),
    });
    expect(imported.createdAt > imported.effectiveAt).toBe(true);
    expect(api).toEqual({ source: 'MUTATION', toLevel: 'CERTIFIED', effectiveAt: api.createdAt, createdAt: expect.any(String) });
  });
});

describe('the import log', () => {
  itWithRealData('records each real import with the SHA-256 of what it read, and none for a dry run or a refusal', async () => {
    const { db } = fileDatabase();
    const first = await importPath(db, FIXTURE.base, { actor: 'operator' });
    await importPath(db, FIXTURE.base, { dryRun: true });
    await importPath(db, FIXTURE.empty).catch(() => null);
    const second = await importPath(db, REAL.metadata2025, { skipInvalid: true, asOf: '2025-11-11' });
    const folder = createHash('sha256');
    for (const file of metadataFiles(REAL.metadata2025))
      folder
        .update(`${relative(REAL.metadata2025, file)}\0`)
        .update(readFileSync(file))
        .update('\0');
    const rows = db.$client.prepare('select id, actor, source, content_hash, registries, as_of, forced, summary from import_log order by id').all() as any[];
    expect(rows.map(({ summary, ...r }) => r)).toEqual([
      {
        id: first.importId,
        actor: 'operator',
        source: FIXTURE.base,
        content_hash: sha256(readFileSync(FIXTURE.base)),
        registries: '["oss"]',
        as_of: null,
        forced: 0,
      },
      {
        id: second.importId,
        actor: `import:${REAL.metadata2025.split('/').pop()}`,
        source: REAL.metadata2025,
        content_hash: folder.digest('hex'),
        registries: '["oss","cloud"]',
        as_of: '2025-11-11',
        forced: 0,
      },
    ]);
    const logged = JSON.parse(rows[1].summary);
    expect(logged.counts).toEqual(second.report.counts);
    expect(logged.refused).toEqual(second.report.refused);
    expect(logged.refused.length).toBeGreaterThan(0);
  });

  it('is listed newest first by imports(first, after) to admin tokens only, and by registry imports', async () => {
    const h = createHarness({ connectors: false });
    await importPath(h.db, FIXTURE.base);
    await importPath(h.db, FIXTURE.oneInvalid, { skipInvalid: true });
    await importPath(h.db, FIXTURE.renamed);
    const admin = h.token('admin', ['admin']);
    const certifier = h.token('certifier', ['certify']);
    const QUERY = `query($after: String) { imports(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { id source registries forced counts { entries added changed refused renames } refusals { entry path rule } } } } }`;
    const page1 = await h.gql(QUERY, {}, admin);
    expect(page1.errors).toBeUndefined();
    const page2 = await h.gql(QUERY, { after: page1.data!.imports.pageInfo.endCursor }, admin);
    const nodes = [...page1.data!.imports.edges, ...page2.data!.imports.edges].map((e: any) => e.node);
    expect(page1.data!.imports).toMatchObject({ totalCount: 3, pageInfo: { hasNextPage: true } });
    expect(page2.data!.imports.pageInfo.hasNextPage).toBe(false);
    expect(nodes.map((n: any) => [n.id, n.source])).toEqual([
      ['3', FIXTURE.renamed],
      ['2', FIXTURE.oneInvalid],
      ['1', FIXTURE.base],
    ]);
    const bad = readDoc(FIXTURE.oneInvalid).sources.findIndex((e) => !/^\d{4}-\d\d-\d\d$/.test(e.releaseDate));
    expect(nodes[1]).toMatchObject({
      registries: ['OSS'],
      forced: false,
      counts: { entries: entriesOf(readDoc(FIXTURE.oneInvalid)).length, refused: 1 },
      refusals: [
        {
          entry: `sources[${bad}] (${readDoc(FIXTURE.oneInvalid).sources[bad]!.name})`,
          path: `sources[${bad}].releaseDate`,
          rule: 'must be a date as YYYY-MM-DD',
        },
      ],
    });
    expect(nodes[0].counts.renames).toBe(2);
    const forbidden = await h.gql(QUERY, {}, certifier);
    expect(forbidden.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const anonymous = await h.gql(QUERY, {});
    expect(anonymous.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    const renames = await h.gql(
      `{ connectors(first: 10) { edges { node { slug renames { fromSlug toSlug fromDefinitionId toDefinitionId registry importId } } } } }`,
    );
    const renamed = res(renames).filter((n: any) => n.renames.length);
    expect(renamed.map((n: any) => n.renames[0].importId)).toEqual(['3', '3']);
  });

  it('is printed newest first by registry imports, from the database file', async () => {
    const { path, db } = fileDatabase();
    const a = await importPath(db, FIXTURE.base);
    const b = await importPath(db, FIXTURE.renamed);
    db.$client.close();
    const run = runNode(['dist/src/cli/registry.js', 'imports'], { DATABASE_PATH: path });
    expect(run.status, run.stderr).toBe(0);
    const heads = run.stdout.split('\n').filter((l) => l.startsWith('import '));
    expect(heads.map((l) => l.split(/\s+/)[1])).toEqual([String(b.importId), String(a.importId)]);
    expect(run.stdout).toContain(`  ${FIXTURE.renamed}  sha256 ${sha256(readFileSync(FIXTURE.renamed))}`);
    const json = runNode(['dist/src/cli/registry.js', '--json', 'imports', '--limit', '1'], { DATABASE_PATH: path });
    expect(JSON.parse(json.stdout)).toMatchObject([{ id: b.importId, source: FIXTURE.renamed, summary: { counts: { renames: 2 } } }]);
  });
});

function res(r: { data?: any }): any[] {
  return r.data!.connectors.edges.map((e: any) => e.node);
}

describeWithRealData('demo data', () => {
  const matchedBy = (doc: ReturnType<typeof readDoc>) => {
    const ids = new Set(entriesOf(doc).map(idOf));
    const slugs = new Set(entriesOf(doc).map(imageName));
    return SEED_CONNECTORS.filter((c) => !c.organization && (ids.has(c.definitionId) || slugs.has(c.slug))).map((c) => c.slug);
  };

  it('is reported by the plan and removed by a real import, which keeps the connectors it writes as real data', async () => {
    const { path, db } = fileDatabase({ demo: true });
    const before = countDemoData(db);
    expect(before.connectors).toBe(SEED_CONNECTORS.length);
    const kept = matchedBy(readDoc(REAL.oss2025));
    expect(kept.length).toBeGreaterThan(0);

    const watch = watchDatabase(path);
    const plan = await importPath(db, REAL.oss2025, { dryRun: true, removeDemo: true });
    watch.expectUnchanged();
    watch.close();
    expect(plan.report.demo!.connectors).toBe(SEED_CONNECTORS.length - kept.length);
    db.$client.close();

    const run = importCli(path, ['--json', REAL.oss2025]);
    expect(run.status, run.stderr).toBe(0);
    const done = openFile(path);
    expect(countDemoData(done)).toEqual({ connectors: 0, breakingChanges: 0, events: 0 });
    const logged = JSON.parse(done.$client.prepare('select summary from import_log').pluck().get() as string);
    expect(logged.demoRemoved).toEqual(plan.report.demo);
    const slugs = done.$client
      .prepare('select slug from connectors where slug in (select value from json_each(?)) and demo = 0')
      .pluck()
      .all(JSON.stringify(SEED_CONNECTORS.map((c) => c.slug)));
    expect((slugs as string[]).sort()).toEqual([...kept].sort());
    done.$client.close();
  });

  it('stays with --keep-demo, but a connector the import writes is no longer demo', async () => {
    const { path, db } = fileDatabase({ demo: true });
    const before = countDemoData(db);
    db.$client.close();
    const kept = matchedBy(readDoc(REAL.oss2025));
    const run = importCli(path, ['--keep-demo', '--quiet', REAL.oss2025]);
    expect(run.status, run.stderr).toBe(0);
    const done = openFile(path);
    expect(countDemoData(done).connectors).toBe(before.connectors - kept.length);
    done.$client.close();
  });
});
