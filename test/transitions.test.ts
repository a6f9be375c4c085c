// Support-level transitions as data: supportLevelTransitions lists the table the mutations enforce;
// decertify, archive and unarchive write their audit events, replay by idempotency key, refuse in
// userErrors, and reach subscribers and webhooks as `certification` events.
import { createServer, type Server } from 'node:http';
import { eq, sql } from 'drizzle-orm';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { rawRows } from '../src/db/raw.js';
import { connectors, supportLevels } from '../src/db/schema.js';
import { closeHarness } from './helpers/gateways.js';
import { createHarness, snapshot, type Harness } from './helpers/harness.js';

const REASON = 'Maintainers left; acceptance tests fail since May.';
const FIELDS = `connector { slug supportLevel revision } event { fromLevel toLevel actor reason source }
  fromLevel toLevel newSlaDeployments endedSlaDeployments dryRun replayed userErrors { code field message }`;
const call = (mutation: string) => `mutation($input: ${mutation[0]!.toUpperCase()}${mutation.slice(1)}Input!) { ${mutation}(input: $input) { ${FIELDS} } }`;
const upper = (key: string) => key.toUpperCase();

/** From the policy tables: the deployments where `slug` is enabled and `level` gets an official SLA. */
async function slaDeployments(h: Harness, slug: string, level: string): Promise<string[]> {
  const rows = await rawRows<{ deployment: string }>(
    h.db,
    sql`select a.deployment from connector_availability a join connectors c on c.id = a.connector_id join deployments d on d.key = a.deployment
       join support_policies p on p.deployment = a.deployment and p.support_level = ${level} join sla_tiers t on t.key = p.sla_tier
       where c.slug = ${slug} and a.enabled = true and t.official_sla = true order by d.sort_order`,
  );
  return rows.map((r) => r.deployment);
}

const levelOf = async (h: Harness, slug: string) =>
  (await h.db.select({ level: connectors.supportLevel }).from(connectors).where(eq(connectors.slug, slug)))[0]?.level;

describe('supportLevelTransitions', () => {
  it('lists every allowed change with its mutation, scope and whether users are told', async () => {
    const h = await createHarness({ connectors: false });
    const res = await h.gql('{ supportLevelTransitions { from to mutation scope notifyUsers description } }');
    expect(res.errors).toBeUndefined();
    const levels = (await h.db.select({ key: supportLevels.key }).from(supportLevels).orderBy(supportLevels.sortOrder))
      .map((r) => r.key)
      .filter((l) => l !== 'archived');
    const expected = [
      { from: 'COMMUNITY', to: 'CERTIFIED', mutation: 'certifyConnector', scope: 'certify', notifyUsers: true },
      { from: 'CERTIFIED', to: 'COMMUNITY', mutation: 'decertifyConnector', scope: 'certify', notifyUsers: true },
      ...levels.map((l) => ({ from: upper(l), to: 'ARCHIVED', mutation: 'archiveConnector', scope: 'admin', notifyUsers: true })),
      ...levels.map((l) => ({ from: 'ARCHIVED', to: upper(l), mutation: 'unarchiveConnector', scope: 'admin', notifyUsers: false })),
    ];
    const rows = res.data!.supportLevelTransitions as Record<string, unknown>[];
    expect(rows.map(({ description, ...rest }) => rest).sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)))).toEqual(
      expected.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
    );
    for (const row of rows) expect(String(row.description).length).toBeGreaterThan(20);
    await closeHarness(h);
  });
});

