import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SEED_CONNECTORS } from '../seed/connectors.js';
import { closeHarness } from './helpers/gateways.js';
import { createHarness, snapshot, type Harness } from './helpers/harness.js';

// Every test runs on this clock, so deadlines are judged the same whenever the suite runs.
const NOW = new Date('2026-11-24T12:00:00Z');
const TODAY = '2026-11-24';

const ANNOUNCE = `mutation($input: AnnounceBreakingChangeInput!) {
  announceBreakingChange(input: $input) {
    connector { slug revision supportState }
    breakingChange { version upgradeDeadline message deadlineAction migrationDocumentationUrl scopedImpact { scopeType impactedScopes } connector { slug } }
    userErrors { code field message }
  }
}`;

const seedChanges = SEED_CONNECTORS.flatMap((c) => c.breakingChanges.map((b) => ({ ...b, slug: c.slug, connector: c })));

describe('breaking changes and support state', () => {
  let h: Harness;
  let publisher: string;
  beforeEach(async () => {
    h = await createHarness({ now: () => NOW });
    publisher = await h.token('release-manager', ['publish']);
  });
  afterEach(() => closeHarness(h));

  it('derives the support state of a pinned version from the deadlines ahead of it', async () => {
    const res = await h.gql(`{ github: connector(slug: "source-github") {
        current: supportState pinnedBeforeV2: supportState(version: "1.8.0") pinnedV2: supportState(version: "2.0.0") rc: supportState(version: "3.0.0-rc.1") }
      postgres: connector(slug: "source-postgres") { supportState } }`);
    // source-github: 2.0.0 (deadline 2025-11-21, passed) and 3.0.0 (2027-02-15, ahead); current 2.1.2.
    expect(res.data).toEqual({
      github: { current: 'DEPRECATED', pinnedBeforeV2: 'UNSUPPORTED', pinnedV2: 'DEPRECATED', rc: 'DEPRECATED' },
      postgres: { supportState: 'SUPPORTED' },
    });
  });

  it('lists upcoming breaking changes across the registry, soonest first, with filters', async () => {
    const upcoming = seedChanges.filter((b) => b.upgradeDeadline >= TODAY).sort((a, b) => (a.upgradeDeadline < b.upgradeDeadline ? -1 : 1));
    const res = await h.gql(
      `{ breakingChanges(filter: {upcoming: true}, first: 100) { totalCount edges { node { version upgradeDeadline connector { slug } } } } }`,
    );
    expect(res.data!.breakingChanges.totalCount).toBe(upcoming.length);
    expect(res.data!.breakingChanges.edges.map((e: any) => `${e.node.connector.slug}@${e.node.version}`)).toEqual(
      upcoming.map((b) => `${b.slug}@${b.version}`),
    );

    const cases: [object, (b: (typeof seedChanges)[number]) => boolean][] = [
      [{ upcoming: false }, (b) => b.upgradeDeadline < TODAY],
      [{ deadlineBefore: '2024-01-01' }, (b) => b.upgradeDeadline < '2024-01-01'],
      [{ supportLevels: ['COMMUNITY', 'ENTERPRISE'] }, (b) => ['community', 'enterprise'].includes(b.connector.supportLevel)],
      [
        { deployment: 'COMMUNITY_OSS', upcoming: true },
        (b) => b.upgradeDeadline >= TODAY && b.connector.availability.some((a) => a.deployment === 'community_oss'),
      ],
    ];
    for (const [filter, keep] of cases) {
      const r = await h.gql(
        `query($f: BreakingChangeFilter) { breakingChanges(filter: $f, first: 100) { totalCount edges { node { version connector { slug } } } } }`,
        { f: filter },
      );
      const want = seedChanges
        .filter(keep)
        .map((b) => `${b.slug}@${b.version}`)
        .sort();
      expect(r.data!.breakingChanges.edges.map((e: any) => `${e.node.connector.slug}@${e.node.version}`).sort(), JSON.stringify(filter)).toEqual(want);
      expect(r.data!.breakingChanges.totalCount).toBe(want.length);
    }
  });

  it('pages through breaking changes without losing or repeating one', async () => {
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 50; i++) {
      const r: any = await h.gql(
        `query($after: String) { breakingChanges(first: 4, after: $after) { edges { node { version connector { slug } } } pageInfo { hasNextPage endCursor } } }`,
        { after },
      );
      seen.push(...r.data.breakingChanges.edges.map((e: any) => `${e.node.connector.slug}@${e.node.version}`));
      if (!r.data.breakingChanges.pageInfo.hasNextPage) break;
      after = r.data.breakingChanges.pageInfo.endCursor;
    }
    expect(seen.sort()).toEqual(seedChanges.map((b) => `${b.slug}@${b.version}`).sort());
  });

  it('loads breaking changes with their connectors in one statement, whatever the page size', async () => {
    const counts = [];
    for (const first of [1, 10, 30]) {
      h.statements.length = 0;
      await h.gql(`query($first: Int!) { breakingChanges(first: $first) { edges { node { version connector { slug supportState availableOn } } } } }`, {
        first,
      });
      counts.push(h.statements.length);
    }
    expect(counts).toEqual([1, 1, 1]);
  });

  it('announces a breaking change for a certified connector at the edge of its 30-day window', async () => {
    const res = await h.gql(
      ANNOUNCE,
      {
        input: {
          connectorSlug: 'source-postgres',
          version: '4.0.0',
          upgradeDeadline: '2026-12-24',
          message: 'Version 4.0.0 drops support for Postgres 12.',
          deadlineAction: 'DISABLE',
          impactedStreams: ['public.users', 'public.users'],
          expectedRevision: 1,
        },
      },
      publisher,
    );
    expect(res.data!.announceBreakingChange).toEqual({
      connector: { slug: 'source-postgres', revision: 2, supportState: 'DEPRECATED' },
      breakingChange: {
        version: '4.0.0',
        upgradeDeadline: '2026-12-24',
        message: 'Version 4.0.0 drops support for Postgres 12.',
        deadlineAction: 'DISABLE',
        migrationDocumentationUrl: 'https://docs.airbyte.com/integrations/sources/postgres-migrations#4.0.0',
        scopedImpact: [{ scopeType: 'stream', impactedScopes: ['public.users'] }],
        connector: { slug: 'source-postgres' },
      },
      userErrors: [],
    });
  });

  it('lets a community connector announce with any deadline', async () => {
    const res = await h.gql(
      ANNOUNCE,
      { input: { connectorSlug: 'source-faker', version: '7.0.0', upgradeDeadline: TODAY, message: 'Version 7.0.0 changes every stream.' } },
      publisher,
    );
    expect(res.data!.announceBreakingChange.userErrors).toEqual([]);
  });

  const refusals: [string, Record<string, unknown>, { code: string; field: string[]; message: string }][] = [
    [
      "a deadline inside a certified connector's window",
      { connectorSlug: 'source-postgres', upgradeDeadline: '2026-12-23' },
      {
        code: 'VALIDATION',
        field: ['input', 'upgradeDeadline'],
        message: 'upgradeDeadline: Certified connectors give users at least 30 days to upgrade; the earliest deadline allowed today is 2026-12-24.',
      },
    ],
    [
      "a deadline inside an enterprise connector's window",
      { connectorSlug: 'source-workday', upgradeDeadline: '2026-11-30' },
      {
        code: 'VALIDATION',
        field: ['input', 'upgradeDeadline'],
        message: 'upgradeDeadline: Enterprise connectors give users at least 30 days to upgrade; the earliest deadline allowed today is 2026-12-24.',
      },
    ],
    [
      'a version announced already',
      { connectorSlug: 'source-stripe', version: '5.4.0' },
      { code: 'CONFLICT', field: ['input', 'version'], message: 'source-stripe already has a breaking change announced for 5.4.0.' },
    ],
    [
      'an archived connector',
      { connectorSlug: 'destination-keen' },
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'destination-keen is archived: it gets no new releases.' },
    ],
    [
      'an unknown connector',
      { connectorSlug: 'source-nowhere' },
      { code: 'NOT_FOUND', field: ['input', 'connectorSlug'], message: 'No connector has the slug "source-nowhere".' },
    ],
    [
      'a stale revision',
      { connectorSlug: 'source-faker', expectedRevision: 3 },
      { code: 'STALE_REVISION', field: ['input', 'expectedRevision'], message: 'source-faker is at revision 1, not 3: it changed since you read it.' },
    ],
    [
      'a version that is not x.y.z',
      { connectorSlug: 'source-faker', version: 'v8' },
      { code: 'VALIDATION', field: ['input', 'version'], message: 'version: must be a version such as 5.0.0' },
    ],
    [
      'a migration URL that is not http',
      { connectorSlug: 'source-faker', migrationDocumentationUrl: 'javascript:alert(1)' },
      { code: 'VALIDATION', field: ['input', 'migrationDocumentationUrl'], message: 'migrationDocumentationUrl: must be an http(s) URL' },
    ],
    [
      'an empty list of streams',
      { connectorSlug: 'source-faker', impactedStreams: [] },
      {
        code: 'VALIDATION',
        field: ['input', 'impactedStreams'],
        message: 'impactedStreams: give at least one stream, or leave it out when the whole connector is affected',
      },
    ],
  ];
  for (const [what, input, error] of refusals) {
    it(`refuses ${what}, writing nothing`, async () => {
      const before = await snapshot(h.db);
      const res = await h.gql(
        ANNOUNCE,
        { input: { version: '9.0.0', upgradeDeadline: '2027-06-01', message: 'A change worth announcing.', ...input } },
        publisher,
      );
      expect(res.errors).toBeUndefined();
      expect(res.data!.announceBreakingChange).toMatchObject({ breakingChange: null, userErrors: [error] });
      expect(await snapshot(h.db)).toEqual(before);
    });
  }

  it('refuses a deadline that is not a date before running, naming the field and the Date scalar', async () => {
    const before = await snapshot(h.db);
    const input = { connectorSlug: 'source-faker', version: '9.0.0', upgradeDeadline: 'next week', message: 'A change worth announcing.' };
    const res = await h.gql(ANNOUNCE, { input }, publisher);
    expect(res.data).toBeUndefined();
    expect(res.errors).toHaveLength(1);
    expect(res.errors![0]!.message).toContain('"input.upgradeDeadline"');
    expect(res.errors![0]!.message).toContain('Date cannot represent an invalid date-string next week');
    expect(await snapshot(h.db)).toEqual(before);
  });

  it('needs the publish scope: no token is UNAUTHENTICATED, a certify token FORBIDDEN', async () => {
    const before = await snapshot(h.db);
    const input = { connectorSlug: 'source-faker', version: '9.0.0', upgradeDeadline: '2027-06-01', message: 'A change worth announcing.' };
    const anonymous = await h.gql(ANNOUNCE, { input });
    expect(anonymous.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    const certifier = await h.gql(ANNOUNCE, { input }, await h.token('certifier', ['certify']));
    expect(certifier.errors![0]!.extensions!.code).toBe('FORBIDDEN');
    expect(await snapshot(h.db)).toEqual(before);
  });

  it('shows an announced change in the registry export', async () => {
    await h.gql(
      ANNOUNCE,
      { input: { connectorSlug: 'source-faker', version: '7.0.0', upgradeDeadline: '2027-01-15', message: 'Version 7.0.0 changes every stream.' } },
      publisher,
    );
    const doc = await (await h.get('/registries/v0/oss_registry.json')).json();
    const faker = doc.sources.find((s: any) => s.dockerRepository === 'airbyte/source-faker');
    expect(faker.releases.breakingChanges['7.0.0']).toEqual({
      upgradeDeadline: '2027-01-15',
      message: 'Version 7.0.0 changes every stream.',
      migrationDocumentationUrl: 'https://docs.airbyte.com/integrations/sources/faker-migrations#7.0.0',
    });
  });
});
