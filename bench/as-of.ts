// npm run bench:as-of: the history's cost on N synthetic connectors (100,000 by default). Two imports
// write the history (the second, a later snapshot, changes every 7th connector's support level and every
// 5th one's version), timed; then, one request at a time through the gateway's listener on loopback
// (response cache off, in this process), the headline query now (the fast lane) and as of an instant
// before and after the second import, a detail as of an instant, and a connector's changelog.
//   npm run bench:as-of [-- --count 100000 --requests 200] [--without-history: drop the history triggers, time the imports only]
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../src/production.js';
import { createApp } from '../src/app.js';
import { closeDatabase, openDatabase } from '../src/db/client.js';
import { migrateDatabase } from '../src/db/migrate.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadRegistryJson } from '../src/domain/registry/load.js';
import { seedIfEmpty } from '../seed/index.js';
import { serve } from '../test/helpers/harness.js';
import { HEADLINE } from './scenarios.js';
import { syntheticRegistry } from './synthetic.js';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '100000' },
    requests: { type: 'string', default: '200' },
    'without-history': { type: 'boolean', default: false },
  },
});
const COUNT = Math.min(Math.max(Number(values.count), 1000), 500_000);
const REQUESTS = Math.min(Math.max(Number(values.requests), 10), 5000);

const headlineAsOf = (at: string) => HEADLINE.replace('connectors(', `connectors(asOf: "${at}", `);
const SLUG = 'source-synthetic-70';
const SCENARIOS: { name: string; query: string }[] = [
  { name: 'headline query, now (fast lane)', query: HEADLINE },
  { name: 'headline query, asOf between the imports', query: headlineAsOf('2026-03-01T00:00:00Z') },
  { name: 'headline query, asOf after both imports', query: headlineAsOf('2026-07-01T00:00:00Z') },
  {
    name: 'headline query with totalCount, asOf between the imports',
    query: headlineAsOf('2026-03-01T00:00:00Z').replace('first: 50) {', 'first: 50) { totalCount'),
  },
  {
    name: 'headline query with facets, asOf between the imports',
    query: headlineAsOf('2026-03-01T00:00:00Z').replace(
      'first: 50) {',
      'first: 50) { facets { supportLevels { value count } deployments { value count } withSla { value count } languages { value count } }',
    ),
  },
  {
    name: 'detail asOf between the imports (availability, breaking changes)',
    query: `{ connector(slug: "${SLUG}", asOf: "2026-03-01T00:00:00Z") { slug supportLevel dockerImageTag availableOn availability { deployment enabled dockerImageTag } breakingChanges { version upgradeDeadline } } }`,
  },
  {
    name: 'changelog, first 20 changes of one connector',
    query: `{ connector(slug: "${SLUG}") { changes(first: 20) { edges { node { field from to effectiveAt actor importId breaking } } } } }`,
  },
];

function later(registry: ReturnType<typeof syntheticRegistry>) {
  for (const [k, entry] of [...registry.sources, ...registry.destinations].entries()) {
    if (k % 7 === 0) entry.supportLevel = entry.supportLevel === 'certified' ? 'community' : 'certified';
    if (k % 5 === 0) entry.dockerImageTag = `9.${k % 11}.0`;
  }
  return registry;
}

async function timed<T>(what: string, run: () => Promise<T>): Promise<T> {
  const start = performance.now();
  const result = await run();
  process.stderr.write(`${what}: ${((performance.now() - start) / 1000).toFixed(1)} s\n`);
  return result;
}

async function main(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-as-of-'));
  try {
    const path = join(dir, 'registry.db');
    const db = openDatabase(path);
    migrateDatabase(db);
    await seedIfEmpty(db, { connectors: false });
    if (values['without-history']) {
      const triggers = db.$client
        .prepare("select name from sqlite_schema where type = 'trigger' and name like 'connector_history_%'")
        .pluck()
        .all() as string[];
      for (const name of triggers) db.$client.exec(`drop trigger "${name}"`);
    }
    await timed(`import ${COUNT} new connectors (as of 2026-01-01)`, () =>
      importConnectors(db, loadRegistryJson(JSON.stringify(syntheticRegistry(COUNT)), 'oss_registry.json', 'oss'), { asOf: '2026-01-01' }),
    );
    await timed('import the later snapshot (as of 2026-06-01)', () =>
      importConnectors(db, loadRegistryJson(JSON.stringify(later(syntheticRegistry(COUNT))), 'oss_registry.json', 'oss'), { asOf: '2026-06-01' }),
    );
    const rows = db.$client.prepare('select count(*) from connector_history').pluck().get() as number;
    process.stderr.write(`connector_history: ${rows} rows; database ${(statSync(path).size / 1e6).toFixed(0)} MB\n`);
    if (values['without-history']) return;
    const app = await createApp({ db, log: () => {}, responseCache: { enabled: false } });
    const served = serve(app);
    const lines = ['| request | p50 ms | p99 ms | mean ms |', '|---|---|---|---|'];
    for (const s of SCENARIOS) {
      const body = JSON.stringify({ query: s.query });
      const ask = async () => {
        const response = await served.fetch('/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body });
        const text = await response.text();
        if (!text.startsWith('{"data"') || text.includes('"errors"')) throw new Error(`${s.name}: ${text.slice(0, 300)}`);
      };
      for (let i = 0; i < 5; i++) await ask();
      const ms: number[] = [];
      for (let i = 0; i < REQUESTS; i++) {
        const start = performance.now();
        await ask();
        ms.push(performance.now() - start);
      }
      ms.sort((a, b) => a - b);
      const at = (q: number) => ms[Math.min(ms.length - 1, Math.floor(q * ms.length))]!.toFixed(2);
      lines.push(`| ${s.name} | ${at(0.5)} | ${at(0.99)} | ${(ms.reduce((a, b) => a + b, 0) / ms.length).toFixed(2)} |`);
      process.stderr.write(`${lines.at(-1)}\n`);
    }
    await served.close();
    await closeDatabase(db);
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