describe('decertifyConnector, archiveConnector and unarchiveConnector', () => {
  let h: Harness;
  let certifier: string;
  let admin: string;
  beforeEach(async () => {
    h = await createHarness();
    certifier = await h.token('release-bot', ['certify']);
    admin = await h.token('root', ['admin']);
  });
  afterEach(() => closeHarness(h));

  it('decertify dry run lists the deployments whose SLA ends, and writes nothing', async () => {
    const community = await slaDeployments(h, 'source-postgres', 'community');
    const ended = (await slaDeployments(h, 'source-postgres', 'certified')).filter((d) => !community.includes(d));
    expect(ended.length).toBeGreaterThan(0);
    const before = await snapshot(h.db);
    const res = await h.gql(call('decertifyConnector'), { input: { connectorSlug: 'source-postgres', reason: REASON, dryRun: true } }, certifier);
    expect(res.data!.decertifyConnector).toEqual({
      connector: { slug: 'source-postgres', supportLevel: 'CERTIFIED', revision: 1 },
      event: null,
      fromLevel: 'CERTIFIED',
      toLevel: 'COMMUNITY',
      newSlaDeployments: [],
      endedSlaDeployments: ended.map(upper),
      dryRun: true,
      replayed: false,
      userErrors: [],
    });
    expect(await snapshot(h.db)).toEqual(before);
  });

  it('decertifies: level, revision and audit event in one go', async () => {
    const res = await h.gql(call('decertifyConnector'), { input: { connectorSlug: 'source-postgres', reason: REASON, expectedRevision: 1 } }, certifier);
    expect(res.data!.decertifyConnector).toMatchObject({
      connector: { slug: 'source-postgres', supportLevel: 'COMMUNITY', revision: 2 },
      event: { fromLevel: 'CERTIFIED', toLevel: 'COMMUNITY', actor: 'release-bot', reason: REASON, source: 'MUTATION' },
      fromLevel: 'CERTIFIED',
      toLevel: 'COMMUNITY',
      dryRun: false,
      userErrors: [],
    });
    expect(await levelOf(h, 'source-postgres')).toBe('community');
  });

  it('archives a certified connector and unarchives it back to certified, with both events in its history', async () => {
    const archived = await h.gql(call('archiveConnector'), { input: { connectorSlug: 'source-postgres', reason: REASON } }, admin);
    expect(archived.data!.archiveConnector).toMatchObject({
      connector: { supportLevel: 'ARCHIVED', revision: 2 },
      fromLevel: 'CERTIFIED',
      toLevel: 'ARCHIVED',
    });
    expect(archived.data!.archiveConnector.endedSlaDeployments).toEqual((await slaDeployments(h, 'source-postgres', 'certified')).map(upper));
    const back = await h.gql(
      call('unarchiveConnector'),
      { input: { connectorSlug: 'source-postgres', reason: 'Back in use: tests pass again.', dryRun: true } },
      admin,
    );
    expect(back.data!.unarchiveConnector).toMatchObject({ connector: { supportLevel: 'ARCHIVED' }, fromLevel: 'ARCHIVED', toLevel: 'CERTIFIED', dryRun: true });
    const done = await h.gql(call('unarchiveConnector'), { input: { connectorSlug: 'source-postgres', reason: 'Back in use: tests pass again.' } }, admin);
    expect(done.data!.unarchiveConnector).toMatchObject({ connector: { supportLevel: 'CERTIFIED', revision: 3 }, toLevel: 'CERTIFIED', userErrors: [] });
    const history = await h.gql('{ connector(slug: "source-postgres") { certificationHistory { fromLevel toLevel actor } } }');
    expect(history.data!.connector.certificationHistory).toEqual([
      { fromLevel: 'ARCHIVED', toLevel: 'CERTIFIED', actor: 'root' },
      { fromLevel: 'CERTIFIED', toLevel: 'ARCHIVED', actor: 'root' },
    ]);
  });

  it('unarchives to the level before the latest archiving, not an earlier one', async () => {
    for (const [mutation, token] of [
      ['archiveConnector', admin],
      ['unarchiveConnector', admin],
      ['certifyConnector', certifier],
      ['archiveConnector', admin],
      ['unarchiveConnector', admin],
    ] as const) {
      const res = await h.gql(call(mutation), { input: { connectorSlug: 'source-faker', reason: REASON } }, token);
      expect(res.data![mutation].userErrors, mutation).toEqual([]);
    }
    expect(await levelOf(h, 'source-faker')).toBe('certified');
  });

  const refusals: [string, string, Record<string, unknown>, { code: string; field: string[]; message: string }][] = [
    [
      'decertify',
      'a community connector',
      { connectorSlug: 'source-faker' },
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'source-faker is already community.' },
    ],
    [
      'decertify',
      'an enterprise connector',
      { connectorSlug: 'source-workday' },
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'source-workday is enterprise; only certified connectors can be decertified.' },
    ],
    [
      'decertify',
      'a missing reason',
      { connectorSlug: 'source-postgres', reason: '   ' },
      { code: 'VALIDATION', field: ['input', 'reason'], message: 'reason: must be at least 10 characters' },
    ],
    [
      'archive',
      'an archived connector',
      { connectorSlug: 'destination-keen' },
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'destination-keen is already archived.' },
    ],
    [
      'unarchive',
      'a connector that is not archived',
      { connectorSlug: 'source-workday' },
      { code: 'INVALID_TRANSITION', field: ['input', 'connectorSlug'], message: 'source-workday is enterprise; only archived connectors can be unarchived.' },
    ],
    [
      'unarchive',
      'a connector archived before any event was recorded',
      { connectorSlug: 'destination-keen' },
      {
        code: 'INVALID_TRANSITION',
        field: ['input', 'connectorSlug'],
        message: 'destination-keen was archived with no recorded level before it, so there is no level to return it to.',
      },
    ],
    [
      'archive',
      'a stale revision',
      { connectorSlug: 'source-faker', expectedRevision: 4 },
      { code: 'STALE_REVISION', field: ['input', 'expectedRevision'], message: 'source-faker is at revision 1, not 4: it changed since you read it.' },
    ],
    [
      'archive',
      'an unknown slug',
      { connectorSlug: 'source-nothing-here' },
      { code: 'NOT_FOUND', field: ['input', 'connectorSlug'], message: 'No connector has the slug "source-nothing-here".' },
    ],
  ];
  for (const [verb, what, input, error] of refusals) {
    it(`refuses to ${verb} ${what} with a userError naming the field and the rule, writing nothing`, async () => {
      const mutation = `${verb}Connector`;
      const before = await snapshot(h.db);
      const res = await h.gql(call(mutation), { input: { reason: REASON, ...input } }, admin);
      expect(res.errors).toBeUndefined();
      expect(res.data![mutation]).toMatchObject({ event: null, fromLevel: null, toLevel: null, userErrors: [error] });
      expect(await snapshot(h.db)).toEqual(before);
    });
  }

  it("refuses archiving with a token that has only the certify scope, as the table's admin scope says", async () => {
    const before = await snapshot(h.db);
    const res = await h.gql(call('archiveConnector'), { input: { connectorSlug: 'source-faker', reason: REASON } }, certifier);
    expect(res.status).toBe(403);
    expect(res.errors![0]).toMatchObject({ message: 'This token lacks the scope that archiveConnector needs.', extensions: { code: 'FORBIDDEN' } });
    expect(await snapshot(h.db)).toEqual(before);
  });

  it('replays an archiving sent again with the same idempotency key, and refuses the key for another request', async () => {
    const input = { connectorSlug: 'source-faker', reason: REASON, idempotencyKey: 'archive-faker-1' };
    const first = await h.gql(call('archiveConnector'), { input }, admin);
    const after = await snapshot(h.db);
    const retry = await h.gql(call('archiveConnector'), { input }, admin);
    expect(retry.data!.archiveConnector).toEqual({ ...first.data!.archiveConnector, replayed: true });
    expect(await snapshot(h.db)).toEqual(after);
    const other = await h.gql(call('archiveConnector'), { input: { ...input, connectorSlug: 'source-asana' } }, admin);
    expect(other.data!.archiveConnector.userErrors).toEqual([
      {
        code: 'CONFLICT',
        field: ['input', 'idempotencyKey'],
        message: 'idempotencyKey: "archive-faker-1" was already used for a different request (archiveConnector); use a new key for a new request',
      },
    ]);
    expect(await snapshot(h.db)).toEqual(after);
  });
});

