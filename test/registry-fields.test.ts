// Everything the registry knows about a connector, served from the real files: the values read from the
// kept entry (spec, hosts, streams, resources, flags, CDK, metrics, rollout, release candidate), the
// usage and sync-success-rate columns with their filters and orders, and the export round trip.
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase } from '../src/db/client.js';
import { rawRun } from '../src/db/raw.js';
import { parse as parseYaml } from 'yaml';
import { exportRegistry } from '../src/domain/registry/export.js';
import { importConnectors } from '../src/domain/registry/import.js';
import { loadImportSource, loadRegistryJson } from '../src/domain/registry/load.js';
import { TEST_ENGINE } from './helpers/database.js';
import { createHarness, type Harness } from './helpers/harness.js';

/** Stops a harness and closes its database (a PostgreSQL pool holds connections until then). */
async function release(h: Harness | undefined): Promise<void> {
  if (!h) return;
  await h.close();
  await closeDatabase(h.db);
}
import { entriesOf, idOf, metadataFiles, readDoc, type Entry, type RegistryDoc } from './helpers/import.js';
import { describeWithRealData, REAL } from './helpers/real-data.js';

const RANK: Record<string, number> = { LOW: 1, MEDIUM: 2, HIGH: 3 };
const upper = (v: unknown) => (typeof v === 'string' ? v.toUpperCase() : null);

/** Every connector a filter and order give, page after page, keyed by definition ID. */
async function everyConnector(h: Harness, selection: string, args: { filter?: object; orderBy?: object } = {}): Promise<Entry[]> {
  const all: Entry[] = [];
  let after: string | null = null;
  for (;;) {
    const res: { data?: any; errors?: unknown } = await h.gql(
      `query($after: String, $f: ConnectorFilter, $o: ConnectorOrder) { connectors(first: 100, after: $after, filter: $f, orderBy: $o) { edges { node { definitionId ${selection} } } pageInfo { hasNextPage endCursor } } }`,
      { after, f: args.filter ?? null, o: args.orderBy ?? null },
    );
    expect(res.errors).toBeUndefined();
    all.push(...res.data.connectors.edges.map((e: { node: Entry }) => e.node));
    if (!res.data.connectors.pageInfo.hasNextPage) return all;
    after = res.data.connectors.pageInfo.endCursor;
  }
}

/** What the fields should say about an entry, worked out from the entry as the registry has it. */
function expectedOf(e: Entry) {
  const limits = (r: Entry | undefined) =>
    r
      ? { cpuRequest: r.cpu_request ?? null, cpuLimit: r.cpu_limit ?? null, memoryRequest: r.memory_request ?? null, memoryLimit: r.memory_limit ?? null }
      : null;
  const rollout = (r: Entry | undefined) =>
    r
      ? {
          enableProgressiveRollout: r.enableProgressiveRollout ?? false,
          initialPercentage: r.initialPercentage ?? 0,
          maxPercentage: r.maxPercentage ?? 50,
          advanceDelayMinutes: r.advanceDelayMinutes ?? 10,
        }
      : null;
  const candidates = Object.entries(e.releases?.releaseCandidates ?? {}) as [string, Entry][];
  const metrics = e.generated?.metrics ?? {};
  return {
    definitionId: idOf(e),
    usage: upper(metrics.all?.usage),
    syncSuccessRate: upper(metrics.all?.sync_success_rate),
    metrics: ['all', 'cloud', 'oss']
      .filter((p) => metrics[p])
      .map((p) => ({
        platform: p.toUpperCase(),
        usage: upper(metrics[p].usage),
        syncSuccessRate: upper(metrics[p].sync_success_rate),
        connectorVersion: metrics[p].connector_version ?? null,
      })),
    allowedHosts: e.allowedHosts?.hosts ?? null,
    suggestedStreams: e.suggestedStreams?.streams ?? null,
    resourceRequirements: e.resourceRequirements
      ? {
          default: limits(e.resourceRequirements.default),
          jobSpecific: (e.resourceRequirements.jobSpecific ?? []).map((j: Entry) => ({
            jobType: j.jobType,
            resourceRequirements: limits(j.resourceRequirements),
          })),
        }
      : null,
    supportsRefreshes: e.supportsRefreshes === true,
    supportsFileTransfer: e.supportsFileTransfer === true,
    supportsDataActivation: e.supportsDataActivation === true,
    cdkVersion: e.packageInfo?.cdk_version ?? null,
    rolloutConfiguration: rollout(e.releases?.rolloutConfiguration),
    releaseCandidate: candidates.length
      ? { version: candidates[0]![0], dockerImageTag: candidates[0]![1].dockerImageTag, rollout: rollout(candidates[0]![1].releases?.rolloutConfiguration) }
      : null,
  };
}

