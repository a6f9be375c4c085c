import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { apiTokens, certificationEvents, connectors } from '../src/db/schema.js';
import { transaction } from '../src/db/transaction.js';
import { revokeToken } from '../src/domain/tokens/tokens.js';
import { closeHarness, type Gateway, secondGateway } from './helpers/gateways.js';
import { createHarness, snapshot, type Harness } from './helpers/harness.js';

const CERTIFY = `mutation($input: CertifyConnectorInput!) {
  certifyConnector(input: $input) {
    connector { slug supportLevel revision availableOn }
    event { fromLevel toLevel actor reason evidence source connector { slug } }
    fromLevel toLevel newSlaDeployments dryRun
    userErrors { code field message }
  }
}`;
const ANNOUNCE = `mutation($input: AnnounceBreakingChangeInput!) { announceBreakingChange(input: $input) { connector { revision } userErrors { code field message } } }`;
const REASON = 'Passed acceptance tests at 99.9% sync success for 90 days.';

describe('certifyConnector', () => {
  let h: Harness;
  let certifier: string;
  beforeEach(async () => {
    h = await createHarness();
    certifier = await h.token('release-bot', ['certify']);
  });
  afterEach(() => closeHarness(h));

  it('certifies a community connector: level changed, revision bumped, event written, in one go', async () => {
    const res = await h.gql(
      CERTIFY,
      { input: { connectorSlug: 'source-faker', reason: REASON, evidence: 'https://example.test/run/42', expectedRevision: 1 } },
      certifier,
    );
    expect(res.errors).toBeUndefined();
    expect(res.data!.certifyConnector).toEqual({
      connector: {
        slug: 'source-faker',
        supportLevel: 'CERTIFIED',
        revision: 2,
        availableOn: ['CLOUD', 'POWERED_BY_AIRBYTE', 'SELF_MANAGED_ENTERPRISE', 'COMMUNITY_OSS'],
      },
      event: {
        fromLevel: 'COMMUNITY',
        toLevel: 'CERTIFIED',
        actor: 'release-bot',
        reason: REASON,
        evidence: 'https://example.test/run/42',
        source: 'MUTATION',
        connector: { slug: 'source-faker' },
      },
      fromLevel: 'COMMUNITY',
      toLevel: 'CERTIFIED',
      newSlaDeployments: ['CLOUD', 'POWERED_BY_AIRBYTE', 'SELF_MANAGED_ENTERPRISE'],
      dryRun: false,
      userErrors: [],
    });
    const after = await h.gql(`{ connector(slug: "source-faker") { supportLevel revision certificationHistory { fromLevel toLevel actor reason } }
      connectors(filter: {supportedOn: SELF_MANAGED_ENTERPRISE, withSla: true, search: "sample"}, first: 5) { totalCount } }`);
    expect(after.data).toEqual({
      connector: {
        supportLevel: 'CERTIFIED',
        revision: 2,
        certificationHistory: [{ fromLevel: 'COMMUNITY', toLevel: 'CERTIFIED', actor: 'release-bot', reason: REASON }],
      },
      connectors: { totalCount: 1 },
    });
  });

  it('accepts the connector global id instead of the slug', async () => {
    const id = (await h.gql(`{ connector(slug: "destination-duckdb") { id } }`)).data!.connector.id;
    const res = await h.gql(CERTIFY, { input: { connectorId: id, reason: REASON } }, certifier);
    expect(res.data!.certifyConnector.connector).toMatchObject({ slug: 'destination-duckdb', supportLevel: 'CERTIFIED' });
  });

  it('dry run reports what would change and writes nothing', async () => {
    const before = await snapshot(h.db);
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'destination-kafka', reason: REASON, dryRun: true } }, certifier);
    expect(res.data!.certifyConnector).toEqual({
      connector: { slug: 'destination-kafka', supportLevel: 'COMMUNITY', revision: 1, availableOn: ['SELF_MANAGED_ENTERPRISE', 'COMMUNITY_OSS'] },
      event: null,
      fromLevel: 'COMMUNITY',
      toLevel: 'CERTIFIED',
      newSlaDeployments: ['SELF_MANAGED_ENTERPRISE'],
      dryRun: true,
      userErrors: [],
    });
    expect(await snapshot(h.db)).toEqual(before);
  });

  const refusals: [string, Record<string, unknown>, { code: string; field: string[] | null; message: string | RegExp }][] = [
    [
      'an unknown slug',
      { connectorSlug: 'source-does-not-exist' },
      { code: 'NOT_FOUND', field: ['input', 'connectorSlug'], message: 'No connector has the slug "source-does-not-exist".' },
    ],
    [
      'an unknown id',
      { connectorId: 'Q29ubmVjdG9yOjk5OTk=' },
      { code: 'NOT_FOUND', field: ['input', 'connectorId'], message: 'No connector has the id 9999.' },
    ],
    [
      'a certified connector',
      { connectorSlug: 'source-postgres' },
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'source-postgres is already certified.' },
    ],
    [
      'a custom connector of another organization, as if it did not exist',
      { connectorSlug: 'source-acme-billing' },
      { code: 'NOT_FOUND', field: ['input', 'connectorSlug'], message: 'No connector has the slug "source-acme-billing".' },
    ],
    [
      'an archived connector',
      { connectorSlug: 'destination-keen' },
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'destination-keen is archived; only community connectors can be certified.' },
    ],
    [
      'an enterprise connector',
      { connectorSlug: 'source-workday' },
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'source-workday is enterprise; only community connectors can be certified.' },
    ],
    [
      'a stale revision',
      { connectorSlug: 'source-faker', expectedRevision: 7 },
      { code: 'STALE_REVISION', field: ['input', 'expectedRevision'], message: 'source-faker is at revision 1, not 7: it changed since you read it.' },
    ],
    [
      'a short reason',
      { connectorSlug: 'source-faker', reason: '  too short ' },
      { code: 'VALIDATION', field: ['input', 'reason'], message: 'reason: must be at least 10 characters' },
    ],
    [
      'a long reason',
      { connectorSlug: 'source-faker', reason: 'x'.repeat(2001) },
      { code: 'VALIDATION', field: ['input', 'reason'], message: 'reason: must be at most 2000 characters' },
    ],
    [
      'both slug and id',
      { connectorSlug: 'source-faker', connectorId: 'Q29ubmVjdG9yOjE=' },
      { code: 'VALIDATION', field: ['input', 'connectorSlug'], message: 'connectorSlug: give exactly one of connectorSlug or connectorId' },
    ],
    [
      'neither slug nor id',
      {},
      { code: 'VALIDATION', field: ['input', 'connectorSlug'], message: 'connectorSlug: give exactly one of connectorSlug or connectorId' },
    ],
    [
      'an id of another type',
      { connectorId: 'VXNlcjox' },
      { code: 'VALIDATION', field: ['input', 'connectorId'], message: 'connectorId: must be a Connector id as returned by Connector.id' },
    ],
    [
      'a malformed slug',
      { connectorSlug: 'Postgres!' },
      { code: 'VALIDATION', field: ['input', 'connectorSlug'], message: /^connectorSlug: must look like source-<name>/ },
    ],
    [
      'a revision of zero',
      { connectorSlug: 'source-faker', expectedRevision: 0 },
      { code: 'VALIDATION', field: ['input', 'expectedRevision'], message: 'expectedRevision: must be 1 or more' },
    ],
  ];

  for (const [what, input, error] of refusals) {
    it(`refuses ${what} with a userError and writes nothing`, async () => {
      const before = await snapshot(h.db);
      const res = await h.gql(CERTIFY, { input: { reason: REASON, ...input } }, certifier);
      expect(res.errors).toBeUndefined();
      const payload = res.data!.certifyConnector;
      expect(payload.userErrors).toHaveLength(1);
      expect(payload.userErrors[0]).toMatchObject({ code: error.code, field: error.field });
      expect(payload.userErrors[0].message).toMatch(
        typeof error.message === 'string' ? new RegExp(`^${error.message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`) : error.message,
      );
      expect(payload.event).toBeNull();
      expect(await snapshot(h.db)).toEqual(before);
    });
  }

  it('refuses a second certification of the same connector after the first succeeded', async () => {
    await h.gql(CERTIFY, { input: { connectorSlug: 'source-asana', reason: REASON } }, certifier);
    const again = await h.gql(CERTIFY, { input: { connectorSlug: 'source-asana', reason: REASON, expectedRevision: 1 } }, certifier);
    expect(again.data!.certifyConnector.userErrors).toEqual([
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'source-asana is already certified.' },
    ]);
  });

  const authCases: [string, () => string | undefined, string, number][] = [
    ['no token', () => undefined, 'UNAUTHENTICATED', 401],
    ['an unknown token', () => 'crg_notatokenthatexists', 'UNAUTHENTICATED', 401],
    ['a malformed token', () => 'hunter2', 'UNAUTHENTICATED', 401],
  ];
  for (const [what, token, code, status] of authCases) {
    it(`refuses a call with ${what} as ${code} and writes nothing`, async () => {
      const before = await snapshot(h.db);
      const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON } }, token());
      expect(res.status).toBe(status);
      expect(res.errors![0]!.extensions!.code).toBe(code);
      expect(res.data?.certifyConnector ?? null).toBeNull();
      expect(await snapshot(h.db)).toEqual(before);
    });
  }

  it('refuses a revoked token as UNAUTHENTICATED', async () => {
    const token = await h.token('old-bot', ['certify']);
    expect(await revokeToken(h.db, 'old-bot')).toBe(true);
    const before = await snapshot(h.db);
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON } }, token);
    expect(res.errors![0]!.extensions!.code).toBe('UNAUTHENTICATED');
    expect(await snapshot(h.db)).toEqual(before);
  });

  it('refuses a token without the certify scope as FORBIDDEN, before validating the input', async () => {
    const reader = await h.token('reader', ['read:private', 'publish']);
    const before = await snapshot(h.db);
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: 'short' } }, reader);
    expect(res.status).toBe(403);
    expect(res.errors![0]).toMatchObject({ message: 'This token lacks the scope that certifyConnector needs.', extensions: { code: 'FORBIDDEN' } });
    expect(res.data?.certifyConnector ?? null).toBeNull();
    expect(await snapshot(h.db)).toEqual(before);
  });

  it("refuses to certify its own organization's custom connector as an invalid transition", async () => {
    const acme = await h.token('acme-bot', ['certify']);
    await transaction(h.db, (tx) => tx.update(apiTokens).set({ organization: 'acme' }).where(eq(apiTokens.name, 'acme-bot')));
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-acme-billing', reason: REASON } }, acme);
    expect(res.data!.certifyConnector.userErrors).toEqual([
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'source-acme-billing is custom; only community connectors can be certified.' },
    ]);
  });

  it('lets an admin token certify', async () => {
    const admin = await h.token('root', ['admin']);
    const res = await h.gql(CERTIFY, { input: { connectorSlug: 'source-trello', reason: REASON } }, admin);
    expect(res.data!.certifyConnector.event.actor).toBe('root');
  });

  it('records when a token was last used', async () => {
    const lastUsed = async () => (await h.db.select({ at: apiTokens.lastUsedAt }).from(apiTokens).where(eq(apiTokens.name, 'release-bot')))[0]!.at;
    expect(await lastUsed()).toBeNull();
    await h.gql(CERTIFY, { input: { connectorSlug: 'source-faker', reason: REASON, dryRun: true } }, certifier);
    expect(await lastUsed()).toMatch(/^\d{4}-\d\d-\d\dT/);
  });
});

