// Imports that never hide or roll back data: invalid entries leave their connectors alone, only a file
// that can be read speaks for absence, too much made unavailable, older or undated entries and an
// empty registry are refused with a word on what would have happened, and a certification made through
// the API stands against a registry that says nothing newer. Every refused import leaves the database
// byte for byte as it was (PRAGMA data_version from a second connection, and a hash of every table).
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { certifyConnector } from '../src/domain/certification/certify.js';
import { ImportRefusedError } from '../src/domain/registry/import.js';
import { loadRegistryJson, registryTime } from '../src/domain/registry/load.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadPolicyCatalog } from '../src/domain/support/policy.js';
import { PUBLIC } from '../src/domain/connectors/visibility.js';
import type { Db } from '../src/db/client.js';
import {
  entriesOf,
  fileDatabase,
  FIXTURE,
  idOf,
  imageName,
  importCli,
  importPath,
  metadataFiles,
  openFile,
  readDoc,
  type Entry,
  watchDatabase,
} from './helpers/import.js';
import { describeWithRealData, itWithRealData, REAL } from './helpers/real-data.js';

const connectorRow = (db: Db, slug: string) => db.$client.prepare('select * from connectors where slug = ?').get(slug) as Record<string, unknown>;
const availabilityOf = (db: Db, slug: string) =>
  db.$client.prepare('select a.* from connector_availability a join connectors c on c.id = a.connector_id where c.slug = ? order by a.deployment').all(slug);
const entryOf = (db: Db, slug: string) =>
  db.$client.prepare('select e.* from registry_entries e join connectors c on c.id = e.connector_id where c.slug = ?').all(slug);
/** The last line a CLI wrote to stderr (the database line comes first). */
const lastLine = (text: string) => text.trim().split('\n').at(-1)!;

/** Expects a real import to be refused, and the database file to be left as it was. */
async function expectRefused(path: string, db: Db, source: string, options: Parameters<typeof importPath>[2] = {}) {
  const watch = watchDatabase(path);
  try {
    const error = await importPath(db, source, options).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportRefusedError);
    watch.expectUnchanged();
    return (error as ImportRefusedError).report;
  } finally {
    watch.close();
  }
}

