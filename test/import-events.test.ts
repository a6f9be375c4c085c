// A registry import's level changes reach subscribers through the outbox: on the gateway that runs it and
// on another handle on the same database (another gateway, or the CLI beside a running SQLite server).
import { afterEach, describe, expect, it } from 'vitest';
import { syntheticRegistry } from '../bench/synthetic.js';
import { closeDatabase } from '../src/db/client.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson } from '../src/domain/registry/load.js';
import { secondHandle } from './helpers/gateways.js';
import { createHarness, type Harness } from './helpers/harness.js';
import { subscribeSse } from './helpers/sse.js';

async function within(ms: number, check: () => boolean): Promise<void> {
  for (let waited = 0; !check(); waited += 25) {
    if (waited > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

const registry = (level: 'community' | 'certified') => {
  const r = syntheticRegistry(4);
  // Entry 1 is a community source in the synthetic registry; the second snapshot certifies it.
  r.sources[1]!.supportLevel = level;
  return loadRegistryJson(JSON.stringify(r), 'oss_registry.json', 'oss');
};

describe('level changes from a registry import', () => {
  let h: Harness;
  afterEach(async () => {
    await h.close();
    await closeDatabase(h.db);
  });

  it('reach subscribers on another handle of the database, once each, in order', async () => {
    h = await createHarness();
    const importer = secondHandle(h.db);
    try {
      await importConnectors(importer, registry('community'), { asOf: '2026-01-01' });
      const events = await subscribeSse(h.fetch, 'subscription { certificationEvents { fromLevel toLevel connector { slug } } }');
      expect(events.contentType).toContain('text/event-stream');
      await new Promise((r) => setTimeout(r, 100));
      const summary = await importConnectors(importer, registry('certified'), { asOf: '2026-02-01' });
      expect(summary).toBeDefined();
      await within(2000, () => events.received.length >= 1);
      await new Promise((r) => setTimeout(r, 200));
      expect(events.received.map((e) => e.data.certificationEvents)).toEqual([
        { fromLevel: 'COMMUNITY', toLevel: 'CERTIFIED', connector: { slug: 'source-synthetic-1' } },
      ]);
      events.close();
    } finally {
      await closeDatabase(importer);
    }
  });
});
