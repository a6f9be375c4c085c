// compareDeployments and deploymentDifferences over real 2025 data: the 2025-01-29 OSS registry (what
// Self-Managed Enterprise and OSS serve) and a 2025 cloud registry, the one the 2025-11-11 metadata.yaml
// files make (no published 2025 cloud_registry.json is kept; the gateway's export builds it as Airbyte
// does, see deployments.test.ts). Every expectation is read from those JSON documents and the policy tables.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closeDatabase } from '../src/db/client.js';
import { connectors, slaTiers, supportPolicies } from '../src/db/schema.js';
import { createHarness, type Harness } from './helpers/harness.js';
import { type Entry, entriesOf, idOf, importPath, imageName, readDoc, type RegistryDoc } from './helpers/import.js';
import { describeWithRealData, REAL } from './helpers/real-data.js';
import { tempDir } from './helpers/process.js';

const COMPARE = `query($slug: String!, $a: Deployment!, $b: Deployment!) {
  compareDeployments(slug: $slug, a: $a, b: $b) {
    connector { slug }
    a { deployment enabled version dockerRepository image support { coverage officialSla slaTier { key } } }
    b { deployment enabled version dockerRepository image support { coverage officialSla slaTier { key } } }
    differences
    pendingBreakingChanges { breakingChange { version upgradeDeadline } pendingOn crossedOn }
  }
}`;
const DIFFERENCES = `query($a: Deployment!, $b: Deployment!, $first: Int!, $after: String) {
  deploymentDifferences(a: $a, b: $b, first: $first, after: $after) {
    totalCount
    edges { node { connector { slug } differences pendingBreakingChanges { breakingChange { version } pendingOn } } }
    pageInfo { hasNextPage endCursor }
  }
}`;

/** Versions compared number by number (the registries' tags here are all x.y.z, some with a pre-release). */
function versionOrder(x: string, y: string): number {
  const [a, b] = [x, y].map((v) => v.split('-')[0]!.split('.').map(Number));
  for (let i = 0; i < 3; i++) if (a![i] !== b![i]) return a![i]! - b![i]!;
  return (x.includes('-') ? 0 : 1) - (y.includes('-') ? 0 : 1);
}

const collator = new Intl.Collator('en', { sensitivity: 'base' });
const up = (key: string) => key.toUpperCase();
const breakingVersions = (e: Entry | undefined): string[] => Object.keys(e?.releases?.breakingChanges ?? {});

async function listAll(h: Harness, a: string, b: string, first: number, token?: string) {
  const nodes: any[] = [];
  let after: string | null = null;
  let total = -1;
  for (;;) {
    const res: any = await h.gql(DIFFERENCES, { a, b, first, after }, token);
    expect(res.errors).toBeUndefined();
    total = res.data.deploymentDifferences.totalCount;
    nodes.push(...res.data.deploymentDifferences.edges.map((e: any) => e.node));
    if (!res.data.deploymentDifferences.pageInfo.hasNextPage) return { nodes, total };
    after = res.data.deploymentDifferences.pageInfo.endCursor;
  }
}