describe('certifyConnector on two gateways at once (two connections to one database)', () => {
  let h: Harness;
  let other: Gateway;
  let certifier: string;
  beforeEach(async () => {
    h = await createHarness();
    certifier = await h.token('release-bot', ['certify']);
    other = await secondGateway(h.db);
  });
  afterEach(async () => {
    await other.close();
    await closeHarness(h);
  });

  it('lets exactly one of two concurrent certifications of one connector win; the other is refused as already certified', async () => {
    const input = { connectorSlug: 'source-faker', reason: REASON };
    const answers = await Promise.all([h.gql(CERTIFY, { input }, certifier), other.gql(CERTIFY, { input }, certifier)]);
    const payloads = answers.map((a) => a.data!.certifyConnector);
    const won = payloads.filter((p) => p.userErrors.length === 0);
    expect(won).toHaveLength(1);
    expect(won[0]).toMatchObject({ connector: { slug: 'source-faker', supportLevel: 'CERTIFIED', revision: 2 }, fromLevel: 'COMMUNITY' });
    expect(payloads.find((p) => p.userErrors.length)!.userErrors).toEqual([
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'source-faker is already certified.' },
    ]);
    const [faker] = await h.db.select().from(connectors).where(eq(connectors.slug, 'source-faker'));
    expect(faker).toMatchObject({ supportLevel: 'certified', revision: 2 });
    const events = await h.db.select().from(certificationEvents).where(eq(certificationEvents.connectorId, faker!.id));
    expect(events.map((e) => [e.fromLevel, e.toLevel])).toEqual([['community', 'certified']]);
  });

  it('refuses the loser of two concurrent changes made against the same expectedRevision as STALE_REVISION', async () => {
    // A certification and an announcement: each still allowed after the other, so only the revision check can refuse.
    const publisher = await h.token('publisher', ['publish']);
    const announce = { connectorSlug: 'source-asana', version: '9.0.0', upgradeDeadline: '2031-01-01', message: 'Every stream is renamed.' };
    const answers = await Promise.all([
      h.gql(CERTIFY, { input: { connectorSlug: 'source-asana', reason: REASON, expectedRevision: 1 } }, certifier),
      other.gql(ANNOUNCE, { input: { ...announce, expectedRevision: 1 } }, publisher),
    ]);
    const payloads = [answers[0]!.data!.certifyConnector, answers[1]!.data!.announceBreakingChange];
    expect(payloads.filter((p) => p.userErrors.length === 0)).toHaveLength(1);
    const lost = payloads.find((p) => p.userErrors.length)!;
    expect(lost.userErrors).toEqual([
      { code: 'STALE_REVISION', field: ['input', 'expectedRevision'], message: 'source-asana is at revision 2, not 1: it changed since you read it.' },
    ]);
    const [asana] = await h.db.select().from(connectors).where(eq(connectors.slug, 'source-asana'));
    expect(asana!.revision).toBe(2);
  });
});