const LIMITS = 'cpuRequest cpuLimit memoryRequest memoryLimit';
const ROLLOUT = 'enableProgressiveRollout initialPercentage maxPercentage advanceDelayMinutes';
const FIELDS = `usage syncSuccessRate metrics { platform usage syncSuccessRate connectorVersion } allowedHosts suggestedStreams
  resourceRequirements { default { ${LIMITS} } jobSpecific { jobType resourceRequirements { ${LIMITS} } } }
  supportsRefreshes supportsFileTransfer supportsDataActivation cdkVersion rolloutConfiguration { ${ROLLOUT} }
  releaseCandidate { version dockerImageTag rollout { ${ROLLOUT} } }`;

describeWithRealData('what the real 2025 OSS registry knows, served per connector', () => {
  let h: Harness;
  let doc: RegistryDoc;
  beforeAll(async () => {
    h = await createHarness({ connectors: false });
    doc = readDoc(REAL.oss2025);
    await importConnectors(h.db, await loadImportSource(REAL.oss2025));
  }, 120_000);
  afterAll(() => release(h));

  it('serves every entry-backed field of every connector as the registry file has it', async () => {
    const served = await everyConnector(h, FIELDS);
    const expected = entriesOf(doc).map(expectedOf);
    const byId = (list: Entry[]) => [...list].sort((a, b) => (a.definitionId < b.definitionId ? -1 : 1));
    expect(byId(served)).toEqual(byId(expected));
    // The file has some of each, so no field passes by being empty everywhere.
    for (const key of [
      'allowedHosts',
      'suggestedStreams',
      'resourceRequirements',
      'cdkVersion',
      'rolloutConfiguration',
      'releaseCandidate',
      'usage',
    ] as const) {
      expect(
        expected.some((e) => e[key] != null),
        key,
      ).toBe(true);
    }
    expect(expected.some((e) => e.supportsRefreshes) && expected.some((e) => e.supportsFileTransfer)).toBe(true);
  });

  it("serves source-postgres's spec exactly as the registry has it, and a destination's sync modes", async () => {
    const postgres = doc.sources.find((s) => s.dockerRepository === 'airbyte/source-postgres')!;
    const res = await h.gql<any>(
      '{ connector(slug: "source-postgres") { spec { connectionSpecification documentationUrl supportedDestinationSyncModes advancedAuth raw } } }',
    );
    expect(res.data!.connector.spec).toEqual({
      connectionSpecification: postgres.spec.connectionSpecification,
      documentationUrl: postgres.spec.documentationUrl ?? null,
      supportedDestinationSyncModes: postgres.spec.supported_destination_sync_modes ?? null,
      advancedAuth: postgres.spec.advanced_auth ?? null,
      raw: postgres.spec,
    });
    const destination = doc.destinations.find((d) => d.spec.supported_destination_sync_modes)!;
    const slug = String(destination.dockerRepository).split('/').pop();
    const dest = await h.gql<any>('query($s: String!) { connector(slug: $s) { spec { supportedDestinationSyncModes } } }', { s: slug });
    expect(dest.data!.connector.spec.supportedDestinationSyncModes).toEqual(destination.spec.supported_destination_sync_modes);
  });

  it('filters by usage and sync success rate over all platforms, as generated.metrics.all says', async () => {
    for (const [field, key] of [
      ['usage', 'usage'],
      ['syncSuccessRate', 'sync_success_rate'],
    ] as const) {
      for (const levels of [['HIGH'], ['LOW', 'MEDIUM'], []]) {
        const res = await h.gql<any>('query($f: ConnectorFilter) { connectors(first: 1, filter: $f) { totalCount } }', { f: { [field]: levels } });
        const expected = entriesOf(doc).filter((e) => levels.includes(upper(e.generated?.metrics?.all?.[key]) ?? '')).length;
        expect(res.data!.connectors.totalCount, `${field} ${levels}`).toBe(expected);
      }
    }
  });

  it('orders by usage and by sync success rate, low to high or high to low, every connector once, without a figure first when ascending', async () => {
    for (const field of ['usage', 'syncSuccessRate'] as const) {
      for (const direction of ['ASC', 'DESC'] as const) {
        const rows = await everyConnector(h, `${field}`, { orderBy: { field: field === 'usage' ? 'USAGE' : 'SYNC_SUCCESS_RATE', direction } });
        expect(new Set(rows.map((r) => r.definitionId)).size).toBe(entriesOf(doc).length);
        const ranks = rows.map((r) => RANK[r[field]] ?? 0);
        const sorted = [...ranks].sort((a, b) => (direction === 'ASC' ? a - b : b - a));
        expect(ranks, `${field} ${direction}`).toEqual(sorted);
      }
    }
  });

  // SQLite's query plan (EXPLAIN QUERY PLAN and its wording are SQLite's own).
  it.skipIf(TEST_ENGINE === 'postgres')('reads a page ordered by usage from its expression index, without sorting', async () => {
    h.statements.length = 0;
    await h.gql('{ connectors(first: 10, orderBy: {field: USAGE, direction: DESC}) { edges { node { slug usage } } } }');
    const plan = (h.db.$client.prepare(`explain query plan ${h.statements[0]}`).all() as { detail: string }[]).map((r) => r.detail).join('\n');
    expect(plan).toContain('connectors_usage_idx');
    expect(plan).not.toContain('TEMP B-TREE');
  });

  it('exports the registry unchanged: metrics, spec and every other field as imported', async () => {
    const exported = await exportRegistry(h.db, 'oss');
    const byId = (list: Entry[]) => new Map(list.map((e) => [idOf(e), e]));
    const out = byId(entriesOf(exported as RegistryDoc));
    expect(out.size).toBe(entriesOf(doc).length);
    for (const entry of entriesOf(doc)) expect(out.get(idOf(entry)), entry.name).toEqual(entry);
  });

  it('exports a changed usage column into generated.metrics.all, and leaves the other platforms alone', async () => {
    const h2 = await createHarness({ connectors: false });
    const small = readDoc(REAL.oss2025);
    const one = small.sources.find((s) => s.generated?.metrics?.all?.usage === 'low')!;
    await importConnectors(h2.db, loadRegistryJson(JSON.stringify({ sources: [one], destinations: [] }), 'oss_registry.json', 'oss'));
    await rawRun(h2.db, sql`update connectors set usage = 'high'`);
    const [out] = (await exportRegistry(h2.db, 'oss')).sources as Entry[];
    expect(out!.generated.metrics).toEqual({ ...one.generated.metrics, all: { ...one.generated.metrics.all, usage: 'high' } });
    await release(h2);
  });

  it('refuses a metric level that is not low, medium or high, naming the entry and the field', () => {
    const one = structuredClone(doc.sources[0]!);
    one.generated.metrics.all.usage = 'very high';
    const loaded = loadRegistryJson(JSON.stringify({ sources: [one], destinations: [] }), 'oss_registry.json', 'oss');
    expect(loaded.problems.map(({ entry, path }) => ({ entry, path }))).toEqual([
      { entry: `sources[0] (${one.name})`, path: 'sources[0].generated.metrics.all.usage' },
    ]);
  });
});