describeWithRealData('the 2025 OSS registry (Self-Managed Enterprise) beside the 2025 cloud registry (Cloud)', () => {
  let h: Harness;
  let oss: Map<string, Entry>;
  let cloud: Map<string, Entry>;
  /** The policy cell of (level, deployment) as the tables hold it, with an official SLA for a Premium Support customer. */
  let policy: (level: string, deployment: string) => { coverage: string; officialSla: boolean; slaTier: string };
  let stored: Map<string, { slug: string; name: string; level: string }>;

  beforeAll(async () => {
    const metadata = await createHarness({ connectors: false });
    await importPath(metadata.db, REAL.metadata2025);
    const cloudFile = join(tempDir('deployment-diff-'), 'cloud_registry.json');
    writeFileSync(cloudFile, await (await metadata.get('/registries/v0/cloud_registry.json')).text());
    await metadata.close();
    await closeDatabase(metadata.db);
    h = await createHarness({ connectors: false });
    await importPath(h.db, REAL.oss2025);
    await importPath(h.db, cloudFile, { registry: 'cloud' });
    const byId = (doc: RegistryDoc) => new Map(entriesOf(doc).map((e) => [idOf(e), e]));
    oss = byId(readDoc(REAL.oss2025));
    cloud = byId(readDoc(cloudFile));
    const cells = await h.db
      .select({
        level: supportPolicies.supportLevel,
        deployment: supportPolicies.deployment,
        coverage: supportPolicies.coverage,
        slaTier: supportPolicies.slaTier,
        official: slaTiers.officialSla,
      })
      .from(supportPolicies)
      .innerJoin(slaTiers, eq(slaTiers.key, supportPolicies.slaTier));
    policy = (level, deployment) => {
      const c = cells.find((x) => x.level === level && x.deployment === deployment)!;
      return { coverage: c.coverage, officialSla: c.official, slaTier: c.slaTier };
    };
    const rows = await h.db
      .select({ id: connectors.definitionId, slug: connectors.slug, name: connectors.name, level: connectors.supportLevel })
      .from(connectors);
    stored = new Map(rows.map((r) => [r.id, r]));
  }, 120_000);
  afterAll(async () => {
    await h?.close();
    if (h) await closeDatabase(h.db);
  });

  /** What compareDeployments should say for CLOUD (a) and SELF_MANAGED_ENTERPRISE (b), from the two documents. */
  function expected(id: string) {
    const level = stored.get(id)!.level;
    const sides = (
      [
        ['CLOUD', cloud.get(id)],
        ['SELF_MANAGED_ENTERPRISE', oss.get(id)],
      ] as const
    ).map(([deployment, e]) => {
      const cell = policy(level, deployment.toLowerCase());
      return { deployment, enabled: !!e, e, cell };
    });
    const [a, b] = sides as [(typeof sides)[0], (typeof sides)[0]];
    const differences: string[] = [];
    const pending: { version: string; pendingOn: string }[] = [];
    if (a.enabled !== b.enabled) differences.push('ENABLED');
    else if (a.e && b.e) {
      if (a.e.dockerRepository !== b.e.dockerRepository) differences.push('REPOSITORY');
      if (a.e.dockerImageTag !== b.e.dockerImageTag) differences.push('VERSION');
      if (a.cell.coverage !== b.cell.coverage) differences.push('COVERAGE');
      if (a.cell.officialSla !== b.cell.officialSla) differences.push('OFFICIAL_SLA');
      const [low, high] = versionOrder(a.e.dockerImageTag, b.e.dockerImageTag) < 0 ? [a, b] : [b, a];
      // The gateway keeps a connector's breaking changes from the registry that owns its columns (the OSS one).
      for (const version of breakingVersions(oss.get(id) ?? cloud.get(id))) {
        if (versionOrder(version, low.e!.dockerImageTag) > 0 && versionOrder(version, high.e!.dockerImageTag) <= 0)
          pending.push({ version, pendingOn: low.deployment });
      }
      pending.sort((x, y) => versionOrder(x.version, y.version));
    }
    return { a, b, differences, pending };
  }

  it('compares destination-postgres on Cloud and Self-Managed Enterprise as the two registries list it', async () => {
    const id = idOf([...oss.values()].find((e) => imageName(e) === 'destination-postgres')!);
    const want = expected(id);
    const side = (s: typeof want.a) => ({
      deployment: s.deployment,
      enabled: true,
      version: s.e!.dockerImageTag,
      dockerRepository: s.e!.dockerRepository,
      image: `${s.e!.dockerRepository}:${s.e!.dockerImageTag}`,
      support: { coverage: up(s.cell.coverage), officialSla: s.cell.officialSla, slaTier: { key: up(s.cell.slaTier) } },
    });
    const res = await h.gql(COMPARE, { slug: 'destination-postgres', a: 'CLOUD', b: 'SELF_MANAGED_ENTERPRISE' });
    expect(res.errors).toBeUndefined();
    expect(res.data!.compareDeployments).toEqual({
      connector: { slug: 'destination-postgres' },
      a: side(want.a),
      b: side(want.b),
      differences: want.differences,
      pendingBreakingChanges: want.pending.map((p) => ({
        breakingChange: { version: p.version, upgradeDeadline: expect.stringMatching(/^\d{4}-\d\d-\d\d$/) },
        pendingOn: p.pendingOn,
        crossedOn: p.pendingOn === 'CLOUD' ? 'SELF_MANAGED_ENTERPRISE' : 'CLOUD',
      })),
    });
    // Cloud serves the -strict-encrypt image (registryOverrides.cloud), so the images differ whatever the versions.
    expect(want.differences).toContain('REPOSITORY');
  });

  it('lists exactly the connectors that differ, in name order, each with what differs and what is pending', async () => {
    const want = [...new Set([...oss.keys(), ...cloud.keys()])]
      .map((id) => ({ id, ...stored.get(id)!, ...expected(id) }))
      .filter((c) => c.differences.length > 0)
      .sort((x, y) => collator.compare(x.name, y.name) || (x.slug < y.slug ? -1 : 1));
    expect(want.some((c) => c.differences.includes('ENABLED'))).toBe(true);
    const { nodes, total } = await listAll(h, 'CLOUD', 'SELF_MANAGED_ENTERPRISE', 100);
    expect(nodes).toEqual(
      want.map((c) => ({
        connector: { slug: c.slug },
        differences: c.differences,
        pendingBreakingChanges: c.pending.map((p) => ({ breakingChange: { version: p.version }, pendingOn: p.pendingOn })),
      })),
    );
    expect(total).toBe(want.length);
    expect((await listAll(h, 'CLOUD', 'SELF_MANAGED_ENTERPRISE', 9)).nodes).toEqual(nodes);
  });

  it('finds only support differences between the two deployments one registry serves', async () => {
    const { nodes, total } = await listAll(h, 'SELF_MANAGED_ENTERPRISE', 'COMMUNITY_OSS', 100);
    const want = [...oss.keys()].filter((id) => {
      const level = stored.get(id)!.level;
      const [x, y] = [policy(level, 'self_managed_enterprise'), policy(level, 'community_oss')];
      return x.coverage !== y.coverage || x.officialSla !== y.officialSla;
    });
    expect(total).toBe(want.length);
    expect(nodes.length).toBe(want.length);
    expect(nodes.every((n) => !n.differences.includes('VERSION') && !n.differences.includes('REPOSITORY') && !n.differences.includes('ENABLED'))).toBe(true);
  });

  it('shows a breaking change announced between the two versions as pending on the side still below it', async () => {
    const id = idOf([...oss.values()].find((e) => imageName(e) === 'destination-postgres')!);
    const tags = [oss.get(id)!.dockerImageTag as string, cloud.get(id)!.dockerImageTag as string].sort(versionOrder);
    const [major, minor, patch] = tags[0]!.split('.').map(Number);
    const between = `${major}.${minor}.${patch! + 1}`;
    const above = `${major! + 10}.0.0`;
    expect(versionOrder(between, tags[1]!)).toBeLessThanOrEqual(0);
    const lower = tags[0] === oss.get(id)!.dockerImageTag ? 'SELF_MANAGED_ENTERPRISE' : 'CLOUD';
    const publisher = await h.token('publisher', ['publish']);
    for (const version of [above, between]) {
      const res = await h.gql(
        'mutation($input: AnnounceBreakingChangeInput!) { announceBreakingChange(input: $input) { userErrors { message } } }',
        { input: { connectorSlug: 'destination-postgres', version, upgradeDeadline: '2027-06-30', message: `Version ${version} renames the schema option.` } },
        publisher,
      );
      expect(res.data!.announceBreakingChange.userErrors).toEqual([]);
    }
    const res = await h.gql(COMPARE, { slug: 'destination-postgres', a: 'CLOUD', b: 'SELF_MANAGED_ENTERPRISE' });
    expect(res.data!.compareDeployments.pendingBreakingChanges).toEqual([
      {
        breakingChange: { version: between, upgradeDeadline: '2027-06-30' },
        pendingOn: lower,
        crossedOn: lower === 'CLOUD' ? 'SELF_MANAGED_ENTERPRISE' : 'CLOUD',
      },
    ]);
    const listed = (await listAll(h, 'CLOUD', 'SELF_MANAGED_ENTERPRISE', 100)).nodes.find((n) => n.connector.slug === 'destination-postgres');
    expect(listed.pendingBreakingChanges).toEqual([{ breakingChange: { version: between }, pendingOn: lower }]);
  });

  it('refuses a cursor of another pair of deployments, naming the argument', async () => {
    const first: any = await h.gql(DIFFERENCES, { a: 'CLOUD', b: 'SELF_MANAGED_ENTERPRISE', first: 1 });
    const res = await h.gql(DIFFERENCES, { a: 'CLOUD', b: 'COMMUNITY_OSS', first: 1, after: first.data.deploymentDifferences.pageInfo.endCursor });
    expect(res.errors).toEqual([
      expect.objectContaining({
        message: 'after: the cursor belongs to another pair of deployments; start again without `after`',
        extensions: { code: 'BAD_USER_INPUT' },
      }),
    ]);
  });
});

