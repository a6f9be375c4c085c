import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { getTableColumns } from 'drizzle-orm';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { rawRows, rawRun } from '../src/db/raw.js';
import { transaction } from '../src/db/transaction.js';
import { parse as parseYaml } from 'yaml';
import { SEED_CONNECTORS } from '../seed/connectors.js';
import { connectors } from '../src/db/schema.js';
import { closeDatabase } from '../src/db/client.js';
import { connectorSeedSchema, MANAGED_COLUMNS } from '../src/domain/connectors/input.js';
import { insertConnector } from '../src/domain/connectors/store.js';
import { CONNECTOR_COLUMNS, REGISTRY_FIELDS } from '../src/domain/registry/format.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { ImportError, loadImportSource, loadRegistryJson } from '../src/domain/registry/load.js';
import { createHarness, type Harness } from './helpers/harness.js';
import { describeWithRealData, itWithRealData, REAL } from './helpers/real-data.js';

const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));
const SMALL_OSS = join(FIXTURES, 'oss_registry.small.json');

const TABLE = getTableColumns(connectors);

async function importFile(h: Harness, path: string) {
  const loaded = await loadImportSource(path);
  if (loaded.problems.length) throw new ImportError(loaded.problems);
  return importConnectors(h.db, loaded);
}

/** Each connector's max_seconds_between_messages, by definition ID (null ones left out). */
async function storedMaxSeconds(h: Harness): Promise<Map<string, number>> {
  const rows = await rawRows<{ id: string; n: number }>(
    h.db,
    sql`select definition_id id, max_seconds_between_messages n from connectors where max_seconds_between_messages is not null`,
  );
  return new Map(rows.map((r) => [r.id, r.n]));
}

/** Stops a harness and closes its database (a PostgreSQL pool holds connections until then). */
async function release(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.close();
  await closeDatabase(h.db);
}

/** The value at a dotted path of an entry, as format.ts reads it. */
function fieldAt(entry: Record<string, any>, path: readonly string[]): unknown {
  return path.reduce<any>((value, key) => (value && typeof value === 'object' ? value[key] : undefined), entry);
}

function metadataFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return metadataFiles(path);
    return name === 'metadata.yaml' ? [path] : [];
  });
}

describe('the connector columns and the registry', () => {
  it('declares every column of the table as copied from a registry field, derived by a rule, or internal', () => {
    // A column added to the table without a line in CONNECTOR_COLUMNS (src/domain/registry/format.ts)
    // would be neither imported nor exported: this fails instead.
    expect(Object.keys(CONNECTOR_COLUMNS).sort()).toEqual(Object.keys(TABLE).sort());
  });

  itWithRealData('copies only fields that the real 2025 OSS registry carries', () => {
    const doc = JSON.parse(readFileSync(REAL.oss2025, 'utf8'));
    const entries = [...doc.sources, ...doc.destinations];
    const missing = REGISTRY_FIELDS.filter(({ path }) => !entries.some((e) => fieldAt(e, path) != null)).map(({ path }) => path.join('.'));
    expect(missing).toEqual([]);
  });

  it('lets insertConnector take and write every column the database does not manage', async () => {
    const writable = Object.keys(TABLE).filter((c) => !(c in MANAGED_COLUMNS));
    expect(
      Object.keys(connectorSeedSchema.shape)
        .filter((k) => k in TABLE)
        .sort(),
    ).toEqual(writable.sort());
    // A value for every writable column: the seed's, and one of the column's type where the seed has none.
    const base = SEED_CONNECTORS.find((c) => c.slug === 'source-stripe')!;
    // Columns whose values are keys take one of their keys.
    const keyed: Record<string, unknown> = { usage: 'medium', syncSuccessRate: 'high' };
    const sample = (column: string): unknown => {
      if (column in keyed) return keyed[column];
      const type = TABLE[column as keyof typeof TABLE].dataType;
      if (type.startsWith('boolean')) return true;
      return type.startsWith('number') ? 5400 : type.startsWith('object') ? ['sample'] : 'sample';
    };
    const seed: Record<string, unknown> = { ...base, releaseDate: '2017-07-19' };
    for (const column of writable) seed[column] ??= sample(column);
    const h = await createHarness({ connectors: false });
    const row = (await transaction(h.db, (tx) => insertConnector(tx, seed as never))) as Record<string, unknown>;
    for (const column of writable) expect(row[column], column).toEqual(seed[column]);
    await release(h);
  });
});

