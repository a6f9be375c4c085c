// What an export serves after real imports: each registry's own definition IDs, and no demo data.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { sql } from 'drizzle-orm';
import { describe, expect, it } from 'vitest';
import { rawRows } from '../src/db/raw.js';
import { exportRegistry } from '../src/domain/registry/export.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadImportSource } from '../src/domain/registry/load.js';
import { createHarness } from './helpers/harness.js';
import { sqlColumn, sqlValue } from './helpers/import.js';
import { itWithRealData, REAL } from './helpers/real-data.js';

const SMALL = fileURLToPath(new URL('./fixtures/oss_registry.small.json', import.meta.url));

type Entry = Record<string, any>;
const idOf = (e: Entry) => e.sourceDefinitionId ?? e.destinationDefinitionId;
const byRepository = (doc: { sources: Entry[]; destinations: Entry[] }) =>
  new Map([...doc.sources, ...doc.destinations].map((e) => [e.dockerRepository.replace(/-strict-encrypt$/, ''), e]));

describe('exports after real imports', () => {
  itWithRealData('keep the definition ID each registry gave a connector Airbyte renamed', async () => {
    const h = await createHarness({ connectors: false });
    await importConnectors(h.db, await loadImportSource(REAL.oss2025));
    await importConnectors(h.db, await loadImportSource(REAL.cloud2023, { registry: 'cloud' }));
    const renamed = await rawRows<{ slug: string }>(
      h.db,
      sql`select c.slug, r.from_definition_id f, r.to_definition_id t from connector_renames r join connectors c on c.id = r.connector_id`,
    );
    expect(renamed.length).toBeGreaterThan(0);
    const ossFile = byRepository(JSON.parse(readFileSync(REAL.oss2025, 'utf8')));
    const cloudFile = byRepository(JSON.parse(readFileSync(REAL.cloud2023, 'utf8')));
    const ossExport = byRepository(await exportRegistry(h.db, 'oss'));
    const cloudExport = byRepository(await exportRegistry(h.db, 'cloud'));
    for (const { slug } of renamed) {
      const repository = `airbyte/${slug}`;
      expect(idOf(cloudFile.get(repository)!), slug).not.toBe(idOf(ossFile.get(repository)!));
      expect(idOf(ossExport.get(repository)!), slug).toBe(idOf(ossFile.get(repository)!));
      expect(idOf(cloudExport.get(repository)!), slug).toBe(idOf(cloudFile.get(repository)!));
    }
  });

  it('leave demo connectors and demo breaking changes out once an import has run, even when kept', async () => {
    const h = await createHarness();
    const demoSlugs = (await sqlColumn<string>(h.db, sql`select slug from connectors where demo = true`)).sort();
    expect(demoSlugs.length).toBeGreaterThan(0);
    // Before any import, the demo registry is what there is to export.
    const before = await exportRegistry(h.db, 'oss');
    expect([...before.sources, ...before.destinations].length).toBeGreaterThan(0);
    await importConnectors(h.db, await loadImportSource(SMALL), { removeDemo: false, maxUnavailableShare: 1 });
    const stillDemo = await sqlValue<number>(h.db, sql`select count(*) from connectors where demo = true`);
    expect(stillDemo).toBeGreaterThan(0);
    const after = await exportRegistry(h.db, 'oss');
    const small = JSON.parse(readFileSync(SMALL, 'utf8')) as { sources: Entry[]; destinations: Entry[] };
    const imported = new Set([...small.sources, ...small.destinations].map((e) => idOf(e).toLowerCase()));
    const exported = [...after.sources, ...after.destinations] as Entry[];
    for (const e of exported) expect(imported.has(idOf(e).toLowerCase()), e.dockerRepository).toBe(true);
    const demoChanges = await sqlValue<number>(h.db, sql`select count(*) from breaking_changes where demo = true`);
    expect(demoChanges).toBeGreaterThan(0);
    for (const e of exported) {
      const versions = Object.keys(e.releases?.breakingChanges ?? {});
      const entry = [...small.sources, ...small.destinations].find((s) => idOf(s).toLowerCase() === idOf(e).toLowerCase())!;
      expect(versions.sort(), e.dockerRepository).toEqual(Object.keys(entry.releases?.breakingChanges ?? {}).sort());
    }
  });
});