describe('transitions reach subscribers and webhooks as certification events', () => {
  let receiver: Server;
  let url = '';
  const bodies: string[] = [];
  beforeAll(async () => {
    receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        bodies.push(body);
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks`;
  });
  afterAll(() => new Promise<void>((r) => receiver.close(() => r())));

  it('delivers decertify and archive with their levels to a webhook and a subscription', async () => {
    const h = await createHarness({ webhooks: { retryBaseMs: 50, maxAttempts: 2, timeoutMs: 2000, allowPrivate: ['127.0.0.1/32'] } });
    const admin = await h.token('root', ['admin']);
    await h.gql('mutation($i: RegisterWebhookInput!) { registerWebhook(input: $i) { userErrors { code } } }', { i: { url, events: ['CERTIFICATION'] } }, admin);
    const controller = new AbortController();
    const stream = await h.fetch('/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: 'subscription { certificationEvents { fromLevel toLevel connector { slug } } }' }),
      signal: controller.signal,
    });
    expect(stream.status).toBe(200);
    const frames: unknown[] = [];
    const reading = (async () => {
      const reader = stream.body!.getReader();
      let text = '';
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) return;
          text += new TextDecoder().decode(value);
          for (let at = text.indexOf('\n\n'); at >= 0; at = text.indexOf('\n\n')) {
            const data = text
              .slice(0, at)
              .split('\n')
              .filter((l) => l.startsWith('data:'))
              .map((l) => l.slice(5))
              .join('');
            text = text.slice(at + 2);
            if (data.trim()) frames.push(JSON.parse(data));
          }
        }
      } catch {
        // aborted at the end of the test
      }
    })();
    // The subscription is registered once its stream is open; give it a moment before publishing.
    await new Promise((r) => setTimeout(r, 100));
    await h.gql(call('decertifyConnector'), { input: { connectorSlug: 'source-postgres', reason: REASON } }, admin);
    await h.gql(call('archiveConnector'), { input: { connectorSlug: 'source-postgres', reason: REASON } }, admin);
    await expect.poll(() => frames.length, { timeout: 5000 }).toBe(2);
    expect(frames).toEqual([
      { data: { certificationEvents: { fromLevel: 'CERTIFIED', toLevel: 'COMMUNITY', connector: { slug: 'source-postgres' } } } },
      { data: { certificationEvents: { fromLevel: 'COMMUNITY', toLevel: 'ARCHIVED', connector: { slug: 'source-postgres' } } } },
    ]);
    await expect.poll(() => bodies.length, { timeout: 5000 }).toBe(2);
    const levels = bodies.map((b) => JSON.parse(b)).map((b) => [b.event, b.data.connector.slug, b.data.fromLevel, b.data.toLevel]);
    expect(levels.sort()).toEqual([
      ['certification', 'source-postgres', 'certified', 'community'],
      ['certification', 'source-postgres', 'community', 'archived'],
    ]);
    controller.abort();
    await reading;
    await closeHarness(h);
  });
});