describe('an invalid entry', () => {
  it('is refused and leaves its stored connector exactly as it was: a certified connector with one bad field stays certified and available', async () => {
    const { db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    const doc = readDoc(FIXTURE.oneInvalid);
    const index = doc.sources.findIndex((e) => !/^\d{4}-\d\d-\d\d$/.test(e.releaseDate));
    const bad = doc.sources[index]!;
    const slug = imageName(bad);
    const before = { row: connectorRow(db, slug), availability: availabilityOf(db, slug), entry: entryOf(db, slug) };
    expect(before.row.support_level).toBe('certified');

    const summary = await importPath(db, FIXTURE.oneInvalid, { skipInvalid: true });
    expect(summary.report.refused).toEqual([
      { entry: `sources[${index}] (${bad.name})`, path: `sources[${index}].releaseDate`, rule: 'must be a date as YYYY-MM-DD' },
    ]);
    expect(summary.report.counts).toMatchObject({ entries: entriesOf(doc).length, refused: 1, unavailable: 0 });
    expect(summary.report.unavailable).toEqual([]);
    expect({ row: connectorRow(db, slug), availability: availabilityOf(db, slug), entry: entryOf(db, slug) }).toEqual(before);
    // The valid entries went in.
    expect(summary.updated).toBe(entriesOf(doc).length - 1);
  });

  it('refuses the whole import without --skip-invalid, writing nothing, with one line on stderr and the entry listed on stdout', async () => {
    const { path, db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    const report = await expectRefused(path, db, FIXTURE.oneInvalid, { skipInvalid: false });
    expect(report.blockers.map((b) => b.guard)).toEqual(['invalid']);
    db.$client.close();

    const watch = watchDatabase(path);
    const run = importCli(path, [FIXTURE.oneInvalid]);
    watch.expectUnchanged();
    watch.close();
    expect(run.status).toBe(1);
    expect(
      run.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('error:')),
    ).toHaveLength(1);
    const doc = readDoc(FIXTURE.oneInvalid);
    const index = doc.sources.findIndex((e) => !/^\d{4}-\d\d-\d\d$/.test(e.releaseDate));
    expect(lastLine(run.stderr)).toMatch(
      new RegExp(
        `^error: refused: 1 of the ${entriesOf(doc).length} entries is invalid\\. It would have: .* Nothing was written; --skip-invalid imports the other entries`,
      ),
    );
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toContain(
      `  refused sources[${index}] (${doc.sources[index]!.name}):\n      sources[${index}].releaseDate: must be a date as YYYY-MM-DD\n`,
    );
  });

  it('whose definition ID cannot be read leaves the file unable to say what it lacks: nothing becomes unavailable, and the plan says why', async () => {
    const { db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    const base = readDoc(FIXTURE.base);
    const doc = readDoc(FIXTURE.unreadableId);
    const listed = new Set(entriesOf(doc).map(idOf));
    const missing = entriesOf(base).filter((e) => !listed.has(idOf(e)));
    expect(missing.length).toBeGreaterThan(0);

    const summary = await importPath(db, FIXTURE.unreadableId, { skipInvalid: true });
    expect(summary.report.unavailable).toEqual([]);
    const unreadable = doc.sources.findIndex((e) => !/^[0-9a-f-]{36}$/.test(String(e.sourceDefinitionId)));
    expect(summary.report.absence.unknown).toBe(
      `1 refused entry has no readable definition ID (sources[${unreadable}] (${doc.sources[unreadable]!.name})): the file cannot say which connectors it lacks, so none becomes unavailable`,
    );
    for (const e of missing) expect(availabilityOf(db, imageName(e)).map((a: any) => a.enabled)).toEqual([1, 1]);
  });
});

describe('the unavailable-share guard', () => {
  it('refuses an empty registry with a clear word, writing nothing, and --force makes the catalog unavailable', async () => {
    const { path, db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    const count = entriesOf(readDoc(FIXTURE.base)).length;
    const report = await expectRefused(path, db, FIXTURE.empty);
    expect(report.blockers).toEqual([
      {
        guard: 'unavailable-share',
        message: `it would make ${count} of the ${count} available connectors unavailable (100%, more than the 10% --max-unavailable-share allows): the file lists no sources and no destinations`,
      },
    ]);
    expect(report.counts).toMatchObject({ entries: 0, unavailable: count });
    db.$client.close();

    const watch = watchDatabase(path);
    const run = importCli(path, [FIXTURE.empty]);
    watch.expectUnchanged();
    watch.close();
    expect(run.status).toBe(1);
    expect(lastLine(run.stderr)).toBe(
      `error: refused: ${report.blockers[0]!.message}. It would have: added 0, updated 0, unchanged 0, level changes 0, now unavailable ${count}, skipped 0, renames 0, conflicts 0. Nothing was written; --force imports it anyway.`,
    );

    const forced = importCli(path, ['--force', '--json', FIXTURE.empty]);
    expect(forced.status).toBe(0);
    expect(JSON.parse(forced.stdout)).toMatchObject({ written: true, forced: true, counts: { unavailable: count } });
  });

  it('takes its limit from --max-unavailable-share or REGISTRY_IMPORT_MAX_UNAVAILABLE_SHARE', async () => {
    const { path, db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    db.$client.close();
    const bad = importCli(path, ['--max-unavailable-share', '1.5', FIXTURE.empty]);
    expect(bad.status).toBe(1);
    expect(lastLine(bad.stderr)).toMatch(/--max-unavailable-share.*must be a number from 0 to 1/);
    const n = entriesOf(readDoc(FIXTURE.base)).length;
    expect(importCli(path, ['--dry-run', '--max-unavailable-share', '0.99', FIXTURE.empty]).stdout).toContain(
      `A real import would be refused: it would make ${n} of the ${n} available connectors unavailable (100%, more than the 99%`,
    );
    const viaEnv = importCli(path, ['--quiet', FIXTURE.empty], { REGISTRY_IMPORT_MAX_UNAVAILABLE_SHARE: '1' });
    expect(viaEnv.status).toBe(0);
    expect(viaEnv.stdout).toContain(`now unavailable ${n}`);
  });
});

describe('the age guard', () => {
  it('refuses an older snapshot over a newer one, saying what it would have done; --force applies it with the times it took effect', async () => {
    const { path, db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    const older = readDoc(FIXTURE.older);
    const report = await expectRefused(path, db, FIXTURE.older);
    expect(report.blockers.map((b) => b.guard)).toEqual(['older']);
    expect(report.counts.older).toBe(entriesOf(older).length);
    const rolledBack = older.sources.filter((e, i) => e.supportLevel !== readDoc(FIXTURE.base).sources[i]!.supportLevel);
    expect(report.levelChanges.map((c) => c.slug)).toEqual(rolledBack.map(imageName));

    const forced = await importPath(db, FIXTURE.older, { force: true });
    expect(forced.report.forced).toBe(true);
    const events = db.$client
      .prepare(
        "select c.slug, e.to_level, e.effective_at, e.import_id, e.created_at from certification_events e join connectors c on c.id = e.connector_id where e.source = 'import'",
      )
      .all() as any[];
    expect(events).toEqual(
      rolledBack.map((e) => ({
        slug: imageName(e),
        to_level: e.supportLevel,
        effective_at: registryTime(e.generated.source_file_info.registry_entry_generated_at),
        import_id: forced.importId,
        created_at: expect.any(String),
      })),
    );
    // Written now, effective when the registry said so.
    expect(events[0].created_at > events[0].effective_at).toBe(true);
    expect(db.$client.prepare('select forced from import_log where id = ?').pluck().get(forced.importId)).toBe(1);
  });

  itWithRealData('refuses the real 2025-01-29 OSS registry over the 2025-11-11 metadata snapshot', async () => {
    const { path, db } = fileDatabase();
    await importPath(db, REAL.metadata2025, { asOf: '2025-11-11' });
    // The connectors the metadata lists in a registry have entries dated 2025-11-11; every OSS entry of theirs is older.
    const listedInMetadata = new Set<string>();
    for (const file of metadataFiles(REAL.metadata2025)) {
      const data = (parseYaml(readFileSync(file, 'utf8')) as { data?: Record<string, any> } | null)?.data;
      const flags = data?.registryOverrides ?? data?.registries ?? {};
      if (data && (flags.oss?.enabled || flags.cloud?.enabled)) listedInMetadata.add(String(data.definitionId).toLowerCase());
    }
    const older = entriesOf(readDoc(REAL.oss2025)).filter((e) => listedInMetadata.has(idOf(e)));
    const report = await expectRefused(path, db, REAL.oss2025);
    expect(report.counts.older).toBe(older.length);
    expect(report.blockers.find((b) => b.guard === 'older')!.message).toMatch(new RegExp(`^${older.length} entries are older than the stored ones \\(`));
  });

  itWithRealData('refuses undated entries over dated ones until --as-of dates them: the 2025-11-11 metadata over the 2025-01-29 OSS registry', async () => {
    const { path, db } = fileDatabase();
    await importPath(db, REAL.oss2025);
    const report = await expectRefused(path, db, REAL.metadata2025, { skipInvalid: true });
    expect(report.blockers.map((b) => b.guard)).toEqual(['undated']);
    expect(report.blockers[0]!.message).toContain("give the snapshot's date with --as-of YYYY-MM-DD");
    // Each undated entry is of a connector the OSS registry listed, whose stored entry has a generation time.
    const ossIds = new Set(entriesOf(readDoc(REAL.oss2025)).map(idOf));
    expect(report.counts.undated).toBeGreaterThan(0);
    for (const u of report.undated) expect(ossIds.has(connectorRow(db, u.slug).definition_id as string), u.slug).toBe(true);
    const dated = await importPath(db, REAL.metadata2025, { skipInvalid: true, asOf: '2025-11-11' });
    expect(dated.importId).not.toBeNull();
    expect(dated.report.blockers).toEqual([]);
  });
});

describeWithRealData('the connector archive (metadata of removed connectors) over the 2025-01-29 OSS registry', () => {
  it('archives the connectors the registry still offered and makes them unavailable, dated by --as-of; an earlier --as-of or none is refused', async () => {
    const { path, db } = fileDatabase();
    await importPath(db, REAL.oss2025);
    const oss = new Map(entriesOf(readDoc(REAL.oss2025)).map((e) => [idOf(e), e]));
    const archived = metadataFiles(REAL.archive)
      .map((file) => (parseYaml(readFileSync(file, 'utf8')) as { data?: Record<string, any> } | null)?.data)
      .filter((data): data is Record<string, any> => !!data && oss.has(String(data.definitionId).toLowerCase()));
    expect(archived.length).toBeGreaterThan(0);
    const idOfSlug = (slug: string) => db.$client.prepare('select definition_id from connectors where slug = ?').pluck().get(slug);
    const ossTime = (data: Record<string, any>) =>
      registryTime(oss.get(String(data.definitionId).toLowerCase())!.generated.source_file_info.registry_entry_generated_at)!;

    const undated = await expectRefused(path, db, REAL.archive, { skipInvalid: true });
    expect(undated.counts.undated).toBe(archived.length);
    const early = '2024-12-01';
    const older = await expectRefused(path, db, REAL.archive, { skipInvalid: true, asOf: early });
    expect(older.counts.older).toBe(archived.filter((d) => ossTime(d).slice(0, 10) > early).length);

    const done = await importPath(db, REAL.archive, { skipInvalid: true, asOf: '2025-03-28' });
    const changed = archived.filter((d) => (d.supportLevel ?? 'community') !== (oss.get(String(d.definitionId).toLowerCase())!.supportLevel ?? 'community'));
    expect(done.report.levelChanges.map((c) => ({ id: idOfSlug(c.slug), to: c.to, effectiveAt: c.effectiveAt }))).toEqual(
      changed.map((d) => ({ id: String(d.definitionId).toLowerCase(), to: d.supportLevel, effectiveAt: '2025-03-28T00:00:00.000Z' })),
    );
    const gone = archived.filter((d) => !(d.registryOverrides ?? d.registries)?.oss?.enabled);
    expect(done.report.unavailable.map((u) => ({ id: idOfSlug(u.slug), deployments: u.deployments, reason: u.reason }))).toEqual(
      gone.map((d) => ({ id: String(d.definitionId).toLowerCase(), deployments: ['community_oss', 'self_managed_enterprise'], reason: 'disabled' })),
    );
  });
});

describe('a support level set through the API', () => {
  const catalog = (db: Db) => loadPolicyCatalog(db);
  it('is kept against a re-import of the registry, and reported as a conflict each time, until --force', async () => {
    const { db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    const community = readDoc(FIXTURE.base).sources.find((e) => e.supportLevel === 'community')!;
    const slug = imageName(community);
    const certified = await certifyConnector(
      db,
      await catalog(db),
      { connectorSlug: slug, reason: 'Certified through the API for this test.' },
      'tester',
      PUBLIC,
    );
    expect(certified.userErrors).toEqual([]);
    const events = () =>
      db.$client
        .prepare('select source from certification_events e join connectors c on c.id = e.connector_id where c.slug = ? order by e.id')
        .pluck()
        .all(slug);

    for (let i = 0; i < 2; i++) {
      const again = await importPath(db, FIXTURE.base);
      expect(again.report.conflicts).toEqual([
        {
          kind: 'certification',
          entry: expect.stringContaining(community.name),
          slug,
          message: expect.stringMatching(/^set to certified through the API at .*; the file says community: certified kept \(--force applies community\)$/),
          kept: true,
        },
      ]);
      expect(again.report.levelChanges).toEqual([]);
      expect(connectorRow(db, slug).support_level).toBe('certified');
      expect(events()).toEqual(['mutation']);
    }
    // The conflict is logged with the import.
    const logged = JSON.parse(db.$client.prepare('select summary from import_log order by id desc limit 1').pluck().get() as string);
    expect(logged.conflicts).toHaveLength(1);

    const forced = await importPath(db, FIXTURE.base, { force: true });
    expect(forced.report.conflicts[0]).toMatchObject({ kind: 'certification', kept: false });
    expect(connectorRow(db, slug).support_level).toBe('community');
    expect(events()).toEqual(['mutation', 'import']);
  });
});

describe('identity over time', () => {
  it('recognises a connector under a new definition ID or a new slug, records the rename, and never stops the import', async () => {
    const { db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    const base = readDoc(FIXTURE.base);
    const renamed = readDoc(FIXTURE.renamed);
    const count = () => db.$client.prepare('select count(*) from connectors').pluck().get();
    const expected = renamed.sources.flatMap((e, i) => {
      const was = base.sources[i]!;
      if (idOf(e) === idOf(was) && imageName(e) === imageName(was)) return [];
      return [{ fromDefinitionId: idOf(was), toDefinitionId: idOf(e), fromSlug: imageName(was), toSlug: imageName(e) }];
    });
    expect(expected).toHaveLength(2);

    const summary = await importPath(db, FIXTURE.renamed);
    expect(summary.report.renames.map(({ entry, registry, ...r }) => r)).toEqual(expected);
    expect(summary.report.conflicts).toEqual([]);
    expect(count()).toBe(entriesOf(base).length);
    const rows = db.$client
      .prepare('select from_definition_id, to_definition_id, from_slug, to_slug, registry, import_id from connector_renames order by id')
      .all();
    expect(rows).toEqual(
      expected.map((r) => ({
        from_definition_id: r.fromDefinitionId,
        to_definition_id: r.toDefinitionId,
        from_slug: r.fromSlug,
        to_slug: r.toSlug,
        registry: 'oss',
        import_id: summary.importId,
      })),
    );
    for (const r of expected) expect(connectorRow(db, r.toSlug).definition_id).toBe(r.toDefinitionId);
    // Again: nothing new to record.
    const again = await importPath(db, FIXTURE.renamed);
    expect(again.report.renames).toEqual([]);
    expect(again.report.counts).toMatchObject({ added: 0, changed: 0, unchanged: entriesOf(renamed).length });
  });

  it('refuses only the entry whose definition ID is one connector and whose slug is another, leaving both as they were', async () => {
    const { db } = fileDatabase();
    await importPath(db, FIXTURE.base);
    const doc = readDoc(FIXTURE.base);
    const [first, second] = doc.sources as [Entry, Entry];
    const slugs = [imageName(first), imageName(second)];
    const before = slugs.map((slug) => connectorRow(db, slug));
    // The first entry keeps its definition ID and takes the second's image, so its slug too.
    first.dockerRepository = second.dockerRepository;
    const summary = importConnectors(db, loadRegistryJson(JSON.stringify(doc), 'oss_registry.json', 'oss'));
    expect(summary.report.conflicts).toEqual([
      {
        kind: 'identity',
        entry: `sources[0] (${first.name})`,
        slug: slugs[0],
        message: `it would rename ${slugs[0]} (${idOf(first)}) to ${slugs[1]}, but the connector with definition ID ${idOf(second)} has that slug; the entry is not imported`,
        kept: true,
      },
    ]);
    expect(summary.report.unavailable).toEqual([]);
    expect(slugs.map((slug) => connectorRow(db, slug))).toEqual(before);
  });

  itWithRealData(
    'imports the real 2023 cloud registry over the 2025 OSS registry: the connectors Airbyte gave new definition IDs are the same connectors',
    async () => {
      const { path, db } = fileDatabase();
      await importPath(db, REAL.oss2025);
      db.$client.close();
      const oss = readDoc(REAL.oss2025);
      const cloud = readDoc(REAL.cloud2023);
      const ossBySlug = new Map(entriesOf(oss).map((e) => [imageName(e), idOf(e)]));
      const newIds = entriesOf(cloud).filter((e) => ossBySlug.has(imageName(e)) && ossBySlug.get(imageName(e)) !== idOf(e));
      expect(newIds.length).toBeGreaterThan(0);

      const run = importCli(path, ['--json', REAL.cloud2023]);
      expect(run.status, run.stderr).toBe(0);
      const report = JSON.parse(run.stdout);
      expect(report.renames.map((r: any) => [r.fromSlug, r.fromDefinitionId, r.toDefinitionId])).toEqual(
        newIds.map((e) => [imageName(e), ossBySlug.get(imageName(e)), idOf(e)]),
      );
      expect(report.conflicts).toEqual([]);
      const ossIds = new Set(ossBySlug.values());
      const added = entriesOf(cloud).filter((e) => !ossIds.has(idOf(e)) && !ossBySlug.has(imageName(e)));
      expect(report.counts.added).toBe(added.length);

      // Each registry's kept entry keeps the definition ID that registry gave; the connector keeps the OSS one.
      const reopened = openFile(path);
      for (const e of newIds) {
        const row = reopened.$client
          .prepare(
            "select c.definition_id, e.entry from connectors c join registry_entries e on e.connector_id = c.id and e.registry = 'cloud' where c.slug = ?",
          )
          .get(imageName(e)) as { definition_id: string; entry: string };
        expect(row.definition_id).toBe(ossBySlug.get(imageName(e)));
        expect(idOf(JSON.parse(row.entry))).toBe(idOf(e));
      }
      reopened.$client.close();
    },
  );
});