describe('deployment differences and visibility', () => {
  it("shows an organization's custom connector only to that organization and admins", async () => {
    const h = await createHarness();
    const admin = await h.token('root', ['admin']);
    const res = await h.gql(
      'mutation($input: RegisterCustomConnectorInput!) { registerCustomConnector(input: $input) { userErrors { message } } }',
      {
        input: {
          slug: 'source-globex-ledger',
          name: 'Globex Ledger',
          type: 'SOURCE',
          dockerRepository: 'registry.globex.example/source-ledger',
          dockerImageTag: '1.0.0',
          availableOn: ['CLOUD'],
          organization: 'globex',
        },
      },
      admin,
    );
    expect(res.data!.registerCustomConnector.userErrors).toEqual([]);
    const slugs = async (token?: string) => (await listAll(h, 'CLOUD', 'SELF_MANAGED_ENTERPRISE', 100, token)).nodes.map((n) => n.connector.slug);
    expect(await slugs(admin)).toContain('source-globex-ledger');
    const anonymous = await slugs();
    expect(anonymous).not.toContain('source-globex-ledger');
    expect(anonymous).not.toContain('source-acme-billing');
    const compared = await h.gql(COMPARE, { slug: 'source-globex-ledger', a: 'CLOUD', b: 'SELF_MANAGED_ENTERPRISE' });
    expect(compared.data).toEqual({ compareDeployments: null });
    const asAdmin = await h.gql(COMPARE, { slug: 'source-globex-ledger', a: 'CLOUD', b: 'SELF_MANAGED_ENTERPRISE' }, admin);
    expect(asAdmin.data!.compareDeployments).toMatchObject({
      a: { enabled: true },
      b: { enabled: false },
      differences: ['ENABLED'],
      pendingBreakingChanges: [],
    });
    await h.close();
    await closeDatabase(h.db);
  });
});
