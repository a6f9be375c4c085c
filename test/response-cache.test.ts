import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../src/app.js';
import { closeDatabase, type Db, openDatabase } from '../src/db/client.js';
import { openPostgres, poolOf } from '../src/db/postgres.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson } from '../src/domain/registry/load.js';
import { createToken } from '../src/domain/tokens/tokens.js';
import { openTestDatabase, TEST_ENGINE } from './helpers/database.js';
import { createHarness, type Harness, serve, type Served } from './helpers/harness.js';

// The cache keys on the database version, which PostgreSQL does not have yet: there it keeps nothing.
const HIT = 'hit';

/** Databases to close after each test (a PostgreSQL pool holds connections until then). */
const opened: Db[] = [];
const harness = async () => {
  const h = await createHarness();
  opened.push(h.db);
  return h;
};
afterEach(async () => {
  for (const db of opened.splice(0)) await closeDatabase(db);
});

/** A second connection to the harness's database, as an import from the CLI or a second server has. */
function secondConnection(h: Harness): Db {
  return h.db.$engine === 'sqlite' ? openDatabase(h.db.$client.name) : openPostgres(poolOf(h.db).options.connectionString!);
}

const LIST = JSON.stringify({
  query: '{ connectors(filter: {supportLevels: [COMMUNITY, CUSTOM]}, first: 100) { totalCount edges { node { slug supportLevel } } } }',
});

async function ask(app: Served, body: string, headers: Record<string, string> = {}) {
  const res = await app.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, cache: res.headers.get('x-cache'), body: await res.json() };
}

describe('the response cache', () => {
  it('serves a repeated read from the cache, byte for byte', async () => {
    const h = await harness();
    const first = await ask(h, LIST);
    const second = await ask(h, LIST);
    expect([first.cache, second.cache]).toEqual(['miss', HIT]);
    expect(second.body).toEqual(first.body);
    h.statements.length = 0;
    await ask(h, LIST);
    expect(h.statements).toEqual([]);
  });

  it('returns fresh data right after a certification', async () => {
    const h = await harness();
    const token = await h.token('bot', ['certify']);
    const before = await ask(h, LIST);
    await ask(h, LIST);
    const certify = JSON.stringify({
      query: 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "Fresh-data test certification."}) { userErrors { code } } }',
    });
    expect((await ask(h, certify, { authorization: `Bearer ${token}` })).body.data.certifyConnector.userErrors).toEqual([]);
    const after = await ask(h, LIST);
    expect(after.cache).toBe('miss');
    expect(after.body.data.connectors.totalCount).toBe(before.body.data.connectors.totalCount - 1);
    expect(after.body.data.connectors.edges.map((e: any) => e.node.slug)).not.toContain('source-faker');
  });

  it('returns fresh data right after another connection writes (an import, a second server)', async () => {
    const h = await harness();
    const app: Served = h;
    const before = await ask(app, LIST);
    expect((await ask(app, LIST)).cache).toBe(HIT);
    const other = secondConnection(h);
    const doc = {
      sources: [
        {
          sourceDefinitionId: 'dfd88b22-b603-4c3d-aad7-3701784586b1',
          name: 'Sample Data',
          dockerRepository: 'airbyte/source-faker',
          dockerImageTag: '7.0.0',
          documentationUrl: 'https://docs.airbyte.com/integrations/sources/faker',
          supportLevel: 'certified',
          spec: {},
        },
      ],
      destinations: [],
    };
    const summary = await importConnectors(other, loadRegistryJson(JSON.stringify(doc), 'oss_registry.json', 'oss'));
    expect(summary.levelChanges).toEqual([{ slug: 'source-faker', from: 'community', to: 'certified' }]);
    await closeDatabase(other);
    // SQLite sees another connection's commit at once (data_version); a PostgreSQL gateway when its feed
    // is notified, which the issue allows a second for.
    let after = await ask(app, LIST);
    for (let i = 0; i < 40 && TEST_ENGINE === 'postgres' && after.cache !== 'miss'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      after = await ask(app, LIST);
    }
    expect(after.cache).toBe('miss');
    expect(after.body.data.connectors.totalCount).toBe(before.body.data.connectors.totalCount - 1);
  });

  it("never serves one organization's private connectors to another caller", async () => {
    const h = await harness();
    const acme = (await createToken(h.db, { name: 'acme', scopes: ['read:private'], organization: 'acme' })).token;
    const globex = (await createToken(h.db, { name: 'globex', scopes: ['read:private'], organization: 'globex' })).token;
    const slugs = (r: { body: any }) => r.body.data.connectors.edges.map((e: any) => e.node.slug);
    const mine = await ask(h, LIST, { authorization: `Bearer ${acme}` });
    expect(slugs(mine)).toContain('source-acme-billing');
    // The token's first use records when it was used (a write, which moves the version); then its answers are kept.
    await ask(h, LIST, { authorization: `Bearer ${acme}` });
    expect((await ask(h, LIST, { authorization: `Bearer ${acme}` })).cache).toBe(HIT);
    for (const headers of [{}, { authorization: `Bearer ${globex}` }] as Record<string, string>[]) {
      const other = await ask(h, LIST, headers);
      expect(slugs(other)).not.toContain('source-acme-billing');
    }
    const bad = await ask(h, LIST, { authorization: 'Bearer crg_forged' });
    expect(bad.status).toBe(401);
  });

  it('does not keep answers with errors, nor mutations', async () => {
    const h = await harness();
    const broken = JSON.stringify({ query: '{ connectors(first: 0) { totalCount } }' });
    await ask(h, broken);
    expect((await ask(h, broken)).cache).toBeNull();
    const token = await h.token('bot', ['certify']);
    const dry = JSON.stringify({
      query: 'mutation { certifyConnector(input: {connectorSlug: "source-faker", reason: "A dry run, twice.", dryRun: true}) { dryRun } }',
    });
    await ask(h, dry, { authorization: `Bearer ${token}` });
    expect((await ask(h, dry, { authorization: `Bearer ${token}` })).cache).toBeNull();
  });

  it('can be turned off', async () => {
    const db = await openTestDatabase({ seed: 'demo' });
    opened.push(db);
    const app = serve(await createApp({ db, log: () => {}, responseCache: { enabled: false } }));
    await ask(app, LIST);
    expect((await ask(app, LIST)).cache).toBeNull();
  });
});
