// Names in the order people read them: case and accents ignored, the slug between equal names, in
// lists, cursors and the catalog page, for every writer (import, re-import, seed, custom connectors)
// and for connectors stored before the sort key existed. Every expected order comes from Intl.Collator.
import { cpSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase, openDatabase } from '../src/db/client.js';
import { rawRows } from '../src/db/raw.js';
import { MIGRATIONS_FOLDER, migrateDatabase } from '../src/db/migrate.js';
import { seedPolicy } from '../seed/index.js';
import { TEST_ENGINE } from './helpers/database.js';
import { createHarness, type Harness } from './helpers/harness.js';
import { importPath, readDoc } from './helpers/import.js';
import { describeWithRealData, itWithRealData, REAL } from './helpers/real-data.js';
import { tempDir } from './helpers/process.js';

const collator = new Intl.Collator('en', { sensitivity: 'base' });
type Named = { name: string; slug: string };
/** How people read names: base letters only, then the slug (compared as code points) between equal names. */
const humanOrder = (list: Named[]): Named[] => [...list].sort((a, b) => collator.compare(a.name, b.name) || (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));

const LIST = `query($first: Int!, $after: String, $orderBy: ConnectorOrder) {
  connectors(first: $first, after: $after, orderBy: $orderBy) { edges { node { name slug } } pageInfo { hasNextPage endCursor } }
}`;

async function listAll(h: Harness, first: number, direction: 'ASC' | 'DESC' = 'ASC', token?: string): Promise<Named[]> {
  const all: Named[] = [];
  let after: string | null = null;
  for (;;) {
    const res: any = await h.gql(LIST, { first, after, orderBy: { field: 'NAME', direction } }, token);
    expect(res.errors).toBeUndefined();
    all.push(...res.data.connectors.edges.map((e: { node: Named }) => e.node));
    if (!res.data.connectors.pageInfo.hasNextPage) return all;
    after = res.data.connectors.pageInfo.endCursor;
  }
}

const stored = (h: Harness): Promise<Named[]> => rawRows<Named>(h.db, sql`select name, slug from connectors where organization is null`);

/** Stops a harness and closes its database (a PostgreSQL pool holds connections until then). */
async function release(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.close();
  await closeDatabase(h.db);
}