describeWithRealData('what metadata.yaml knows, served per connector', () => {
  it('serves allowed hosts, suggested streams, resources, feature flags and rollout from every metadata.yaml of the real monorepo snapshot', async () => {
    const h = await createHarness({ connectors: false });
    await importConnectors(h.db, await loadImportSource(REAL.metadata2025));
    // A file's connector, when a registry lists it (a connector in none keeps no entry): by definition ID and image.
    const inFiles = new Map<string, Entry>();
    for (const file of metadataFiles(REAL.metadata2025)) {
      const data = (parseYaml(readFileSync(file, 'utf8')) as { data?: Entry } | null)?.data;
      const flags = data?.registryOverrides ?? data?.registries ?? {};
      if (data && (flags.oss?.enabled || flags.cloud?.enabled)) inFiles.set(`${String(data.definitionId).toLowerCase()} ${data.dockerRepository}`, data);
    }
    const served = await everyConnector(h, `dockerRepository ${FIELDS} spec { raw }`);
    let compared = 0;
    for (const node of served) {
      const data = inFiles.get(`${node.definitionId} ${node.dockerRepository}`);
      if (!data) continue;
      compared++;
      // The registry's overrides may replace hosts, streams and resources per registry; the OSS one is served when there is one.
      const own = (key: string) => ((data.registryOverrides ?? data.registries)?.oss?.enabled ? data.registryOverrides?.oss?.[key] : undefined) ?? data[key];
      const { definitionId, metrics, usage, syncSuccessRate, cdkVersion, ...expected } = expectedOf({
        ...data,
        allowedHosts: own('allowedHosts'),
        suggestedStreams: own('suggestedStreams'),
        resourceRequirements: own('resourceRequirements'),
      });
      const { definitionId: _d, dockerRepository: _r, metrics: m, usage: u, syncSuccessRate: s, cdkVersion: c, spec, ...got } = node;
      expect(got, data.dockerRepository).toEqual(expected);
      // metadata.yaml carries no spec, no CI metrics and no package info.
      expect({ m, u, s, c, spec }).toEqual({ m: [], u: null, s: null, c: null, spec: null });
    }
    expect(compared).toBeGreaterThan(400);
    expect(served.filter((n) => n.supportsDataActivation).length).toBe([...inFiles.values()].filter((d) => d.supportsDataActivation === true).length);
    expect(served.some((n) => n.supportsDataActivation)).toBe(true);
    await release(h);
  }, 120_000);
});