describe('maxSecondsBetweenMessages', () => {
  describeWithRealData('after an import of the real 2025 OSS registry', () => {
    let h: Harness;
    let original: { sources: any[]; destinations: any[] };
    beforeAll(async () => {
      h = await createHarness({ connectors: false });
      original = JSON.parse(readFileSync(REAL.oss2025, 'utf8'));
      await importFile(h, REAL.oss2025);
    }, 120_000);
    afterAll(() => release(h));

    it('is stored for exactly the sources of the real 2025 OSS registry that carry it, with their values', async () => {
      const expected = new Map(
        original.sources.filter((s) => s.maxSecondsBetweenMessages != null).map((s) => [s.sourceDefinitionId, s.maxSecondsBetweenMessages]),
      );
      expect(expected.size).toBeGreaterThan(0);
      expect(await storedMaxSeconds(h)).toEqual(expected);
    });

    it('is served in GraphQL from the one column declaration, through a lean list page and a planned detail alike', async () => {
      const expected = new Map<string, number | null>(
        original.sources.map((s) => [s.dockerRepository.replace('airbyte/', ''), s.maxSecondsBetweenMessages ?? null]),
      );
      const served = new Map<string, number | null>();
      let after: string | null = null;
      // Columns only: the lean page reads just the selected columns (the column is declared once, with its field).
      for (let page = 0; page < 20; page++) {
        const res: { data?: any } = await h.gql<any>(
          'query($after: String) { connectors(filter: { type: SOURCE }, first: 100, after: $after) { edges { node { slug maxSecondsBetweenMessages } } pageInfo { hasNextPage endCursor } } }',
          { after },
        );
        for (const { node } of res.data!.connectors.edges) served.set(node.slug, node.maxSecondsBetweenMessages);
        if (!res.data!.connectors.pageInfo.hasNextPage) break;
        after = res.data!.connectors.pageInfo.endCursor;
      }
      expect(served.size).toBe(original.sources.length);
      for (const [slug, value] of served) expect(value, slug).toBe(expected.get(slug) ?? null);
      const slug = [...expected].find(([, v]) => v != null)![0];
      // With a relation beside it, the detail goes through plugin-drizzle's plan: the same value.
      const detail = await h.gql<any>('query($slug: String!) { connector(slug: $slug) { maxSecondsBetweenMessages breakingChanges { version } } }', { slug });
      expect(detail.data!.connector.maxSecondsBetweenMessages).toBe(expected.get(slug));
    });

    it('is exported as the registry had it: the same number where present, absent where absent', async () => {
      const exported = await (await h.get('/registries/v0/oss_registry.json')).json();
      const byId = new Map(exported.sources.map((e: any) => [e.sourceDefinitionId, e]));
      for (const source of original.sources) {
        const out = byId.get(source.sourceDefinitionId) as Record<string, unknown>;
        expect('maxSecondsBetweenMessages' in out, source.name).toBe('maxSecondsBetweenMessages' in source);
        expect(out.maxSecondsBetweenMessages, source.name).toBe(source.maxSecondsBetweenMessages);
      }
    });
  });

  it('is exported from the column, not from the kept entry: a changed value shows, a null one is left out', async () => {
    const h2 = await createHarness({ connectors: false });
    await importFile(h2, SMALL_OSS);
    const set = (n: number | null, slug: string) => rawRun(h2.db, sql`update connectors set max_seconds_between_messages = ${n} where slug = ${slug}`);
    await set(60, 'source-widgets');
    await set(7200, 'source-doodads');
    const exported = await (await h2.get('/registries/v0/oss_registry.json')).json();
    const byName = new Map(exported.sources.map((e: any) => [e.name, e]));
    expect(byName.get('Widgets')).toMatchObject({ maxSecondsBetweenMessages: 60 });
    expect(byName.get('Doodads')).toMatchObject({ maxSecondsBetweenMessages: 7200 });
    await set(null, 'source-widgets');
    const again = await (await h2.get('/registries/v0/oss_registry.json')).json();
    expect(again.sources.find((e: any) => e.name === 'Widgets')).not.toHaveProperty('maxSecondsBetweenMessages');
    await release(h2);
  });

  it('is refused when it is not an integer, naming the entry and the field', () => {
    const doc = JSON.parse(readFileSync(SMALL_OSS, 'utf8'));
    doc.sources[0].maxSecondsBetweenMessages = '90 minutes';
    doc.sources[1].maxSecondsBetweenMessages = 1.5;
    const loaded = loadRegistryJson(JSON.stringify(doc), 'oss_registry.json', 'oss');
    expect(loaded.problems.map(({ entry, path }) => ({ entry, path }))).toEqual([
      { entry: 'sources[0] (Widgets)', path: 'sources[0].maxSecondsBetweenMessages' },
      { entry: 'sources[1] (Gizmo Tracker)', path: 'sources[1].maxSecondsBetweenMessages' },
    ]);
  });

  it('is read from data.maxSecondsBetweenMessages of a metadata.yaml and exported with the entry built from it', async () => {
    const h2 = await createHarness({ connectors: false });
    await importFile(h2, join(FIXTURES, 'metadata'));
    expect(await storedMaxSeconds(h2)).toEqual(new Map([['11111111-1111-4111-8111-111111111111', 5400]]));
    const cloud = await (await h2.get('/registries/v0/cloud_registry.json')).json();
    expect(cloud.sources[0]).toMatchObject({ name: 'Widgets', maxSecondsBetweenMessages: 5400 });
    const oss = await (await h2.get('/registries/v0/oss_registry.json')).json();
    expect(oss.destinations[0]).not.toHaveProperty('maxSecondsBetweenMessages');
    await release(h2);
  });

  itWithRealData(
    'is read from every metadata.yaml of the real monorepo snapshot that carries it',
    async () => {
      const h2 = await createHarness({ connectors: false });
      const loaded = await loadImportSource(REAL.metadata2025);
      await importConnectors(h2.db, loaded);
      // The file a connector came from is the one with its definition ID and image.
      const inFiles = new Map<string, unknown>();
      for (const file of metadataFiles(REAL.metadata2025)) {
        const data = (parseYaml(readFileSync(file, 'utf8')) as { data?: Record<string, unknown> } | null)?.data;
        if (data) inFiles.set(`${String(data.definitionId).toLowerCase()} ${data.dockerRepository}`, data.maxSecondsBetweenMessages ?? null);
      }
      const rows = await rawRows<{ key: string; n: number | null }>(
        h2.db,
        sql`select definition_id || ' ' || docker_repository as key, max_seconds_between_messages n from connectors`,
      );
      expect(rows.length).toBe(loaded.items.length);
      expect(rows.filter((r) => r.n != null).length).toBeGreaterThan(0);
      for (const row of rows) expect(row.n, row.key).toBe(inFiles.get(row.key));
      await release(h2);
    },
    120_000,
  );
});