describeWithRealData('name order over the 2025-11-11 metadata', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await createHarness({ connectors: false });
    await importPath(h.db, REAL.metadata2025);
  }, 120_000);
  afterAll(() => release(h));

  it('lists every connector with names compared as people read them, ActiveCampaign before AWIN Advertiser and AWS Datalake', async () => {
    const expected = humanOrder(await stored(h));
    expect(expected.length).toBeGreaterThan(600);
    const listed = await listAll(h, 100);
    expect(listed).toEqual(expected);
    const at = (name: string) => listed.findIndex((c) => c.name === name);
    expect(at('ActiveCampaign')).toBeGreaterThanOrEqual(0);
    expect(at('ActiveCampaign')).toBeLessThan(at('AWIN Advertiser'));
    expect(at('AWIN Advertiser')).toBeLessThan(at('AWS Datalake'));
    // Byte order, which SQLite's own collation gives, puts every upper-case A name first.
    const bytes = [...expected].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    expect(bytes.findIndex((c) => c.name === 'AWS Datalake')).toBeLessThan(bytes.findIndex((c) => c.name === 'ActiveCampaign'));
  });

  it('pages by cursor in the same order at any page size, and backwards as its reverse', async () => {
    const whole = await listAll(h, 100);
    expect(await listAll(h, 7)).toEqual(whole);
    expect(await listAll(h, 13, 'DESC')).toEqual([...whole].reverse());
  });

  it("orders the catalog page's own list query the same way", async () => {
    const html = readFileSync(new URL('../src/http/public/catalog.html', import.meta.url), 'utf8');
    const query = /const LIST = `([^`]+)`/.exec(html)![1]!;
    const res: any = await h.gql(query, { filter: null, after: null, first: 50 });
    expect(res.errors).toBeUndefined();
    const names = res.data.connectors.edges.map((e: { node: { name: string } }) => e.node.name);
    expect(names).toEqual(
      humanOrder(await stored(h))
        .slice(0, 50)
        .map((c) => c.name),
    );
  });
});

describe('every writer keeps the order', () => {
  itWithRealData(
    're-ordering a renamed connector when a registry import changes its name',
    async () => {
      const h = await createHarness({ connectors: false });
      await importPath(h.db, REAL.oss2025);
      const doc = readDoc(REAL.oss2025);
      const renamed: Record<string, string> = { 'AWS Datalake': 'aws datalake', ActiveCampaign: 'Ærø Campaign', 'Google Sheets': 'Ğoogle sheets' };
      let changed = 0;
      for (const e of [...doc.sources, ...doc.destinations]) {
        if (renamed[e.name]) {
          e.name = renamed[e.name];
          changed++;
        }
      }
      const file = join(tempDir('name-order-'), 'oss_registry.json');
      writeFileSync(file, JSON.stringify(doc));
      const summary = await importPath(h.db, file, { force: true });
      expect(summary.updated).toBe(changed);
      const listed = await listAll(h, 100);
      expect(listed.map((c) => c.name)).toEqual(expect.arrayContaining(Object.values(renamed)));
      expect(listed).toEqual(humanOrder(await stored(h)));
      await release(h);
    },
    120_000,
  );

  it('places the seed and custom connectors, accents, case and equal names included, by name and then slug', async () => {
    const h = await createHarness();
    const admin = await h.token('root', ['admin']);
    const names = ['élan CRM', 'Elan CRM', 'ELAN crm', 'Zürich Open Data', 'zebra', 'Œuvre', 'Ober', 'Straße Daten', 'Strasse Alpha'];
    for (const [i, name] of names.entries()) {
      const res = await h.gql(
        'mutation($input: RegisterCustomConnectorInput!) { registerCustomConnector(input: $input) { userErrors { message } } }',
        {
          input: {
            slug: `source-custom-${String.fromCharCode(122 - i)}`,
            name,
            type: 'SOURCE',
            dockerRepository: 'registry.example.test/source-x',
            dockerImageTag: '1.0.0',
            availableOn: ['CLOUD'],
            organization: 'acme',
          },
        },
        admin,
      );
      expect(res.data!.registerCustomConnector.userErrors).toEqual([]);
    }
    const everyone = await rawRows<Named>(h.db, sql`select name, slug from connectors`);
    expect(await listAll(h, 9, 'ASC', admin)).toEqual(humanOrder(everyone));
    await release(h);
  });
});

// SQLite's migration history (PostgreSQL's migrations start from today's schema: no older database to fill).
describe.skipIf(TEST_ENGINE === 'postgres')('connectors stored before the sort key existed', () => {
  itWithRealData('are given their key by the migration and listed in order', async () => {
    const migrations = join(tempDir('name-order-'), 'migrations');
    const all = readdirSync(MIGRATIONS_FOLDER).sort();
    for (const m of all.slice(
      0,
      all.findIndex((m) => m.endsWith('_connector_name_key')),
    )) {
      cpSync(join(MIGRATIONS_FOLDER, m), join(migrations, m), { recursive: true });
    }
    const file = join(tempDir('name-order-'), 'registry.db');
    const db = openDatabase(file);
    migrate(db, { migrationsFolder: migrations });
    await seedPolicy(db);
    const doc = readDoc(REAL.oss2025);
    const insert = db.$client.prepare(
      `insert into connectors (definition_id, slug, name, type, support_level, docker_repository, docker_image_tag) values (?, ?, ?, ?, 'community', ?, ?)`,
    );
    const entries = [...doc.sources.map((e) => ['source', e] as const), ...doc.destinations.map((e) => ['destination', e] as const)];
    for (const [type, e] of entries) {
      insert.run(e.sourceDefinitionId ?? e.destinationDefinitionId, e.dockerRepository.split('/').pop(), e.name, type, e.dockerRepository, e.dockerImageTag);
    }
    migrateDatabase(db);
    const rows = db.$client.prepare('select name, slug from connectors order by name_key, slug').all() as Named[];
    expect(rows.length).toBe(entries.length);
    expect(rows).toEqual(humanOrder(rows));
    await closeDatabase(db);
  });
});