describe('a connector made through the API', () => {
  it('has no registry entry: no spec, metrics or hosts, and every flag false', async () => {
    const h = await createHarness();
    const res = await h.gql<any>(`{ connector(slug: "source-postgres") { ${FIELDS} spec { raw } } }`);
    expect(res.data!.connector).toEqual({
      usage: null,
      syncSuccessRate: null,
      metrics: [],
      allowedHosts: null,
      suggestedStreams: null,
      resourceRequirements: null,
      supportsRefreshes: false,
      supportsFileTransfer: false,
      supportsDataActivation: false,
      cdkVersion: null,
      rolloutConfiguration: null,
      releaseCandidate: null,
      spec: null,
    });
    await release(h);
  });
});

describeWithRealData('reading the kept entry', () => {
  it('costs no statement of its own: a page with every entry field is still one statement', async () => {
    const h = await createHarness({ connectors: false });
    await importConnectors(h.db, await loadImportSource(REAL.oss2025));
    h.statements.length = 0;
    const res = await h.gql<any>(`{ connectors(first: 100) { edges { node { slug ${FIELDS} spec { raw } } } } }`);
    expect(res.data!.connectors.edges).toHaveLength(100);
    expect(h.statements).toHaveLength(1);
    // The headline list reads no entry.
    h.statements.length = 0;
    await h.gql('{ connectors(first: 100) { edges { node { slug name supportLevel availableOn } } } }');
    expect(h.statements.join('\n')).not.toContain('registry_entries');
    await release(h);
  }, 120_000);
});
